#include "data/DataSpec.h"

#include <stdexcept>

#include "data/SyntheticCells.h"

namespace unetlab {
namespace {

const char *kForms = "expected synthetic[:COUNT[:SEED]], e.g. synthetic or synthetic:200:1";

std::uint64_t parseUnsigned(const std::string &text, const char *what) {
    if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos || text.size() > 18)
        throw std::invalid_argument(std::string("data spec: ") + what + " '" + text + "' is not a whole number (" +
                                    kForms + ")");
    return std::stoull(text);
}

}  // namespace

std::string DataSpec::toString() const {
    return kind + ":" + std::to_string(count) + ":" + std::to_string(seed);
}

DataSpec parseDataSpec(const std::string &text, int size) {
    DataSpec spec;
    spec.size = size;
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (true) {
        const std::size_t colon = text.find(':', start);
        parts.push_back(text.substr(start, colon - start));
        if (colon == std::string::npos) break;
        start = colon + 1;
    }
    if (parts[0] != "synthetic" || parts.size() > 3)
        throw std::invalid_argument("unknown data '" + text + "' (" + kForms + ")");
    spec.kind = parts[0];
    if (parts.size() > 1) spec.count = parseUnsigned(parts[1], "count");
    if (parts.size() > 2) spec.seed = parseUnsigned(parts[2], "seed");
    if (spec.count < 1 || spec.count > 100000)
        throw std::invalid_argument("data spec: count must be between 1 and 100000");
    if (size < 32 || size > 4096) throw std::invalid_argument("image size must be between 32 and 4096");
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
    throw std::invalid_argument("unknown data kind '" + spec.kind + "'");
}

}  // namespace unetlab
