#pragma once
// An image stack with its label stack, as multi-page TIFF files (MISSION §9): the ISBI 2012
// EM challenge, for example, ships 30 pages of 512x512 in train-volume.tif with the labels in
// train-labels.tif, membranes drawn dark — open that with invert so that the membranes are
// the positive class. Page i of the labels is the mask of page i of the images.
//
// A stack whose decoded pages would not fit in the memory budget (dataMemoryBudgetBytes) is
// streamed from disk one page at a time, with the same samples (ImageDataset::buildStreamed).
//
// Pages that cannot be used are listed in problems() ("train-labels.tif page 7" with a
// reason); a label stack with fewer pages leaves the extra image pages without masks.
// Class mapping, size policy and channels: see ImageDataset.h.

#include <string>

#include "data/ImageDataset.h"

namespace unetlab {

class TiffStack final : public ImageDataset {
public:
    // Throws DataError when either file cannot be read at all or no page is usable,
    // std::invalid_argument on bad options.
    TiffStack(const std::string &images, const std::string &labels, ImageDatasetOptions options = {});
};

}  // namespace unetlab
