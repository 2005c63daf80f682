#pragma once
// A folder of images with their masks (MISSION §9, issue #7), matched by file stem.
//
// Layouts, looked for in FOLDER and then in FOLDER/train:
//   images/ + masks/   (also image/, imgs/, img/  with  mask/, labels/, label/, gt/)
// so both the common "images + masks" folder and the "train/image + train/label" layout open.
// Files: .png, .jpg, .jpeg, .tif, .tiff (any case); hidden files and other extensions are
// ignored. A mask belongs to the image with the same stem, or the stem followed by _mask,
// _label, _labels, _seg or _gt ("a.png" <- "a.png", "a_mask.tif").
//
// Nothing in the data makes opening fail while one pair is usable: every file that cannot be
// used is listed in problems() with a one-line reason (unreadable, not an image, truncated,
// absurd size, mask missing or of another size, unexpected label values, ...). Class mapping,
// size policy and channels: see ImageDataset.h.

#include <string>

#include "data/ImageDataset.h"

namespace unetlab {

struct FolderLayout {
    std::string root;    // the folder the layout was found in (FOLDER or FOLDER/train)
    std::string images;  // the image and mask folders
    std::string masks;
};

// Throws DataError when the folder is missing, unreadable or has none of the layouts.
FolderLayout findFolderLayout(const std::string &folder);

class ImageFolder final : public ImageDataset {
public:
    // Reads and checks every pair. Held in memory when the decoded size the image headers
    // claim (kDecodedBytesPerPixel per pixel) fits dataMemoryBudgetBytes(), else streamed from
    // disk (streamed(), ImageDataset::buildStreamed) with the same samples and summary.
    // Throws DataError when no pair is usable, std::invalid_argument on bad options.
    explicit ImageFolder(const std::string &folder, ImageDatasetOptions options = {});

    const FolderLayout &layout() const { return m_layout; }

private:
    FolderLayout m_layout;
};

}  // namespace unetlab
