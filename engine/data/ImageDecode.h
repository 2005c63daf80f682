#pragma once
// Reading image files for datasets, safely and deliberately (plain C++; OpenCV in the .cpp).
//
// - A cheap header probe (PNG, JPEG, TIFF including BigTIFF and every page of a stack) reads
//   the claimed size and refuses absurd ones BEFORE anything is decoded: cv::imread would
//   allocate whatever a 40-byte file claims. Datasets take PNG, JPEG and TIFF; single images
//   a user picks (readAnyImage) also BMP and PNM, probed the same way, and nothing else.
// - Decoding always uses cv::IMREAD_UNCHANGED and converts on purpose:
//   images become 8-bit grey (1 channel) or RGB (3 channels); grey+alpha keeps the grey,
//   RGBA drops the alpha. Images deeper than 8 bits (16-bit, 32-bit integer or float) are
//   stretched per image: v -> round(255 * (v - min) / (max - min)) with min and max over all
//   channels of that image (non-finite values count as min; a constant image becomes 0; one
//   without a single finite value is refused), because 16-bit microscopy rarely fills its
//   range and a fixed divisor would leave it black.
// - What libpng and libjpeg print while decoding is caught rather than left on stderr: it
//   becomes part of the reason, and a JPEG libjpeg calls corrupt (which it would fill with
//   grey) is refused.
// - Masks keep their integer values (8- or 16-bit): grey masks as values, colour masks as
//   0xRRGGBB codes (an RGB mask whose three channels agree everywhere counts as grey).

#include <cstdint>
#include <string>
#include <vector>

namespace unetlab {

// Larger claims are refused before decoding.
constexpr int kMaxImageSide = 16384;
constexpr std::uint64_t kMaxImagePixels = std::uint64_t{1} << 28;
// A TIFF stack with more pages than this is refused (each page is checked as well).
constexpr std::size_t kMaxStackPages = 10000;

struct ImageHeader {
    std::string format;  // "PNG", "JPEG" or "TIFF" (probeAnyImageFile: also "BMP", "PNM")
    int width = 0, height = 0;
};

// The size every page claims (one page for PNG and JPEG; all IFDs of a TIFF, at most
// `maxPages`). Throws std::runtime_error with a one-line reason for people: an empty file,
// not a PNG/JPEG/TIFF (for example text), a truncated or malformed header, or a size above
// kMaxImageSide / kMaxImagePixels.
std::vector<ImageHeader> probeImageFile(const std::string &path, std::size_t maxPages = 1);

// For single images a user picks (inspection, prediction), which may also be BMP or PNM
// (PBM/PGM/PPM, P1-P6): their headers are read and checked the same way. Any other format is
// refused rather than handed to cv::imread unchecked, since OpenCV's other decoders (WebP,
// JPEG 2000, OpenEXR, HDR, ...) would allocate whatever their header claims.
ImageHeader probeAnyImageFile(const std::string &path);

struct DecodedImage {
    int width = 0, height = 0;
    int channels = 0;                  // 1 or 3
    std::vector<std::uint8_t> pixels;  // row-major, interleaved RGB
    bool rescaled = false;             // stretched from more than 8 bits
};

struct DecodedMask {
    int width = 0, height = 0;
    bool colour = false;               // codes are 0xRRGGBB rather than grey values
    std::vector<std::uint32_t> codes;  // one per pixel
};

// Probes, then decodes. `stack`: every page of a (TIFF) stack; otherwise the first page.
// Throws std::runtime_error with a one-line reason.
std::vector<DecodedImage> readImagePages(const std::string &path, bool stack);
// One image of any format probeAnyImageFile accepts (a TIFF's first page), probed, then
// decoded and converted as readImagePages does. Throws std::runtime_error with a one-line reason.
DecodedImage readAnyImage(const std::string &path);
// The version of OpenCV the codecs come from, e.g. "4.6.0" (for About boxes and `info`).
std::string opencvVersion();
std::vector<DecodedMask> readMaskPages(const std::string &path, bool stack);
// Page `page` (from 0) of a TIFF stack, or page 0 of any PNG/JPEG/TIFF, probed and decoded
// alone (streamed stacks read one page at a time). Throws std::runtime_error with a one-line
// reason, also when the file has fewer pages.
DecodedImage readImagePage(const std::string &path, std::size_t page);
DecodedMask readMaskPage(const std::string &path, std::size_t page);

}  // namespace unetlab
