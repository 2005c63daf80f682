#pragma once
// One image with its segmentation mask, as plain bytes (no Qt, no LibTorch),
// so the same value can feed training, the CLI and the widgets.

#include <cstdint>
#include <string>
#include <vector>

namespace unetlab {

struct Sample {
    std::string id;               // stable name, e.g. "synthetic-0007" or a file stem
    int width = 0;
    int height = 0;
    int channels = 3;             // 1 (grey) or 3 (RGB)
    std::vector<std::uint8_t> image;  // height*width*channels, row-major, interleaved RGB
    std::vector<std::uint8_t> mask;   // height*width class indices 0..numClasses-1

    std::size_t pixelCount() const { return static_cast<std::size_t>(width) * height; }
};

}  // namespace unetlab
