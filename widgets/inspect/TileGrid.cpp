#include "TileGrid.h"

#include <QMouseEvent>
#include <QPainter>

#include <algorithm>

#include "PresentationMode.h"

namespace {

constexpr int kGap = 8;     // between tiles
constexpr int kMargin = 3;  // around the grid, so a selection outline is never clipped
const QColor kSelection(25, 95, 230);
const QColor kHover(25, 95, 230, 110);

}  // namespace

TileGrid::TileGrid(QWidget *parent) : QWidget(parent) {
    setAccessibleName(tr("Pictures"));
    setMouseTracking(true);
    setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Preferred);
}

void TileGrid::setTiles(const QVector<Tile> &tiles) {
    m_tiles = tiles;
    if (m_selected >= m_tiles.size()) m_selected = -1;
    m_hover = -1;
    describe();
    updateGeometry();
    update();
}

void TileGrid::setTileSize(int side) {
    if (side == m_side) return;
    m_side = std::max(8, side);
    updateGeometry();
    update();
}

void TileGrid::setColumns(int columns) {
    m_columns = std::max(0, columns);
    updateGeometry();
    update();
}

void TileGrid::setCaptionLines(int lines) {
    m_captionLines = std::max(0, lines);
    updateGeometry();
    update();
}

void TileGrid::setSelectable(bool selectable) {
    m_selectable = selectable;
    setCursor(selectable ? Qt::PointingHandCursor : Qt::ArrowCursor);
}

void TileGrid::setSmooth(bool smooth) {
    m_smooth = smooth;
    update();
}

void TileGrid::setSelected(int index) {
    m_selected = index >= 0 && index < m_tiles.size() ? index : -1;
    describe();
    update();
}

QString TileGrid::tileText(int index) const {
    const Tile &t = m_tiles[index];
    return t.toolTip.isEmpty() ? QString(t.caption).replace(QLatin1Char('\n'), QStringLiteral(", ")) : t.toolTip;
}

void TileGrid::describe() {
    // What a screen reader says after the grid's name: every tile (stage and channel, score,
    // value range), then the selected one.
    QStringList tiles;
    for (int i = 0; i < m_tiles.size(); ++i) tiles << tileText(i);
    QString text = m_tiles.isEmpty() ? tr("empty") : tr("%n picture(s): %1", nullptr, static_cast<int>(m_tiles.size()))
                                                        .arg(tiles.join(QStringLiteral("; ")));
    if (m_selected >= 0) text += tr(". Selected: %1").arg(tileText(m_selected));
    setAccessibleDescription(text);
}

int TileGrid::columnsFor(int width) const {
    if (m_columns > 0) return m_columns;
    return std::max(1, (width - 2 * kMargin + kGap) / (m_side + kGap));
}

int TileGrid::columns() const { return columnsFor(width()); }

int TileGrid::cellHeight() const { return m_side + m_captionLines * fontMetrics().height() + kGap; }

int TileGrid::heightForWidth(int width) const {
    const int cols = columnsFor(width);
    const int rows = (static_cast<int>(m_tiles.size()) + cols - 1) / cols;
    return std::max(1, rows) * cellHeight() + 2 * kMargin;
}

QSize TileGrid::sizeHint() const {
    const int cols = m_columns > 0 ? m_columns : std::min<int>(std::max<int>(1, m_tiles.size()), 8);
    return {cols * (m_side + kGap) + 2 * kMargin, heightForWidth(cols * (m_side + kGap) + 2 * kMargin)};
}

QSize TileGrid::minimumSizeHint() const {
    const int cols = m_columns > 0 ? m_columns : 1;
    const int width = cols * (m_side + kGap) + 2 * kMargin;
    return {width, m_columns > 0 ? heightForWidth(width) : cellHeight() + 2 * kMargin};
}

QRect TileGrid::tileRect(int index) const {
    const int cols = columns();
    const int row = index / cols, col = index % cols;
    QRect cell(kMargin + col * (m_side + kGap), kMargin + row * cellHeight(), m_side, m_side);
    if (index < 0 || index >= m_tiles.size() || m_tiles[index].image.isNull()) return cell;
    // Pictures keep their aspect ratio inside the square cell, centred.
    const QSize size = m_tiles[index].image.size().scaled(m_side, m_side, Qt::KeepAspectRatio);
    return QRect(cell.x() + (m_side - size.width()) / 2, cell.y() + (m_side - size.height()) / 2, size.width(),
                 size.height());
}

int TileGrid::indexAt(const QPoint &pos) const {
    for (int i = 0; i < m_tiles.size(); ++i)
        if (tileRect(i).contains(pos)) return i;
    return -1;
}

void TileGrid::paintEvent(QPaintEvent *) {
    QPainter p(this);
    p.setRenderHint(QPainter::SmoothPixmapTransform, m_smooth);
    const int lineHeight = fontMetrics().height();
    for (int i = 0; i < m_tiles.size(); ++i) {
        const Tile &t = m_tiles[i];
        const QRect r = tileRect(i);
        if (t.image.isNull()) {
            p.setPen(QPen(palette().color(QPalette::Mid), 1, Qt::DashLine));
            p.setBrush(Qt::NoBrush);
            p.drawRect(r.adjusted(0, 0, -1, -1));
            p.setPen(palette().color(QPalette::PlaceholderText));
            p.drawText(r.adjusted(4, 4, -4, -4), Qt::AlignCenter | Qt::TextWordWrap, t.caption);
            continue;
        }
        p.drawImage(r, t.image);
        if (m_selectable && (i == m_selected || i == m_hover)) {
            p.setPen(QPen(i == m_selected ? kSelection : kHover, (i == m_selected ? 4 : 3) * PresentationMode::penScale()));
            p.setBrush(Qt::NoBrush);
            p.drawRect(r.adjusted(-2, -2, 1, 1));
        }
        if (m_captionLines > 0 && !t.caption.isEmpty()) {
            const int cols = columns();
            const QRect cell(kMargin + (i % cols) * (m_side + kGap), kMargin + (i / cols) * cellHeight() + m_side + 2,
                             m_side, m_captionLines * lineHeight);
            p.setPen(palette().color(QPalette::WindowText));
            const QStringList lines = t.caption.split(QLatin1Char('\n'));
            for (int l = 0; l < std::min<int>(m_captionLines, lines.size()); ++l)
                p.drawText(QRect(cell.x(), cell.y() + l * lineHeight, cell.width(), lineHeight),
                           Qt::AlignHCenter | Qt::AlignTop,
                           fontMetrics().elidedText(lines[l], Qt::ElideRight, cell.width()));
        }
    }
}

void TileGrid::mousePressEvent(QMouseEvent *event) {
    const int i = indexAt(event->position().toPoint());
    if (!m_selectable || i < 0 || m_tiles[i].image.isNull()) return;
    m_selected = i;
    describe();
    update();
    Q_EMIT tileClicked(i);
}

void TileGrid::mouseMoveEvent(QMouseEvent *event) {
    const int i = indexAt(event->position().toPoint());
    if (i != m_hover) {
        m_hover = i;
        setToolTip(i >= 0 ? m_tiles[i].toolTip : QString());
        update();
    }
}

void TileGrid::leaveEvent(QEvent *) {
    m_hover = -1;
    update();
}
