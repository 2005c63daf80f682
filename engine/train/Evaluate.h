#pragma once
// Torch-free entry points to LibTorch work the CLI and the GUI need without including
// LibTorch: parameter counts, evaluating a loaded model, timing benchmarks.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "data/Dataset.h"
#include "data/Normalisation.h"
#include "models/ModelConfig.h"
#include "train/Metrics.h"
#include "train/TrainConfig.h"

namespace unetlab {

class SegmentationModel;

// A freshly initialised network (Kaiming init, seeded) on the CPU, in eval mode.
std::shared_ptr<SegmentationModel> createModel(const ModelConfig &config, std::uint64_t seed);

// Trainable parameters of the network `config` describes (builds it once on the CPU).
std::int64_t countParameters(const ModelConfig &config);

// Per-class metrics of `model` on `indices` of `data`, on `device` ("cpu", "cuda:0").
SplitMetrics evaluateOn(SegmentationModel &model, const Dataset &data, const std::vector<std::size_t> &indices,
                        const Normalisation &normalisation, const std::string &device, int batchSize = 8);

// Predicted class masks (height x width each) of `model` for samples of one size.
std::vector<std::vector<std::uint8_t>> predictMasks(SegmentationModel &model, const std::vector<Sample> &samples,
                                                    const Normalisation &normalisation, const std::string &device);

// int8 inference (models/QuantizedUNet.h): why `config` cannot run in int8 here, or empty.
std::string int8Unsupported(const ModelConfig &config);
// The int8 twin of `model` (CPU), its activation ranges calibrated on `calibration` images of
// `data`. Throws std::invalid_argument when the model cannot run in int8.
std::shared_ptr<SegmentationModel> int8Model(SegmentationModel &model, const Dataset &data,
                                             const std::vector<std::size_t> &calibration,
                                             const Normalisation &normalisation);
// `model` run under bf16 or fp16 autocast (fp16: CUDA only), its logits returned in fp32, as a
// model of its own (forwardStages() too), so evaluation and comparisons run it as they run
// `model`; it shares `model`'s weights. fp32 gives `model` itself.
std::shared_ptr<SegmentationModel> autocastModel(std::shared_ptr<SegmentationModel> model, Precision precision);
// How far two models' class maps differ on `indices` of `data`, on `device`.
struct ClassMapAgreement {
    double pixelAgreement = 0;  // fraction of pixels given the same class
    double foregroundDice = 0;  // Dice of the two maps' non-background pixels
    std::int64_t pixels = 0;
};
ClassMapAgreement compareClassMaps(SegmentationModel &a, SegmentationModel &b, const Dataset &data,
                                   const std::vector<std::size_t> &indices, const Normalisation &normalisation,
                                   int batchSize = 8, const std::string &device = "cpu");

struct TrainBenchmark {
    std::string model;
    int batch = 0, size = 0, steps = 0;
    double stepSecondsMedian = 0, stepSecondsMin = 0;
    double imagesPerSecond = 0;  // batch / median step time
};
struct InferenceBenchmark {
    std::string model;
    int batch = 0, size = 0, runs = 0;
    double secondsMedian = 0, secondsMin = 0;
};
// How a benchmark runs the model: the default is fp32, channels-last.
struct BenchPlan {
    Precision precision = Precision::FP32;
    bool channelsLast = true;
    bool int8 = false;  // the int8 network (QuantizedUNet), calibrated on the benchmark's images
};
// Times `steps` training steps (Adam, cross-entropy) after two warm-up steps.
TrainBenchmark benchmarkTraining(const std::string &preset, int size, int batch, int steps, const std::string &device,
                                 const BenchPlan &plan = {});
// Times `runs` forward passes in eval mode without gradients after two warm-up runs.
InferenceBenchmark benchmarkInference(const std::string &preset, int size, int batch, int runs,
                                      const std::string &device, const BenchPlan &plan = {});

}  // namespace unetlab
