#include "data/ImageDataset.h"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <stdexcept>
#include <system_error>
#include <tuple>
#include <unordered_map>

#include "core/EnumNames.h"
#include "core/Random.h"

namespace unetlab {
namespace fs = std::filesystem;
namespace {

const EnumName<SizePolicy> kPolicies[] = {
    {SizePolicy::Resize, "resize"}, {SizePolicy::Crop, "crop"}, {SizePolicy::Pad, "pad"}, {SizePolicy::Patch, "patch"}};
const EnumName<MaskMapping> kMappings[] = {{MaskMapping::Auto, "auto"},
                                           {MaskMapping::Index, "index"},
                                           {MaskMapping::Binary, "binary"},
                                           {MaskMapping::NonZero, "nonzero"},
                                           {MaskMapping::Palette, "palette"}};

// Masks are stored as one byte per pixel.
constexpr int kMaxClasses = 256;
// Unexpected values named in one problem line.
constexpr std::size_t kValuesNamed = 4;

std::string sizeText(int w, int h) { return std::to_string(w) + "x" + std::to_string(h); }

std::string codeText(std::uint32_t code, bool colour) {
    return colour ? toString(ClassColour{static_cast<std::uint8_t>(code >> 16), static_cast<std::uint8_t>(code >> 8),
                                         static_cast<std::uint8_t>(code)})
                  : std::to_string(code);
}

std::uint32_t greyAsColour(std::uint32_t v) { return v * 0x010101u; }

// How mask codes become classes, resolved from the options and the masks themselves.
struct ClassMap {
    MaskMapping kind = MaskMapping::Index;  // never Auto
    bool colour = false;                    // codes are compared as 0xRRGGBB
    int classes = 2;
    // Auto chose binary although some masks hold other values: why, and what else to say.
    std::string autoNote;
    std::vector<std::uint32_t> palette;   // palette: the code of each class
    std::vector<std::int16_t> greyTable;  // grey codes -> class, -1 unexpected
    std::unordered_map<std::uint32_t, int> colourTable;

    void finish() {
        if (colour) {
            for (std::size_t k = 0; k < palette.size(); ++k) colourTable.emplace(palette[k], static_cast<int>(k));
            return;
        }
        greyTable.assign(65536, -1);
        switch (kind) {
            case MaskMapping::Index:
                for (int v = 0; v < classes; ++v) greyTable[static_cast<std::size_t>(v)] = static_cast<std::int16_t>(v);
                break;
            case MaskMapping::Binary:
                greyTable[0] = 0;
                greyTable[1] = greyTable[255] = greyTable[65535] = 1;
                break;
            case MaskMapping::NonZero:
                std::fill(greyTable.begin() + 1, greyTable.end(), std::int16_t{1});
                greyTable[0] = 0;
                break;
            case MaskMapping::Palette:
                for (std::size_t k = 0; k < palette.size(); ++k) greyTable[palette[k]] = static_cast<std::int16_t>(k);
                break;
            case MaskMapping::Auto:
                break;
        }
    }
    int classOf(std::uint32_t code) const {
        if (!colour) return greyTable[code];
        const auto it = colourTable.find(code);
        return it == colourTable.end() ? -1 : it->second;
    }
};

// The distinct mask codes of all sources (colour codes when any mask is in colour).
struct CodeCensus {
    bool anyColour = false;
    std::vector<bool> grey = std::vector<bool>(65536, false);
    std::set<std::uint32_t> colours;  // stops growing past kMaxClasses + 1
    // Grey masks only: how many there are, how many hold nothing but 0 and "full on" (255 or
    // 65535), whether one of those holds full on, and their pixels, all and other than those.
    std::size_t greyMasks = 0, binaryMasks = 0;
    bool fullInBinaryMask = false;
    std::uint64_t greyPixels = 0, strayPixels = 0;
    std::vector<std::uint32_t> greyValues() const {
        std::vector<std::uint32_t> v;
        for (std::uint32_t i = 0; i < grey.size(); ++i)
            if (grey[i]) v.push_back(i);
        return v;
    }
};

ClassMap resolveMapping(const CodeCensus &census, const ImageDatasetOptions &o) {
    const std::vector<std::uint32_t> greyValues = census.greyValues();
    MaskMapping kind = o.mapping;
    const bool givenPalette = !o.classColours.empty();
    std::string autoNote;
    if (kind == MaskMapping::Auto) {
        // 0 and "full on" (255, or 65535 in 16-bit masks) only.
        const bool onlyBinary = census.fullInBinaryMask && census.strayPixels == 0;
        // Or nearly so: at least 3 in 4 masks hold only those, and the other values cover under
        // 1 % of all mask pixels. A stray 128 (an anti-aliased edge, a JPEG artifact) in a 0/255
        // set makes its mask a problem rather than quietly a third class.
        const bool mostlyBinary = census.fullInBinaryMask && census.binaryMasks * 4 >= census.greyMasks * 3 &&
                                  census.strayPixels * 100 < census.greyPixels;
        if (census.anyColour) {
            kind = MaskMapping::Palette;
        } else if (onlyBinary || mostlyBinary) {
            kind = MaskMapping::Binary;
            if (!onlyBinary)
                autoNote = "mapping=auto chose binary as " + std::to_string(census.binaryMasks) + " of " +
                           std::to_string(census.greyMasks) +
                           " masks hold only 0 and 255; say mapping=palette if other values are classes";
        } else if (greyValues.empty() || greyValues.back() < static_cast<std::uint32_t>(kMaxAutoClasses))
            kind = MaskMapping::Index;
        else if (greyValues.size() <= static_cast<std::size_t>(kMaxAutoClasses))
            kind = MaskMapping::Palette;
        else
            throw DataError("the masks hold " + std::to_string(greyValues.size()) +
                            " different values, too many to be classes (instance labels? use mapping=nonzero; "
                            "JPEG masks? save them as PNG; or say mapping=index)");
    }
    ClassMap map;
    map.kind = kind;
    map.autoNote = autoNote;
    switch (kind) {
        case MaskMapping::Index: {
            const int largest =
                greyValues.empty() ? 0 : static_cast<int>(std::min<std::uint32_t>(greyValues.back(), kMaxClasses - 1));
            map.classes = o.classNames.empty() ? std::max(2, largest + 1) : static_cast<int>(o.classNames.size());
            break;
        }
        case MaskMapping::Binary:
        case MaskMapping::NonZero:
            map.classes = 2;
            break;
        case MaskMapping::Palette:
            map.colour = census.anyColour || givenPalette;
            if (givenPalette) {
                for (const ClassColour &c : o.classColours)
                    map.palette.push_back((std::uint32_t{c.r} << 16) | (std::uint32_t{c.g} << 8) | c.b);
            } else if (census.anyColour) {
                map.palette.assign(census.colours.begin(), census.colours.end());
            } else {
                map.palette = greyValues;
            }
            if (map.palette.size() > static_cast<std::size_t>(kMaxClasses))
                throw DataError("the masks hold more than " + std::to_string(kMaxClasses) +
                                " different colours, too many to be classes (JPEG masks? save them as PNG)");
            if (map.palette.size() < 2)
                throw DataError("every mask holds the same single value, so there is nothing to tell apart");
            map.classes = static_cast<int>(map.palette.size());
            break;
        case MaskMapping::Auto:
            break;
    }
    if (!o.classNames.empty() && static_cast<int>(o.classNames.size()) != map.classes)
        throw DataError(std::to_string(o.classNames.size()) + " class names were given, but the " + toString(kind) +
                        " masks have " + std::to_string(map.classes) + " classes");
    if (o.invert && map.classes != 2)
        throw DataError("invert needs two classes, the " + toString(kind) + " masks have " +
                        std::to_string(map.classes));
    map.finish();
    return map;
}

std::string describeMapping(const ClassMap &map, const std::vector<std::string> &names, bool invert) {
    auto cls = [&](int k) { return names[static_cast<std::size_t>(invert ? 1 - k : k)]; };
    switch (map.kind) {
        case MaskMapping::Binary:
            return "binary masks: 0 -> " + cls(0) + ", 255 -> " + cls(1);
        case MaskMapping::NonZero:
            return "nonzero masks: 0 -> " + cls(0) + ", any other value -> " + cls(1);
        case MaskMapping::Index: {
            std::string s = "index masks: values 0.." + std::to_string(map.classes - 1) + " are the classes";
            return invert ? s + ", inverted (0 -> " + cls(0) + ", 1 -> " + cls(1) + ")" : s;
        }
        case MaskMapping::Palette: {
            std::string s = "palette masks:";
            for (int k = 0; k < map.classes; ++k)
                s += std::string(k ? "," : "") + " " + codeText(map.palette[static_cast<std::size_t>(k)], map.colour) +
                     " -> " + (invert ? cls(k) : names[static_cast<std::size_t>(k)]);
            return s;
        }
        case MaskMapping::Auto:
            break;
    }
    return {};
}

cv::Mat imageMat(Sample &s) { return cv::Mat(s.height, s.width, CV_8UC(s.channels), s.image.data()); }
cv::Mat maskMat(Sample &s) { return cv::Mat(s.height, s.width, CV_8UC1, s.mask.data()); }

// The bytes of a (possibly non-continuous) 8-bit matrix, row after row.
std::vector<std::uint8_t> bytesOf(const cv::Mat &m) {
    const cv::Mat dense = m.isContinuous() ? m : m.clone();
    return std::vector<std::uint8_t>(dense.data, dense.data + dense.total() * dense.elemSize());
}

// Mirrors the borders out to the requested padding; reflect-101 needs a pad below the side,
// so large pads are done in steps.
void padMirrored(cv::Mat &m, int top, int bottom, int left, int right) {
    while (top > 0 || bottom > 0 || left > 0 || right > 0) {
        const int stepV = std::max(0, m.rows - 1), stepH = std::max(0, m.cols - 1);
        const int t = std::min(top, stepV), b = std::min(bottom, stepV), l = std::min(left, stepH),
                  r = std::min(right, stepH);
        if (t + b + l + r == 0) {  // a one-pixel side: repeat it
            cv::copyMakeBorder(m, m, top, bottom, left, right, cv::BORDER_REPLICATE);
            return;
        }
        cv::copyMakeBorder(m, m, t, b, l, r, cv::BORDER_REFLECT_101);
        top -= t, bottom -= b, left -= l, right -= r;
    }
}

std::string policyText(const ImageDatasetOptions &o, int width, int height) {
    const std::string side = sizeText(width, height);
    switch (o.policy) {
        case SizePolicy::Resize:
            return "resized to " + side + " (images by area or bilinear, masks by nearest)";
        case SizePolicy::Crop:
            return "centre " + side + " crops";
        case SizePolicy::Pad:
            return "padded to " + side + " (multiples of " + std::to_string(o.multiple) + ", mirrored borders)";
        case SizePolicy::Patch:
            return "random " + side + " patches (training: a fresh patch per epoch; evaluation: the centre patch)";
    }
    return {};
}

// One mask's part of the census. Colour masks add their colours (up to kMaxClasses + 1);
// grey masks their values, and whether they hold only 0 and "full on".
void addToCensus(CodeCensus &census, const DecodedMask &mask) {
    if (mask.colour) {
        census.anyColour = true;
        for (std::uint32_t c : mask.codes) {
            if (census.colours.size() > static_cast<std::size_t>(kMaxClasses)) break;
            census.colours.insert(c);
        }
        return;
    }
    std::uint64_t stray = 0;
    bool full = false;
    for (std::uint32_t c : mask.codes) {
        census.grey[c] = true;
        full |= c == 255 || c == 65535;
        stray += c != 0 && c != 255 && c != 65535;
    }
    ++census.greyMasks;
    census.greyPixels += mask.codes.size();
    census.strayPixels += stray;
    if (stray == 0) {
        ++census.binaryMasks;
        census.fullInBinaryMask |= full;
    }
}

// After the last mask: where colour masks are about, the grey masks' 8-bit values are colours too.
void finishCensus(CodeCensus &census) {
    if (!census.anyColour) return;
    for (std::uint32_t v = 0; v <= 255 && census.colours.size() <= static_cast<std::size_t>(kMaxClasses); ++v)
        if (census.grey[v]) census.colours.insert(greyAsColour(v));
}

// The class of one code of a mask (grey or colour), -1 for none. A colour mask under a grey
// mapping is a problem of its own, checked before.
int classOfCode(const ClassMap &map, std::uint32_t code, bool maskColour) {
    if (map.colour && !maskColour) return code > 255 ? -1 : map.classOf(greyAsColour(code));
    return map.classOf(code);
}

// Maps a mask's codes to class bytes; false, with the codes that have no class, when some do not.
bool mapMask(const DecodedMask &mask, const ClassMap &map, bool invert, std::vector<std::uint8_t> &out,
             std::set<std::uint32_t> &unexpected) {
    out.resize(mask.codes.size());
    for (std::size_t p = 0; p < mask.codes.size(); ++p) {
        const std::uint32_t code = mask.codes[p];
        const int k = classOfCode(map, code, mask.colour);
        if (k < 0)
            unexpected.insert(code);
        else
            out[p] = static_cast<std::uint8_t>(invert ? 1 - k : k);
    }
    return unexpected.empty();
}

std::string unexpectedReason(const std::set<std::uint32_t> &unexpected, bool maskColour, const ClassMap &map,
                             const std::vector<std::string> &names, bool invert) {
    std::string values;
    std::size_t n = 0;
    for (std::uint32_t v : unexpected) {
        if (n++ == kValuesNamed) {
            values += ", ...";
            break;
        }
        values += (values.empty() ? "" : ", ") + codeText(v, maskColour);
    }
    return "has unexpected label value" + std::string(unexpected.size() > 1 ? "s " : " ") + values + " (" +
           describeMapping(map, names, invert) + (map.autoNote.empty() ? "" : "; " + map.autoNote) + ")";
}

std::string colourMaskReason(const ClassMap &map) {
    return "is a colour mask; " + toString(map.kind) + " masks are grey";
}

// The image's pixels with `channels` channels.
std::vector<std::uint8_t> convertImage(DecodedImage &img, int channels) {
    cv::Mat image(img.height, img.width, CV_8UC(img.channels), img.pixels.data());
    cv::Mat converted;
    if (img.channels == channels)
        converted = image;
    else if (channels == 3)
        cv::cvtColor(image, converted, cv::COLOR_GRAY2RGB);
    else
        cv::cvtColor(image, converted, cv::COLOR_RGB2GRAY);
    return bytesOf(converted);
}

std::vector<ClassColour> classColoursOf(const ClassMap &map, const ImageDatasetOptions &o) {
    if (!o.classColours.empty()) return o.classColours;
    std::vector<ClassColour> colours;
    if (map.kind == MaskMapping::Palette && map.colour)
        for (std::uint32_t c : map.palette)
            colours.push_back(
                {static_cast<std::uint8_t>(c >> 16), static_cast<std::uint8_t>(c >> 8), static_cast<std::uint8_t>(c)});
    return colours;
}

std::string mappingText(const ClassMap &map, const std::vector<std::string> &names, bool invert) {
    return describeMapping(map, names, invert) + (map.autoNote.empty() ? "" : " (" + map.autoNote + ")");
}

// Crop and patch need images at least as large as the samples.
bool tooSmall(const ImageDatasetOptions &o, int w, int h) {
    return (o.policy == SizePolicy::Crop || o.policy == SizePolicy::Patch) && (w < o.size || h < o.size);
}

std::string tooSmallReason(const ImageDatasetOptions &o, int w, int h) {
    return "is " + sizeText(w, h) + ", smaller than the " + sizeText(o.size, o.size) +
           (o.policy == SizePolicy::Crop ? " crop" : " patches");
}

// Pad: the largest sides, rounded up to multiples.
std::pair<int, int> padTarget(int maxW, int maxH, int multiple) {
    return {(maxW + multiple - 1) / multiple * multiple, (maxH + multiple - 1) / multiple * multiple};
}

// Brings one mapped sample to the dataset's size (patch: left whole). A sample without image
// bytes has its mask sized alone.
void applySize(Sample &s, const ImageDatasetOptions &o, int targetW, int targetH) {
    const bool withImage = !s.image.empty();
    const cv::Mat image = withImage ? imageMat(s) : cv::Mat(), mask = maskMat(s);
    cv::Mat ri, rm;
    if (o.policy == SizePolicy::Resize && (s.width != o.size || s.height != o.size)) {
        const bool shrink = o.size <= s.width && o.size <= s.height;
        if (withImage)
            cv::resize(image, ri, cv::Size(o.size, o.size), 0, 0, shrink ? cv::INTER_AREA : cv::INTER_LINEAR);
        cv::resize(mask, rm, cv::Size(o.size, o.size), 0, 0, cv::INTER_NEAREST);
    } else if (o.policy == SizePolicy::Crop) {
        const cv::Rect r((s.width - o.size) / 2, (s.height - o.size) / 2, o.size, o.size);
        if (withImage) ri = image(r);
        rm = mask(r);
    } else if (o.policy == SizePolicy::Pad && (s.width != targetW || s.height != targetH)) {
        const int left = (targetW - s.width) / 2, top = (targetH - s.height) / 2;
        rm = mask.clone();
        padMirrored(rm, top, targetH - s.height - top, left, targetW - s.width - left);
        if (withImage) {
            ri = image.clone();
            padMirrored(ri, top, targetH - s.height - top, left, targetW - s.width - left);
        }
    } else {
        return;
    }
    std::vector<std::uint8_t> pixels = withImage ? bytesOf(ri) : std::vector<std::uint8_t>{}, labels = bytesOf(rm);
    s.width = rm.cols;
    s.height = rm.rows;
    s.image = std::move(pixels);
    s.mask = std::move(labels);
}

[[noreturn]] void throwNothingUsable(const std::string &name, std::vector<DataProblem> problems) {
    const std::string what = problems.empty()
                                 ? "no image/mask pairs were found"
                                 : "none of its " + std::to_string(problems.size()) +
                                       " problem file(s) could be used; the first: " + problems.front().file + " " +
                                       problems.front().reason;
    throw DataError(name + ": " + what, std::move(problems));
}

void sortProblems(std::vector<DataProblem> &problems) {
    std::stable_sort(problems.begin(), problems.end(),
                     [](const DataProblem &a, const DataProblem &b) { return a.file < b.file; });
}

// Source sizes, most frequent first.
std::vector<DatasetSummary::SizeCount> sizeCounts(const std::map<std::pair<int, int>, std::size_t> &sizes) {
    std::vector<DatasetSummary::SizeCount> out;
    for (const auto &[wh, n] : sizes)
        if (n > 0) out.push_back({wh.first, wh.second, n});
    std::stable_sort(out.begin(), out.end(), [](const auto &a, const auto &b) { return a.count > b.count; });
    return out;
}

std::vector<double> fractionsOf(const std::vector<std::uint64_t> &pixels) {
    std::uint64_t total = 0;
    for (std::uint64_t n : pixels) total += n;
    std::vector<double> out;
    for (std::uint64_t n : pixels) out.push_back(total ? static_cast<double>(n) / static_cast<double>(total) : 0.0);
    return out;
}

std::string megabytes(std::uint64_t bytes) { return std::to_string((bytes + (1u << 19)) >> 20) + " MB"; }

// A file of a streamed dataset as it was when the dataset was opened.
struct FileStamp {
    std::uintmax_t bytes = 0;
    fs::file_time_type time{};
    bool operator==(const FileStamp &o) const { return bytes == o.bytes && time == o.time; }
};

FileStamp stampOf(const std::string &path) {
    std::error_code ec;
    FileStamp s;
    s.bytes = fs::file_size(path, ec);
    if (ec) return {};
    s.time = fs::last_write_time(path, ec);
    return ec ? FileStamp{} : s;
}

}  // namespace

std::string toString(SizePolicy p) { return enumToName(kPolicies, p); }
std::string toString(MaskMapping m) { return enumToName(kMappings, m); }
SizePolicy sizePolicyFromString(const std::string &s) { return enumFromName(kPolicies, s, "size policy"); }
MaskMapping maskMappingFromString(const std::string &s) { return enumFromName(kMappings, s, "mask mapping"); }

std::string toString(const ClassColour &c) {
    char text[8];
    std::snprintf(text, sizeof text, "#%02x%02x%02x", c.r, c.g, c.b);
    return text;
}

ClassColour classColourFromString(const std::string &s) {
    const bool ok =
        s.size() == 7 && s[0] == '#' && s.find_first_not_of("0123456789abcdefABCDEF", 1) == std::string::npos;
    if (!ok) throw std::invalid_argument("colour '" + s + "' is not of the form #rrggbb");
    const unsigned long v = std::stoul(s.substr(1), nullptr, 16);
    return {static_cast<std::uint8_t>(v >> 16), static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
}

void ImageDatasetOptions::validate() const {
    auto fail = [](const std::string &m) { throw std::invalid_argument(m); };
    if (size < 32 || size > 4096) fail("size must be between 32 and 4096 pixels");
    if (multiple < 1 || multiple > 256) fail("multiple must be between 1 and 256");
    if (channels != 0 && channels != 1 && channels != 3) fail("channels must be 1, 3 or automatic");
    if (classNames.size() == 1 || classNames.size() > static_cast<std::size_t>(kMaxClasses))
        fail("give between 2 and " + std::to_string(kMaxClasses) + " class names");
    std::set<std::string> unique;
    for (const auto &n : classNames) {
        if (n.empty()) fail("class names must not be empty");
        if (!unique.insert(n).second) fail("class name '" + n + "' is given twice");
    }
    if (classColours.size() == 1 || classColours.size() > static_cast<std::size_t>(kMaxClasses))
        fail("give between 2 and " + std::to_string(kMaxClasses) + " class colours");
    for (std::size_t i = 0; i < classColours.size(); ++i)
        for (std::size_t j = 0; j < i; ++j)
            if (classColours[i] == classColours[j]) fail("colour " + toString(classColours[i]) + " is given twice");
    if (!classNames.empty() && !classColours.empty() && classNames.size() != classColours.size())
        fail("give as many class colours as class names");
}

std::uint64_t dataMemoryBudgetBytes() {
    if (const char *env = std::getenv("UNETLAB_DATA_MEMORY_MB"); env && *env) {
        char *end = nullptr;
        const unsigned long long mb = std::strtoull(env, &end, 10);
        if (end && *end == '\0' && mb < (std::uint64_t{1} << 40)) return static_cast<std::uint64_t>(mb) << 20;
    }
    std::ifstream in("/proc/meminfo");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("MemAvailable:", 0) == 0) return std::strtoull(line.c_str() + 13, nullptr, 10) * 1024 / 2;  // kB
    return std::uint64_t{4} << 30;
}

struct ImageDataset::Stream {
    struct File {
        SourceFile source;
        int width = 0, height = 0;  // as stored
        bool maskColour = false;
        FileStamp image, mask;
    };
    std::vector<File> files;  // the usable samples, in order
    ClassMap map;
};

ImageDataset::ImageDataset(ImageDatasetOptions options, std::string defaultName)
    : m_options(std::move(options)), m_name(m_options.name.empty() ? std::move(defaultName) : m_options.name) {
    m_options.validate();
}

std::size_t ImageDataset::size() const { return m_stream ? m_stream->files.size() : m_samples.size(); }

void ImageDataset::build(std::vector<Source> sources, std::vector<DataProblem> problems) {
    const ImageDatasetOptions &o = m_options;
    // Image and mask must match before anything is mapped.
    std::vector<Source> valid;
    for (Source &s : sources) {
        if (s.image.width != s.mask.width || s.image.height != s.mask.height)
            problems.push_back({s.maskName, "mask is " + sizeText(s.mask.width, s.mask.height) + ", its image " +
                                                sizeText(s.image.width, s.image.height)});
        else
            valid.push_back(std::move(s));
    }
    sources.clear();

    CodeCensus census;
    for (const Source &s : valid) addToCensus(census, s.mask);
    finishCensus(census);
    if (valid.empty()) throwNothingUsable(m_name, std::move(problems));
    const ClassMap map = resolveMapping(census, o);
    m_classNames = o.classNames.empty() ? defaultClassNames(map.classes) : o.classNames;
    m_classColours = classColoursOf(map, o);

    // Input channels: grey only when every image is stored grey.
    int channels = o.channels;
    if (channels == 0) {
        channels = 1;
        for (const Source &s : valid)
            if (s.image.channels == 3) channels = 3;
    }

    // Map masks and convert images at their own size.
    std::vector<Sample> full;
    std::vector<std::string> imageNames;
    std::map<std::pair<int, int>, std::size_t> sizes;
    for (Source &s : valid) {
        if (!map.colour && s.mask.colour) {
            problems.push_back({s.maskName, colourMaskReason(map)});
            continue;
        }
        Sample out;
        out.id = s.id;
        out.width = s.image.width;
        out.height = s.image.height;
        std::set<std::uint32_t> unexpected;
        if (!mapMask(s.mask, map, o.invert, out.mask, unexpected)) {
            problems.push_back({s.maskName, unexpectedReason(unexpected, s.mask.colour, map, m_classNames, o.invert)});
            continue;
        }
        out.channels = channels;
        out.image = convertImage(s.image, channels);
        s.mask.codes = {};
        s.image.pixels = {};
        ++sizes[{out.width, out.height}];
        full.push_back(std::move(out));
        imageNames.push_back(s.imageName);
    }

    // Bring every sample to one size.
    int targetW = o.size, targetH = o.size;
    if (o.policy == SizePolicy::Pad) {
        int maxW = 0, maxH = 0;
        for (const Sample &s : full) {
            maxW = std::max(maxW, s.width);
            maxH = std::max(maxH, s.height);
        }
        std::tie(targetW, targetH) = padTarget(maxW, maxH, o.multiple);
    }
    for (std::size_t i = 0; i < full.size(); ++i) {
        Sample &s = full[i];
        if (tooSmall(o, s.width, s.height)) {
            problems.push_back({imageNames[i], tooSmallReason(o, s.width, s.height)});
            --sizes[{s.width, s.height}];
            continue;
        }
        applySize(s, o, targetW, targetH);
        m_samples.push_back(std::move(s));
    }
    sortProblems(problems);
    m_problems = std::move(problems);
    if (m_samples.empty()) throwNothingUsable(m_name, m_problems);
    m_width = targetW;
    m_height = targetH;
    m_channels = channels;

    DatasetSummary &sum = m_summary;
    sum.name = m_name;
    sum.count = m_samples.size();
    sum.width = m_width;
    sum.height = m_height;
    sum.channels = m_channels;
    sum.sourceSizes = sizeCounts(sizes);
    sum.classNames = m_classNames;
    sum.classPixels.assign(m_classNames.size(), 0);
    for (const Sample &s : m_samples)
        for (std::uint8_t v : s.mask) ++sum.classPixels[v];
    sum.classFractions = fractionsOf(sum.classPixels);
    sum.mapping = mappingText(map, m_classNames, o.invert);
    sum.sizePolicy = policyText(o, m_width, m_height);
}

void ImageDataset::buildStreamed(std::vector<SourceFile> files, std::vector<DataProblem> problems,
                                 std::uint64_t decodedBytes, std::uint64_t budgetBytes) {
    const ImageDatasetOptions &o = m_options;
    // Pass 1: decode every pair once, check it and take the census; keep each mask's distinct
    // codes (for the unexpected-value check), no pixels.
    struct Seen {
        Stream::File file;
        std::vector<std::uint32_t> codes;  // distinct, ascending
    };
    std::vector<Seen> valid;
    CodeCensus census;
    bool anyRgb = false;
    for (SourceFile &f : files) {
        Seen seen;
        seen.file.image = stampOf(f.imagePath);
        seen.file.mask = stampOf(f.maskPath);
        DecodedImage image;
        DecodedMask mask;
        try {
            image = readImagePage(f.imagePath, f.page);
        } catch (const std::exception &e) {
            problems.push_back({f.imageName, e.what()});
            continue;
        }
        try {
            mask = readMaskPage(f.maskPath, f.page);
        } catch (const std::exception &e) {
            problems.push_back({f.maskName, e.what()});
            continue;
        }
        if (image.width != mask.width || image.height != mask.height) {
            problems.push_back({f.maskName, "mask is " + sizeText(mask.width, mask.height) + ", its image " +
                                                sizeText(image.width, image.height)});
            continue;
        }
        addToCensus(census, mask);
        anyRgb |= image.channels == 3;
        seen.file.width = image.width;
        seen.file.height = image.height;
        seen.file.maskColour = mask.colour;
        if (mask.colour) {
            seen.codes = mask.codes;
            std::sort(seen.codes.begin(), seen.codes.end());
            seen.codes.erase(std::unique(seen.codes.begin(), seen.codes.end()), seen.codes.end());
        } else {
            std::vector<bool> present(65536, false);
            for (std::uint32_t c : mask.codes) present[c] = true;
            for (std::uint32_t c = 0; c < present.size(); ++c)
                if (present[c]) seen.codes.push_back(c);
        }
        seen.file.source = std::move(f);
        valid.push_back(std::move(seen));
    }
    finishCensus(census);
    if (valid.empty()) throwNothingUsable(m_name, std::move(problems));
    auto stream = std::make_shared<Stream>();
    stream->map = resolveMapping(census, o);
    const ClassMap &map = stream->map;
    m_classNames = o.classNames.empty() ? defaultClassNames(map.classes) : o.classNames;
    m_classColours = classColoursOf(map, o);
    const int channels = o.channels != 0 ? o.channels : anyRgb ? 3 : 1;

    // The mapping's problems, from each mask's distinct codes.
    std::vector<Stream::File> mapped;
    std::map<std::pair<int, int>, std::size_t> sizes;
    for (Seen &s : valid) {
        if (!map.colour && s.file.maskColour) {
            problems.push_back({s.file.source.maskName, colourMaskReason(map)});
            continue;
        }
        std::set<std::uint32_t> unexpected;
        for (std::uint32_t c : s.codes)
            if (classOfCode(map, c, s.file.maskColour) < 0) unexpected.insert(c);
        if (!unexpected.empty()) {
            problems.push_back(
                {s.file.source.maskName, unexpectedReason(unexpected, s.file.maskColour, map, m_classNames, o.invert)});
            continue;
        }
        ++sizes[{s.file.width, s.file.height}];
        mapped.push_back(std::move(s.file));
    }
    valid.clear();

    int targetW = o.size, targetH = o.size;
    if (o.policy == SizePolicy::Pad) {
        int maxW = 0, maxH = 0;
        for (const Stream::File &f : mapped) {
            maxW = std::max(maxW, f.width);
            maxH = std::max(maxH, f.height);
        }
        std::tie(targetW, targetH) = padTarget(maxW, maxH, o.multiple);
    }
    m_width = targetW;
    m_height = targetH;
    m_channels = channels;

    // Pass 2: the masks alone, mapped and sized as get() does, for the class pixels.
    std::vector<std::uint64_t> classPixels(m_classNames.size(), 0);
    for (Stream::File &f : mapped) {
        if (tooSmall(o, f.width, f.height)) {
            problems.push_back({f.source.imageName, tooSmallReason(o, f.width, f.height)});
            --sizes[{f.width, f.height}];
            continue;
        }
        Sample s;
        s.width = f.width;
        s.height = f.height;
        DecodedMask mask;
        try {
            mask = readMaskPage(f.source.maskPath, f.source.page);
        } catch (const std::exception &e) {
            throw DataError(m_name + ": " + f.source.maskName + " " + e.what() + " (it changed while opening)");
        }
        std::set<std::uint32_t> unexpected;
        if (mask.width != f.width || mask.height != f.height || mask.colour != f.maskColour ||
            !mapMask(mask, map, o.invert, s.mask, unexpected))
            throw DataError(m_name + ": " + f.source.maskName + " changed while the dataset was opened");
        applySize(s, o, targetW, targetH);
        for (std::uint8_t v : s.mask) ++classPixels[v];
        stream->files.push_back(std::move(f));
    }
    sortProblems(problems);
    m_problems = std::move(problems);
    if (stream->files.empty()) throwNothingUsable(m_name, m_problems);
    m_stream = std::move(stream);

    DatasetSummary &sum = m_summary;
    sum.name = m_name;
    sum.count = m_stream->files.size();
    sum.width = m_width;
    sum.height = m_height;
    sum.channels = m_channels;
    sum.sourceSizes = sizeCounts(sizes);
    sum.classNames = m_classNames;
    sum.classPixels = std::move(classPixels);
    sum.classFractions = fractionsOf(sum.classPixels);
    sum.mapping = mappingText(map, m_classNames, o.invert);
    sum.sizePolicy = policyText(o, m_width, m_height);
    sum.storage =
        "streamed from disk: " + std::to_string(sum.count) + " images, ~" + megabytes(decodedBytes) + " decoded, " +
        (decodedBytes > budgetBytes ? "over the memory budget of " + megabytes(budgetBytes)
                                    : "more than the " + std::to_string(kMaxDatasetPixels) + " pixels held in memory");
}

Sample ImageDataset::readStreamed(std::size_t index) const {
    const Stream::File &f = m_stream->files[index];
    const ImageDatasetOptions &o = m_options;
    auto fail = [&](const std::string &file, const std::string &why) {
        return std::runtime_error(m_name + ": " + file + " " + why);
    };
    const char *const reopen = "; open the dataset again";
    if (!(stampOf(f.source.imagePath) == f.image))
        throw fail(f.source.imageName, std::string("changed or went away after the dataset was opened") + reopen);
    if (!(stampOf(f.source.maskPath) == f.mask))
        throw fail(f.source.maskName, std::string("changed or went away after the dataset was opened") + reopen);
    DecodedImage image;
    DecodedMask mask;
    try {
        image = readImagePage(f.source.imagePath, f.source.page);
    } catch (const std::exception &e) {
        throw fail(f.source.imageName, e.what() + std::string(" (since the dataset was opened)") + reopen);
    }
    try {
        mask = readMaskPage(f.source.maskPath, f.source.page);
    } catch (const std::exception &e) {
        throw fail(f.source.maskName, e.what() + std::string(" (since the dataset was opened)") + reopen);
    }
    Sample s;
    s.id = f.source.id;
    s.width = f.width;
    s.height = f.height;
    std::set<std::uint32_t> unexpected;
    if (image.width != f.width || image.height != f.height)
        throw fail(f.source.imageName, "changed after the dataset was opened" + std::string(reopen));
    if (mask.width != f.width || mask.height != f.height || mask.colour != f.maskColour ||
        !mapMask(mask, m_stream->map, o.invert, s.mask, unexpected))
        throw fail(f.source.maskName, "changed after the dataset was opened" + std::string(reopen));
    mask.codes = {};
    s.channels = m_channels;
    s.image = convertImage(image, m_channels);
    image.pixels = {};
    applySize(s, o, m_width, m_height);
    return s;
}

Sample ImageDataset::patchAt(const Sample &whole, int x, int y) const {
    const int side = m_options.size;
    Sample s;
    s.id = whole.id;
    s.width = s.height = side;
    s.channels = whole.channels;
    s.image.resize(static_cast<std::size_t>(side) * side * static_cast<std::size_t>(whole.channels));
    s.mask.resize(static_cast<std::size_t>(side) * side);
    const std::size_t rowBytes = static_cast<std::size_t>(side) * static_cast<std::size_t>(whole.channels);
    for (int r = 0; r < side; ++r) {
        const std::size_t src =
            static_cast<std::size_t>(y + r) * static_cast<std::size_t>(whole.width) + static_cast<std::size_t>(x);
        std::copy_n(whole.image.begin() + static_cast<std::ptrdiff_t>(src * static_cast<std::size_t>(whole.channels)),
                    rowBytes, s.image.begin() + static_cast<std::ptrdiff_t>(static_cast<std::size_t>(r) * rowBytes));
        std::copy_n(
            whole.mask.begin() + static_cast<std::ptrdiff_t>(src), side,
            s.mask.begin() + static_cast<std::ptrdiff_t>(static_cast<std::size_t>(r) * static_cast<std::size_t>(side)));
    }
    return s;
}

Sample ImageDataset::get(std::size_t index) const {
    if (index >= size())
        throw std::out_of_range(m_name + ": index " + std::to_string(index) + " out of range (" +
                                std::to_string(size()) + " samples)");
    if (m_options.policy != SizePolicy::Patch) return m_stream ? readStreamed(index) : m_samples[index];
    const Sample loaded = m_stream ? readStreamed(index) : Sample{};
    const Sample &whole = m_stream ? loaded : m_samples[index];
    return patchAt(whole, (whole.width - m_options.size) / 2, (whole.height - m_options.size) / 2);
}

Sample ImageDataset::trainingSample(std::size_t index, std::uint64_t epoch) const {
    if (m_options.policy != SizePolicy::Patch || index >= size()) return get(index);
    const Sample loaded = m_stream ? readStreamed(index) : Sample{};
    const Sample &whole = m_stream ? loaded : m_samples[index];
    SplitMix64 rng(mix64(mix64(m_options.seed ^ 0x7A7C4E5D1F3B2A61ULL) + mix64(epoch * 0x9E3779B97F4A7C15ULL + index)));
    const int x = static_cast<int>(rng.below(static_cast<std::uint64_t>(whole.width - m_options.size + 1)));
    const int y = static_cast<int>(rng.below(static_cast<std::uint64_t>(whole.height - m_options.size + 1)));
    return patchAt(whole, x, y);
}

std::vector<std::string> defaultClassNames(int classes) {
    if (classes == 2) return {"background", "foreground"};
    std::vector<std::string> names{"background"};
    for (int k = 1; k < classes; ++k) names.push_back("class " + std::to_string(k));
    return names;
}

}  // namespace unetlab
