#include "GridEditor.h"

#include <QAccessible>
#include <QDoubleSpinBox>
#include <QFocusEvent>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>

#include "LearnStyle.h"
#include "PresentationMode.h"

using unetlab::ops::Cell;
using unetlab::ops::Grid;

namespace {

// Diverging map ends (ColorBrewer PRGn's green, a clear blue) and the middle.
const QColor kNegative(40, 100, 200);
const QColor kPositive(27, 120, 55);
const QColor kZero(250, 250, 250);
const QColor kBackground(245, 245, 245);  // Mask 0
const QColor kEmpty(236, 238, 242);       // not computed yet
const QColor kGridLine(120, 120, 120);
const QColor kRingFill(226, 226, 226);
const QColor kBlockLine(150, 150, 150);  // mid grey: visible on black and on white cells

// Value text height and width as fractions of the cell side.
constexpr double kTextHeight = 0.36;
constexpr double kTextWidth = 0.84;

QColor blend(const QColor &a, const QColor &b, double t) {
    t = std::clamp(t, 0.0, 1.0);
    return QColor::fromRgbF(static_cast<float>(a.redF() + (b.redF() - a.redF()) * t),
                            static_cast<float>(a.greenF() + (b.greenF() - a.greenF()) * t),
                            static_cast<float>(a.blueF() + (b.blueF() - a.blueF()) * t));
}

QColor inkOn(const QColor &fill) {
    const double luminance = 0.2126 * fill.redF() + 0.7152 * fill.greenF() + 0.0722 * fill.blueF();
    return luminance < 0.5 ? QColor(Qt::white) : QColor(20, 20, 20);
}

// Rounds a logical coordinate to the nearest device pixel.
qreal snap(qreal x, qreal dpr) { return std::round(x * dpr) / dpr; }

}  // namespace

GridEditor::GridEditor(QWidget *parent) : QWidget(parent) {
    setFocusPolicy(Qt::StrongFocus);
    setAccessibleName(tr("Grid"));  // until the lesson names it (setGridName)
    QSizePolicy policy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    policy.setHeightForWidth(true);
    setSizePolicy(policy);
    setMouseTracking(false);
}

void GridEditor::setGrid(const Grid &grid) {
    const bool reshaped = !grid.sameShape(m_grid);
    m_grid = grid;
    if (!m_grid.contains(m_current.row, m_current.col)) m_current = {0, 0};
    if (reshaped) {
        closeEditor(false);
        updateGeometry();
        relayout();
    }
    announceCurrentCell();
    update();
}

void GridEditor::setEditable(bool editable) {
    m_editable = editable;
    if (!editable) closeEditor(false);
    update();
}

void GridEditor::setValueSteps(const ValueSteps &steps) { m_steps = steps; }

double GridEditor::steppedValue(double value, int direction, bool wrap) const {
    const double lo = m_steps.minimum, hi = m_steps.maximum, step = m_steps.step;
    // Snap to the step grid first, so 0.05 goes to 0.1 (forward) or 0.0 (back).
    const double position = (value - lo) / step;
    const double index = direction > 0 ? std::floor(position + 1e-6) + 1 : std::ceil(position - 1e-6) - 1;
    double next = lo + index * step;
    const double slack = step * 1e-6;
    if (next > hi + slack) next = wrap ? lo : hi;
    if (next < lo - slack) next = wrap ? hi : lo;
    return std::round(next * 1e9) / 1e9;  // 0.30000000000000004 -> 0.3
}

void GridEditor::setColourMap(ColourMap map) {
    m_map = map;
    update();
}

void GridEditor::setColourRange(double low, double high) {
    m_low = low;
    m_high = high;
    update();
}

QColor GridEditor::cellColour(double value) const {
    if (std::isnan(value)) return kEmpty;
    switch (m_map) {
        case ColourMap::Grey: {
            const double t = m_high > m_low ? (value - m_low) / (m_high - m_low) : 0.5;
            return blend(Qt::black, Qt::white, t);
        }
        case ColourMap::Diverging: {
            const double limit = std::max({std::abs(m_low), std::abs(m_high), 1e-12});
            const double t = std::clamp(value / limit, -1.0, 1.0);
            return t < 0 ? blend(kZero, kNegative, -t) : blend(kZero, kPositive, t);
        }
        case ColourMap::Mask:
            return value > 0.5 ? learn::kTruthRed : kBackground;
    }
    return kEmpty;
}

void GridEditor::setDecimals(int decimals) {
    m_decimals = decimals;
    update();
}

void GridEditor::setShowValues(bool show) {
    m_showValues = show;
    update();
}

void GridEditor::setShowIndices(bool show) {
    m_showIndices = show;
    relayout();
    update();
}

void GridEditor::setGhostRing(const Grid &padded, int width) {
    m_padded = padded;
    m_ringWidth = width;
    updateGeometry();
    relayout();
    update();
}

void GridEditor::clearGhostRing() {
    if (m_ringWidth == 0) return;
    m_padded = Grid();
    m_ringWidth = 0;
    updateGeometry();
    relayout();
    update();
}

void GridEditor::setHighlights(const QVector<Highlight> &highlights) {
    m_highlights = highlights;
    update();
}

void GridEditor::setCellSizeLimits(int minimum, int maximum) {
    m_minCell = minimum;
    m_maxCell = std::max(minimum, maximum);
    updateGeometry();
    relayout();
    update();
}

void GridEditor::setBlockSize(int cells) {
    m_blockSize = cells;
    update();
}

void GridEditor::setAlignment(Qt::Alignment alignment) {
    m_alignment = alignment;
    relayout();
    update();
}

void GridEditor::setGridName(const QString &name) {
    m_name = name;
    setAccessibleName(name);
    announceCurrentCell();
}

void GridEditor::setCurrentCell(int row, int col) {
    if (!m_grid.contains(row, col)) return;
    m_current = {row, col};
    announceCurrentCell();
    update();
}

qreal GridEditor::indexMargin() const {
    return m_showIndices ? std::max<qreal>(fontMetrics().height() + 4, m_cell * 0.4) : 0.0;
}

void GridEditor::relayout() {
    const int rows = shownRows(), cols = shownCols();
    if (rows == 0 || cols == 0) {
        m_cell = 0;
        return;
    }
    const qreal dpr = devicePixelRatioF();
    // The index margin depends on the cell side: size the cells without it, then with it.
    m_cell = std::min(width() / qreal(cols), height() / qreal(rows));
    const qreal margin = indexMargin();
    qreal cell = std::min((width() - margin) / cols, (height() - margin) / rows);
    cell = std::clamp<qreal>(cell, m_minCell, m_maxCell);
    m_cell = std::floor(cell * dpr) / dpr;
    // The last grid line lies one line width beyond the last cell.
    const qreal line = std::max<qreal>(1.0, std::round(dpr * PresentationMode::penScale())) / dpr;
    const qreal spareX = width() - (m_cell * cols + margin + line);
    const qreal spareY = height() - (m_cell * rows + margin + line);
    const qreal x = m_alignment & Qt::AlignLeft ? 0 : m_alignment & Qt::AlignRight ? spareX : spareX / 2;
    const qreal y = m_alignment & Qt::AlignTop ? 0 : m_alignment & Qt::AlignBottom ? spareY : spareY / 2;
    m_origin = QPointF(snap(std::max<qreal>(0, x) + margin, dpr), snap(std::max<qreal>(0, y) + margin, dpr));
}

QRectF GridEditor::cellRect(int row, int col) const {
    return QRectF(m_origin.x() + (col + ring()) * m_cell, m_origin.y() + (row + ring()) * m_cell, m_cell, m_cell);
}

Cell GridEditor::cellAt(const QPointF &pos) const {
    if (m_cell <= 0) return {};
    const int col = static_cast<int>(std::floor((pos.x() - m_origin.x()) / m_cell)) - ring();
    const int row = static_cast<int>(std::floor((pos.y() - m_origin.y()) / m_cell)) - ring();
    return m_grid.contains(row, col) ? Cell{row, col} : Cell{};
}

QSize GridEditor::sizeHint() const {
    const int preferred = std::clamp(56, m_minCell, m_maxCell);
    const int margin = m_showIndices ? preferred / 2 : 0;
    return QSize(shownCols() * preferred + margin, shownRows() * preferred + margin);
}

QSize GridEditor::minimumSizeHint() const {
    const int margin = m_showIndices ? fontMetrics().height() + 4 : 0;
    return QSize(shownCols() * m_minCell + margin, shownRows() * m_minCell + margin);
}

int GridEditor::heightForWidth(int width) const {
    const int rows = shownRows(), cols = shownCols();
    if (rows == 0 || cols == 0) return 0;
    const qreal rough = width / qreal(cols);
    const qreal margin = m_showIndices ? std::max<qreal>(fontMetrics().height() + 4, rough * 0.4) : 0.0;
    const qreal cell = std::clamp<qreal>((width - margin - 1) / cols, m_minCell, m_maxCell);
    return static_cast<int>(std::ceil(cell * rows + margin + 1));
}

void GridEditor::resizeEvent(QResizeEvent *event) {
    QWidget::resizeEvent(event);
    relayout();
}

void GridEditor::edit(int row, int col, double value) {
    value = std::clamp(value, m_steps.minimum, m_steps.maximum);
    if (m_grid.at(row, col) == value) return;
    m_grid.at(row, col) = value;
    announceCurrentCell();
    update();
    Q_EMIT valueEdited(row, col, value);
}

void GridEditor::stepCell(int row, int col, int direction, bool wrap) {
    edit(row, col, steppedValue(m_grid.at(row, col), direction, wrap));
}

void GridEditor::mousePressEvent(QMouseEvent *event) {
    const Cell cell = cellAt(event->position());
    if (!cell.valid()) return QWidget::mousePressEvent(event);
    setCurrentCell(cell.row, cell.col);
    if (!m_editable) {
        if (event->button() == Qt::LeftButton) Q_EMIT cellActivated(cell.row, cell.col);
        return;
    }
    if (event->button() == Qt::RightButton) {
        openEditor(cell.row, cell.col);
    } else if (event->button() == Qt::LeftButton) {
        const int direction = event->modifiers().testFlag(Qt::ShiftModifier) ? -1 : 1;
        stepCell(cell.row, cell.col, direction, m_steps.wrap);
    }
}

void GridEditor::wheelEvent(QWheelEvent *event) {
    const Cell cell = cellAt(event->position());
    if (!m_editable || !cell.valid() || event->angleDelta().y() == 0) return QWidget::wheelEvent(event);
    setCurrentCell(cell.row, cell.col);
    stepCell(cell.row, cell.col, event->angleDelta().y() > 0 ? 1 : -1, false);
    event->accept();
}

void GridEditor::keyPressEvent(QKeyEvent *event) {
    if (m_grid.empty()) return QWidget::keyPressEvent(event);
    const Cell c = m_current;
    const bool shift = event->modifiers().testFlag(Qt::ShiftModifier);
    switch (event->key()) {
        case Qt::Key_Left:
            setCurrentCell(c.row, std::max(0, c.col - 1));
            return;
        case Qt::Key_Right:
            setCurrentCell(c.row, std::min(m_grid.cols() - 1, c.col + 1));
            return;
        case Qt::Key_Up:
            setCurrentCell(std::max(0, c.row - 1), c.col);
            return;
        case Qt::Key_Down:
            setCurrentCell(std::min(m_grid.rows() - 1, c.row + 1), c.col);
            return;
        case Qt::Key_Space:
            if (m_editable) return stepCell(c.row, c.col, shift ? -1 : 1, m_steps.wrap);
            break;
        case Qt::Key_Plus:
        case Qt::Key_Equal:
            if (m_editable) return stepCell(c.row, c.col, 1, false);
            break;
        case Qt::Key_Minus:
            if (m_editable) return stepCell(c.row, c.col, -1, false);
            break;
        case Qt::Key_Return:
        case Qt::Key_Enter:
        case Qt::Key_F2:
            if (m_editable)
                openEditor(c.row, c.col);
            else
                Q_EMIT cellActivated(c.row, c.col);
            return;
        default:
            break;
    }
    QWidget::keyPressEvent(event);
}

void GridEditor::focusInEvent(QFocusEvent *event) {
    QWidget::focusInEvent(event);
    announceCurrentCell();
    update();
}

void GridEditor::focusOutEvent(QFocusEvent *event) {
    QWidget::focusOutEvent(event);
    update();
}

void GridEditor::openEditor(int row, int col) {
    closeEditor(false);
    m_editor = new QDoubleSpinBox(this);
    m_editorCell = {row, col};
    m_editor->setRange(m_steps.minimum, m_steps.maximum);
    m_editor->setDecimals(std::max(2, m_decimals));
    m_editor->setSingleStep(m_steps.step);
    m_editor->setValue(m_grid.at(row, col));
    m_editor->setAccessibleName(tr("%1, row %2, column %3").arg(m_name).arg(row).arg(col));
    const QRectF r = cellRect(row, col);
    const int width = std::max<int>(static_cast<int>(r.width()), m_editor->sizeHint().width());
    m_editor->setGeometry(static_cast<int>(r.center().x() - width / 2.0),
                          static_cast<int>(r.center().y() - m_editor->sizeHint().height() / 2.0), width,
                          m_editor->sizeHint().height());
    connect(m_editor, &QDoubleSpinBox::editingFinished, this, [this] { closeEditor(true); });
    m_editor->show();
    m_editor->setFocus();
    m_editor->selectAll();
}

void GridEditor::closeEditor(bool accept) {
    if (!m_editor) return;
    QDoubleSpinBox *editor = m_editor;
    m_editor = nullptr;  // editingFinished may fire again while the box goes away
    const Cell cell = m_editorCell;
    const double value = editor->value();
    editor->hide();
    editor->deleteLater();
    setFocus();
    if (accept && m_grid.contains(cell.row, cell.col)) edit(cell.row, cell.col, value);
}

QString GridEditor::cellText(double value) const {
    return std::isnan(value) ? QString() : learn::formatNumber(value, m_decimals);
}

void GridEditor::announceCurrentCell() {
    if (!m_grid.contains(m_current.row, m_current.col)) return;
    const double v = m_grid.at(m_current.row, m_current.col);
    const QString value = std::isnan(v) ? tr("not computed yet") : cellText(v);
    // What the whole grid holds, so a listener knows the kernel or map without visiting every cell.
    double low = 0, high = 0;
    int known = 0;
    for (double x : m_grid.values()) {
        if (std::isnan(x)) continue;
        low = known == 0 ? x : std::min(low, x);
        high = known == 0 ? x : std::max(high, x);
        ++known;
    }
    const int cells = m_grid.rows() * m_grid.cols();
    QString summary = known == 0 ? tr("nothing computed yet")
                                 : tr("values %1 to %2").arg(cellText(low), cellText(high));
    if (known > 0 && known < cells) summary += tr(", %1 of %2 cells computed").arg(known).arg(cells);
    setAccessibleDescription(tr("%1 by %2 grid, %3; row %4, column %5: %6")
                                 .arg(m_grid.rows())
                                 .arg(m_grid.cols())
                                 .arg(summary)
                                 .arg(m_current.row)
                                 .arg(m_current.col)
                                 .arg(value));
    QAccessibleEvent event(this, QAccessible::DescriptionChanged);
    QAccessible::updateAccessibility(&event);
}

void GridEditor::paintCell(QPainter &p, int row, int col, double value, bool inRing, bool raised) const {
    const qreal dpr = devicePixelRatioF();
    const qreal line = std::max<qreal>(1.0, std::round(dpr * PresentationMode::penScale())) / dpr;
    const QRectF r = cellRect(row, col);
    const QRectF fill(r.x() + line, r.y() + line, r.width() - line, r.height() - line);
    QColor colour = cellColour(value);
    if (inRing) colour = blend(kRingFill, colour, 0.3);  // the padding reads paler than the image
    p.fillRect(fill, colour);
    if (!m_showValues || std::isnan(value)) return;
    QFont font = p.font();
    font.setItalic(inRing);
    p.setFont(font);
    p.setPen(inRing ? QColor(70, 70, 70) : inkOn(colour));
    const QRectF text = raised ? QRectF(fill.x(), fill.y(), fill.width(), fill.height() * 0.62) : fill;
    p.drawText(text, raised ? Qt::AlignHCenter | Qt::AlignBottom : Qt::AlignCenter, cellText(value));
}

void GridEditor::paintHighlight(QPainter &p, const Highlight &h) const {
    const QRectF first = cellRect(h.row, h.col);
    const QRectF last = cellRect(h.row + h.rows - 1, h.col + h.cols - 1);
    const qreal lineWidth = h.width * PresentationMode::penScale();
    const qreal half = lineWidth / 2;
    const QRectF box = QRectF(first.topLeft(), last.bottomRight()).adjusted(half, half, -half + 1, -half + 1);
    QPen pen(h.colour, lineWidth);
    pen.setJoinStyle(Qt::MiterJoin);
    if (h.dashed) pen.setStyle(Qt::DashLine);
    p.setPen(pen);
    p.setBrush(Qt::NoBrush);
    if (h.cross) {
        const QRectF inner =
            box.adjusted(box.width() * 0.2, box.height() * 0.2, -box.width() * 0.2, -box.height() * 0.2);
        p.setRenderHint(QPainter::Antialiasing, true);
        p.drawLine(inner.topLeft(), inner.bottomRight());
        p.drawLine(inner.topRight(), inner.bottomLeft());
        p.setRenderHint(QPainter::Antialiasing, false);
    } else {
        p.drawRect(box);
    }
    if (h.badge.isEmpty()) return;
    QFont font = p.font();
    font.setItalic(false);
    font.setBold(true);
    font.setPixelSize(std::max(10, static_cast<int>(m_cell * 0.18)));
    p.setFont(font);
    const QFontMetricsF metrics(font);
    const qreal width = std::min(first.width() - 2 * lineWidth, metrics.horizontalAdvance(h.badge) + 6);
    const QRectF tab(first.center().x() - width / 2, first.bottom() - lineWidth - metrics.height(), width,
                     metrics.height());
    p.fillRect(tab, h.colour);
    p.setPen(inkOn(h.colour));
    p.drawText(tab, Qt::AlignCenter, h.badge);
}

void GridEditor::paintIndices(QPainter &p) const {
    QFont font = p.font();
    font.setItalic(false);
    font.setBold(false);
    font.setPixelSize(std::max(11, static_cast<int>(std::min<qreal>(m_cell * 0.26, fontMetrics().height()))));
    p.setFont(font);
    p.setPen(palette().color(QPalette::PlaceholderText));
    const qreal margin = indexMargin();
    for (int c = 0; c < m_grid.cols(); ++c) {
        const QRectF cell = cellRect(-ring(), c);
        p.drawText(QRectF(cell.x(), cell.y() - margin, cell.width(), margin), Qt::AlignCenter, QString::number(c));
    }
    for (int r = 0; r < m_grid.rows(); ++r) {
        const QRectF cell = cellRect(r, -ring());
        p.drawText(QRectF(cell.x() - margin, cell.y(), margin, cell.height()), Qt::AlignCenter, QString::number(r));
    }
}

void GridEditor::paintBlocks(QPainter &p) const {
    const qreal dpr = devicePixelRatioF();
    const qreal width = std::max<qreal>(3.0, std::round(3 * PresentationMode::penScale() * dpr)) / dpr;
    const QRectF first = cellRect(0, 0), last = cellRect(m_grid.rows() - 1, m_grid.cols() - 1);
    for (int r = m_blockSize; r < m_grid.rows(); r += m_blockSize) {
        const qreal y = cellRect(r, 0).top();
        p.fillRect(QRectF(first.left(), y - width / 2, last.right() - first.left(), width), kBlockLine);
    }
    for (int c = m_blockSize; c < m_grid.cols(); c += m_blockSize) {
        const qreal x = cellRect(0, c).left();
        p.fillRect(QRectF(x - width / 2, first.top(), width, last.bottom() - first.top()), kBlockLine);
    }
}

void GridEditor::paintEvent(QPaintEvent *) {
    relayout();
    if (m_cell <= 0) return;
    QPainter p(this);
    const qreal dpr = devicePixelRatioF();
    const qreal line = std::max<qreal>(1.0, std::round(dpr * PresentationMode::penScale())) / dpr;
    // Grid lines: the background shows between cells inset by one device line.
    const QRectF all(m_origin, QSizeF(m_cell * shownCols() + line, m_cell * shownRows() + line));
    p.fillRect(all, kGridLine);

    // One text size for the whole grid: as large as the widest value shown allows.
    QFont font = p.font();
    font.setPixelSize(std::max(8, static_cast<int>(m_cell * kTextHeight)));
    QString widest = learn::formatNumber(0.0, m_decimals);
    const QFontMetricsF start(font);
    for (const Grid *g : {&m_grid, &m_padded})
        for (double v : g->values()) {
            const QString text = cellText(v);
            if (start.horizontalAdvance(text) > start.horizontalAdvance(widest)) widest = text;
        }
    while (font.pixelSize() > 8 && QFontMetricsF(font).horizontalAdvance(widest) > m_cell * kTextWidth)
        font.setPixelSize(font.pixelSize() - 1);
    p.setFont(font);

    auto hasBadge = [this](int r, int c) {
        return std::any_of(m_highlights.begin(), m_highlights.end(),
                           [&](const Highlight &h) { return !h.badge.isEmpty() && h.row == r && h.col == c; });
    };
    for (int r = -ring(); r < m_grid.rows() + ring(); ++r)
        for (int c = -ring(); c < m_grid.cols() + ring(); ++c) {
            const bool inRing = !m_grid.contains(r, c);
            const double v = inRing ? m_padded.at(r + ring(), c + ring()) : m_grid.at(r, c);
            paintCell(p, r, c, v, inRing, hasBadge(r, c));
        }
    if (ring() > 0) {
        // The edge of the real image, dashed, so the ring reads as "outside".
        QPen edge(QColor(40, 40, 40), 2 * PresentationMode::penScale(), Qt::DashLine);
        p.setPen(edge);
        p.setBrush(Qt::NoBrush);
        const QRectF first = cellRect(0, 0), last = cellRect(m_grid.rows() - 1, m_grid.cols() - 1);
        p.drawRect(QRectF(first.topLeft(), last.bottomRight()).adjusted(0, 0, line, line));
    }
    if (m_blockSize > 0) paintBlocks(p);
    if (m_showIndices) paintIndices(p);
    for (const Highlight &h : m_highlights) paintHighlight(p, h);
    if (hasFocus() && m_grid.contains(m_current.row, m_current.col)) {
        QPen focus(palette().color(QPalette::Highlight), 2 * PresentationMode::penScale(), Qt::DotLine);
        p.setPen(focus);
        p.setBrush(Qt::NoBrush);
        p.drawRect(cellRect(m_current.row, m_current.col).adjusted(3, 3, -2, -2));
    }
}
