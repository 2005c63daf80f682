#include "data/TiffStack.h"

#include <cstdio>
#include <filesystem>
#include <stdexcept>

namespace unetlab {
namespace fs = std::filesystem;

TiffStack::TiffStack(const std::string &images, const std::string &labels, ImageDatasetOptions options)
    : ImageDataset(std::move(options), fs::path(images).stem().string()) {
    const std::string imageFile = fs::path(images).filename().string();
    const std::string labelFile = fs::path(labels).filename().string();
    std::vector<DecodedImage> pages;
    std::vector<DecodedMask> masks;
    try {
        // The stack is held in memory: refuse one too large before decoding any page.
        std::uint64_t pixels = 0;
        for (const ImageHeader &h : probeImageFile(images, kMaxStackPages))
            pixels += static_cast<std::uint64_t>(h.width) * static_cast<std::uint64_t>(h.height);
        if (pixels > kMaxDatasetPixels)
            throw std::runtime_error("holds " + std::to_string(pixels) + " pixels, more than the " +
                                     std::to_string(kMaxDatasetPixels) + " a dataset may hold in memory");
        pages = readImagePages(images, true);
    } catch (const std::exception &e) {
        throw DataError("image stack '" + images + "' " + e.what(), {{imageFile, e.what()}});
    }
    try {
        masks = readMaskPages(labels, true);
    } catch (const std::exception &e) {
        throw DataError("label stack '" + labels + "' " + e.what(), {{labelFile, e.what()}});
    }

    std::vector<DataProblem> problems;
    std::vector<Source> sources;
    const int digits = pages.size() >= 1000 ? 4 : 3;
    for (std::size_t i = 0; i < pages.size(); ++i) {
        const std::string page = " page " + std::to_string(i + 1);
        if (i >= masks.size()) {
            problems.push_back({imageFile + page, "has no label page (" + labelFile + " has " +
                                                      std::to_string(masks.size()) + " pages)"});
            continue;
        }
        char id[32];
        std::snprintf(id, sizeof id, "-%0*zu", digits, i + 1);
        Source s;
        s.id = fs::path(images).stem().string() + id;
        s.imageName = imageFile + page;
        s.maskName = labelFile + page;
        s.image = std::move(pages[i]);
        s.mask = std::move(masks[i]);
        sources.push_back(std::move(s));
    }
    for (std::size_t i = pages.size(); i < masks.size(); ++i)
        problems.push_back({labelFile + " page " + std::to_string(i + 1),
                            "has no image page (" + imageFile + " has " + std::to_string(pages.size()) + " pages)"});
    build(std::move(sources), std::move(problems));
}

}  // namespace unetlab
