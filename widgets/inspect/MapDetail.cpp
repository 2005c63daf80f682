#include "MapDetail.h"

#include <QCheckBox>
#include <QLabel>
#include <QMouseEvent>
#include <QPainter>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>

#include "InspectImages.h"
#include "InspectStyle.h"
#include "PresentationMode.h"

namespace {

constexpr int kBarWidth = 18;
constexpr int kBarGap = 10;
constexpr int kBarLabels = 64;  // room for the bar's numbers
constexpr double kOverlayOpacity = 0.65;
constexpr int kRoomyCanvas = 200;  // the map's least height while the explanation shows
constexpr int kMinCanvas = 120;    // and without it

}  // namespace

// The drawing surface; MapDetail does the work.
class MapCanvas : public QWidget {
public:
    explicit MapCanvas(MapDetail *owner) : QWidget(owner), m_owner(owner) {
        setAccessibleName(QObject::tr("Enlarged feature map"));
        setMouseTracking(true);
        setMinimumSize(200, 200);
        setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
    }
    // As tall as MapDetail allows (a square map beside its colour bar), so the room goes to the
    // map before the stretch under the text.
    QSize sizeHint() const override { return {200, maximumHeight() < QWIDGETSIZE_MAX ? maximumHeight() : 200}; }

protected:
    void paintEvent(QPaintEvent *) override {
        QPainter p(this);
        m_owner->paintCanvas(p);
    }
    void mouseMoveEvent(QMouseEvent *e) override { m_owner->hover(e->position().toPoint()); }
    void leaveEvent(QEvent *) override { m_owner->hover({-1, -1}); }

private:
    MapDetail *m_owner;
};

MapDetail::MapDetail(QWidget *parent) : QWidget(parent) {
    setAccessibleName(tr("Feature map detail"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_title = inspectstyle::titleLabel(QString());
    m_score = new QLabel;
    m_score->setWordWrap(true);
    m_canvas = new MapCanvas(this);
    m_readout = new QLabel;
    inspectstyle::scaleFont(m_readout, 1.15, true);
    m_readout->setWordWrap(true);  // the hint must not be cut at larger fonts
    m_overlay = new QCheckBox(tr("Lay the map over the image"));
    connect(m_overlay, &QCheckBox::toggled, this, [this] { m_canvas->update(); });
    layout->addWidget(m_title);
    layout->addWidget(m_score);
    layout->addWidget(m_canvas);
    layout->addWidget(m_readout);
    layout->addWidget(m_overlay);
    m_explain =
        new QLabel(tr("Each cell is one position of the stage; its colour is how strongly this channel "
                      "responds there. Coarse stages have few, large cells: each sees a wide window of "
                      "the input but cannot say exactly where an edge is."));
    m_explain->setWordWrap(true);
    m_explain->setForegroundRole(QPalette::PlaceholderText);
    layout->addWidget(m_explain);
    layout->addStretch(1);
    clear(tr("Click a map to enlarge it here."));
    // Lecture-size fonts change the labels' heights, not this widget's size.
    connect(PresentationMode::instance(), &PresentationMode::changed, this,
            [this] { QTimer::singleShot(0, this, [this] { fitToHeight(); }); });
}

void MapDetail::setMap(const QString &title, const unetlab::ActivationMap &map, const QString &scoreText,
                       const QImage &input) {
    m_map = map;
    m_image = inspect::mapImage(map);
    m_input = input;
    m_title->setText(title);
    m_score->setText(scoreText);
    m_overlay->setEnabled(!input.isNull());
    m_cell = {-1, -1};
    m_hint = tr("Point at the map to read its values.");
    m_readout->setText(m_hint);
    // Stage and channel, its rank and its range, for a screen reader.
    m_canvas->setAccessibleName(tr("Enlarged map: %1").arg(title));
    m_canvas->setAccessibleDescription(
        tr("%1 × %2 cells, values %3 … %4. %5")
            .arg(map.width)
            .arg(map.height)
            .arg(inspectstyle::number(map.min), inspectstyle::number(map.max), scoreText));
    m_canvas->update();
}

void MapDetail::clear(const QString &hint) {
    m_map = {};
    m_image = {};
    m_input = {};
    m_hint = hint;
    m_title->setText(tr("Enlarged map"));
    m_score->clear();
    m_canvas->setAccessibleName(tr("Enlarged feature map"));
    m_canvas->setAccessibleDescription(hint);
    m_readout->setText(hint);
    m_overlay->setEnabled(false);
    m_canvas->update();
}

void MapDetail::resizeEvent(QResizeEvent *event) {
    QWidget::resizeEvent(event);
    fitToHeight();
}

// A square map plus its colour bar fills the width. In a short window (lecture-size fonts at
// 1366x768) the map is drawn smaller rather than the text under it being drawn over it: down
// to kRoomyCanvas, then the explanation under the check box gives way, then down to kMinCanvas.
void MapDetail::fitToHeight() {
    const int w = width();
    const int spacing = std::max(0, layout()->spacing());
    const auto textHeight = [w](const QLabel *l) {
        return l->text().isEmpty() ? 0 : std::max(0, l->heightForWidth(w));
    };
    const int text = m_title->sizeHint().height() + textHeight(m_score) + textHeight(m_readout) +
                     m_overlay->sizeHint().height() + 4 * spacing;
    const int explain = textHeight(m_explain) + spacing;
    const int widest = w - (kBarGap + kBarWidth + kBarLabels) + 16;  // a square map as wide as there is room
    const bool showExplain = height() - text - explain >= std::min(kRoomyCanvas, widest);
    m_explain->setVisible(showExplain);
    const int room = height() - text - (showExplain ? explain : 0);
    m_canvas->setMinimumHeight(std::clamp(room, kMinCanvas, kRoomyCanvas));
    m_canvas->setMaximumHeight(std::max(m_canvas->minimumHeight(), widest));
}

void MapDetail::setOverlay(bool on) { m_overlay->setChecked(on); }

QRect MapDetail::mapRect() const {
    if (!hasMap()) return {};
    const QRect area = m_canvas->rect().adjusted(0, 8, -(kBarGap + kBarWidth + kBarLabels), -8);
    const QSize size = QSize(m_map.width, m_map.height).scaled(area.size(), Qt::KeepAspectRatio);
    return QRect(area.x(), area.y(), size.width(), size.height());
}

std::optional<float> MapDetail::valueAt(const QPoint &pos, QPoint *cell) const {
    const QRect r = mapRect();
    if (!hasMap() || !r.contains(pos)) return std::nullopt;
    const int x = std::clamp((pos.x() - r.x()) * m_map.width / std::max(1, r.width()), 0, m_map.width - 1);
    const int y = std::clamp((pos.y() - r.y()) * m_map.height / std::max(1, r.height()), 0, m_map.height - 1);
    if (cell) *cell = {x, y};
    return m_map.values[static_cast<std::size_t>(y) * m_map.width + x];
}

QString MapDetail::readout() const { return m_readout->text(); }
bool MapDetail::explanationShown() const { return !m_explain->isHidden(); }

void MapDetail::hover(const QPoint &pos) {
    QPoint cell;
    const std::optional<float> v = valueAt(pos, &cell);
    if (v) {
        m_cell = cell;
        m_readout->setText(tr("x %1, y %2: %3").arg(cell.x()).arg(cell.y()).arg(inspectstyle::number(*v)));
    } else {
        m_cell = {-1, -1};
        m_readout->setText(m_hint);
    }
    m_canvas->update();
}

void MapDetail::paintCanvas(QPainter &p) {
    if (!hasMap()) {
        p.setPen(palette().color(QPalette::PlaceholderText));
        p.drawText(m_canvas->rect(), Qt::AlignCenter | Qt::TextWordWrap, m_hint);
        return;
    }
    const QRect r = mapRect();
    p.setRenderHint(QPainter::SmoothPixmapTransform, false);
    if (m_overlay->isChecked() && !m_input.isNull()) {
        p.setRenderHint(QPainter::SmoothPixmapTransform, true);
        p.drawImage(r, m_input);
        p.setRenderHint(QPainter::SmoothPixmapTransform, false);
        p.setOpacity(kOverlayOpacity);
    }
    p.drawImage(r, m_image);
    p.setOpacity(1.0);
    if (m_cell.x() >= 0) {
        // The cell under the cursor, outlined so its value can be matched to a place.
        const double cw = static_cast<double>(r.width()) / m_map.width,
                     ch = static_cast<double>(r.height()) / m_map.height;
        const QRectF cellRect(r.x() + m_cell.x() * cw, r.y() + m_cell.y() * ch, cw, ch);
        const double pen = PresentationMode::penScale();
        p.setPen(QPen(Qt::white, 2 * pen));
        p.drawRect(cellRect.adjusted(-2, -2, 2, 2));
        p.setPen(QPen(Qt::black, pen));
        p.drawRect(cellRect.adjusted(-3, -3, 3, 3));
    }
    // Colour bar: the map's own range, high at the top.
    const QRect bar(r.right() + kBarGap, r.top(), kBarWidth, r.height());
    p.drawImage(bar, inspect::colourBarImage(unetlab::ColourMap::Viridis, 256, 8, Qt::Vertical));
    p.setPen(palette().color(QPalette::WindowText));
    p.drawRect(bar.adjusted(0, 0, -1, -1));
    const int ticks = 5;
    for (int i = 0; i < ticks; ++i) {
        const double t = static_cast<double>(i) / (ticks - 1);
        const int y = bar.bottom() - static_cast<int>(t * bar.height());
        const double value = m_map.min + t * (static_cast<double>(m_map.max) - m_map.min);
        p.drawLine(bar.right(), y, bar.right() + 4, y);
        p.drawText(QRect(bar.right() + 7, y - 10, kBarLabels, 20), Qt::AlignLeft | Qt::AlignVCenter,
                   inspectstyle::number(value));
    }
}
