// libFuzzer target: the image and mask loader (data/ImageDecode.h) on arbitrary bytes, as
// every dataset image and mask reaches it: probeImageFile, then readImagePages and
// readMaskPages, single image and (for TIFF) whole stack. Besides crashes and sanitizer
// reports it checks what callers rely on: refusals are std::runtime_error, decoded pages
// have the size the header probe claimed, or its transpose (the probe is what bounds
// memory), and consistent buffers. Run by tests/fuzz/run.sh; seeds in tests/fuzz/corpus/image.
#include <cstdint>
#include <stdexcept>
#include <vector>
#include <string>

#include "FuzzFile.h"
#include "data/ImageDecode.h"

using namespace unetlab;

namespace {

// The product accepts up to kMaxImagePixels (2^28) per page; decoding that much per input
// would only measure the allocator, so larger claims stop after the probe here.
constexpr std::uint64_t kFuzzMaxPixels = std::uint64_t{1} << 20;

void checkPages(const std::vector<ImageHeader> &headers, std::size_t decoded, int width, int height, std::size_t i) {
    if (i >= headers.size()) fuzz::broken("more pages decoded than probed");
    const ImageHeader &h = headers[i];
    // A TIFF's Orientation tag (5 to 8) makes the decoder transpose the page: same pixels.
    const bool same = width == h.width && height == h.height, transposed = width == h.height && height == h.width;
    if (decoded > 0 && !same && !transposed)
        fuzz::broken("page " + std::to_string(i) + " decoded as " + std::to_string(width) + "x" +
                     std::to_string(height) + " but its header claims " + std::to_string(h.width) + "x" +
                     std::to_string(h.height));
}

void images(const std::string &path, const std::vector<ImageHeader> &headers, bool stack) {
    std::vector<DecodedImage> pages;
    try {
        pages = readImagePages(path, stack);
    } catch (const std::runtime_error &) {
        return;
    }
    if (pages.empty()) fuzz::broken("readImagePages returned no page and no error");
    for (std::size_t i = 0; i < pages.size(); ++i) {
        const DecodedImage &p = pages[i];
        if (p.channels != 1 && p.channels != 3) fuzz::broken("an image with " + std::to_string(p.channels) + " channels");
        if (p.pixels.size() != std::size_t(p.width) * std::size_t(p.height) * std::size_t(p.channels))
            fuzz::broken("image pixel buffer does not match its size");
        if (stack || i == 0) checkPages(headers, p.pixels.size(), p.width, p.height, i);
    }
}

void masks(const std::string &path, const std::vector<ImageHeader> &headers, bool stack) {
    std::vector<DecodedMask> pages;
    try {
        pages = readMaskPages(path, stack);
    } catch (const std::runtime_error &) {
        return;
    }
    if (pages.empty()) fuzz::broken("readMaskPages returned no page and no error");
    for (std::size_t i = 0; i < pages.size(); ++i) {
        const DecodedMask &m = pages[i];
        if (m.codes.size() != std::size_t(m.width) * std::size_t(m.height))
            fuzz::broken("mask code buffer does not match its size");
        if (stack || i == 0) checkPages(headers, m.codes.size(), m.width, m.height, i);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    static const std::string path = fuzz::scratchPath(".img");
    fuzz::writeScratch(path, data, size);
    std::vector<ImageHeader> headers;
    try {
        headers = probeImageFile(path, kMaxStackPages);
    } catch (const std::runtime_error &) {
        return 0;
    }
    if (headers.empty()) fuzz::broken("probeImageFile returned no page and no error");
    for (const ImageHeader &h : headers)
        if (std::uint64_t(h.width) * std::uint64_t(h.height) > kFuzzMaxPixels) return 0;
    images(path, headers, false);
    masks(path, headers, false);
    if (headers.front().format == "TIFF") {
        images(path, headers, true);
        masks(path, headers, true);
    }
    return 0;
}
