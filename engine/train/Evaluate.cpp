#include "train/Evaluate.h"

#include <algorithm>
#include <chrono>
#include <cstdint>

#include <torch/torch.h>

#include "data/SyntheticCells.h"
#include "models/Networks.h"
#include "models/QuantizedUNet.h"
#include "train/Autocast.h"
#include "train/Batch.h"
#include "train/Losses.h"
#include "train/Optimizers.h"

namespace unetlab {
namespace {

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n == 0 ? 0 : (n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]));
}

// A batch of real synthetic images, so timings see realistic data.
std::pair<torch::Tensor, torch::Tensor> benchBatch(int size, int batch, torch::Device device, bool channelsLast) {
    SyntheticOptions options;
    options.count = static_cast<std::size_t>(batch);
    options.size = size;
    std::vector<Sample> samples;
    for (int i = 0; i < batch; ++i) samples.push_back(SyntheticCells::generate(options, static_cast<std::size_t>(i)));
    const Normalisation n = {{0.5, 0.5, 0.5}, {0.25, 0.25, 0.25}};  // realistic cost, any values do
    return {prepareInput(stackImages(samples), device, channelsLast, n),
            stackMasks(samples).to(device).to(torch::kLong)};
}

std::shared_ptr<SegmentationModel> benchModel(const std::string &preset, torch::Device device, bool channelsLast) {
    torch::manual_seed(1);
    auto model = buildModel(presetConfig(preset));
    model->to(device);
    if (channelsLast) useChannelsLast(*model);
    if (device.is_cuda()) at::globalContext().setBenchmarkCuDNN(true);  // as the Trainer: fixed shapes
    return model;
}

void synchronize(const torch::Device &device) {
    if (device.is_cuda()) torch::cuda::synchronize(device.index());
}

struct Timings {
    double median = 0, min = 0;
};

// Runs `fn` twice to warm up, then `repeats` timed times (waiting for the GPU each time).
template <typename F>
Timings timeRuns(int repeats, const torch::Device &device, F fn) {
    std::vector<double> times;
    for (int i = 0; i < repeats + 2; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        fn();
        synchronize(device);
        if (i >= 2) times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    return {median(times), *std::min_element(times.begin(), times.end())};
}

}  // namespace

std::int64_t countParameters(const ModelConfig &config) { return countParameters(*buildModel(config)); }

std::shared_ptr<SegmentationModel> createModel(const ModelConfig &config, std::uint64_t seed) {
    torch::manual_seed(seed);
    auto model = buildModel(config);
    model->eval();
    return model;
}

SplitMetrics evaluateOn(SegmentationModel &model, const Dataset &data, const std::vector<std::size_t> &indices,
                        const Normalisation &normalisation, const std::string &device, int batchSize) {
    const torch::Device dev(device);
    model.to(dev);
    return evaluateModel(model, data, indices, dev, /*channelsLast=*/true, normalisation, LossConfig{}, batchSize)
        .metrics;
}

std::vector<std::vector<std::uint8_t>> predictMasks(SegmentationModel &model, const std::vector<Sample> &samples,
                                                    const Normalisation &normalisation, const std::string &device) {
    std::vector<std::vector<std::uint8_t>> out;
    if (samples.empty()) return out;
    const torch::Device dev(device);
    model.to(dev);
    const bool wasTraining = model.is_training();
    model.eval();
    torch::Tensor pred;
    {
        torch::NoGradGuard noGrad;
        pred = model.forward(prepareInput(stackImages(samples), dev, true, normalisation))
                   .argmax(1)
                   .to(torch::kUInt8)
                   .cpu()
                   .contiguous();
    }
    if (wasTraining) model.train();
    const std::int64_t plane = pred.size(1) * pred.size(2);
    for (std::int64_t i = 0; i < pred.size(0); ++i) {
        const std::uint8_t *p = pred.data_ptr<std::uint8_t>() + i * plane;
        out.emplace_back(p, p + plane);
    }
    return out;
}

std::string int8Unsupported(const ModelConfig &config) { return int8UnsupportedReason(config).value_or(""); }

std::shared_ptr<SegmentationModel> int8Model(SegmentationModel &model, const Dataset &data,
                                             const std::vector<std::size_t> &calibration,
                                             const Normalisation &normalisation) {
    if (calibration.empty()) throw std::invalid_argument("int8 calibration needs at least one image");
    std::vector<Sample> samples;
    for (const std::size_t i : calibration) samples.push_back(data.get(i));
    return makeInt8Model(model, prepareInput(stackImages(samples), torch::kCPU, true, normalisation));
}

namespace {

class AutocastModel final : public SegmentationModel {
public:
    AutocastModel(std::shared_ptr<SegmentationModel> inner, Precision precision)
        : SegmentationModel(inner->config()), m_inner(register_module("inner", std::move(inner))),
          m_precision(precision) {}

protected:
    torch::Tensor run(const torch::Tensor &x, StageActivations *stages) override {
        AutocastScope autocast(m_precision, x.device());
        if (!stages) return m_inner->forward(x).to(torch::kFloat);
        *stages = m_inner->forwardStages(x);
        for (auto &stage : *stages) stage.second = stage.second.to(torch::kFloat);
        return {};  // forwardStages() returns the stages
    }

private:
    std::shared_ptr<SegmentationModel> m_inner;
    Precision m_precision;
};

}  // namespace

std::shared_ptr<SegmentationModel> autocastModel(std::shared_ptr<SegmentationModel> model, Precision precision) {
    if (precision == Precision::Auto) throw std::invalid_argument("autocast needs a precision, not auto");
    if (precision == Precision::FP32) return model;
    return std::make_shared<AutocastModel>(std::move(model), precision);
}

ClassMapAgreement compareClassMaps(SegmentationModel &a, SegmentationModel &b, const Dataset &data,
                                   const std::vector<std::size_t> &indices, const Normalisation &normalisation,
                                   int batchSize, const std::string &device) {
    ClassMapAgreement r;
    std::int64_t same = 0, both = 0, fgA = 0, fgB = 0;
    for (std::size_t start = 0; start < indices.size(); start += static_cast<std::size_t>(batchSize)) {
        std::vector<Sample> samples;
        for (std::size_t i = start; i < std::min(indices.size(), start + static_cast<std::size_t>(batchSize)); ++i)
            samples.push_back(data.get(indices[i]));
        const auto ma = predictMasks(a, samples, normalisation, device);
        const auto mb = predictMasks(b, samples, normalisation, device);
        for (std::size_t k = 0; k < ma.size(); ++k)
            for (std::size_t p = 0; p < ma[k].size(); ++p) {
                same += ma[k][p] == mb[k][p];
                both += ma[k][p] > 0 && mb[k][p] > 0;
                fgA += ma[k][p] > 0;
                fgB += mb[k][p] > 0;
                ++r.pixels;
            }
    }
    r.pixelAgreement = r.pixels ? static_cast<double>(same) / static_cast<double>(r.pixels) : 0;
    r.foregroundDice = fgA + fgB ? 2.0 * static_cast<double>(both) / static_cast<double>(fgA + fgB) : 1.0;
    return r;
}

TrainBenchmark benchmarkTraining(const std::string &preset, int size, int batch, int steps, const std::string &device,
                                 const BenchPlan &plan) {
    const torch::Device dev(device);
    auto model = benchModel(preset, dev, plan.channelsLast);
    model->train();
    ForeachAdam optimizer(model->parameters(true), torch::optim::AdamOptions(1e-3));
    GradScaler scaler(plan.precision, dev);
    const auto [x, y] = benchBatch(size, batch, dev, plan.channelsLast);
    const Timings t = timeRuns(steps, dev, [&, &x = x, &y = y] {
        optimizer.zero_grad();
        torch::Tensor logits;
        {
            AutocastScope autocast(plan.precision, dev);
            logits = model->forward(x);
        }
        scaler.scale(crossEntropyLoss(logits.to(torch::kFloat), y)).backward();
        scaler.step(optimizer);
    });
    TrainBenchmark r;
    r.model = preset;
    r.batch = batch;
    r.size = size;
    r.steps = steps;
    r.stepSecondsMedian = t.median;
    r.stepSecondsMin = t.min;
    r.imagesPerSecond = batch / t.median;
    return r;
}

InferenceBenchmark benchmarkInference(const std::string &preset, int size, int batch, int runs,
                                      const std::string &device, const BenchPlan &plan) {
    const torch::Device dev(device);
    auto model = benchModel(preset, dev, plan.channelsLast);
    model->eval();
    const torch::Tensor x = benchBatch(size, batch, dev, plan.channelsLast).first;
    if (plan.int8) {
        if (!dev.is_cpu()) throw std::invalid_argument("int8 inference runs on the CPU only");
        model = makeInt8Model(*model, benchBatch(size, 4, dev, true).first);
    }
    torch::InferenceMode inference;
    const Timings t = timeRuns(runs, dev, [&] {
        AutocastScope autocast(plan.precision, dev);
        model->forward(x).argmax(1);
    });
    InferenceBenchmark r;
    r.model = preset;
    r.batch = batch;
    r.size = size;
    r.runs = runs;
    r.secondsMedian = t.median;
    r.secondsMin = t.min;
    return r;
}

}  // namespace unetlab
