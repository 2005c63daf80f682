#pragma once
// Images from files for inspection (`unetlab-cli inspect --image`, the Inspect area's
// "Open image"): read with OpenCV and fitted to the sizes a model accepts. Plain C++.

#include <string>

#include "data/Sample.h"

namespace unetlab {

// Reads an image as 8-bit RGB without a mask: PNG, JPEG, TIFF (first page), BMP and PNM
// (PBM/PGM/PPM) exactly as dataset images are decoded (data/ImageDecode.h readAnyImage: the
// header's size checked before decoding, deep images stretched, grey expanded). Other formats
// are refused. Throws std::runtime_error with a one-line reason that names the file, e.g.
// "cannot read image 'a.png': it is a text file, not an image".
Sample readImageFile(const std::string &path);

// The image file as a network with `channels` inputs takes it, read exactly as training data
// are (same formats and checks as readImageFile; deeper than 8 bits stretched per image): grey
// repeated into RGB, or RGB turned to its luma (as OpenCV's RGB2GRAY weighs it). Used by
// `unetlab-cli predict` and the Inspect area's large-image view, so both see the same pixels.
// Throws std::runtime_error for channels other than 1 or 3 and for unreadable files (naming
// the file, as readImageFile).
Sample readImageForNetwork(const std::string &path, int channels);

// How an image whose sides are not multiples of a U-Net's downsampling factor is made to fit.
enum class FitMode {
    Pad,     // centre it on the next multiples, repeating the border pixels (no new structure)
    Resize,  // scale it to the nearest multiples (slightly changes the size of everything)
};
std::string toString(FitMode m);                  // "pad", "resize"
FitMode fitModeFromString(const std::string &s);  // throws std::invalid_argument

struct FittedSample {
    Sample sample;
    bool changed = false;
    std::string note;  // for people, e.g. "centre-padded from 250x250 to 256x256 (border repeated)"
};
// The sample (and its mask, if any: padded with class 0, resized by nearest neighbour) fitted
// to multiples of `factor`; unchanged when it already fits.
FittedSample fitToMultiple(const Sample &sample, int factor, FitMode mode);

}  // namespace unetlab
