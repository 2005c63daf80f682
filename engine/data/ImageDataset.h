#pragma once
// Real images with masks, read from files (MISSION §9): what ImageFolder and TiffStack
// share — turning mask values into classes, bringing every image to one size, the
// summary, and the problems report. Plain C++; OpenCV stays in the .cpp files.
//
// Class mapping (ImageDatasetOptions::mapping):
//   index    mask values are class indices 0..K-1 (K = the class names given, else the
//            largest value + 1); other values are a problem of that file
//   binary   0 -> class 0, 255 (or 1, or 65535 in 16-bit masks) -> class 1; other values
//            are a problem of that file
//   nonzero  0 -> class 0, any other value -> class 1 (e.g. instance label images)
//   palette  each distinct grey level or colour is a class, in ascending order of the value
//            (colours as 0xRRGGBB, so black comes first); with colours given, exactly those
//            colours in that order, any other colour being a problem of that file
//   auto     colour masks -> palette; grey masks holding only 0 and 255/65535 -> binary, and
//            also when at least 3 in 4 masks hold only those and the other values cover under
//            1 % of all mask pixels (a stray 128 from an anti-aliased edge or a JPEG artifact):
//            the masks holding them are then a problem ("unexpected label value 128"), not a
//            quiet third class; else values all below 32 -> index; at most 32 distinct grey
//            levels -> palette; anything else is refused with a hint (instance labels:
//            mapping=nonzero)
// `invert` swaps the two classes of a two-class mapping, e.g. for the ISBI 2012 EM labels,
// where the membranes (the class to find) are drawn dark.
//
// Size policies (every sample of a dataset has one size):
//   resize   to size x size: images by area averaging (shrinking) or bilinear (enlarging),
//            masks by nearest neighbour; the aspect ratio is not kept
//   crop     the centre size x size; smaller images are a problem of that file
//   pad      centred on the largest width and height seen, rounded up to a multiple of
//            `multiple`; image and mask borders are mirrored (reflect-101), so no label is
//            invented for the padding
//   patch    size x size patches: evaluation and previews see the centre patch, training a
//            fresh random patch per epoch, a pure function of (seed, epoch, index); smaller
//            images are a problem of that file
//
// Input channels follow the data: grey when every image is stored grey, else RGB (grey
// images repeated into three channels); `channels` forces 1 or 3.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "data/Dataset.h"
#include "data/ImageDecode.h"

namespace unetlab {

enum class SizePolicy { Resize, Crop, Pad, Patch };
enum class MaskMapping { Auto, Index, Binary, NonZero, Palette };

std::string toString(SizePolicy p);                     // "resize", "crop", "pad", "patch"
std::string toString(MaskMapping m);                    // "auto", "index", "binary", "nonzero", "palette"
SizePolicy sizePolicyFromString(const std::string &s);  // throws std::invalid_argument
MaskMapping maskMappingFromString(const std::string &s);

// "#rrggbb" <-> colour; throws std::invalid_argument on anything else.
std::string toString(const ClassColour &c);
ClassColour classColourFromString(const std::string &s);

// Auto mapping's limits: grey values below this are indices; more distinct values are refused.
constexpr int kMaxAutoClasses = 32;
// All source pixels of one dataset together: the data is held in memory. A folder beyond
// this, or beyond the memory budget, is streamed from disk instead (ImageFolder).
constexpr std::uint64_t kMaxDatasetPixels = std::uint64_t{1} << 29;
// Bytes one source pixel takes while a dataset is built in memory: up to 3 image bytes and a
// 4-byte mask code; the estimate an ImageFolder compares with the memory budget.
constexpr std::uint64_t kDecodedBytesPerPixel = 7;

// How much decoded data a dataset may hold in memory: UNETLAB_DATA_MEMORY_MB (a whole number
// of MiB) when set, else half of the memory available now (/proc/meminfo MemAvailable; 4 GiB
// where that cannot be read).
std::uint64_t dataMemoryBudgetBytes();

// The class names of a folder or stack whose spec names none: "background", "foreground" for
// two classes, else "background", "class 1", "class 2", ...
std::vector<std::string> defaultClassNames(int classes);

struct ImageDatasetOptions {
    int size = 256;  // resize, crop, patch: the samples' side in pixels (32..4096)
    SizePolicy policy = SizePolicy::Resize;
    int multiple = 16;  // pad: sides become multiples of this (1..256)
    MaskMapping mapping = MaskMapping::Auto;
    bool invert = false;                    // two classes: swap them
    std::vector<std::string> classNames;    // empty: "background", "foreground" (2), else "class k"
    std::vector<ClassColour> classColours;  // display colours; for palette masks also the mapping
    int channels = 0;                       // 0: follow the data; 1 or 3 forces grey or RGB
    std::uint64_t seed = 1;                 // patch: random patch positions
    std::string name;                       // display name; empty: from the folder or file

    // Throws std::invalid_argument naming the bad option.
    void validate() const;
};

class ImageDataset : public Dataset {
public:
    std::string name() const override { return m_name; }
    std::size_t size() const override;
    Sample get(std::size_t index) const override;
    int width() const override { return m_width; }
    int height() const override { return m_height; }
    int inChannels() const override { return m_channels; }
    std::vector<std::string> classNames() const override { return m_classNames; }
    std::vector<ClassColour> classColours() const override { return m_classColours; }
    std::vector<DataProblem> problems() const override { return m_problems; }
    DatasetSummary summary() const override { return m_summary; }
    Sample trainingSample(std::size_t index, std::uint64_t epoch) const override;
    bool variesPerEpoch() const override { return m_options.policy == SizePolicy::Patch; }
    bool streamed() const override { return m_stream != nullptr; }

    const ImageDatasetOptions &options() const { return m_options; }

protected:
    // One image with its mask, decoded, before class mapping and sizing.
    struct Source {
        std::string id;         // sample id: the file stem, or stem and page of a stack
        std::string imageName;  // for problems, e.g. "images/a.png" or "volume.tif page 3"
        std::string maskName;
        DecodedImage image;
        DecodedMask mask;
    };

    ImageDataset(ImageDatasetOptions options, std::string defaultName);
    // Maps, sizes and checks every source; files with a problem join `problems` and are left
    // out. Throws DataError (with every problem) when nothing usable is left, or when the
    // masks cannot be mapped to classes at all.
    void build(std::vector<Source> sources, std::vector<DataProblem> problems);

    // One image file with its mask file, or one page of an image stack with the same page
    // of its label stack, not yet decoded (streaming).
    struct SourceFile {
        std::string id, imageName, maskName;
        std::string imagePath, maskPath;  // as opened
        std::size_t page = 0;             // of a stack; 0 for single images
    };
    // The same as build(), with the same samples, summary and problems, but holding no pixels:
    // one pass decodes every pair to check it and take the census of mask values, a second
    // reads the masks alone to count class pixels, and get() decodes its pair (or its pages)
    // from disk.
    // `decodedBytes` and `budgetBytes` are for the summary's storage line.
    void buildStreamed(std::vector<SourceFile> files, std::vector<DataProblem> problems, std::uint64_t decodedBytes,
                       std::uint64_t budgetBytes);

private:
    struct Stream;  // the files and the mask mapping of a streamed dataset
    Sample patchAt(const Sample &whole, int x, int y) const;
    // Streaming: sample `index` decoded from disk at its own size (throws std::runtime_error
    // naming the file when it changed or became unreadable since opening).
    Sample readStreamed(std::size_t index) const;

    ImageDatasetOptions m_options;
    std::string m_name;
    int m_width = 0, m_height = 0, m_channels = 0;
    std::vector<std::string> m_classNames;
    std::vector<ClassColour> m_classColours;
    std::vector<Sample> m_samples;  // patch policy: the whole images; empty when streamed
    std::shared_ptr<const Stream> m_stream;
    std::vector<DataProblem> m_problems;
    DatasetSummary m_summary;
};

}  // namespace unetlab
