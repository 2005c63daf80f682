#pragma once
// Predicted class masks as PNG files other tools open (Fiji, napari, Python): the class index
// per pixel, a 0/255 foreground mask, or the app's class colours. Plain C++ (OpenCV inside).

#include <cstdint>
#include <string>
#include <vector>

namespace unetlab {

enum class MaskFormat {
    Index,   // 8-bit grey, the class index per pixel (0, 1, 2, ...: looks black in a viewer)
    Binary,  // 8-bit grey, 0 for class 0 (background) and 255 for every other class
    Colour,  // RGB, each class in its colour in the app (inspect/Render.h classColour)
};
std::string toString(MaskFormat format);                   // "index", "binary", "colour"
MaskFormat maskFormatFromString(const std::string &name);  // throws std::invalid_argument

// Writes `mask` (height * width class indices) as a PNG, atomically; throws
// std::runtime_error naming the path on failure.
void writeMaskPng(const std::string &path, const std::vector<std::uint8_t> &mask, int width, int height,
                  MaskFormat format);

}  // namespace unetlab
