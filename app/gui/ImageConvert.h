#pragma once
// The one place where engine data becomes Qt images (ARCHITECTURE boundary 3).

#include <cstdint>
#include <QColor>
#include <QImage>
#include <QVector>

#include "data/Sample.h"

namespace unetlab::gui {

// Class colours: background transparent, cytoplasm green, nucleus magenta, then a palette.
QVector<QColor> classColours(int numClasses);

QImage sampleImage(const Sample &sample);  // RGB888 (grey images expanded)
// An RGB sample (no mask) from any QImage, e.g. one shown in a widget.
Sample sampleFromImage(const QImage &image, const std::string &id);
QImage maskImage(const std::vector<std::uint8_t> &mask, int width, int height, const QVector<QColor> &colours);

}  // namespace unetlab::gui
