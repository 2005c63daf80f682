#pragma once
// Pictures of what a model sees, as plain RGB bytes (no Qt): perceptual colour maps from
// OpenCV, class overlays, error overlays, kernel tiles, and captioned contact sheets written
// as PNG by `unetlab-cli inspect`. The Inspect widgets use the same colour maps and
// colours, so a picture means the same in the app and in a file.

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "data/Sample.h"

namespace unetlab {

struct Rgb {
    std::uint8_t r = 0, g = 0, b = 0;
};

struct RgbImage {
    int width = 0, height = 0;
    std::vector<std::uint8_t> pixels;  // height * width * 3, row-major RGB

    bool empty() const { return pixels.empty(); }
};

enum class ColourMap {
    Viridis,    // dark blue (low) to yellow (high); perceptually uniform (OpenCV COLORMAP_VIRIDIS)
    Diverging,  // blue (negative) - white (zero) - red (positive), for signed kernel weights
};
// 256 colours, low to high; Viridis is read off cv::applyColorMap, so it is OpenCV's own.
const std::array<Rgb, 256> &colourTable(ColourMap map);
Rgb colourAt(ColourMap map, double t);  // t in [0, 1], clamped
// Values mapped linearly from [lo, hi] onto the map; NaN draws grey. For Diverging pass
// lo = -m, hi = m so that zero is white.
RgbImage colourMapped(const float *values, int width, int height, float lo, float hi, ColourMap map);
// A horizontal colour bar, low on the left.
RgbImage colourBar(ColourMap map, int width, int height);

// Class colours shared with the app: cytoplasm green, nucleus magenta, then a palette;
// class 0 (background) is drawn as dark grey where a colour is needed.
Rgb classColour(int classIndex);
// The colour's name for a legend: "green", "magenta", …; "colour N" past the palette.
std::string classColourName(int classIndex);
// Error colours (Analysis.h PixelError), chosen apart from the class colours and from each
// other for colour-blind readers: false positives amber, false negatives azure, wrong class red.
inline constexpr Rgb kFalsePositiveColour{255, 179, 0};
inline constexpr Rgb kFalseNegativeColour{0, 145, 255};
inline constexpr Rgb kWrongClassColour{230, 30, 30};
Rgb errorColour(std::uint8_t pixelError);

RgbImage sampleRgb(const Sample &sample);  // grey samples expanded to RGB
// The image with each foreground class tinted in its colour (background left as is).
RgbImage maskOverlay(const Sample &sample, const std::uint8_t *mask, double opacity = 0.55);
// The image faded to light grey with every error pixel painted in its error colour.
RgbImage errorOverlay(const Sample &sample, const std::vector<std::uint8_t> &errors);
// One first-layer kernel (in x kh x kw weights) as a picture: RGB for 3 inputs, grey for 1
// (other counts: the mean over inputs), rescaled on its own to [0, 1] (MISSION §8).
RgbImage kernelRgbTile(const float *weights, int inChannels, int kernelHeight, int kernelWidth);
RgbImage resized(const RgbImage &image, int width, int height, bool nearest);

// Contact sheets: a title, then rows of captioned tiles, then footer lines.
struct SheetTile {
    RgbImage image;
    std::string caption;  // ASCII (drawn with OpenCV's Hershey font)
};
struct SheetRow {
    std::string title;
    std::vector<SheetTile> tiles;
    int tileSide = 0;  // this row's tile size; 0: the sheet's
};
// Tiles are scaled to `tileSide` pixels on their longer side (nearest neighbour when enlarging,
// so the cells of a coarse stage stay visible); a tile takes the width of its caption if wider.
RgbImage composeSheet(const std::string &title, const std::vector<SheetRow> &rows, int tileSide,
                      const std::vector<std::string> &footer = {});

// PNG, written atomically; throws std::runtime_error naming the path on failure.
void writePng(const std::string &path, const RgbImage &image);

}  // namespace unetlab
