#include "ReceptiveFieldView.h"

#include <QMouseEvent>
#include <QPainter>

#include <algorithm>
#include <cmath>

#include "PresentationMode.h"

namespace {

// Decades of gradient magnitude the log scale spans below the maximum.
constexpr double kDecades = 4.0;
// Cross-hair and box colours: readable over a pale cell image and over the heat map.
const QColor kMeasured(0, 200, 230);
const QColor kCrossHair(255, 255, 255);

}  // namespace

ReceptiveFieldView::ReceptiveFieldView(QWidget *parent) : QWidget(parent) {
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
    setCursor(Qt::CrossCursor);
    setAccessibleName(tr("Image with the receptive-field map; click to choose the output pixel"));
}

QColor ReceptiveFieldView::heatColour(double t) {
    // A perceptual dark-to-bright ramp (after matplotlib's "inferno").
    static const QColor stops[] = {{40, 11, 84}, {101, 21, 110}, {187, 55, 84}, {249, 142, 9}, {252, 255, 164}};
    constexpr int last = int(std::size(stops)) - 1;
    const double x = std::clamp(t, 0.0, 1.0) * last;
    const int i = std::min(static_cast<int>(x), last - 1);
    const double f = x - i;
    const QColor &a = stops[i], &b = stops[i + 1];
    return QColor(static_cast<int>(a.red() + (b.red() - a.red()) * f),
                  static_cast<int>(a.green() + (b.green() - a.green()) * f),
                  static_cast<int>(a.blue() + (b.blue() - a.blue()) * f));
}

void ReceptiveFieldView::setImage(const QImage &image) {
    m_image = image;
    update();
}

void ReceptiveFieldView::setPixel(const QPoint &pixel) {
    m_pixel = pixel;
    m_zoomCentre = pixel;
    update();
}

void ReceptiveFieldView::setMap(const std::vector<float> &magnitude, int width, int height) {
    m_magnitude = magnitude;
    m_mapWidth = width;
    m_mapHeight = height;
    rebuildHeat();
}

void ReceptiveFieldView::clearMap() { setMap({}, 0, 0); }

void ReceptiveFieldView::setLogScale(bool logScale) {
    m_logScale = logScale;
    rebuildHeat();
}

void ReceptiveFieldView::setOpacity(double opacity) {
    m_opacity = opacity;
    update();
}

void ReceptiveFieldView::setComparisonSide(int side) {
    m_comparisonSide = side;
    update();
}

void ReceptiveFieldView::setZoomWindow(int side) {
    m_zoomSide = side;
    m_zoomCentre = m_pixel;
    update();
}

QRect ReceptiveFieldView::shownRegion() const {
    const QRect whole = m_image.rect();
    if (m_zoomSide <= 0 || m_zoomSide >= std::min(whole.width(), whole.height())) return whole;
    // Centred on the pixel, slid inside the image at the borders.
    const int left = std::clamp(m_zoomCentre.x() - m_zoomSide / 2, 0, whole.width() - m_zoomSide);
    const int top = std::clamp(m_zoomCentre.y() - m_zoomSide / 2, 0, whole.height() - m_zoomSide);
    return QRect(left, top, m_zoomSide, m_zoomSide);
}

void ReceptiveFieldView::rebuildHeat() {
    m_heat = QImage();
    m_box = QRect();
    const auto count = static_cast<std::size_t>(m_mapWidth) * static_cast<std::size_t>(m_mapHeight);
    if (m_magnitude.empty() || m_magnitude.size() != count) return update();
    const float largest = *std::max_element(m_magnitude.begin(), m_magnitude.end());
    m_heat = QImage(m_mapWidth, m_mapHeight, QImage::Format_ARGB32);
    m_heat.fill(Qt::transparent);
    int left = m_mapWidth, top = m_mapHeight, right = -1, bottom = -1;
    for (int y = 0; y < m_mapHeight; ++y)
        for (int x = 0; x < m_mapWidth; ++x) {
            const float v = m_magnitude[static_cast<std::size_t>(y) * m_mapWidth + x];
            if (!(v > 0.0f)) continue;  // exactly zero: outside the field, left see-through
            left = std::min(left, x);
            right = std::max(right, x);
            top = std::min(top, y);
            bottom = std::max(bottom, y);
            const double t = m_logScale ? 1.0 + std::log10(double(v) / largest) / kDecades : double(v) / largest;
            // Even the faintest non-zero pixel gets a visible colour: non-zero is the point.
            m_heat.setPixelColor(x, y, heatColour(std::max(t, 0.02)));
        }
    if (right >= 0) m_box = QRect(QPoint(left, top), QPoint(right, bottom));
    update();
}

QRectF ReceptiveFieldView::imageRect() const {
    if (m_image.isNull()) return {};
    const QRect region = shownRegion();
    // The largest whole zoom that fits keeps every image pixel the same size on screen.
    const double fit = std::min(width() / double(region.width()), height() / double(region.height()));
    const double zoom = fit >= 1.0 ? std::floor(fit) : fit;
    const QSizeF size(region.width() * zoom, region.height() * zoom);
    return QRectF(QPointF((width() - size.width()) / 2, (height() - size.height()) / 2), size);
}

void ReceptiveFieldView::paintEvent(QPaintEvent *) {
    QPainter p(this);
    if (m_image.isNull()) return;
    const QRectF target = imageRect();
    const QRect region = shownRegion();
    const double zoom = target.width() / region.width();
    p.drawImage(target, m_image, region);
    if (!m_heat.isNull()) {
        p.setOpacity(m_opacity);
        p.drawImage(target, m_heat, region);
        p.setOpacity(1.0);
    }
    p.setClipRect(target);
    auto toWidget = [&](const QRectF &pixels) {
        return QRectF(target.x() + (pixels.x() - region.x()) * zoom, target.y() + (pixels.y() - region.y()) * zoom,
                      pixels.width() * zoom, pixels.height() * zoom);
    };
    p.setBrush(Qt::NoBrush);
    if (m_comparisonSide > 0) {
        // Centred on the pixel; an even side cannot be, so it extends one more to the left and top.
        const int half = m_comparisonSide / 2;
        const QRectF square(m_pixel.x() - half, m_pixel.y() - half, m_comparisonSide, m_comparisonSide);
        p.setPen(QPen(Qt::white, 2, Qt::DashLine));
        p.drawRect(toWidget(square));
        p.setPen(QPen(Qt::black, 1, Qt::DashLine));
        p.drawRect(toWidget(square).adjusted(-1.5, -1.5, 1.5, 1.5));
    }
    if (!m_box.isNull()) {
        p.setPen(QPen(kMeasured, 2 * PresentationMode::penScale()));
        p.drawRect(toWidget(QRectF(m_box.x(), m_box.y(), m_box.width(), m_box.height())));
    }
    const QRectF chosen = toWidget(QRectF(m_pixel, QSizeF(1, 1)));
    if (zoom >= 4) {  // large pixels: outline the chosen one itself
        p.setPen(QPen(Qt::black, 4 * PresentationMode::penScale()));
        p.drawRect(chosen);
        p.setPen(QPen(kCrossHair, 2 * PresentationMode::penScale()));
        p.drawRect(chosen);
    }
    const QPointF centre = chosen.center();
    const double arm = std::max(8.0, zoom * 3);
    for (const auto &[colour, width] : {std::pair{QColor(Qt::black), 4.0}, std::pair{kCrossHair, 2.0}}) {
        p.setPen(QPen(colour, width * PresentationMode::penScale()));
        p.drawLine(QPointF(centre.x() - arm, centre.y()), QPointF(centre.x() - zoom, centre.y()));
        p.drawLine(QPointF(centre.x() + zoom, centre.y()), QPointF(centre.x() + arm, centre.y()));
        p.drawLine(QPointF(centre.x(), centre.y() - arm), QPointF(centre.x(), centre.y() - zoom));
        p.drawLine(QPointF(centre.x(), centre.y() + zoom), QPointF(centre.x(), centre.y() + arm));
    }
}

void ReceptiveFieldView::mousePressEvent(QMouseEvent *event) {
    const QRectF target = imageRect();
    if (m_image.isNull() || !target.contains(event->position())) return QWidget::mousePressEvent(event);
    const QRect region = shownRegion();
    const double zoom = target.width() / region.width();
    const int x = region.x() + static_cast<int>((event->position().x() - target.x()) / zoom);
    const int y = region.y() + static_cast<int>((event->position().y() - target.y()) / zoom);
    m_pixel = QPoint(std::clamp(x, 0, m_image.width() - 1), std::clamp(y, 0, m_image.height() - 1));
    update();
    Q_EMIT pixelChosen(m_pixel);
}
