#include "cli/Common.h"

#include "cli/Format.h"
#include "core/Device.h"
#include "data/DataSpec.h"

namespace unetlab::cli {

bool wantsHelp(const std::vector<std::string> &args) {
    for (const auto &a : args)
        if (a == "--help" || a == "-h") return true;
    return false;
}

std::string deviceFrom(const Args &args) { return resolveDevice(deviceFromString(args.text("device", "auto"))); }

void setThreads(const Args &args) { configureThreads(args.integer("threads", 0, 1, 1024)); }

std::shared_ptr<const Dataset> openData(const std::string &specText, int size, std::string *canonical) {
    DataSpec spec;
    try {
        spec = parseDataSpec(specText, size);
    } catch (const std::invalid_argument &e) {
        throw UsageError(e.what());
    }
    if (canonical) *canonical = spec.toString();
    return openDataset(spec);
}

nlohmann::json perClass(const std::vector<std::string> &classes, const std::vector<double> &values) {
    nlohmann::json j = nlohmann::json::object();
    for (std::size_t c = 0; c < classes.size() && c < values.size(); ++c) j[classes[c]] = jsonNumber(values[c]);
    return j;
}

}  // namespace unetlab::cli
