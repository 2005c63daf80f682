#include "gui/ImageConvert.h"

#include <cstdint>
#include <cstring>

namespace unetlab::gui {

QVector<QColor> classColours(int numClasses) {
    static const QColor kPalette[] = {QColor(0, 0, 0, 0),       QColor(67, 176, 71),   QColor(233, 30, 99),
                                      QColor(33, 150, 243),     QColor(255, 193, 7),   QColor(156, 39, 176),
                                      QColor(0, 188, 212),      QColor(255, 87, 34),   QColor(121, 85, 72)};
    QVector<QColor> colours;
    for (int c = 0; c < numClasses; ++c)
        colours.push_back(c < 9 ? kPalette[c] : QColor::fromHsv((c * 47) % 360, 200, 230));
    return colours;
}

QImage sampleImage(const Sample &s) {
    QImage image(s.width, s.height, QImage::Format_RGB888);
    for (int y = 0; y < s.height; ++y) {
        uchar *line = image.scanLine(y);
        const std::uint8_t *src = s.image.data() + static_cast<std::size_t>(y) * s.width * s.channels;
        for (int x = 0; x < s.width; ++x)
            for (int c = 0; c < 3; ++c) line[3 * x + c] = src[x * s.channels + (s.channels == 3 ? c : 0)];
    }
    return image;
}

Sample sampleFromImage(const QImage &image, const std::string &id) {
    const QImage rgb = image.convertToFormat(QImage::Format_RGB888);
    Sample s;
    s.id = id;
    s.width = rgb.width();
    s.height = rgb.height();
    s.channels = 3;
    s.image.resize(static_cast<std::size_t>(s.width) * s.height * 3);
    for (int y = 0; y < s.height; ++y)
        std::memcpy(s.image.data() + static_cast<std::size_t>(y) * s.width * 3, rgb.constScanLine(y),
                    static_cast<std::size_t>(s.width) * 3);
    return s;
}

QImage maskImage(const std::vector<std::uint8_t> &mask, int width, int height, const QVector<QColor> &colours) {
    QImage image(width, height, QImage::Format_ARGB32);
    for (int y = 0; y < height; ++y) {
        auto *line = reinterpret_cast<QRgb *>(image.scanLine(y));
        for (int x = 0; x < width; ++x) {
            const int c = mask[static_cast<std::size_t>(y) * width + x];
            line[x] = c < colours.size() ? colours[c].rgba() : qRgba(255, 255, 255, 255);
        }
    }
    return image;
}

}  // namespace unetlab::gui
