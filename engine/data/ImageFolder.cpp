#include "data/ImageFolder.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <filesystem>
#include <map>
#include <system_error>

namespace unetlab {
namespace fs = std::filesystem;
namespace {

const char *const kImageDirs[] = {"images", "image", "imgs", "img"};
const char *const kMaskDirs[] = {"masks", "mask", "labels", "label", "gt"};
const char *const kMaskSuffixes[] = {"", "_mask", "_label", "_labels", "_seg", "_gt"};
const char *const kExtensions[] = {".png", ".jpg", ".jpeg", ".tif", ".tiff"};

const char *kLayouts = "images/ + masks/ (or image/, imgs/ with mask/, labels/, label/, gt/), also inside train/";

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

bool isImageName(const fs::path &p) {
    const std::string ext = lower(p.extension().string());
    return std::find(std::begin(kExtensions), std::end(kExtensions), ext) != std::end(kExtensions);
}

bool isDirectory(const fs::path &p) {
    std::error_code ec;
    return fs::is_directory(p, ec);
}

// Image files of one folder by stem, in name order; a second file with a taken stem is a problem.
std::map<std::string, fs::path> filesByStem(const fs::path &dir, const std::string &shown,
                                            std::vector<DataProblem> &problems) {
    std::vector<fs::path> files;
    std::error_code ec;
    fs::directory_iterator it(dir, ec);
    if (ec)
        throw DataError("folder '" + dir.string() + "' cannot be read: " + ec.message(),
                        {{shown, "cannot be read: " + ec.message()}});
    for (; it != fs::directory_iterator(); it.increment(ec)) {
        if (ec) break;
        const fs::path p = it->path();
        const std::string name = p.filename().string();
        if (name.empty() || name[0] == '.' || !isImageName(p)) continue;
        std::error_code fileEc;
        if (!fs::is_regular_file(p, fileEc)) continue;
        files.push_back(p);
    }
    std::sort(files.begin(), files.end());
    std::map<std::string, fs::path> byStem;
    for (const fs::path &p : files) {
        const auto [slot, added] = byStem.emplace(p.stem().string(), p);
        if (!added)
            problems.push_back(
                {shown + p.filename().string(),
                 "has the same name as " + slot->second.filename().string() + ", which is used instead"});
    }
    return byStem;
}

}  // namespace

FolderLayout findFolderLayout(const std::string &folder) {
    std::error_code ec;
    const fs::path root(folder);
    if (!fs::exists(root, ec)) throw DataError("folder '" + folder + "' does not exist");
    if (!fs::is_directory(root, ec)) throw DataError("'" + folder + "' is not a folder");
    fs::directory_iterator probe(root, ec);
    if (ec) throw DataError("folder '" + folder + "' cannot be read: " + ec.message(), {{folder, ec.message()}});
    for (const fs::path &base : {root, root / "train"})
        for (const char *images : kImageDirs)
            for (const char *masks : kMaskDirs)
                if (isDirectory(base / images) && isDirectory(base / masks))
                    return {base.string(), (base / images).string(), (base / masks).string()};
    throw DataError("folder '" + folder + "' has no image and mask folders (expected " + kLayouts + ")");
}

ImageFolder::ImageFolder(const std::string &folder, ImageDatasetOptions options)
    : ImageDataset(std::move(options), fs::path(folder).lexically_normal().filename().empty()
                                           ? fs::path(folder).lexically_normal().parent_path().filename().string()
                                           : fs::path(folder).lexically_normal().filename().string()),
      m_layout(findFolderLayout(folder)) {
    // Problems name files as seen from `folder`, e.g. "train/label/a.png".
    const fs::path given(folder);
    auto shownDir = [&](const std::string &dir) {
        return fs::path(dir).lexically_relative(given).generic_string() + "/";
    };
    const std::string imagesShown = shownDir(m_layout.images), masksShown = shownDir(m_layout.masks);

    std::vector<DataProblem> problems;
    const auto images = filesByStem(m_layout.images, imagesShown, problems);
    auto masks = filesByStem(m_layout.masks, masksShown, problems);
    if (images.empty())
        throw DataError("folder '" + m_layout.images + "' holds no PNG, JPEG or TIFF images",
                        {{imagesShown, "holds no PNG, JPEG or TIFF images"}});

    std::vector<SourceFile> files;
    for (const auto &[stem, imagePath] : images) {
        const std::string imageName = imagesShown + imagePath.filename().string();
        fs::path maskPath;
        for (const char *suffix : kMaskSuffixes) {
            const auto it = masks.find(stem + suffix);
            if (it != masks.end()) {
                maskPath = it->second;
                masks.erase(it);
                break;
            }
        }
        if (maskPath.empty()) {
            problems.push_back({imageName, "has no mask (looked for " + masksShown + stem + ".png, .tif, ...)"});
            continue;
        }
        files.push_back(
            {stem, imageName, masksShown + maskPath.filename().string(), imagePath.string(), maskPath.string(), 0});
    }
    for (const auto &[stem, maskPath] : masks)
        problems.push_back({masksShown + maskPath.filename().string(), "has no image"});

    // The decoded size, from the headers alone: a folder that would not fit in the memory
    // budget (or holds more than kMaxDatasetPixels) is streamed from disk.
    std::uint64_t claimed = 0;
    for (const SourceFile &f : files) {
        try {
            const ImageHeader h = probeImageFile(f.imagePath).front();
            claimed += static_cast<std::uint64_t>(h.width) * static_cast<std::uint64_t>(h.height);
        } catch (const std::exception &) {
            // unreadable: a problem once decoded
        }
    }
    const std::uint64_t budget = dataMemoryBudgetBytes();
    if (claimed * kDecodedBytesPerPixel > budget || claimed > kMaxDatasetPixels) {
        buildStreamed(std::move(files), std::move(problems), claimed * kDecodedBytesPerPixel, budget);
        return;
    }

    std::vector<Source> sources;
    std::uint64_t pixels = 0;
    for (SourceFile &f : files) {
        if (pixels > kMaxDatasetPixels) {
            problems.push_back({f.imageName, "was not read: the dataset already holds more than " +
                                                 std::to_string(kMaxDatasetPixels) + " pixels"});
            continue;
        }
        Source s;
        s.id = f.id;
        s.imageName = f.imageName;
        s.maskName = f.maskName;
        try {
            s.image = readImagePages(f.imagePath, false).front();
        } catch (const std::exception &e) {
            problems.push_back({f.imageName, e.what()});
            continue;
        }
        try {
            s.mask = readMaskPages(f.maskPath, false).front();
        } catch (const std::exception &e) {
            problems.push_back({f.maskName, e.what()});
            continue;
        }
        pixels += static_cast<std::uint64_t>(s.image.width) * static_cast<std::uint64_t>(s.image.height);
        sources.push_back(std::move(s));
    }
    build(std::move(sources), std::move(problems));
}

}  // namespace unetlab
