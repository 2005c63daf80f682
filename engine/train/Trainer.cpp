#include "train/Trainer.h"

#include <chrono>
#include <cstdint>
#include <future>
#include <mutex>
#include <cmath>
#include <numeric>
#include <sstream>
#include <stdexcept>

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include "core/Device.h"
#include "core/HostMemory.h"
#include "core/Random.h"
#include "data/Augment.h"
#include "interop/TorchSave.h"
#include "models/Networks.h"
#include "train/Autocast.h"
#include "train/Batch.h"
#include "train/Checkpoint.h"
#include "train/Evaluate.h"
#include "train/History.h"
#include "train/Losses.h"
#include "train/Optimizers.h"

namespace unetlab {
namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// Swaps a run's generator state in for the duration of one step and saves it back after. On a
// GPU, dropout draws from the device's generator instead: it is seeded for every step from the
// run's seed and the step's number, so runs stepped in turn (Compare) and a run continued after a
// restart draw the same masks as an uninterrupted run, with no device state to save.
class RandomStateScope {
public:
    RandomStateScope(torch::Tensor &state, const torch::Device &device, std::uint64_t seed, int step)
        : m_state(state) {
        auto generator = at::detail::getDefaultCPUGenerator();
        std::lock_guard<std::mutex> lock(generator.mutex());
        generator.set_state(m_state);
        if (device.is_cuda()) {
            auto gpu = at::globalContext().defaultGenerator(device);
            std::lock_guard<std::mutex> gpuLock(gpu.mutex());
            // set_current_seed also restarts the generator's offset.
            gpu.set_current_seed(mix64(mix64(seed ^ 0x5DEECE66DULL) + static_cast<std::uint64_t>(step)));
        }
    }
    ~RandomStateScope() {
        auto generator = at::detail::getDefaultCPUGenerator();
        std::lock_guard<std::mutex> lock(generator.mutex());
        m_state = generator.get_state();
    }
    RandomStateScope(const RandomStateScope &) = delete;
    RandomStateScope &operator=(const RandomStateScope &) = delete;

private:
    torch::Tensor &m_state;
};

std::unique_ptr<torch::optim::Optimizer> makeOptimizer(const TrainConfig &c, std::vector<torch::Tensor> params) {
    const double wd = c.resolvedWeightDecay();
    switch (c.optimizer) {
    case OptimizerKind::SGD:
        return std::make_unique<torch::optim::SGD>(
            params, torch::optim::SGDOptions(c.learningRate).momentum(c.momentum).weight_decay(wd));
    case OptimizerKind::Adam:
        return std::make_unique<ForeachAdam>(params, torch::optim::AdamOptions(c.learningRate).weight_decay(wd));
    case OptimizerKind::AdamW:
        return std::make_unique<ForeachAdamW>(params, torch::optim::AdamWOptions(c.learningRate).weight_decay(wd));
    case OptimizerKind::RMSProp:
        return std::make_unique<torch::optim::RMSprop>(
            params, torch::optim::RMSpropOptions(c.learningRate).momentum(c.momentum).weight_decay(wd));
    }
    throw std::invalid_argument("unknown optimizer");
}

std::string formatRate(double lr) {
    std::ostringstream s;
    s << lr;
    return s.str();
}

}  // namespace

// One training batch on the CPU, as uint8 tensors.
struct HostBatch {
    torch::Tensor images, masks;
};

struct Trainer::Impl {
    TrainConfig config;
    std::shared_ptr<const Dataset> data;
    DataSplit split;
    Normalisation normalisation;
    torch::Device device{torch::kCPU};
    std::shared_ptr<SegmentationModel> model;
    std::unique_ptr<torch::optim::Optimizer> optimizer;
    torch::Tensor classWeights;  // for the weighted cross-entropy
    torch::Tensor trainImages;   // N x C x H x W uint8 (CPU)
    torch::Tensor trainMasks;    // N x H x W uint8 (CPU)
    std::vector<Sample> trainSamples;  // the same, kept as samples when augmenting
    SplitMix64 rng{1};
    std::unique_ptr<GradScaler> scaler;  // fp16 on CUDA: loss scaling
    // The next batch, prepared on a helper thread while the current one trains (augmented,
    // per-epoch patches or streamed data only: plain batches are a cheap index_select).
    // Always joined before trainBatch returns, so the dataset is never read by two threads
    // outside a step.
    HostBatch prefetched;
    int prefetchedFor = -1;  // batchIndex the prefetched batch belongs to (this epoch), -1 if none

    // Progress.
    int epoch = 1;
    int batchIndex = 0;  // next training batch within the epoch
    int batchesPerEpoch = 0;
    std::vector<std::int64_t> order;  // training order of this epoch
    bool validating = false;
    std::size_t validationNext = 0;
    std::unique_ptr<BatchEvaluator> evaluator;
    bool done = false;
    int globalStep = 0;

    // Learning rate.
    double baseLr = 0;
    double plateauScale = 1;
    int epochsSinceBest = 0;
    double lastLr = 0;

    // Epoch statistics.
    double epochLossSum = 0;
    int epochBatches = 0;
    double epochTrainSeconds = 0;
    Clock::time_point started, epochStarted;

    std::vector<EpochReport> history;
    std::vector<BatchReport> batchHistory;  // the training batches run by this object
    torch::Tensor randomState;  // this run's state of the global CPU generator
    int bestEpoch = 0;
    double bestDice = -1;
    std::vector<torch::Tensor> bestState, goodState;

    std::vector<torch::Tensor> stateTensors() {
        std::vector<torch::Tensor> out;
        for (auto &p : model->parameters(true)) out.push_back(p);
        for (auto &b : model->buffers(true)) out.push_back(b);
        return out;
    }
    std::vector<torch::Tensor> snapshot() {
        std::vector<torch::Tensor> out;
        for (auto &t : stateTensors()) out.push_back(t.detach().clone());
        return out;
    }
    void restore(const std::vector<torch::Tensor> &state) {
        if (state.empty()) return;
        torch::NoGradGuard noGrad;
        auto targets = stateTensors();
        for (std::size_t i = 0; i < targets.size(); ++i) targets[i].copy_(state[i]);
    }

    double scheduledLr() const {
        const int total = config.epochs * batchesPerEpoch;
        const double t = total > 1 ? static_cast<double>(globalStep) / (total - 1) : 0.0;
        const double pi = 3.14159265358979323846;
        switch (config.schedule) {
        case ScheduleKind::Constant: return baseLr;
        case ScheduleKind::Step: {
            const int every = config.stepEpochs > 0 ? config.stepEpochs : std::max(1, config.epochs / 3);
            return baseLr * std::pow(config.stepGamma, (epoch - 1) / every);
        }
        case ScheduleKind::Cosine: return baseLr * 0.5 * (1 + std::cos(pi * t));
        case ScheduleKind::Plateau: return baseLr * plateauScale;
        case ScheduleKind::OneCycle: {
            // As PyTorch's OneCycleLR: cosine warm-up from max/25, cosine anneal to max/25e4.
            const double start = baseLr / 25, end = start / 1e4, w = config.warmupFraction;
            if (t < w) return start + (baseLr - start) * 0.5 * (1 - std::cos(pi * t / w));
            return end + (baseLr - end) * 0.5 * (1 + std::cos(pi * (t - w) / (1 - w)));
        }
        }
        return baseLr;
    }

    void applyLr(double lr) {
        for (auto &group : optimizer->param_groups()) group.options().set_lr(lr);
        lastLr = lr;
    }

    void beginEpoch() {
        order.resize(split.train.size());
        std::iota(order.begin(), order.end(), std::int64_t{0});
        rng.shuffle(order);
        batchIndex = 0;
        epochLossSum = 0;
        epochBatches = 0;
        epochTrainSeconds = 0;
        epochStarted = Clock::now();
    }

    // Batch `b` of this epoch as the epoch sees it (a fresh patch, an augmented variant): a
    // pure function of (seed, epoch, dataset index), so runs stay reproducible. Reads only
    // const state; safe on a helper thread while the model trains.
    HostBatch buildBatch(int b) const;
    StepResult trainBatch();
    StepResult validationBatch();
    StepResult endEpoch();
    StepResult finish(const std::string &reason, bool diverged);
};

Trainer::Trainer(TrainConfig config, std::shared_ptr<const Dataset> data) : d(std::make_unique<Impl>()) {
    if (!data || data->size() == 0) throw std::invalid_argument("the dataset is empty");
    config.model.inChannels = data->inChannels();
    config.model.numClasses = data->numClasses();
    config.validate();
    config.model.checkImageSize(data->width(), data->height());
    d->config = config;
    d->data = std::move(data);
    d->split = makeSplit(d->data->size(), config.valFraction, config.testFraction, config.seed);
    d->normalisation = computeNormalisation(config.preprocessing, *d->data, d->split.train);
    d->device = torch::Device(resolveDevice(config.device));
    if (config.precision == Precision::Auto) config.precision = Precision::FP32;  // choosePlan settles Auto
    if (config.precision == Precision::FP16 && !d->device.is_cuda())
        throw std::invalid_argument("fp16 training needs a CUDA GPU; on a CPU choose bf16 or fp32");
    // Fixed shapes: let cuDNN time its algorithms and keep the fastest — unless the program asked
    // for reproducible kernels (the choice may differ between runs and so may the rounding).
    if (d->device.is_cuda() && !at::globalContext().deterministicCuDNN()) at::globalContext().setBenchmarkCuDNN(true);
    d->config.precision = config.precision;
    d->scaler = std::make_unique<GradScaler>(config.precision, d->device);

    torch::manual_seed(config.seed);
    d->rng = SplitMix64(config.seed);
    d->model = buildModel(config.model);
    // Dropout draws from LibTorch's global CPU generator; each Trainer keeps its own state of
    // it, so runs stepped in turn (Compare) give the same results as runs trained alone.
    d->randomState = at::detail::getDefaultCPUGenerator().get_state();
    d->model->to(d->device);
    if (config.channelsLast) useChannelsLast(*d->model);
    d->model->train();
    d->optimizer = makeOptimizer(config, d->model->parameters(true));

    const int k = config.model.numClasses;
    std::vector<std::int64_t> classCounts;  // the weighted cross-entropy's, when not given
    if (d->data->streamed()) {
        // Too large for memory: every batch is read from disk as it comes (buildBatch, on the
        // prefetch thread). The dataset has checked its labels; the class counts are its
        // summary's (over every sample, not only the training split).
        const std::vector<std::uint64_t> pixels = d->data->summary().classPixels;
        for (std::size_t c = static_cast<std::size_t>(k); c < pixels.size(); ++c)
            if (pixels[c] > 0)
                throw std::invalid_argument("a training mask holds a label outside 0.." + std::to_string(k - 1));
        if (config.loss.kind == LossKind::WeightedCrossEntropy && config.loss.classWeights.empty()) {
            classCounts.assign(static_cast<std::size_t>(k), 0);
            for (std::size_t c = 0; c < pixels.size() && c < classCounts.size(); ++c)
                classCounts[c] = static_cast<std::int64_t>(pixels[c]);
        }
    } else {
        // Training images stay in memory as uint8 (3 bytes/pixel): 200 x 256^2 is ~40 MB.
        std::vector<Sample> samples;
        samples.reserve(d->split.train.size());
        for (std::size_t i : d->split.train) samples.push_back(d->data->get(i));
        d->trainImages = stackImages(samples);
        d->trainMasks = stackMasks(samples);
        if (config.augmentation.any() && !d->data->variesPerEpoch()) d->trainSamples = std::move(samples);
        if (d->trainMasks.max().item<int>() >= k)
            throw std::invalid_argument("a training mask holds a label outside 0.." + std::to_string(k - 1));
        if (config.loss.kind == LossKind::WeightedCrossEntropy && config.loss.classWeights.empty()) {
            const torch::Tensor counts = torch::bincount(d->trainMasks.flatten().to(torch::kLong), {}, k);
            classCounts.assign(counts.data_ptr<std::int64_t>(), counts.data_ptr<std::int64_t>() + k);
        }
    }
    if (config.loss.kind == LossKind::WeightedCrossEntropy) {
        std::vector<double> w = config.loss.classWeights;
        if (w.empty()) {
            w = inverseFrequencyWeights(classCounts);
            d->config.loss.classWeights = w;
        }
        d->classWeights = torch::tensor(w, torch::kFloat);
    }

    d->batchesPerEpoch = static_cast<int>((d->split.train.size() + config.batchSize - 1) / config.batchSize);
    d->baseLr = config.learningRate;
    d->goodState = d->snapshot();
    d->started = Clock::now();
    d->beginEpoch();
}

Trainer::~Trainer() = default;

StepResult Trainer::step() {
    if (d->done) {
        StepResult r;
        r.kind = StepResult::Kind::Finished;
        r.stopReason = "training has finished";
        return r;
    }
    // Training and validation ask for buffers of other sizes: the blocks kept for reuse by the
    // phase that ended would sit idle through this one (core/HostMemory.h).
    if (d->validating ? d->validationNext == 0 : d->batchIndex == 0) releaseKeptCpuBlocks();
    try {
        RandomStateScope scope(d->randomState, d->device, d->config.seed, d->globalStep);
        return d->validating ? d->validationBatch() : d->trainBatch();
    } catch (const std::exception &e) {
        if (!isOutOfMemory(e)) throw;
        // Out of memory: free what the failed step held, keep the last finished epoch's
        // weights and end the run with advice instead of dying.
        for (auto &p : d->model->parameters(true)) p.mutable_grad() = torch::Tensor();
        d->prefetched = {};
        d->prefetchedFor = -1;
        d->evaluator.reset();
        d->restore(d->goodState);
        releaseCachedGpuMemory();
        const int batch = d->config.batchSize;
        std::string advice = "out of memory at batch size " + std::to_string(batch) + " with " +
                             std::to_string(d->data->width()) + "x" + std::to_string(d->data->height()) +
                             " images on " + (d->device.is_cuda() ? std::string("the GPU") : std::string("the CPU")) +
                             " — try a smaller batch";
        if (batch > 1) advice += " (e.g. " + std::to_string(std::max(1, batch / 2)) + ")";
        advice += " or a smaller image size";
        if (!d->history.empty()) advice += "; the weights of epoch " + std::to_string(d->history.size()) + " are kept";
        StepResult r = d->finish(advice, false);
        r.outOfMemory = true;
        return r;
    }
}

HostBatch Trainer::Impl::buildBatch(int b) const {
    const int bs = config.batchSize;
    const std::int64_t begin = static_cast<std::int64_t>(b) * bs;
    const std::int64_t end = std::min<std::int64_t>(begin + bs, static_cast<std::int64_t>(order.size()));
    std::vector<Sample> batch;
    for (std::int64_t k = begin; k < end; ++k) {
        const auto position = static_cast<std::size_t>(order[static_cast<std::size_t>(k)]);
        const std::size_t index = split.train[position];
        const auto thisEpoch = static_cast<std::uint64_t>(epoch);
        // Per-epoch patches and streamed data are read now; augmented data was kept in memory.
        const bool read = data->variesPerEpoch() || data->streamed();
        const Sample loaded = read ? data->trainingSample(index, thisEpoch) : Sample{};
        const Sample &source = read ? loaded : trainSamples[position];
        const std::uint64_t seed = augmentationSeed(config.seed, thisEpoch, index);
        batch.push_back(config.augmentation.any() ? augmentSample(source, config.augmentation, seed) : source);
    }
    return {stackImages(batch), stackMasks(batch)};
}

StepResult Trainer::Impl::trainBatch() {
    const auto t0 = Clock::now();
    const int bs = config.batchSize;
    const std::int64_t begin = static_cast<std::int64_t>(batchIndex) * bs;
    const std::int64_t end = std::min<std::int64_t>(begin + bs, static_cast<std::int64_t>(order.size()));
    torch::Tensor imagesU8, masksU8;
    std::future<HostBatch> next;
    if (config.augmentation.any() || data->variesPerEpoch() || data->streamed()) {
        if (prefetchedFor == batchIndex) {
            imagesU8 = prefetched.images;
            masksU8 = prefetched.masks;
        } else {
            HostBatch b = buildBatch(batchIndex);
            imagesU8 = b.images;
            masksU8 = b.masks;
        }
        prefetched = {};
        prefetchedFor = -1;
        // Prepare the next batch of this epoch while this one trains.
        if (batchIndex + 1 < batchesPerEpoch)
            next = std::async(std::launch::async, [this, b = batchIndex + 1] { return buildBatch(b); });
    } else {
        const torch::Tensor idx = torch::tensor(std::vector<std::int64_t>(order.begin() + begin, order.begin() + end));
        imagesU8 = trainImages.index_select(0, idx);
        masksU8 = trainMasks.index_select(0, idx);
    }
    // Whatever happens below, the helper thread is joined before this step returns.
    struct JoinNext {
        std::future<HostBatch> &f;
        Impl &impl;
        int index;
        ~JoinNext() {
            if (!f.valid()) return;
            try {
                impl.prefetched = f.get();
                impl.prefetchedFor = index;
            } catch (...) {
                impl.prefetchedFor = -1;  // rebuilt (and its error raised) on the next step
            }
        }
    } join{next, *this, batchIndex + 1};
    const torch::Tensor x = prepareInput(imagesU8, device, config.channelsLast, normalisation);
    const torch::Tensor y = masksU8.to(device).to(torch::kLong);

    const double lr = scheduledLr();
    applyLr(lr);
    optimizer->zero_grad();
    torch::Tensor logits;
    {
        AutocastScope autocast(config.precision, device);  // bf16/fp16 plans; fp32: nothing
        logits = model->forward(x);
    }
    // The loss in fp32 whatever the plan: softmax and log of bf16 logits lose too much.
    const torch::Tensor loss = computeLoss(config.loss, logits.to(torch::kFloat), y, classWeights);
    const double lossValue = loss.item<double>();
    if (!std::isfinite(lossValue)) {
        restore(goodState);
        return finish("the loss became " + std::string(std::isnan(lossValue) ? "NaN" : "infinite") + " at epoch " +
                          std::to_string(epoch) + ", batch " + std::to_string(batchIndex + 1) +
                          " — the learning rate " + formatRate(lr) +
                          " is likely too high; training stopped and the last good weights are kept",
                      true);
    }
    scaler->scale(loss).backward();
    scaler->step(*optimizer);

    const double seconds = secondsSince(t0);
    epochTrainSeconds += seconds;
    epochLossSum += lossValue;
    ++epochBatches;
    ++globalStep;
    ++batchIndex;

    StepResult r;
    r.kind = StepResult::Kind::TrainBatch;
    r.batch.epoch = epoch;
    r.batch.batch = batchIndex;
    r.batch.batchesPerEpoch = batchesPerEpoch;
    r.batch.loss = lossValue;
    r.batch.learningRate = lr;
    r.batch.imagesPerSecond = seconds > 0 ? static_cast<double>(end - begin) / seconds : 0;
    r.batch.elapsedSeconds = secondsSince(started);
    batchHistory.push_back(r.batch);
    if (batchIndex >= batchesPerEpoch) {
        validating = true;
        validationNext = 0;
        evaluator = std::make_unique<BatchEvaluator>(*model, device, config.channelsLast, normalisation, config.loss,
                                                     cellClassesOf(data->classNames()), classWeights);
    }
    return r;
}

StepResult Trainer::Impl::validationBatch() {
    const std::size_t total = split.val.size();
    const std::size_t end = std::min(total, validationNext + static_cast<std::size_t>(config.batchSize));
    std::vector<Sample> batch;
    for (std::size_t i = validationNext; i < end; ++i) batch.push_back(data->get(split.val[i]));
    evaluator->add(batch);
    validationNext = end;
    if (validationNext >= total) return endEpoch();
    StepResult r;
    r.kind = StepResult::Kind::ValidationBatch;
    r.validationDone = static_cast<int>(validationNext);
    r.validationTotal = static_cast<int>(total);
    return r;
}

StepResult Trainer::Impl::endEpoch() {
    const SplitMetrics m = evaluator->metrics();
    EpochReport e;
    e.epoch = epoch;
    e.trainLoss = epochBatches ? epochLossSum / epochBatches : 0;
    e.valLoss = evaluator->meanLoss();
    e.valDice = m.dice;
    e.valDiceMean = m.diceMean;
    e.valIoU = m.iou;
    e.valIoUMean = m.iouMean;
    e.valPixelAccuracy = m.pixelAccuracy;
    e.valNcError = m.ncMeanAbsError;
    e.valBoundaryF1 = m.boundaryF1Mean;
    e.learningRate = lastLr;
    e.seconds = secondsSince(epochStarted);
    e.elapsedSeconds = secondsSince(started);
    e.imagesPerSecond = epochTrainSeconds > 0 ? static_cast<double>(split.train.size()) / epochTrainSeconds : 0;
    evaluator.reset();
    validating = false;

    const double dice = std::isnan(e.valDiceMean) ? 0.0 : e.valDiceMean;
    if (dice > bestDice) {
        bestDice = dice;
        bestEpoch = epoch;
        bestState = snapshot();
        epochsSinceBest = 0;
        e.best = true;
    } else {
        ++epochsSinceBest;
        if (config.schedule == ScheduleKind::Plateau && epochsSinceBest % config.plateauPatience == 0)
            plateauScale *= config.plateauFactor;
    }
    goodState = snapshot();
    history.push_back(e);

    StepResult r;
    r.kind = StepResult::Kind::EpochEnd;
    r.epoch = e;
    r.epochEnded = true;
    if (config.earlyStopPatience > 0 && epochsSinceBest >= config.earlyStopPatience) {
        StepResult f = finish("early stopping: no validation Dice gain for " + std::to_string(epochsSinceBest) +
                                  " epochs; keeping epoch " + std::to_string(bestEpoch),
                              false);
        f.epoch = e;
        f.epochEnded = true;
        return f;
    }
    if (epoch >= config.epochs) {
        StepResult f = finish("completed " + std::to_string(config.epochs) + " epoch" +
                                  (config.epochs > 1 ? "s" : "") + "; keeping the best, epoch " +
                                  std::to_string(bestEpoch),
                              false);
        f.epoch = e;
        f.epochEnded = true;
        return f;
    }
    ++epoch;
    beginEpoch();
    return r;
}

StepResult Trainer::Impl::finish(const std::string &reason, bool diverged) {
    if (!bestState.empty()) restore(bestState);
    model->eval();
    done = true;
    evaluator.reset();
    validating = false;
    StepResult r;
    r.kind = StepResult::Kind::Finished;
    r.stopReason = reason;
    r.diverged = diverged;
    if (!history.empty()) r.epoch = history.back();
    return r;
}

bool Trainer::finished() const { return d->done; }

void Trainer::stop(const std::string &reason) {
    if (!d->done) d->finish(reason, false);
}

void Trainer::setLearningRate(double lr) {
    if (!std::isfinite(lr) || lr <= 0 || lr > 1) throw std::invalid_argument("learning rate must be in (0, 1]");
    d->baseLr = lr;
}

void Trainer::releaseTrainingState() {
    if (!d->done) return;
    for (auto &p : d->model->parameters(true)) p.mutable_grad() = torch::Tensor();
    d->optimizer = makeOptimizer(d->config, d->model->parameters(true));  // fresh: no moments held
    d->trainImages = torch::Tensor();
    d->trainMasks = torch::Tensor();
    d->trainSamples.clear();
    d->trainSamples.shrink_to_fit();
    d->prefetched = {};
    d->prefetchedFor = -1;
    d->goodState.clear();
    d->bestState.clear();
}

double Trainer::learningRate() const { return d->baseLr; }
const TrainConfig &Trainer::config() const { return d->config; }
const Dataset &Trainer::dataset() const { return *d->data; }
const DataSplit &Trainer::split() const { return d->split; }
std::int64_t Trainer::parameterCount() const { return countParameters(*d->model); }
std::string Trainer::device() const { return d->device.str(); }
const Normalisation &Trainer::normalisation() const { return d->normalisation; }
const std::vector<EpochReport> &Trainer::history() const { return d->history; }
const std::vector<BatchReport> &Trainer::batchHistory() const { return d->batchHistory; }
int Trainer::bestEpoch() const { return d->bestEpoch; }
int Trainer::totalSteps() const { return d->config.epochs * d->batchesPerEpoch; }
SegmentationModel &Trainer::model() { return *d->model; }

SplitMetrics Trainer::evaluate(const std::vector<std::size_t> &indices) {
    return evaluateModel(*d->model, *d->data, indices, d->device, d->config.channelsLast, d->normalisation,
                         d->config.loss, d->config.batchSize)
        .metrics;
}

std::vector<std::vector<std::uint8_t>> Trainer::predict(const std::vector<Sample> &samples) {
    return predictMasks(*d->model, samples, d->normalisation, d->device.str());
}

void Trainer::saveCheckpoint(const std::string &path, const std::string &dataSpec, bool best) const {
    nlohmann::json header;
    header["classes"] = d->data->classNames();
    header["normalisation"] = toJson(d->normalisation);
    header["input_size"] = {d->data->width(), d->data->height()};
    header["data"] = {{"spec", dataSpec}, {"name", d->data->name()}};
    header["split"] = {{"seed", d->config.seed},
                       {"val_fraction", d->config.valFraction},
                       {"test_fraction", d->config.testFraction}};
    header["train"] = toJson(d->config);
    header["best_epoch"] = d->bestEpoch;
    nlohmann::json history = nlohmann::json::array();
    for (const auto &e : d->history)
        history.push_back({{"epoch", e.epoch},
                           {"train_loss", e.trainLoss},
                           {"val_loss", e.valLoss},
                           {"val_dice", e.valDice},
                           {"val_dice_mean", e.valDiceMean},
                           {"learning_rate", e.learningRate},
                           {"seconds", e.seconds}});
    header["history"] = history;
    if (best && !d->bestState.empty() && !d->done) {
        // Swap the best weights in for the write, then put the current ones back.
        const std::vector<torch::Tensor> current = d->snapshot();
        d->restore(d->bestState);
        header["weights"] = "best";
        try {
            unetlab::saveCheckpoint(path, *d->model, header);
        } catch (...) {
            d->restore(current);
            throw;
        }
        d->restore(current);
        return;
    }
    // Once finished, the model already holds the best weights.
    header["weights"] = d->done ? "best" : "current";
    unetlab::saveCheckpoint(path, *d->model, header);
}

// --------------------------------------------------------------------------- resume
namespace {

constexpr const char *kResumeFormat = "unetlab-run-state 1";

struct ParsedState {
    nlohmann::json meta;
    torch::serialize::InputArchive archive;
};

nlohmann::json readMeta(torch::serialize::InputArchive &archive) {
    c10::IValue text;
    if (!archive.try_read("meta", text) || !text.isString())
        throw std::invalid_argument("not a UNet Lab run state (no settings in it)");
    nlohmann::json meta = nlohmann::json::parse(text.toStringRef(), nullptr, false);
    if (meta.is_discarded() || !meta.is_object() || meta.value("format", "") != kResumeFormat)
        throw std::invalid_argument("not a UNet Lab run state of a version this app reads");
    return meta;
}

void loadArchive(torch::serialize::InputArchive &archive, const std::string &state) {
    if (state.empty()) throw std::invalid_argument("the run state is empty");
    // A record claiming gigabytes is refused before LibTorch's reader allocates it.
    if (const std::string why = zipRecordsProblem(state); !why.empty())
        throw std::invalid_argument("the run state is truncated or damaged (" + why + ")");
    try {
        archive.load_from(state.data(), state.size(), torch::Device(torch::kCPU));
    } catch (const c10::Error &) {
        throw std::invalid_argument("the run state is truncated or damaged");
    }
}

std::vector<torch::Tensor> readTensors(torch::serialize::InputArchive &archive, const std::string &group,
                                       std::size_t count) {
    std::vector<torch::Tensor> out;
    for (std::size_t i = 0; i < count; ++i) {
        torch::Tensor t;
        if (!archive.try_read(group + "/" + std::to_string(i), t))
            throw std::invalid_argument("the run state misses " + group + " weights");
        out.push_back(t);
    }
    return out;
}

}  // namespace

std::string Trainer::resumeState(const std::string &dataSpec, const std::string &modelName) const {
    if (d->validating || d->batchIndex != 0)
        throw std::logic_error("a run's state can be saved only between epochs");
    nlohmann::json meta;
    meta["format"] = kResumeFormat;
    meta["config"] = toJson(d->config);
    meta["data_spec"] = dataSpec;
    meta["model_name"] = modelName;
    meta["data"] = {{"name", d->data->name()},
                    {"size", d->data->size()},
                    {"width", d->data->width()},
                    {"height", d->data->height()},
                    {"channels", d->data->inChannels()},
                    {"classes", d->data->numClasses()}};
    meta["history"] = historyToJson(d->history);
    meta["epoch"] = d->epoch;  // the next epoch to train (or the last one, once done)
    meta["done"] = d->done;
    meta["global_step"] = d->globalStep;
    meta["base_lr"] = d->baseLr;
    meta["plateau_scale"] = d->plateauScale;
    meta["epochs_since_best"] = d->epochsSinceBest;
    meta["best_dice"] = d->bestDice;
    meta["best_epoch"] = d->bestEpoch;
    meta["rng"] = std::to_string(d->rng.state());
    meta["weights"] = d->stateTensors().size();
    meta["best_weights"] = d->bestState.size();

    torch::serialize::OutputArchive archive;
    archive.write("meta", c10::IValue(meta.dump()));
    const auto current = d->stateTensors();
    for (std::size_t i = 0; i < current.size(); ++i)
        archive.write("current/" + std::to_string(i), current[i].detach().to(torch::kCPU).contiguous());
    for (std::size_t i = 0; i < d->bestState.size(); ++i)
        archive.write("best/" + std::to_string(i), d->bestState[i].to(torch::kCPU).contiguous());
    archive.write("random_state", d->randomState);
    archive.write("order", torch::tensor(d->order.empty() ? std::vector<std::int64_t>{-1} : d->order));
    if (d->optimizer && !d->done) {
        torch::serialize::OutputArchive optimiser;
        d->optimizer->save(optimiser);
        archive.write("optimizer", optimiser);
    }
    std::ostringstream bytes;
    archive.save_to(bytes);
    return bytes.str();
}

ResumeInfo Trainer::peekResumeState(const std::string &state) {
    torch::serialize::InputArchive archive;
    loadArchive(archive, state);
    const nlohmann::json meta = readMeta(archive);
    ResumeInfo info;
    try {
        info.config = trainConfigFromJson(meta.at("config"));
        info.dataSpec = meta.at("data_spec").get<std::string>();
        info.modelName = meta.at("model_name").get<std::string>();
        info.history = historyFromJson(meta.at("history"));
        info.bestEpoch = meta.at("best_epoch").get<int>();
        info.width = meta.at("data").at("width").get<int>();
        info.height = meta.at("data").at("height").get<int>();
    } catch (const nlohmann::json::exception &) {
        throw std::invalid_argument("the run state's settings are incomplete");
    }
    return info;
}

std::unique_ptr<Trainer> Trainer::resume(const std::string &state, std::shared_ptr<const Dataset> data, int epochs) {
    torch::serialize::InputArchive archive;
    loadArchive(archive, state);
    const nlohmann::json meta = readMeta(archive);
    if (!data) throw std::invalid_argument("no data to continue the run on");
    TrainConfig config;
    std::vector<EpochReport> history;
    try {
        config = trainConfigFromJson(meta.at("config"));
        history = historyFromJson(meta.at("history"));
        const auto &m = meta.at("data");
        if (m.at("width").get<int>() != data->width() || m.at("height").get<int>() != data->height() ||
            m.at("channels").get<int>() != data->inChannels() || m.at("classes").get<int>() != data->numClasses() ||
            m.at("size").get<std::size_t>() != data->size())
            throw std::invalid_argument("the data has changed since the run was saved (" +
                                        m.at("name").get<std::string>() + ": " +
                                        std::to_string(m.at("size").get<std::size_t>()) + " images of " +
                                        std::to_string(m.at("width").get<int>()) + "x" +
                                        std::to_string(m.at("height").get<int>()) + "; now " +
                                        std::to_string(data->size()) + " of " + std::to_string(data->width()) + "x" +
                                        std::to_string(data->height()) + ")");
    } catch (const nlohmann::json::exception &) {
        throw std::invalid_argument("the run state's settings are incomplete");
    }
    const int done = static_cast<int>(history.size());
    if (done == 0) throw std::invalid_argument("the run state holds no finished epoch");
    if (epochs > 0) {
        if (epochs <= done)
            throw std::invalid_argument("the run has already trained " + std::to_string(done) +
                                        " epochs; ask for more than that to continue it");
        config.epochs = epochs;
    } else if (done >= config.epochs || meta.value("done", false)) {
        throw std::invalid_argument("the run finished (" + std::to_string(done) + " of " +
                                    std::to_string(config.epochs) +
                                    " epochs); ask for more epochs to continue it");
    }

    auto trainer = std::make_unique<Trainer>(config, data);
    Impl &d = *trainer->d;
    try {
        const auto targets = d.stateTensors();
        if (meta.at("weights").get<std::size_t>() != targets.size())
            throw std::invalid_argument("the run state's weights are of another architecture");
        const auto current = readTensors(archive, "current", targets.size());
        for (std::size_t i = 0; i < targets.size(); ++i)
            if (current[i].sizes() != targets[i].sizes())
                throw std::invalid_argument("the run state's weights are of another architecture");
        d.restore(current);
        d.bestState = readTensors(archive, "best", meta.at("best_weights").get<std::size_t>());
        for (std::size_t i = 0; i < d.bestState.size(); ++i) {
            if (i >= targets.size() || d.bestState[i].sizes() != targets[i].sizes())
                throw std::invalid_argument("the run state's best weights are of another architecture");
            d.bestState[i] = d.bestState[i].to(d.device);
        }
        d.goodState = d.snapshot();
        torch::Tensor randomState, order;
        if (!archive.try_read("random_state", randomState) || !archive.try_read("order", order))
            throw std::invalid_argument("the run state misses its random generators");
        d.randomState = randomState;
        torch::serialize::InputArchive optimiser;
        if (archive.try_read("optimizer", optimiser)) {
            d.optimizer->load(optimiser);
            moveOptimizerStateTo(*d.optimizer, d.device);  // read onto the CPU; the model may be on a GPU
        }

        d.history = history;
        d.epoch = done + 1;
        d.globalStep = meta.at("global_step").get<int>();
        d.baseLr = meta.at("base_lr").get<double>();
        d.plateauScale = meta.at("plateau_scale").get<double>();
        d.epochsSinceBest = meta.at("epochs_since_best").get<int>();
        d.bestDice = meta.at("best_dice").get<double>();
        d.bestEpoch = meta.at("best_epoch").get<int>();
        const torch::Tensor savedOrder = order.to(torch::kLong).contiguous();
        const auto n = static_cast<std::size_t>(savedOrder.numel());
        if (n != d.split.train.size())
            throw std::invalid_argument("the run state's epoch order does not fit the data");
        d.beginEpoch();
        // The saved epoch's order and the generator after its shuffle (drawn before the save).
        const auto *o = savedOrder.data_ptr<std::int64_t>();
        d.order.assign(o, o + n);
        for (std::int64_t i : d.order)
            if (i < 0 || static_cast<std::size_t>(i) >= n)
                throw std::invalid_argument("the run state's epoch order does not fit the data");
        d.rng.setState(std::stoull(meta.at("rng").get<std::string>()));
    } catch (const nlohmann::json::exception &) {
        throw std::invalid_argument("the run state's settings are incomplete");
    } catch (const c10::Error &) {
        throw std::invalid_argument("the run state is damaged");
    } catch (const std::out_of_range &) {
        throw std::invalid_argument("the run state is damaged");
    }
    d.started = Clock::now() - std::chrono::duration_cast<Clock::duration>(
                                   std::chrono::duration<double>(history.back().elapsedSeconds));
    d.epochStarted = Clock::now();
    return trainer;
}

}  // namespace unetlab
