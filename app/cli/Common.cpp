#include "cli/Common.h"

#include "cli/Format.h"
#include "core/Device.h"
#include "data/DataSpec.h"
#include "train/Evaluate.h"

#include <iostream>

namespace unetlab::cli {
namespace {

// Skipped files named one per line; more are counted.
constexpr std::size_t kProblemsListed = 20;

}  // namespace

bool wantsHelp(const std::vector<std::string> &args) {
    for (const auto &a : args)
        if (a == "--help" || a == "-h") return true;
    return false;
}

std::string deviceFrom(const Args &args) { return resolveDevice(deviceFromString(args.text("device", "auto"))); }

void setThreads(const Args &args) { configureThreads(args.integer("threads", 0, 1, 1024)); }

bool int8From(const Args &args, const std::string &precision) {
    if (precision == "int8" && args.text("device", "auto") == "cuda")
        throw UsageError("--precision int8 runs on the CPU only");
    return precision == "int8";
}

void requireInt8(const ModelConfig &config) {
    const std::string why = int8Unsupported(config);
    if (!why.empty()) throw UsageError("--precision int8: " + why + " (this network: " + config.describe() + ")");
}

PlanRequest planRequestFrom(const Args &args) {
    PlanRequest r;
    try {
        r.precision = precisionFromString(args.text("precision", "auto"));
        r.memoryFormat = memoryFormatFromString(args.text("memory-format", "auto"));
    } catch (const std::invalid_argument &e) {
        throw UsageError(e.what());
    }
    if (args.value("channels-last")) {
        if (args.value("memory-format")) throw UsageError("give --memory-format or --channels-last, not both");
        r.memoryFormat = args.onOff("channels-last", true) ? MemoryFormatChoice::ChannelsLast
                                                            : MemoryFormatChoice::Contiguous;
    }
    r.threads = args.integer("threads", 0, 0, 1024);
    r.useCache = !args.has("replan");
    return r;
}

ExecutionPlan applyPlan(const Args &args, TrainConfig &config, int width, int height, bool quiet) {
    const PlanRequest request = planRequestFrom(args);
    ExecutionPlan plan;
    try {
        plan = choosePlan(request, config.model, width, height, config.batchSize,
                          resolveDevice(config.device),
                          [quiet](const std::string &line) {
                              if (!quiet) std::cerr << line << "\n" << std::flush;
                          });
    } catch (const std::invalid_argument &e) {
        throw UsageError(e.what());
    }
    config.precision = plan.precision;
    config.channelsLast = plan.channelsLast;
    return plan;
}

std::shared_ptr<const Dataset> openData(const std::string &specText, int size, std::string *canonical) {
    DataSpec spec;
    try {
        spec = parseDataSpec(specText, size);
    } catch (const std::invalid_argument &e) {
        throw UsageError(e.what());
    }
    if (canonical) *canonical = spec.toString();
    auto data = openDataset(spec);
    // Too large for memory: said once, as it makes every epoch read the files again.
    if (data->streamed())
        std::cerr << "unetlab-cli: " << data->name() << ": " << data->summary().storage << std::endl;
    // The valid part is used; every file left out is named on stderr (the Data area lists them too).
    const std::vector<DataProblem> problems = data->problems();
    if (!problems.empty()) {
        std::cerr << "unetlab-cli: warning: " << data->name() << ": " << problems.size()
                  << " file(s) skipped, " << data->size() << " image(s) used\n";
        for (std::size_t i = 0; i < problems.size() && i < kProblemsListed; ++i)
            std::cerr << "unetlab-cli: warning: " << problems[i].file << " " << problems[i].reason << " (skipped)\n";
        if (problems.size() > kProblemsListed)
            std::cerr << "unetlab-cli: warning: ... and " << problems.size() - kProblemsListed << " more\n";
        std::cerr << std::flush;
    }
    return data;
}

nlohmann::json perClass(const std::vector<std::string> &classes, const std::vector<double> &values) {
    nlohmann::json j = nlohmann::json::object();
    for (std::size_t c = 0; c < classes.size() && c < values.size(); ++c) j[classes[c]] = jsonNumber(values[c]);
    return j;
}

}  // namespace unetlab::cli
