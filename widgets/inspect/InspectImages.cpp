#include "InspectImages.h"

#include <QPainter>
#include <QPainterPath>

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "inspect/Analysis.h"

namespace inspect {

QColor toQColor(unetlab::Rgb c) { return QColor(c.r, c.g, c.b); }

QImage toQImage(const unetlab::RgbImage &image) {
    QImage out(image.width, image.height, QImage::Format_RGB888);
    if (image.empty()) return out;
    const std::size_t row = static_cast<std::size_t>(image.width) * 3;
    for (int y = 0; y < image.height; ++y)
        std::memcpy(out.scanLine(y), image.pixels.data() + static_cast<std::size_t>(y) * row, row);
    return out;
}

QImage mapImage(const unetlab::ActivationMap &m) {
    return toQImage(
        unetlab::colourMapped(m.values.data(), m.width, m.height, m.min, m.max, unetlab::ColourMap::Viridis));
}

QImage mapOverlayImage(const unetlab::ActivationMap &map, const QImage &background, double opacity) {
    QImage out = background.scaled(map.width, map.height, Qt::IgnoreAspectRatio, Qt::SmoothTransformation)
                     .convertToFormat(QImage::Format_RGB888);
    QPainter p(&out);
    p.setOpacity(opacity);
    p.drawImage(0, 0, mapImage(map));
    return out;
}

QImage sampleImage(const unetlab::Sample &sample) { return toQImage(unetlab::sampleRgb(sample)); }

QImage classOverlayImage(const unetlab::Sample &sample, const std::vector<std::uint8_t> &mask) {
    if (mask.size() != sample.pixelCount()) return sampleImage(sample);
    return toQImage(unetlab::maskOverlay(sample, mask.data()));
}

QImage errorImage(const unetlab::Sample &sample, const std::vector<std::uint8_t> &prediction, int classIndex) {
    if (sample.mask.size() != sample.pixelCount() || prediction.size() != sample.pixelCount()) return {};
    return toQImage(unetlab::errorOverlay(
        sample, unetlab::errorMap(sample.mask.data(), prediction.data(), sample.pixelCount(), classIndex)));
}

QImage kernelRgbImage(const unetlab::KernelSet &k, int out) {
    return toQImage(unetlab::kernelRgbTile(k.kernel(out, 0), k.inChannels, k.kernelHeight, k.kernelWidth));
}

QImage kernelWeightsImage(const float *weights, int kh, int kw, float limit) {
    return toQImage(unetlab::colourMapped(weights, kw, kh, -limit, limit, unetlab::ColourMap::Diverging));
}

QImage colourBarImage(unetlab::ColourMap map, int length, int thickness, Qt::Orientation orientation) {
    const QImage bar = toQImage(unetlab::colourBar(map, std::max(1, length), std::max(1, thickness)));
    if (orientation == Qt::Horizontal) return bar;
    return bar.transformed(QTransform().rotate(-90));
}

QColor instanceColour(int label) {
    // Bright, well-separated hues that read on pale cytology backgrounds.
    static const QColor kColours[] = {QColor(255, 214, 0),  QColor(0, 229, 255), QColor(255, 61, 0),
                                      QColor(118, 255, 3),  QColor(213, 0, 249), QColor(255, 145, 0),
                                      QColor(41, 121, 255), QColor(255, 23, 68)};
    constexpr int kCount = static_cast<int>(sizeof kColours / sizeof kColours[0]);
    return kColours[(std::max(1, label) - 1) % kCount];
}

QImage instancesImage(const unetlab::Sample &sample, const unetlab::InstanceSeparation &inst) {
    // Drawn at 2x so one-pixel outlines stay visible when the picture is scaled down a little.
    constexpr int kScale = 2;
    QImage out = sampleImage(sample).scaled(sample.width * kScale, sample.height * kScale, Qt::IgnoreAspectRatio,
                                            Qt::SmoothTransformation);
    QPainter p(&out);
    p.setRenderHint(QPainter::Antialiasing);
    auto polygon = [](const std::vector<unetlab::PixelPoint> &points) {
        QPolygonF poly;
        for (const auto &pt : points) poly << QPointF((pt.x + 0.5) * kScale, (pt.y + 0.5) * kScale);
        return poly;
    };
    for (const unetlab::CellInstance &c : inst.instances) {
        if (c.cellOutline.size() > 2) {
            p.setPen(QPen(QColor(255, 255, 255, 230), 1.5 * kScale));
            p.setBrush(Qt::NoBrush);
            p.drawPolygon(polygon(c.cellOutline));
        }
    }
    for (const unetlab::CellInstance &c : inst.instances) {
        if (c.nucleusOutline.size() > 2) {
            p.setPen(QPen(instanceColour(c.label), 2.0 * kScale));
            p.drawPolygon(polygon(c.nucleusOutline));
        }
    }
    return out;
}

}  // namespace inspect
