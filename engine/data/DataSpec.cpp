#include "data/DataSpec.h"

#include <cstdint>
#include <filesystem>
#include <map>
#include <stdexcept>

#include "core/Resources.h"
#include "data/ImageFolder.h"
#include "data/SyntheticCells.h"
#include "data/TiffStack.h"

namespace unetlab {
namespace {

const char *kForms =
    "expected synthetic[:COUNT[:SEED]], folder:PATH, tiff:IMAGES.tif,LABELS.tif or sample:nuclei, the last "
    "three with ;KEY=VALUE options, e.g. synthetic:200:1 or folder:/data/cells;size=128";
const char *kOptionKeys = "size, policy, multiple, mapping, invert, classes, colours, channels, seed";

std::uint64_t parseUnsigned(const std::string &text, const char *what) {
    if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos || text.size() > 18)
        throw std::invalid_argument(std::string("data spec: ") + what + " '" + text + "' is not a whole number (" +
                                    kForms + ")");
    return std::stoull(text);
}

std::vector<std::string> splitOn(const std::string &text, char separator) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (true) {
        const std::size_t at = text.find(separator, start);
        parts.push_back(text.substr(start, at - start));
        if (at == std::string::npos) return parts;
        start = at + 1;
    }
}

std::string joined(const std::vector<std::string> &parts, const char *separator) {
    std::string s;
    for (const auto &p : parts) s += (s.empty() ? "" : separator) + p;
    return s;
}

std::string absolutePath(const std::string &path, const char *what) {
    if (path.empty()) throw std::invalid_argument(std::string("data spec: ") + what + " is missing (" + kForms + ")");
    std::filesystem::path p = std::filesystem::absolute(path).lexically_normal();
    if (p.has_relative_path() && p.filename().empty()) p = p.parent_path();  // "dir/" -> "dir"
    return p.string();
}

const BundledSample *findSample(const std::string &name) {
    for (const BundledSample &s : bundledSamples())
        if (s.name == name) return &s;
    return nullptr;
}

// What a kind means when the spec says nothing.
ImageDatasetOptions defaultsFor(const DataSpec &spec) {
    ImageDatasetOptions o;
    o.size = spec.size;
    if (spec.kind == "sample")
        if (const BundledSample *sample = findSample(spec.path)) {
            o.classNames = sample->classNames;
            o.mapping = sample->mapping;
            o.name = sample->title;
        }
    return o;
}

bool flag(const std::string &value) {
    if (value == "1" || value == "on" || value == "true" || value == "yes") return true;
    if (value == "0" || value == "off" || value == "false" || value == "no") return false;
    throw std::invalid_argument("data spec: invert takes 1 or 0, not '" + value + "'");
}

void applyOption(DataSpec &spec, const std::string &key, const std::string &value) {
    ImageDatasetOptions &o = spec.images;
    if (key == "size") {
        const std::uint64_t n = parseUnsigned(value, "size");
        if (n < 32 || n > 4096) throw std::invalid_argument("data spec: size must be between 32 and 4096");
        spec.size = static_cast<int>(n);
    } else if (key == "policy") {
        o.policy = sizePolicyFromString(value);
    } else if (key == "multiple") {
        const std::uint64_t n = parseUnsigned(value, "multiple");
        if (n < 1 || n > 256) throw std::invalid_argument("data spec: multiple must be between 1 and 256");
        o.multiple = static_cast<int>(n);
    } else if (key == "mapping") {
        o.mapping = maskMappingFromString(value);
    } else if (key == "invert") {
        o.invert = flag(value);
    } else if (key == "classes") {
        o.classNames = splitOn(value, ',');
    } else if (key == "colours" || key == "colors") {
        o.classColours.clear();
        for (const auto &c : splitOn(value, ',')) o.classColours.push_back(classColourFromString(c));
    } else if (key == "channels") {
        if (value == "auto")
            o.channels = 0;
        else if (value == "1" || value == "3")
            o.channels = value == "1" ? 1 : 3;
        else
            throw std::invalid_argument("data spec: channels must be 1, 3 or auto, not '" + value + "'");
    } else if (key == "seed") {
        o.seed = parseUnsigned(value, "seed");
    } else {
        throw std::invalid_argument("data spec: unknown option '" + key + "' (known: " + kOptionKeys + ")");
    }
}

}  // namespace

const std::vector<BundledSample> &bundledSamples() {
    static const std::vector<BundledSample> kSamples = {
        {"nuclei", "Nuclei (DSB2018 sample)", "dsb2018-nuclei-256", {"background", "nucleus"}, MaskMapping::Binary},
    };
    return kSamples;
}

std::string bundledSampleFolder(const std::string &name) {
    const BundledSample *sample = findSample(name);
    if (!sample) throw DataError("there is no bundled sample '" + name + "'");
    const std::string dir = findResourceDir("UNETLAB_SAMPLES_DIR", "samples", sample->folder);
    if (dir.empty())
        throw DataError("the bundled sample '" + sample->title + "' was not found (looked in $UNETLAB_SAMPLES_DIR, " +
                        "<executable>/../share/unetlab/samples and the source tree for " + sample->folder + "/)");
    return (std::filesystem::path(dir) / sample->folder).string();
}

int expectedClassCount(const DataSpec &spec) { return static_cast<int>(expectedClassNames(spec).size()); }

std::vector<std::string> expectedClassNames(const DataSpec &spec) {
    if (spec.kind == "synthetic") return SyntheticCells().classNames();
    if (!spec.images.classNames.empty()) return spec.images.classNames;
    return spec.images.mapping == MaskMapping::Binary ? defaultClassNames(2) : std::vector<std::string>{};
}

std::string DataSpec::toString() const {
    if (kind == "synthetic") return kind + ":" + std::to_string(count) + ":" + std::to_string(seed);
    std::string s = kind + ":" + path + (kind == "tiff" ? "," + labels : "");
    const ImageDatasetOptions &o = images;
    const ImageDatasetOptions d = defaultsFor(*this);
    if (o.policy != SizePolicy::Pad) s += ";size=" + std::to_string(size);
    s += ";policy=" + unetlab::toString(o.policy);
    if (o.policy == SizePolicy::Pad) s += ";multiple=" + std::to_string(o.multiple);
    if (o.mapping != d.mapping) s += ";mapping=" + unetlab::toString(o.mapping);
    if (o.invert) s += ";invert=1";
    if (o.classNames != d.classNames) s += ";classes=" + joined(o.classNames, ",");
    if (!o.classColours.empty()) {
        std::vector<std::string> colours;
        for (const ClassColour &c : o.classColours) colours.push_back(unetlab::toString(c));
        s += ";colours=" + joined(colours, ",");
    }
    if (o.channels != 0) s += ";channels=" + std::to_string(o.channels);
    if (o.policy == SizePolicy::Patch) s += ";seed=" + std::to_string(o.seed);
    return s;
}

DataSpec parseDataSpec(const std::string &text, int size) {
    if (size < 32 || size > 4096) throw std::invalid_argument("image size must be between 32 and 4096");
    DataSpec spec;
    spec.size = size;
    const std::vector<std::string> sections = splitOn(text, ';');
    const std::string &head = sections.front();
    const std::size_t colon = head.find(':');
    spec.kind = head.substr(0, colon);
    const std::string rest = colon == std::string::npos ? "" : head.substr(colon + 1);

    if (spec.kind == "synthetic") {
        const std::vector<std::string> parts = splitOn(head, ':');
        if (parts.size() > 3 || sections.size() > 1)
            throw std::invalid_argument("unknown data '" + text + "' (" + kForms + ")");
        if (parts.size() > 1) spec.count = parseUnsigned(parts[1], "count");
        if (parts.size() > 2) spec.seed = parseUnsigned(parts[2], "seed");
        if (spec.count < 1 || spec.count > 100000)
            throw std::invalid_argument("data spec: count must be between 1 and 100000");
        return spec;
    }
    if (spec.kind == "folder") {
        spec.path = absolutePath(rest, "the folder");
    } else if (spec.kind == "tiff") {
        const std::vector<std::string> files = splitOn(rest, ',');
        if (files.size() != 2)
            throw std::invalid_argument("data spec: tiff needs two files, IMAGES.tif,LABELS.tif (got '" + rest + "')");
        spec.path = absolutePath(files[0], "the image stack");
        spec.labels = absolutePath(files[1], "the label stack");
    } else if (spec.kind == "sample") {
        if (!findSample(rest)) {
            std::vector<std::string> names;
            for (const auto &s : bundledSamples()) names.push_back(s.name);
            throw std::invalid_argument("data spec: unknown sample '" + rest + "' (known: " + joined(names, ", ") +
                                        ")");
        }
        spec.path = rest;
    } else {
        throw std::invalid_argument("unknown data '" + text + "' (" + kForms + ")");
    }

    spec.images = defaultsFor(spec);
    std::map<std::string, std::string> seen;
    for (std::size_t i = 1; i < sections.size(); ++i) {
        const std::string &option = sections[i];
        if (option.empty()) continue;
        const std::size_t eq = option.find('=');
        if (eq == std::string::npos || eq == 0)
            throw std::invalid_argument("data spec: option '" + option +
                                        "' is not KEY=VALUE (known keys: " + kOptionKeys + ")");
        const std::string key = option.substr(0, eq);
        if (!seen.emplace(key == "colors" ? "colours" : key, option).second)
            throw std::invalid_argument("data spec: option '" + key + "' is given twice");
        try {
            applyOption(spec, key, option.substr(eq + 1));
        } catch (const std::invalid_argument &e) {
            const std::string message = e.what();
            throw std::invalid_argument(message.rfind("data spec: ", 0) == 0 ? message : "data spec: " + message);
        }
    }
    spec.images.size = spec.size;
    try {
        spec.images.validate();
    } catch (const std::invalid_argument &e) {
        throw std::invalid_argument(std::string("data spec: ") + e.what());
    }
    return spec;
}

std::shared_ptr<const Dataset> openDataset(const DataSpec &spec) {
    if (spec.kind == "synthetic") {
        SyntheticOptions options;
        options.count = spec.count;
        options.seed = spec.seed;
        options.size = spec.size;
        return std::make_shared<SyntheticCells>(options);
    }
    ImageDatasetOptions options = spec.images;
    options.size = spec.size;
    if (spec.kind == "folder") return std::make_shared<ImageFolder>(spec.path, options);
    if (spec.kind == "tiff") return std::make_shared<TiffStack>(spec.path, spec.labels, options);
    if (spec.kind == "sample") return std::make_shared<ImageFolder>(bundledSampleFolder(spec.path), options);
    throw std::invalid_argument("unknown data kind '" + spec.kind + "'");
}

}  // namespace unetlab
