#include "inspect/Inspect.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <stdexcept>

#include <torch/torch.h>

#include "inspect/ChannelStats.h"
#include "inspect/Nuclei.h"
#include "models/Networks.h"
#include "train/Autocast.h"
#include "train/Batch.h"

namespace unetlab {
namespace nn = torch::nn;

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

void checkClass(int classIndex, const ModelConfig &config) {
    if (classIndex < 0 || classIndex >= config.numClasses)
        throw std::invalid_argument("class " + std::to_string(classIndex) + " is not one of the model's " +
                                    std::to_string(config.numClasses) + " classes");
}

void checkImageFits(const ModelConfig &config, int width, int height, int channels, const std::string &what) {
    if (channels != config.inChannels)
        throw std::invalid_argument(what + " has " + std::to_string(channels) + " channel(s), the model expects " +
                                    std::to_string(config.inChannels));
    const int factor = config.downsamplingFactor();
    if (width % factor || height % factor)
        throw std::invalid_argument(what + " is " + std::to_string(width) + "x" + std::to_string(height) +
                                    "; this model needs sides that are multiples of " + std::to_string(factor) +
                                    " (pad or resize it first)");
}

void checkData(const ModelConfig &config, const Dataset &data, const std::vector<std::size_t> &indices) {
    if (indices.empty()) throw std::invalid_argument("no images to look at");
    if (data.numClasses() != config.numClasses)
        throw std::invalid_argument("the data has " + std::to_string(data.numClasses()) + " classes, the model " +
                                    std::to_string(config.numClasses));
    checkImageFits(config, data.width(), data.height(), data.inChannels(), "the data's images");
    for (std::size_t i : indices)
        if (i >= data.size())
            throw std::invalid_argument("image " + std::to_string(i) + " is not in the data (" +
                                        std::to_string(data.size()) + " images)");
}

std::string stageList(const StageActivations &stages) {
    std::string s;
    for (const auto &stage : stages) s += (s.empty() ? "" : ", ") + stage.first;
    return s;
}

void checkStage(const std::string &stage, const StageActivations &stages) {
    if (stage.empty()) return;
    for (const auto &s : stages)
        if (s.first == stage) return;
    throw std::invalid_argument("no stage named '" + stage + "' (stages: " + stageList(stages) + ")");
}

// Every convolution's weights in forward (registration) order.
struct ConvWeights {
    std::string name;
    torch::Tensor weight;  // out x in x kh x kw
    bool transposed = false;
};
std::vector<ConvWeights> convWeights(SegmentationModel &model) {
    std::vector<ConvWeights> out;
    for (const auto &item : model.named_modules("", /*include_self=*/false)) {
        if (auto *conv = item.value()->as<nn::Conv2d>())
            out.push_back({item.key(), conv->weight, false});
        else if (auto *up = item.value()->as<nn::ConvTranspose2d>())
            out.push_back({item.key(), up->weight.transpose(0, 1), true});  // stored in x out x kh x kw
    }
    return out;
}

std::vector<ChannelScore> sortedBy(std::vector<ChannelScore> scores, bool byCorrelation) {
    std::stable_sort(scores.begin(), scores.end(), [&](const ChannelScore &a, const ChannelScore &b) {
        const double x = byCorrelation ? std::abs(a.correlation) : a.magnitude;
        const double y = byCorrelation ? std::abs(b.correlation) : b.magnitude;
        if (std::isnan(x) || std::isnan(y)) return !std::isnan(x) && std::isnan(y);
        return x > y;
    });
    return scores;
}

std::vector<Sample> samplesOf(const Dataset &data, const std::vector<std::size_t> &indices, std::size_t from,
                              std::size_t count) {
    std::vector<Sample> batch;
    for (std::size_t i = from; i < std::min(indices.size(), from + count); ++i) batch.push_back(data.get(indices[i]));
    return batch;
}

}  // namespace

// ------------------------------------------------------------------ one image, every stage

ImageInspection inspectImage(SegmentationModel &model, const Sample &sample, bool hasTruth,
                             const Normalisation &normalisation, const InspectOptions &options,
                             const std::string &device) {
    const auto t0 = Clock::now();
    const ModelConfig &config = model.config();
    checkImageFits(config, sample.width, sample.height, sample.channels, "image '" + sample.id + "'");
    if (sample.image.size() != sample.pixelCount() * sample.channels)
        throw std::invalid_argument("image '" + sample.id + "' holds fewer bytes than its size says");
    if (hasTruth && sample.mask.size() != sample.pixelCount())
        throw std::invalid_argument("image '" + sample.id + "' has no mask of its size");
    if (options.topK < 1) throw std::invalid_argument("top-k must be at least 1");
    if (options.ranking == ChannelRanking::Correlation) checkClass(options.classIndex, config);

    const torch::Device dev(device);
    model.to(dev);
    EvalModeGuard evalMode(model);
    torch::InferenceMode inference;

    ImageInspection out;
    out.sample = sample;
    out.hasTruth = hasTruth;
    out.options = options;
    out.model = config.describe();
    const std::vector<Sample> batch{sample};
    StageActivations stages;
    {
        AutocastScope autocast(options.precision, dev);
        stages = model.forwardStages(prepareInput(stackImages(batch), dev, /*channelsLast=*/true, normalisation));
    }
    if (options.precision != Precision::FP32)
        for (auto &stage : stages) stage.second = stage.second.to(torch::kFloat);
    checkStage(options.stage, stages);
    const torch::Tensor predicted = stages.back().second.argmax(1);  // 1 x H x W
    const torch::Tensor predictedCpu = predicted.to(torch::kCPU, torch::kUInt8).contiguous();
    out.prediction.assign(predictedCpu.data_ptr<std::uint8_t>(),
                          predictedCpu.data_ptr<std::uint8_t>() + predictedCpu.numel());

    torch::Tensor correlationMask;
    if (options.ranking == ChannelRanking::Correlation) {
        correlationMask = hasTruth ? stackMasks(batch).to(dev) : predicted;
        out.correlationMask = hasTruth ? "truth" : "prediction";
    }
    for (const auto &[name, activation] : stages) {
        if (!options.stage.empty() && name != options.stage) continue;
        StageMaps stage;
        stage.name = name;
        stage.channels = static_cast<int>(activation.size(1));
        stage.height = static_cast<int>(activation.size(2));
        stage.width = static_cast<int>(activation.size(3));
        stage.receptiveField = receptiveFieldAt(config, name);
        stage.logits = name == "head";
        torch::Tensor scores;
        switch (options.ranking) {
            case ChannelRanking::Variance:
                scores = spatialVariance(activation)[0];
                break;
            case ChannelRanking::Magnitude:
                scores = meanMagnitude(activation)[0];
                break;
            case ChannelRanking::Correlation:
                scores = pointBiserial(activation,
                                       binaryMaskAt(correlationMask, options.classIndex, stage.height, stage.width))[0];
                break;
        }
        const std::vector<int> top = topChannels(scores, options.topK, options.ranking == ChannelRanking::Correlation);
        const torch::Tensor index = torch::tensor(std::vector<std::int64_t>(top.begin(), top.end()), torch::kLong);
        // Only the k chosen maps leave the device.
        const torch::Tensor maps =
            activation[0].index_select(0, index.to(dev)).to(torch::kCPU, torch::kFloat).contiguous();
        const torch::Tensor scoresCpu = scores.to(torch::kCPU, torch::kDouble).contiguous();
        const std::size_t plane = static_cast<std::size_t>(stage.height) * stage.width;
        for (std::size_t i = 0; i < top.size(); ++i) {
            ActivationMap map;
            map.channel = top[i];
            map.width = stage.width;
            map.height = stage.height;
            const float *values = maps.data_ptr<float>() + i * plane;
            map.values.assign(values, values + plane);
            const auto [lo, hi] = std::minmax_element(map.values.begin(), map.values.end());
            map.min = *lo;
            map.max = *hi;
            map.score = scoresCpu.data_ptr<double>()[top[i]];
            stage.top.push_back(std::move(map));
        }
        out.stages.push_back(std::move(stage));
    }
    if (hasTruth) {
        MetricsAccumulator metrics(config.numClasses);
        out.scores = metrics.addImage(sample.id, sample.mask.data(), out.prediction.data(), sample.pixelCount());
    }
    out.seconds = secondsSince(t0);
    return out;
}

// ------------------------------------------------------------------------------- kernels

std::vector<std::string> convLayerNames(SegmentationModel &model) {
    std::vector<std::string> names;
    for (const auto &c : convWeights(model)) names.push_back(c.name);
    return names;
}

KernelSet learnedKernels(SegmentationModel &model, const std::string &layer) {
    const std::vector<ConvWeights> convs = convWeights(model);
    if (convs.empty()) throw std::invalid_argument("the model has no convolution");
    auto it = convs.begin();
    if (!layer.empty()) {
        it = std::find_if(convs.begin(), convs.end(), [&](const ConvWeights &c) { return c.name == layer; });
        if (it == convs.end()) {
            std::string known;
            for (const auto &c : convs) known += (known.empty() ? "" : ", ") + c.name;
            throw std::invalid_argument("no convolution named '" + layer + "' (layers: " + known + ")");
        }
    }
    torch::NoGradGuard noGrad;
    const torch::Tensor w = it->weight.detach().to(torch::kCPU, torch::kFloat).contiguous();
    KernelSet k;
    k.layer = it->name;
    k.outChannels = static_cast<int>(w.size(0));
    k.inChannels = static_cast<int>(w.size(1));
    k.kernelHeight = static_cast<int>(w.size(2));
    k.kernelWidth = static_cast<int>(w.size(3));
    k.weights.assign(w.data_ptr<float>(), w.data_ptr<float>() + w.numel());
    const auto [lo, hi] = std::minmax_element(k.weights.begin(), k.weights.end());
    k.min = *lo;
    k.max = *hi;
    k.firstLayer = it == convs.begin();
    k.transposed = it->transposed;
    for (const auto &c : convs) k.layers.push_back(c.name);
    return k;
}

// ------------------------------------------------------------ channel ranking over a split

RankingReport rankChannels(SegmentationModel &model, const Dataset &data, const std::vector<std::size_t> &indices,
                           const Normalisation &normalisation, int classIndex, const std::string &stage,
                           const std::string &device, int batchSize) {
    const auto t0 = Clock::now();
    const ModelConfig &config = model.config();
    checkData(config, data, indices);
    checkClass(classIndex, config);
    const torch::Device dev(device);
    model.to(dev);
    EvalModeGuard evalMode(model);
    torch::InferenceMode inference;

    struct Sums {
        std::string name;
        int channels = 0, height = 0, width = 0;
        torch::Tensor variance, magnitude, correlation, defined;  // C each
    };
    std::vector<Sums> sums;
    MetricsAccumulator metrics(config.numClasses, cellClassesOf(data.classNames()));
    const std::size_t step = static_cast<std::size_t>(std::max(1, batchSize));
    for (std::size_t from = 0; from < indices.size(); from += step) {
        const std::vector<Sample> batch = samplesOf(data, indices, from, step);
        const torch::Tensor masks = stackMasks(batch).to(dev);
        const StageActivations stages =
            model.forwardStages(prepareInput(stackImages(batch), dev, /*channelsLast=*/true, normalisation));
        checkStage(stage, stages);
        const torch::Tensor predicted = stages.back().second.argmax(1).to(torch::kCPU, torch::kUInt8).contiguous();
        for (std::size_t i = 0; i < batch.size(); ++i)
            metrics.addImage(batch[i].id, batch[i].mask.data(),
                             predicted.data_ptr<std::uint8_t>() + i * batch[i].pixelCount(), batch[i].pixelCount());
        std::size_t slot = 0;
        for (const auto &[name, a] : stages) {
            // The head's logits are the answer, not a feature: ranked only when asked for by name.
            if (stage.empty() ? name == "head" : name != stage) continue;
            if (slot == sums.size())
                sums.push_back({name, static_cast<int>(a.size(1)), static_cast<int>(a.size(2)),
                                static_cast<int>(a.size(3)), torch::zeros({a.size(1)}, torch::kDouble),
                                torch::zeros({a.size(1)}, torch::kDouble), torch::zeros({a.size(1)}, torch::kDouble),
                                torch::zeros({a.size(1)}, torch::kDouble)});
            Sums &s = sums[slot++];
            const torch::Tensor r = pointBiserial(a, binaryMaskAt(masks, classIndex, a.size(2), a.size(3)));
            const torch::Tensor defined = r.isfinite();
            s.variance += spatialVariance(a).sum(0).to(torch::kCPU, torch::kDouble);
            s.magnitude += meanMagnitude(a).sum(0).to(torch::kCPU, torch::kDouble);
            s.correlation += torch::where(defined, r, torch::zeros_like(r)).sum(0).to(torch::kCPU, torch::kDouble);
            s.defined += defined.sum(0).to(torch::kCPU, torch::kDouble);
        }
    }

    RankingReport report;
    report.classIndex = classIndex;
    report.className = data.classNames()[static_cast<std::size_t>(classIndex)];
    report.images = static_cast<int>(indices.size());
    const double images = static_cast<double>(indices.size());
    for (const Sums &s : sums) {
        std::vector<ChannelScore> scores;
        for (int c = 0; c < s.channels; ++c) {
            ChannelScore score;
            score.channel = c;
            score.variance = s.variance[c].item<double>() / images;
            score.magnitude = s.magnitude[c].item<double>() / images;
            score.correlationImages = static_cast<int>(s.defined[c].item<double>());
            score.correlation =
                score.correlationImages > 0 ? s.correlation[c].item<double>() / score.correlationImages : kUndefined;
            scores.push_back(score);
        }
        report.stages.push_back(
            {s.name, s.channels, s.height, s.width, sortedBy(scores, false), sortedBy(scores, true)});
    }
    const SplitMetrics m = metrics.finish();
    report.classDice = m.dice[static_cast<std::size_t>(classIndex)];

    // The verdict reads the stage that feeds the head (the last one before it), unless one was asked for.
    const std::vector<std::pair<std::string, int>> named = config.stageChannels();  // ..., head
    const std::string headInput = named[named.size() - 2].first;
    const StageRanking &read = report.stages.back();
    VerdictFacts &f = report.facts;
    f.stage = read.name;
    f.className = report.className;
    f.images = report.images;
    f.classDice = report.classDice;
    f.headInput = read.name == headInput;
    if (!read.byCorrelation.empty() && !std::isnan(read.byCorrelation.front().correlation)) {
        f.bestChannel = read.byCorrelation.front().channel;
        f.bestCorrelation = read.byCorrelation.front().correlation;
    }
    report.verdict = judgeRanking(f);
    report.verdictText = verdictText(f);
    report.seconds = secondsSince(t0);
    return report;
}

// -------------------------------------------------------- worst cases and N/C over a split

SplitReview reviewSplit(SegmentationModel &model, const Dataset &data, const std::vector<std::size_t> &indices,
                        const Normalisation &normalisation, const ReviewOptions &options, const std::string &device,
                        int batchSize) {
    const auto t0 = Clock::now();
    const ModelConfig &config = model.config();
    checkData(config, data, indices);
    if (options.classIndex >= 0) checkClass(options.classIndex, config);
    // The data's nucleus and cytoplasm classes, by name: nuclei are counted where there is a
    // nucleus class, N/C needs a cytoplasm class too.
    const CellClasses cells = cellClassesOf(data.classNames());
    const bool counts = cells.nucleus >= 0;
    const bool nc = counts && cells.cytoplasm >= 0;
    const torch::Device dev(device);
    model.to(dev);
    torch::InferenceMode inference;
    // BatchEvaluator keeps eval mode for each batch and restores the previous mode.
    BatchEvaluator evaluator(model, dev, /*channelsLast=*/true, normalisation, LossConfig{}, cells);
    const SeparationOptions separation = separationFor(data.classNames());

    SplitReview review;
    review.classNames = data.classNames();
    review.options = options;
    std::vector<std::vector<std::uint8_t>> predictions;
    const std::size_t step = static_cast<std::size_t>(std::max(1, batchSize));
    for (std::size_t from = 0; from < indices.size(); from += step) {
        const std::vector<Sample> batch = samplesOf(data, indices, from, step);
        const torch::Tensor predicted = evaluator.add(batch);
        for (std::size_t i = 0; i < batch.size(); ++i) {
            const Sample &s = batch[i];
            const std::uint8_t *p = predicted.data_ptr<std::uint8_t>() + i * s.pixelCount();
            predictions.emplace_back(p, p + s.pixelCount());
            NcRow row;
            row.index = indices[from + i];
            row.id = s.id;
            if (nc) {
                row.ncTrue = ncRatio(s.mask.data(), s.pixelCount(), cells.nucleus, cells.cytoplasm);
                row.ncPred = ncRatio(p, s.pixelCount(), cells.nucleus, cells.cytoplasm);
                if (!std::isnan(row.ncTrue) && !std::isnan(row.ncPred))
                    row.absError = std::abs(row.ncPred - row.ncTrue);
            }
            if (counts) {
                row.nucleiTrue = separateNuclei(s.mask.data(), s.width, s.height, separation).count();
                row.nucleiPred = separateNuclei(p, s.width, s.height, separation).count();
                review.nucleiTrue = std::max(review.nucleiTrue, 0) + row.nucleiTrue;
                review.nucleiPred = std::max(review.nucleiPred, 0) + row.nucleiPred;
            }
            review.nc.push_back(std::move(row));
        }
    }
    review.metrics = evaluator.metrics();
    double errorSum = 0;
    for (const NcRow &row : review.nc)
        if (!std::isnan(row.absError)) {
            errorSum += row.absError;
            ++review.ncImages;
        }
    if (review.ncImages > 0) review.ncMeanAbsError = errorSum / review.ncImages;

    const auto &perImage = review.metrics.perImage;
    for (std::size_t pos :
         worstCaseOrder(perImage, static_cast<std::size_t>(std::max(0, options.worstCount)), options.classIndex)) {
        CaseView c;
        c.index = indices[pos];
        c.sample = data.get(indices[pos]);
        c.prediction = std::move(predictions[pos]);
        c.scores = perImage[pos];
        c.rankingDice = rankingDice(perImage[pos], options.classIndex);
        review.worst.push_back(std::move(c));
    }
    review.seconds = secondsSince(t0);
    return review;
}

}  // namespace unetlab
