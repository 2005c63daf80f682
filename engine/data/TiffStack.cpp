#include "data/TiffStack.h"

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <stdexcept>

namespace unetlab {
namespace fs = std::filesystem;

TiffStack::TiffStack(const std::string &images, const std::string &labels, ImageDatasetOptions options)
    : ImageDataset(std::move(options), fs::path(images).stem().string()) {
    const std::string imageFile = fs::path(images).filename().string();
    const std::string labelFile = fs::path(labels).filename().string();
    // The decoded size, from the headers alone: a stack that would not fit in the memory
    // budget (or holds more than kMaxDatasetPixels) is streamed from disk a page at a time,
    // as a folder is (ImageFolder).
    std::size_t imagePages = 0, labelPages = 0;
    std::uint64_t pixels = 0;
    try {
        const std::vector<ImageHeader> headers = probeImageFile(images, kMaxStackPages);
        imagePages = headers.size();
        for (const ImageHeader &h : headers)
            pixels += static_cast<std::uint64_t>(h.width) * static_cast<std::uint64_t>(h.height);
    } catch (const std::exception &e) {
        throw DataError("image stack '" + images + "' " + e.what(), {{imageFile, e.what()}});
    }
    try {
        labelPages = probeImageFile(labels, kMaxStackPages).size();
    } catch (const std::exception &e) {
        throw DataError("label stack '" + labels + "' " + e.what(), {{labelFile, e.what()}});
    }
    const std::uint64_t budget = dataMemoryBudgetBytes();
    const bool stream = pixels * kDecodedBytesPerPixel > budget || pixels > kMaxDatasetPixels;

    std::vector<DecodedImage> pages;
    std::vector<DecodedMask> masks;
    if (!stream) {
        try {
            pages = readImagePages(images, true);
        } catch (const std::exception &e) {
            throw DataError("image stack '" + images + "' " + e.what(), {{imageFile, e.what()}});
        }
        try {
            masks = readMaskPages(labels, true);
        } catch (const std::exception &e) {
            throw DataError("label stack '" + labels + "' " + e.what(), {{labelFile, e.what()}});
        }
        imagePages = pages.size();
        labelPages = masks.size();
    }

    std::vector<DataProblem> problems;
    std::vector<Source> sources;
    std::vector<SourceFile> files;
    const int digits = imagePages >= 1000 ? 4 : 3;
    for (std::size_t i = 0; i < imagePages; ++i) {
        const std::string page = " page " + std::to_string(i + 1);
        if (i >= labelPages) {
            problems.push_back({imageFile + page, "has no label page (" + labelFile + " has " +
                                                      std::to_string(labelPages) + " pages)"});
            continue;
        }
        char id[32];
        std::snprintf(id, sizeof id, "-%0*zu", digits, i + 1);
        const std::string sampleId = fs::path(images).stem().string() + id;
        if (stream) {
            files.push_back({sampleId, imageFile + page, labelFile + page, images, labels, i});
            continue;
        }
        Source s;
        s.id = sampleId;
        s.imageName = imageFile + page;
        s.maskName = labelFile + page;
        s.image = std::move(pages[i]);
        s.mask = std::move(masks[i]);
        sources.push_back(std::move(s));
    }
    for (std::size_t i = imagePages; i < labelPages; ++i)
        problems.push_back({labelFile + " page " + std::to_string(i + 1),
                            "has no image page (" + imageFile + " has " + std::to_string(imagePages) + " pages)"});
    if (stream) {
        buildStreamed(std::move(files), std::move(problems), pixels * kDecodedBytesPerPixel, budget);
        return;
    }
    build(std::move(sources), std::move(problems));
}

}  // namespace unetlab
