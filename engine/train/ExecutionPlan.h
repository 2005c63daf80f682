#pragma once
// How the engine runs a model on this machine (issue #8): the precision (fp32, or bf16 /
// fp16 autocast), the memory format (contiguous or channels-last) and the CPU threads.
// PyTorch's kernels dominate the time, so *how* they are run is what can be tuned: on CPUs
// with AVX512-BF16 or AMX, bf16 autocast with channels-last runs SmallUNet's training step
// about twice as fast as the chapter's fp32 recipe.
//
// "auto" choices are settled by a short self-benchmark of the candidate plans for the model,
// image size and batch on the device (a few training steps each; a reduced-precision plan
// must also give the fp32 plan's logits within a tolerance to count as correct), and the
// winner is cached per machine, LibTorch version and model in the user's cache directory, so
// only the first run pays for it. Forced choices are used as they are. Torch-free header.

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "models/ModelConfig.h"
#include "train/TrainConfig.h"

namespace unetlab {

enum class MemoryFormatChoice { Auto, Contiguous, ChannelsLast };
std::string toString(MemoryFormatChoice m);                        // "auto", "contiguous", "channels-last"
MemoryFormatChoice memoryFormatFromString(const std::string &s);  // throws std::invalid_argument

// What the user asked for (settings, command line); Auto = let the benchmark decide.
struct PlanRequest {
    Precision precision = Precision::Auto;
    MemoryFormatChoice memoryFormat = MemoryFormatChoice::Auto;
    int threads = 0;        // CPU intra-op threads; 0 = automatic (candidates: logical and physical cores)
    // `threads` is a default (e.g. all logical CPUs, to skip measuring), not the user's choice:
    // like automatic threads it is then limited to the cores other programs leave free.
    bool freeCoresOnly = false;
    bool useCache = true;   // false: measure again even when a cached plan exists
    // Runs the work and returns the cores' worth of CPU time other programs used meanwhile
    // (core/CpuLoad.h). Empty: read from /proc/stat. A seam for tests, which cannot control what
    // else a shared machine runs.
    std::function<double(const std::function<void()> &work)> otherLoadDuring;
};

// Other programs' load (cores' worth) from which a measurement counts as disturbed: such a plan
// is used and cached, and measured again by the first run that finds the machine quieter.
constexpr double kDisturbedLoad = 0.5;

struct PlanCandidate {
    std::string name;            // e.g. "bf16 channels-last, 2 threads"
    double stepSeconds = 0;      // median training step; 0 when not measured (abandoned or rejected)
    std::string note;            // why it was rejected or abandoned, for people
};

struct ExecutionPlan {
    Precision precision = Precision::FP32;  // never Auto once chosen
    bool channelsLast = true;
    int threads = 1;
    std::string device = "cpu";
    std::string origin = "default";  // "forced", "measured", "cached", "default"
    double stepSeconds = 0;          // the winner's measured step, when measured (or cached)
    int benchmarkBatch = 0;          // the batch the steps were measured at
    std::vector<PlanCandidate> candidates;  // what was measured this time (empty when cached or forced)
    // Automatic threads on a CPU: the cores' worth other programs kept busy when the plan was
    // chosen (core/CpuLoad.h) and the threads the plan has without them; the plan then runs on
    // the free cores only. busyCores < 0: not looked at (threads forced, or not a CPU).
    double busyCores = -1;
    int unloadedThreads = 0;
    // Other programs' load (cores' worth) while the candidates were measured, this time or for
    // the cached plan; < 0: not measured (forced, or cached before this was recorded).
    double busyWhileMeasuring = -1;

    // "bf16 autocast, channels-last, 2 threads" (threads on the CPU only)
    std::string describe() const;
    // describe() plus where it came from: "... (measured: 0.52 s/step vs 1.13 s fp32)".
    std::string summary() const;
};

nlohmann::json toJson(const ExecutionPlan &plan);

// True when the CPU runs bf16 matrix products natively (avx512_bf16 or amx_bf16).
bool cpuHasFastBf16();
// The arithmetic for inference with a network trained in `trained` precision on `device`:
// bf16 where the device runs it fast (a CPU with AVX512-BF16 or AMX, or a GPU), fp16 on a
// GPU, else fp32 — a network trained in fp32 runs in fp32. Never Auto (Auto counts as fp32).
Precision inferencePrecision(Precision trained, const std::string &device);
// Logical CPUs (or OMP_NUM_THREADS when set) and physical cores.
int logicalCpus();
int physicalCores();

// Where plans are cached: $UNETLAB_CACHE_DIR, else $XDG_CACHE_HOME/unetlab, else
// ~/.cache/unetlab; the file is plans.json in it.
std::string planCachePath();

// The plan for training `model` on `width` x `height` images in batches of `batch` on
// `device` ("cpu", "cuda:0"). Auto choices are measured (or read from the cache); forced ones
// kept. Automatic threads (no --threads, OMP_NUM_THREADS or UNETLAB_PLAN) are then limited to
// the cores other programs leave free at that moment (sampled for 0.2 s; the run keeps that
// number). Also sets LibTorch's intra-op threads to the plan's. Throws std::invalid_argument for
// a forced plan the device cannot run (fp16 on a CPU). `progress` gets lines for people while
// the benchmark runs.
ExecutionPlan choosePlan(const PlanRequest &request, const ModelConfig &model, int width, int height, int batch,
                         const std::string &device,
                         const std::function<void(const std::string &)> &progress = {});

// The cached plans, newest first, each as {"key", "plan"} objects (for `unetlab-cli info`).
nlohmann::json cachedPlans();

}  // namespace unetlab
