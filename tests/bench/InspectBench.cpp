// Benchmark, not a test: how long the Inspect area waits for the feature maps of one image.
// Captures every stage of SmallUNet for one 256x256 synthetic image (unetlab::inspectImage,
// top 4 channels by spatial variance) and turns the result into the QImages the viewer draws
// (input, truth, prediction and every tile), end to end. Prints the median of 20 runs after
// two warm-up runs. Target: <= 100 ms on 2 CPU cores.
//
//   build/release/tests/inspect/bench_inspect [--threads N] [--checkpoint FILE]
//
// Without a checkpoint the weights are a fresh initialisation: the work does not depend on them.
#include <QImage>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "InspectImages.h"
#include "core/Device.h"
#include "data/SyntheticCells.h"
#include "inspect/Inspect.h"
#include "train/Checkpoint.h"
#include "train/Evaluate.h"
#include "train/ExecutionPlan.h"
#include "train/Trainer.h"

namespace {

constexpr int kRuns = 20;
constexpr int kWarmUp = 2;
constexpr int kSize = 256;

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}

}  // namespace

int main(int argc, char **argv) {
    int threads = 0;
    std::string checkpoint;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--threads") && i + 1 < argc)
            threads = std::atoi(argv[++i]);
        else if (!std::strcmp(argv[i], "--checkpoint") && i + 1 < argc)
            checkpoint = argv[++i];
        else {
            std::fprintf(stderr, "usage: bench_inspect [--threads N] [--checkpoint FILE]\n");
            return 2;
        }
    }
    using namespace unetlab;
    configureThreads(threads);
    SyntheticOptions data;
    data.count = 10;
    data.size = kSize;
    const Sample sample = SyntheticCells::generate(data, 3);

    // The model: a checkpoint, or SmallUNet as the Trainer sets it up (channels-last weights),
    // which is the model "Follow training" inspects.
    std::unique_ptr<Trainer> trainer;
    LoadedCheckpoint loaded;
    SegmentationModel *model = nullptr;
    Normalisation normalisation;
    if (!checkpoint.empty()) {
        loaded = loadCheckpoint(checkpoint);
        model = loaded.model.get();
        normalisation = loaded.normalisation;
    } else {
        TrainConfig config;
        config.model = presetConfig("small-unet");
        config.device = DeviceChoice::CPU;
        trainer = std::make_unique<Trainer>(config, std::make_shared<SyntheticCells>(data));
        model = &trainer->model();
        normalisation = trainer->normalisation();
    }

    InspectOptions options;  // top 4 by spatial variance, every stage
    // The forward pass as the execution plan for SmallUNet on this machine runs it (what the
    // app uses for the model in training); UNETLAB_PLAN=fp32 shows the fp32 figures.
    const ModelConfig planned = trainer ? trainer->config().model : loaded.config;
    const ExecutionPlan plan = choosePlan(PlanRequest{}, planned, kSize, kSize, 8, "cpu");
    options.precision = plan.precision;
    std::vector<double> total, capture;
    int stages = 0, tiles = 0;
    for (int run = 0; run < kWarmUp + kRuns; ++run) {
        const auto t0 = std::chrono::steady_clock::now();
        const ImageInspection result = inspectImage(*model, sample, true, normalisation, options, "cpu");
        const auto t1 = std::chrono::steady_clock::now();
        std::vector<QImage> images = {inspect::sampleImage(result.sample),
                                      inspect::classOverlayImage(result.sample, result.sample.mask),
                                      inspect::classOverlayImage(result.sample, result.prediction)};
        for (const StageMaps &s : result.stages)
            for (const ActivationMap &m : s.top) images.push_back(inspect::mapImage(m));
        const auto t2 = std::chrono::steady_clock::now();
        if (run < kWarmUp) continue;
        stages = static_cast<int>(result.stages.size());
        tiles = static_cast<int>(images.size()) - 3;
        capture.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
        total.push_back(std::chrono::duration<double, std::milli>(t2 - t0).count());
    }
    std::printf("Inspect capture: small-unet, one %dx%d image, %d stages, top %d by spatial variance\n", kSize, kSize,
                stages, options.topK);
    std::printf("%s, %s; plan: %s\n", describeDevice("cpu").c_str(), cpuModel().c_str(), plan.summary().c_str());
    std::printf("  capture (forward + ranking + top-k maps)   median %6.1f ms   min %6.1f ms\n", median(capture),
                *std::min_element(capture.begin(), capture.end()));
    std::printf("  end to end, %2d tiles + 3 pictures as QImage median %6.1f ms   min %6.1f ms   (%d runs)\n", tiles,
                median(total), *std::min_element(total.begin(), total.end()), kRuns);
    // The same machine, now: the bare forward pass (no capture), so the cost of inspecting can
    // be read apart from how busy the machine is.
    const InferenceBenchmark bare =
        benchmarkInference("small-unet", kSize, 1, kRuns, "cpu", BenchPlan{plan.precision, plan.channelsLast});
    std::printf("  forward pass alone (benchmarkInference)     median %6.1f ms   min %6.1f ms\n",
                bare.secondsMedian * 1000, bare.secondsMin * 1000);
    std::printf("  end to end / forward alone: %.2f\n", median(total) / (bare.secondsMedian * 1000));
    std::printf("  target <= 100 ms: %s\n", median(total) <= 100 ? "met" : "NOT met");
    return 0;
}
