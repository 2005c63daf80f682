#pragma once
// Opening a dataset from a short text spec, shared by the CLI, the GUI and checkpoints.
//
//   synthetic[:COUNT[:SEED]]               the built-in synthetic cells (default 200 images, seed 1)
//   folder:PATH[;OPTIONS]                  a folder of images and masks (data/ImageFolder.h)
//   tiff:IMAGES.tif,LABELS.tif[;OPTIONS]   an image stack and its label stack (data/TiffStack.h)
//   sample:nuclei[;OPTIONS]                the bundled "Nuclei (DSB2018 sample)": 201 real
//                                          images, classes background and nucleus
//
// OPTIONS are KEY=VALUE pairs separated by ';' (so quote the spec in a shell):
//   size=N              side in pixels for resize, crop and patch, 32..4096 (default: the
//                       size argument, i.e. --size)
//   policy=P            resize | crop | pad | patch                      (default resize)
//   multiple=N          pad: sides become multiples of N, 1..256         (default 16)
//   mapping=M           auto | index | binary | nonzero | palette        (default auto)
//   invert=1            swap the two classes (e.g. membranes drawn dark) (default 0)
//   classes=A,B,...     class names                 (default background, foreground / class k)
//   colours=#rrggbb,... class colours; for palette masks the colour of each class
//   channels=1|3        force grey or RGB input                          (default: the data's)
//   seed=N              patch: random patch positions                    (default 1)
// See data/ImageDataset.h for what each choice does. Relative paths become absolute, so a
// spec stored in a checkpoint opens the same data from any folder; paths cannot contain ';'
// (nor ',' in a tiff spec). Examples:
//   folder:/data/cells;size=128
//   tiff:/data/isbi/train-volume.tif,/data/isbi/train-labels.tif;invert=1;classes=cell,membrane;policy=patch
//   sample:nuclei;size=128;policy=crop

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "data/Dataset.h"
#include "data/ImageDataset.h"

namespace unetlab {

struct DataSpec {
    std::string kind;            // "synthetic", "folder", "tiff" or "sample"
    std::size_t count = 200;     // synthetic
    std::uint64_t seed = 1;      // synthetic
    int size = 256;              // image side in pixels (synthetic; resize, crop and patch)
    std::string path;            // folder: the folder; tiff: the image stack; sample: its name
    std::string labels;          // tiff: the label stack
    ImageDatasetOptions images;  // folder, tiff, sample (images.size follows `size`)

    // Canonical form, e.g. "synthetic:200:1" or "folder:/data/cells;size=256;policy=resize":
    // parseDataSpec(toString()) gives the same spec back, whatever size argument it is given.
    std::string toString() const;
};

// Throws std::invalid_argument with the accepted forms when `text` is not a spec.
// `size` is the image side unless the spec says size=N.
DataSpec parseDataSpec(const std::string &text, int size = 256);
// Throws DataError (data/Dataset.h) when the data cannot be opened or holds nothing usable.
std::shared_ptr<const Dataset> openDataset(const DataSpec &spec);
// How many classes the data will have when the spec alone says (synthetic cells, a bundled
// sample, class names given, a binary mapping); 0 when only opening the data tells.
int expectedClassCount(const DataSpec &spec);
// Their names, as the dataset will name them; empty when only opening the data tells.
std::vector<std::string> expectedClassNames(const DataSpec &spec);

// Datasets that ship with the app (resources/samples/).
struct BundledSample {
    std::string name;    // as in sample:NAME
    std::string title;   // shown to people
    std::string folder;  // under the samples folder
    std::vector<std::string> classNames;
    MaskMapping mapping;
};
const std::vector<BundledSample> &bundledSamples();
// The sample's folder: $UNETLAB_SAMPLES_DIR/<folder>, then <exe dir>/../share/unetlab/samples,
// then the source tree. Throws DataError naming the places looked in.
std::string bundledSampleFolder(const std::string &name);

}  // namespace unetlab
