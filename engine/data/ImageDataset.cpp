#include "data/ImageDataset.h"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <stdexcept>
#include <unordered_map>

#include "core/EnumNames.h"
#include "core/Random.h"

namespace unetlab {
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
    if (kind == MaskMapping::Auto) {
        // 0 and "full on" (255, or 65535 in 16-bit masks) only.
        bool onlyBinary = !greyValues.empty() && greyValues.back() >= 255;
        for (std::uint32_t v : greyValues) onlyBinary &= v == 0 || v == 255 || v == 65535;
        if (census.anyColour)
            kind = MaskMapping::Palette;
        else if (onlyBinary)
            kind = MaskMapping::Binary;
        else if (greyValues.empty() || greyValues.back() < static_cast<std::uint32_t>(kMaxAutoClasses))
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

std::vector<std::string> defaultNames(int classes) {
    if (classes == 2) return {"background", "foreground"};
    std::vector<std::string> names{"background"};
    for (int k = 1; k < classes; ++k) names.push_back("class " + std::to_string(k));
    return names;
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

void store(Sample &s, const cv::Mat &image, const cv::Mat &mask) {
    std::vector<std::uint8_t> pixels = bytesOf(image), labels = bytesOf(mask);
    s.width = image.cols;
    s.height = image.rows;
    s.image = std::move(pixels);
    s.mask = std::move(labels);
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

ImageDataset::ImageDataset(ImageDatasetOptions options, std::string defaultName)
    : m_options(std::move(options)), m_name(m_options.name.empty() ? std::move(defaultName) : m_options.name) {
    m_options.validate();
}

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
    for (const Source &s : valid) census.anyColour |= s.mask.colour;
    for (const Source &s : valid)
        for (std::uint32_t c : s.mask.codes) {
            if (!s.mask.colour) census.grey[c] = true;
            if (census.anyColour && census.colours.size() <= static_cast<std::size_t>(kMaxClasses) &&
                (s.mask.colour || c <= 255))
                census.colours.insert(s.mask.colour ? c : greyAsColour(c));
        }
    if (valid.empty()) {
        const std::string what = problems.empty()
                                     ? "no image/mask pairs were found"
                                     : "none of its " + std::to_string(problems.size()) +
                                           " problem file(s) could be used; the first: " + problems.front().file + " " +
                                           problems.front().reason;
        throw DataError(m_name + ": " + what, problems);
    }
    const ClassMap map = resolveMapping(census, o);
    m_classNames = o.classNames.empty() ? defaultNames(map.classes) : o.classNames;
    if (!o.classColours.empty()) {
        m_classColours = o.classColours;
    } else if (map.kind == MaskMapping::Palette && map.colour) {
        for (std::uint32_t c : map.palette)
            m_classColours.push_back(
                {static_cast<std::uint8_t>(c >> 16), static_cast<std::uint8_t>(c >> 8), static_cast<std::uint8_t>(c)});
    }

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
            problems.push_back({s.maskName, "is a colour mask; " + toString(map.kind) + " masks are grey"});
            continue;
        }
        Sample out;
        out.id = s.id;
        out.width = s.image.width;
        out.height = s.image.height;
        out.mask.resize(s.mask.codes.size());
        std::set<std::uint32_t> unexpected;
        const bool greyAsColourCodes = map.colour && !s.mask.colour;
        for (std::size_t p = 0; p < s.mask.codes.size(); ++p) {
            const std::uint32_t code = s.mask.codes[p];
            const int k = greyAsColourCodes ? (code > 255 ? -1 : map.classOf(greyAsColour(code))) : map.classOf(code);
            if (k < 0)
                unexpected.insert(code);
            else
                out.mask[p] = static_cast<std::uint8_t>(o.invert ? 1 - k : k);
        }
        if (!unexpected.empty()) {
            std::string values;
            std::size_t n = 0;
            for (std::uint32_t v : unexpected) {
                if (n++ == kValuesNamed) {
                    values += ", ...";
                    break;
                }
                values += (values.empty() ? "" : ", ") + codeText(v, s.mask.colour);
            }
            problems.push_back({s.maskName, "has unexpected label value" +
                                                std::string(unexpected.size() > 1 ? "s " : " ") + values + " (" +
                                                describeMapping(map, m_classNames, o.invert) + ")"});
            continue;
        }
        cv::Mat image(s.image.height, s.image.width, CV_8UC(s.image.channels), s.image.pixels.data());
        cv::Mat converted;
        if (s.image.channels == channels)
            converted = image;
        else if (channels == 3)
            cv::cvtColor(image, converted, cv::COLOR_GRAY2RGB);
        else
            cv::cvtColor(image, converted, cv::COLOR_RGB2GRAY);
        out.channels = channels;
        out.image = bytesOf(converted);
        s.mask.codes = {};
        s.image.pixels = {};
        ++sizes[{out.width, out.height}];
        full.push_back(std::move(out));
        imageNames.push_back(s.imageName);
    }

    // Bring every sample to one size.
    int targetW = o.size, targetH = o.size;
    if (o.policy == SizePolicy::Pad) {
        targetW = targetH = 0;
        for (const Sample &s : full) {
            targetW = std::max(targetW, s.width);
            targetH = std::max(targetH, s.height);
        }
        targetW = (targetW + o.multiple - 1) / o.multiple * o.multiple;
        targetH = (targetH + o.multiple - 1) / o.multiple * o.multiple;
    }
    for (std::size_t i = 0; i < full.size(); ++i) {
        Sample &s = full[i];
        if ((o.policy == SizePolicy::Crop || o.policy == SizePolicy::Patch) &&
            (s.width < o.size || s.height < o.size)) {
            problems.push_back({imageNames[i], "is " + sizeText(s.width, s.height) + ", smaller than the " +
                                                   sizeText(o.size, o.size) +
                                                   (o.policy == SizePolicy::Crop ? " crop" : " patches")});
            --sizes[{s.width, s.height}];
            continue;
        }
        cv::Mat image = imageMat(s), mask = maskMat(s);
        if (o.policy == SizePolicy::Resize && (s.width != o.size || s.height != o.size)) {
            const bool shrink = o.size <= s.width && o.size <= s.height;
            cv::Mat ri, rm;
            cv::resize(image, ri, cv::Size(o.size, o.size), 0, 0, shrink ? cv::INTER_AREA : cv::INTER_LINEAR);
            cv::resize(mask, rm, cv::Size(o.size, o.size), 0, 0, cv::INTER_NEAREST);
            store(s, ri, rm);
        } else if (o.policy == SizePolicy::Crop) {
            const cv::Rect r((s.width - o.size) / 2, (s.height - o.size) / 2, o.size, o.size);
            store(s, image(r), mask(r));
        } else if (o.policy == SizePolicy::Pad && (s.width != targetW || s.height != targetH)) {
            const int left = (targetW - s.width) / 2, top = (targetH - s.height) / 2;
            cv::Mat pi = image.clone(), pm = mask.clone();
            padMirrored(pi, top, targetH - s.height - top, left, targetW - s.width - left);
            padMirrored(pm, top, targetH - s.height - top, left, targetW - s.width - left);
            store(s, pi, pm);
        }
        m_samples.push_back(std::move(s));
    }
    std::stable_sort(problems.begin(), problems.end(),
                     [](const DataProblem &a, const DataProblem &b) { return a.file < b.file; });
    m_problems = std::move(problems);
    if (m_samples.empty())
        throw DataError(m_name + ": none of the " + std::to_string(m_problems.size()) +
                            " problem file(s) could be used; the first: " + m_problems.front().file + " " +
                            m_problems.front().reason,
                        m_problems);
    m_width = targetW;
    m_height = targetH;
    m_channels = channels;

    DatasetSummary &sum = m_summary;
    sum.name = m_name;
    sum.count = m_samples.size();
    sum.width = m_width;
    sum.height = m_height;
    sum.channels = m_channels;
    for (const auto &[wh, n] : sizes)
        if (n > 0) sum.sourceSizes.push_back({wh.first, wh.second, n});
    std::stable_sort(sum.sourceSizes.begin(), sum.sourceSizes.end(),
                     [](const auto &a, const auto &b) { return a.count > b.count; });
    sum.classNames = m_classNames;
    sum.classPixels.assign(m_classNames.size(), 0);
    std::uint64_t total = 0;
    for (const Sample &s : m_samples) {
        for (std::uint8_t v : s.mask) ++sum.classPixels[v];
        total += s.mask.size();
    }
    for (std::uint64_t n : sum.classPixels)
        sum.classFractions.push_back(total ? static_cast<double>(n) / static_cast<double>(total) : 0.0);
    sum.mapping = describeMapping(map, m_classNames, o.invert);
    sum.sizePolicy = policyText(o, m_width, m_height);
}

Sample ImageDataset::patchAt(std::size_t index, int x, int y) const {
    const Sample &whole = m_samples[index];
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
    if (index >= m_samples.size())
        throw std::out_of_range(m_name + ": index " + std::to_string(index) + " out of range (" +
                                std::to_string(m_samples.size()) + " samples)");
    if (m_options.policy != SizePolicy::Patch) return m_samples[index];
    const Sample &whole = m_samples[index];
    return patchAt(index, (whole.width - m_options.size) / 2, (whole.height - m_options.size) / 2);
}

Sample ImageDataset::trainingSample(std::size_t index, std::uint64_t epoch) const {
    if (m_options.policy != SizePolicy::Patch || index >= m_samples.size()) return get(index);
    const Sample &whole = m_samples[index];
    SplitMix64 rng(mix64(mix64(m_options.seed ^ 0x7A7C4E5D1F3B2A61ULL) + mix64(epoch * 0x9E3779B97F4A7C15ULL + index)));
    const int x = static_cast<int>(rng.below(static_cast<std::uint64_t>(whole.width - m_options.size + 1)));
    const int y = static_cast<int>(rng.below(static_cast<std::uint64_t>(whole.height - m_options.size + 1)));
    return patchAt(index, x, y);
}

}  // namespace unetlab
