#include "train/ExecutionPlan.h"
#include "core/CpuLoad.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <utility>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "core/AtomicFile.h"
#include "core/Device.h"
#include "core/EnumNames.h"
#include "models/Networks.h"
#include "train/Autocast.h"
#include "train/Losses.h"
#include "train/Optimizers.h"

namespace unetlab {
namespace {

const EnumName<MemoryFormatChoice> kFormats[] = {{MemoryFormatChoice::Auto, "auto"},
                                                 {MemoryFormatChoice::Contiguous, "contiguous"},
                                                 {MemoryFormatChoice::ChannelsLast, "channels-last"}};

using Clock = std::chrono::steady_clock;

// Largest relative difference between reduced-precision and fp32 logits that still counts as
// the same network: bf16 keeps 8 bits of mantissa, so a few layers give ~1e-2.
constexpr double kLogitTolerance = 0.1;
// A candidate slower than this multiple of the best so far is dropped after its first step.
constexpr double kAbandonFactor = 1.6;
constexpr int kCacheVersion = 1;

std::string precisionLabel(Precision p) { return p == Precision::FP32 ? "fp32" : toString(p) + " autocast"; }

std::string candidateName(Precision p, bool channelsLast, int threads) {
    return precisionLabel(p) + ", " + (channelsLast ? "channels-last" : "contiguous") + ", " +
           std::to_string(threads) + (threads == 1 ? " thread" : " threads");
}

void synchronise(const torch::Device &device) {
    if (device.is_cuda()) torch::cuda::synchronize();
}

struct Bench {
    std::shared_ptr<SegmentationModel> model;
    std::unique_ptr<ForeachAdam> optimizer;
    torch::Tensor x, y;
};

Bench makeBench(const ModelConfig &config, bool channelsLast, int width, int height, int batch,
                const torch::Device &device) {
    torch::manual_seed(1);
    Bench b;
    b.model = buildModel(config);
    b.model->to(device);
    if (channelsLast) useChannelsLast(*b.model);
    if (device.is_cuda()) at::globalContext().setBenchmarkCuDNN(true);  // as the Trainer: fixed shapes
    b.model->train();
    b.optimizer = std::make_unique<ForeachAdam>(b.model->parameters(true), torch::optim::AdamOptions(1e-3));
    b.x = torch::rand({batch, config.inChannels, height, width}).to(device);
    if (channelsLast) b.x = b.x.contiguous(torch::MemoryFormat::ChannelsLast);
    b.y = torch::randint(0, config.numClasses, {batch, height, width}, torch::kLong).to(device);
    return b;
}

double timeStep(Bench &b, Precision precision, const torch::Device &device, GradScaler &scaler) {
    const auto t0 = Clock::now();
    b.optimizer->zero_grad();
    torch::Tensor logits;
    {
        AutocastScope autocast(precision, device);
        logits = b.model->forward(b.x);
    }
    scaler.scale(crossEntropyLoss(logits.to(torch::kFloat), b.y)).backward();
    scaler.step(*b.optimizer);
    synchronise(device);
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Median step time after one warm-up step; abandoned (returns the first step's time, flagged)
// when the first timed step is already far slower than `best`.
std::pair<double, bool> measure(const ModelConfig &config, Precision precision, bool channelsLast, int width,
                                int height, int batch, const torch::Device &device, int steps, double best) {
    Bench b = makeBench(config, channelsLast, width, height, batch, device);
    GradScaler scaler(precision, device);
    timeStep(b, precision, device, scaler);  // warm-up: oneDNN / cuDNN pick their kernels here
    std::vector<double> times;
    for (int i = 0; i < steps; ++i) {
        times.push_back(timeStep(b, precision, device, scaler));
        if (best > 0 && times.front() > kAbandonFactor * best) return {times.front(), true};
    }
    std::sort(times.begin(), times.end());
    return {times[times.size() / 2], false};
}

// Largest |reduced - fp32| relative to the largest |fp32| logit, same weights and input.
double logitDeviation(const ModelConfig &config, Precision precision, bool channelsLast, int width, int height,
                      const torch::Device &device) {
    Bench b = makeBench(config, channelsLast, width, height, 1, device);
    b.model->eval();
    torch::NoGradGuard noGrad;
    const torch::Tensor reference = b.model->forward(b.x).to(torch::kFloat);
    torch::Tensor reduced;
    {
        AutocastScope autocast(precision, device);
        reduced = b.model->forward(b.x);
    }
    const double scale = reference.abs().max().item<double>();
    const double diff = (reduced.to(torch::kFloat) - reference).abs().max().item<double>();
    return scale > 0 ? diff / scale : diff;
}

std::string cacheKey(const ModelConfig &model, int width, int height, int batch, const std::string &device,
                     const PlanRequest &r) {
    std::ostringstream key;
    key << (device == "cpu" ? cpuModel() + " [" + cpuFeatures() + "]" : describeDevice(device)) << " | torch "
        << torchVersion() << " | " << model.describe() << " in " << model.inChannels << " out " << model.numClasses
        << " | " << width << "x" << height << " batch " << batch << " | " << toString(r.precision) << " "
        << toString(r.memoryFormat) << " threads " << r.threads << " of " << logicalCpus();
    return key.str();
}

nlohmann::json readCache() {
    std::ifstream in(planCachePath());
    if (!in) return nlohmann::json::object();
    try {
        nlohmann::json j = nlohmann::json::parse(in);
        if (j.value("version", 0) == kCacheVersion && j.contains("plans") && j["plans"].is_object()) return j;
    } catch (const std::exception &) {
        // A damaged cache is measured again and rewritten.
    }
    return nlohmann::json::object();
}

std::string today() {
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    std::ostringstream s;
    s << std::put_time(&tm, "%Y-%m-%d %H:%M");
    return s.str();
}

}  // namespace

std::string toString(MemoryFormatChoice m) { return enumToName(kFormats, m); }
MemoryFormatChoice memoryFormatFromString(const std::string &s) { return enumFromName(kFormats, s, "memory format"); }

std::string ExecutionPlan::describe() const {
    std::string s = precisionLabel(precision) + ", " + (channelsLast ? "channels-last" : "contiguous");
    if (device == "cpu") s += ", " + std::to_string(threads) + (threads == 1 ? " thread" : " threads");
    return s;
}

std::string ExecutionPlan::summary() const {
    std::ostringstream s;
    s << describe() << " (" << origin;
    if (stepSeconds > 0)
        s << ": " << std::fixed << std::setprecision(2) << stepSeconds << " s per step of " << benchmarkBatch;
    double fp32 = 0;
    for (const auto &c : candidates)
        if (c.name.rfind("fp32, channels-last", 0) == 0 && c.stepSeconds > 0) fp32 = c.stepSeconds;
    if (fp32 > 0 && precision != Precision::FP32) s << ", fp32 " << std::fixed << std::setprecision(2) << fp32 << " s";
    if (threads < unloadedThreads)
        s << "; " << unloadedThreads - threads << " of " << unloadedThreads << " cores busy with other programs";
    if (busyWhileMeasuring >= kDisturbedLoad)
        s << "; measured while other programs kept " << std::fixed << std::setprecision(1) << busyWhileMeasuring
          << " cores busy";
    s << ")";
    return s.str();
}

nlohmann::json toJson(const ExecutionPlan &plan) {
    nlohmann::json candidates = nlohmann::json::array();
    for (const auto &c : plan.candidates)
        candidates.push_back({{"plan", c.name}, {"step_seconds", c.stepSeconds}, {"note", c.note}});
    return {{"precision", toString(plan.precision)},
            {"memory_format", plan.channelsLast ? "channels-last" : "contiguous"},
            {"threads", plan.threads},
            {"device", plan.device},
            {"origin", plan.origin},
            {"step_seconds", plan.stepSeconds},
            {"benchmark_batch", plan.benchmarkBatch},
            {"busy_cores", plan.busyCores},
            {"busy_cores_measuring", plan.busyWhileMeasuring},
            {"description", plan.describe()},
            {"candidates", candidates}};
}

bool cpuHasFastBf16() {
    const std::string f = " " + cpuFeatures() + " ";
    return f.find(" avx512_bf16 ") != std::string::npos || f.find(" amx_bf16 ") != std::string::npos;
}

Precision inferencePrecision(Precision trained, const std::string &device) {
    const bool cpu = torch::Device(device).is_cpu();
    if (trained == Precision::BF16 && (!cpu || cpuHasFastBf16())) return Precision::BF16;
    if (trained == Precision::FP16 && !cpu) return Precision::FP16;
    return Precision::FP32;
}

int logicalCpus() {
    if (const char *env = std::getenv("OMP_NUM_THREADS"))
        if (const int n = std::atoi(env); n > 0) return n;
    return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

int physicalCores() {
    std::ifstream in("/proc/cpuinfo");
    std::string line, physical = "0";
    std::set<std::string> cores;
    while (std::getline(in, line)) {
        const auto colon = line.find(':');
        if (colon == std::string::npos) continue;
        const std::string value = line.substr(colon + 1);
        if (line.rfind("physical id", 0) == 0) physical = value;
        if (line.rfind("core id", 0) == 0) cores.insert(physical + "/" + value);
    }
    const int n = static_cast<int>(cores.size());
    return n > 0 ? std::min(n, logicalCpus()) : logicalCpus();
}

std::string planCachePath() {
    std::string dir;
    if (const char *d = std::getenv("UNETLAB_CACHE_DIR"); d && *d) {
        dir = d;
    } else if (const char *x = std::getenv("XDG_CACHE_HOME"); x && *x) {
        dir = std::string(x) + "/unetlab";
    } else if (const char *h = std::getenv("HOME"); h && *h) {
        dir = std::string(h) + "/.cache/unetlab";
    } else {
        dir = "/tmp/unetlab-cache";
    }
    return dir + "/plans.json";
}

namespace {

ExecutionPlan choosePlanOnIdleCores(const PlanRequest &request, const ModelConfig &model, int width, int height,
                                    int batch, const std::string &device,
                                    const std::function<void(const std::string &)> &progress) {
    const torch::Device dev(device);
    const bool cpu = dev.is_cpu();
    if (cpu && request.precision == Precision::FP16)
        throw std::invalid_argument("fp16 needs a CUDA GPU; on a CPU choose bf16 or fp32");
    if (request.threads < 0) throw std::invalid_argument("threads must be 0 (automatic) or more");
    model.checkImageSize(width, height);  // the Trainer's check, before a measurement fails on the shape

    // UNETLAB_PLAN (e.g. "fp32,channels-last") settles auto choices without measuring:
    // for reproducible scripts and the test suite.
    PlanRequest r = request;
    bool fromEnvironment = false;
    if (const char *env = std::getenv("UNETLAB_PLAN"); env && *env) {
        std::stringstream tokens(env);
        std::string token;
        while (std::getline(tokens, token, ',')) {
            if (token.empty()) continue;
            try {
                const Precision p = precisionFromString(token);
                if (r.precision == Precision::Auto && p != Precision::Auto) {
                    r.precision = p;
                    fromEnvironment = true;
                }
            } catch (const std::invalid_argument &) {
                const MemoryFormatChoice m = memoryFormatFromString(token);  // throws on anything else
                if (r.memoryFormat == MemoryFormatChoice::Auto && m != MemoryFormatChoice::Auto) {
                    r.memoryFormat = m;
                    fromEnvironment = true;
                }
            }
        }
        if (cpu && r.precision == Precision::FP16) r.precision = Precision::FP32;
    }
    if (fromEnvironment && r.threads == 0) r.threads = logicalCpus();

    ExecutionPlan plan;
    plan.device = device;
    const int logical = logicalCpus(), physical = physicalCores();
    std::vector<int> threadChoices;
    if (!cpu || r.threads > 0) {
        threadChoices = {r.threads > 0 ? r.threads : logical};
    } else {
        threadChoices = {logical};
        if (physical != logical) threadChoices.push_back(physical);
    }
    std::vector<Precision> precisions;
    if (r.precision != Precision::Auto) {
        precisions = {r.precision};
    } else {
        precisions = {Precision::FP32};
        if (cpu ? cpuHasFastBf16() : true) precisions.push_back(Precision::BF16);
        if (!cpu) precisions.push_back(Precision::FP16);
    }
    std::vector<bool> formats;
    if (r.memoryFormat == MemoryFormatChoice::Auto)
        formats = {true, false};
    else
        formats = {r.memoryFormat == MemoryFormatChoice::ChannelsLast};

    // Nothing to choose: the forced plan as it is, no benchmark.
    if (precisions.size() == 1 && formats.size() == 1 && threadChoices.size() == 1) {
        plan.precision = precisions.front();
        plan.channelsLast = formats.front();
        plan.threads = cpu ? configureThreads(threadChoices.front()) : currentThreads();
        plan.origin = fromEnvironment ? "forced by UNETLAB_PLAN" : "forced";
        return plan;
    }

    // The benchmark batch: the run's, up to 4 (the ranking of plans does not change with it,
    // and the first run should not wait long).
    const int benchBatch = std::max(1, std::min(batch, 4));
    const std::string key = cacheKey(model, width, height, benchBatch, device, r);
    const auto say = [&](const std::string &line) {
        if (progress) progress(line);
    };
    const auto otherLoadDuring = [&r](const std::function<void()> &work) {
        return r.otherLoadDuring ? r.otherLoadDuring(work) : otherProgramsCoresDuring(work);
    };
    const auto cores = [](double load) {
        std::ostringstream s;
        s << std::fixed << std::setprecision(1) << load;
        return s.str();
    };
    if (r.useCache) {
        const nlohmann::json cache = readCache();
        if (cache.contains("plans") && cache["plans"].contains(key)) {
            try {
                const nlohmann::json &c = cache["plans"][key];
                plan.precision = precisionFromString(c.at("precision").get<std::string>());
                plan.channelsLast = c.at("memory_format").get<std::string>() == "channels-last";
                const int threads = c.at("threads").get<int>();
                plan.stepSeconds = c.value("step_seconds", 0.0);
                plan.benchmarkBatch = benchBatch;
                plan.origin = "cached " + c.value("date", std::string());
                plan.busyWhileMeasuring = c.value("busy_cores_measuring", -1.0);
                // Measured while other programs were busy: measured again once the machine is
                // quieter than that (sampled for 0.2 s), else used as it is.
                const bool disturbed = plan.busyWhileMeasuring >= kDisturbedLoad;
                const double now =
                    disturbed ? otherLoadDuring([] { std::this_thread::sleep_for(std::chrono::milliseconds(200)); })
                              : 0.0;
                if (!disturbed || now >= kDisturbedLoad) {
                    plan.threads = cpu ? configureThreads(threads) : currentThreads();
                    return plan;
                }
                say("The cached plan was measured while other programs kept " + cores(plan.busyWhileMeasuring) +
                    " cores busy; measuring again on the quieter machine");
                plan = ExecutionPlan();
                plan.device = device;
            } catch (const std::exception &) {
                // An entry from another version: measure again.
            }
        }
    }

    say("Choosing the fastest execution plan for " + model.describe() + " at " + std::to_string(width) + "x" +
        std::to_string(height) + " on this machine (once per model and size; cached in " + planCachePath() + ")");
    double best = 0;
    int bestThreads = threadChoices.front();
    const int steps = 3;
    plan.busyWhileMeasuring = otherLoadDuring([&] {
        for (const Precision p : precisions) {
            for (const bool cl : formats) {
                const int threads = cpu ? configureThreads(threadChoices.front()) : currentThreads();
                PlanCandidate c;
                c.name = candidateName(p, cl, threads);
                if (p != Precision::FP32) {
                    const double deviation = logitDeviation(model, p, cl, width, height, dev);
                    if (!(deviation <= kLogitTolerance)) {
                        std::ostringstream note;
                        note << "rejected: logits differ from fp32 by " << std::setprecision(2) << deviation * 100
                             << " % of their range";
                        c.note = note.str();
                        say("  " + c.name + ": " + c.note);
                        plan.candidates.push_back(c);
                        continue;
                    }
                }
                const auto [seconds, abandoned] = measure(model, p, cl, width, height, benchBatch, dev, steps, best);
                std::ostringstream line;
                line << "  " << c.name << ": " << std::fixed << std::setprecision(3) << seconds << " s per step"
                     << (abandoned ? " (first step; abandoned as too slow)" : "");
                say(line.str());
                if (abandoned) {
                    c.note = "abandoned after one step";
                } else {
                    c.stepSeconds = seconds;
                    if (best == 0 || seconds < best) {
                        best = seconds;
                        plan.precision = p;
                        plan.channelsLast = cl;
                    }
                }
                plan.candidates.push_back(c);
            }
        }
        // Then the threads, with the winning precision and format.
        for (std::size_t t = 1; t < threadChoices.size(); ++t) {
            const int threads = configureThreads(threadChoices[t]);
            PlanCandidate c;
            c.name = candidateName(plan.precision, plan.channelsLast, threads);
            const auto [seconds, abandoned] =
                measure(model, plan.precision, plan.channelsLast, width, height, benchBatch, dev, steps, best);
            if (!abandoned) {
                c.stepSeconds = seconds;
                if (seconds < best) {
                    best = seconds;
                    bestThreads = threadChoices[t];
                }
            } else {
                c.note = "abandoned after one step";
            }
            plan.candidates.push_back(c);
        }
    });
    if (plan.busyWhileMeasuring >= kDisturbedLoad)
        say("  other programs kept " + cores(plan.busyWhileMeasuring) +
            " cores busy while measuring: the plan is cached and measured again when the machine is quieter");
    if (best == 0) throw std::runtime_error("no execution plan could be measured on " + device);
    plan.threads = cpu ? configureThreads(bestThreads) : currentThreads();
    plan.stepSeconds = best;
    plan.benchmarkBatch = benchBatch;
    plan.origin = "measured";
    say("  chosen: " + plan.describe());

    // Cache the winner (atomically; a failure to write only costs a new benchmark next time).
    try {
        nlohmann::json cache = readCache();
        if (!cache.contains("plans")) cache = {{"version", kCacheVersion}, {"plans", nlohmann::json::object()}};
        nlohmann::json entry = toJson(plan);
        entry["date"] = today();
        cache["plans"][key] = entry;
        const std::string path = planCachePath();
        std::error_code ignored;
        std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ignored);
        writeFileAtomically(path, cache.dump(2) + "\n");
    } catch (const std::exception &e) {
        say(std::string("  (the plan could not be cached: ") + e.what() + ")");
    }
    return plan;
}

}  // namespace

ExecutionPlan choosePlan(const PlanRequest &request, const ModelConfig &model, int width, int height, int batch,
                         const std::string &device, const std::function<void(const std::string &)> &progress) {
    ExecutionPlan plan = choosePlanOnIdleCores(request, model, width, height, batch, device, progress);
    const auto set = [](const char *name) {
        const char *v = std::getenv(name);
        return v && *v;
    };
    const bool forced = request.threads > 0 && !request.freeCoresOnly;
    if (plan.device != "cpu" || forced || set("OMP_NUM_THREADS") || set("UNETLAB_PLAN")) return plan;
    plan.busyCores = busyCoresNow(0.2);
    plan.unloadedThreads = plan.threads;
    const int free = freeCores(logicalCpus(), plan.busyCores);
    if (free < plan.threads) {
        plan.threads = configureThreads(free);
        const int busy = plan.unloadedThreads - plan.threads;
        if (progress)
            progress(std::to_string(busy) + " of " + std::to_string(plan.unloadedThreads) +
                     " cores busy with other programs: running on " + plan.describe());
    }
    return plan;
}

nlohmann::json cachedPlans() {
    const nlohmann::json cache = readCache();
    nlohmann::json out = nlohmann::json::array();
    if (!cache.contains("plans")) return out;
    for (auto it = cache["plans"].begin(); it != cache["plans"].end(); ++it)
        out.push_back({{"key", it.key()}, {"plan", it.value()}});
    std::sort(out.begin(), out.end(), [](const nlohmann::json &a, const nlohmann::json &b) {
        return a["plan"].value("date", std::string()) > b["plan"].value("date", std::string());
    });
    return out;
}

}  // namespace unetlab
