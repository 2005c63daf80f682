// Looking inside models (MISSION §8): stage capture for every preset, channel statistics
// against hand computations, kernels, worst-case order, N/C and nucleus separation, images
// from files.
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "../RemoveTree.h"
#include "data/SyntheticCells.h"
#include "inspect/Analysis.h"
#include "inspect/ChannelStats.h"
#include "inspect/ImageFile.h"
#include "inspect/Inspect.h"
#include "inspect/Nuclei.h"
#include "inspect/Render.h"
#include "inspect/Sheets.h"
#include "models/Networks.h"

using namespace unetlab;

namespace {

// Synthetic cells at `size`, a handful of them: enough for statistics, cheap to run.
std::shared_ptr<SyntheticCells> cells(int size = 64, std::size_t count = 8) {
    SyntheticOptions o;
    o.size = size;
    o.count = count;
    o.seed = 5;
    return std::make_shared<SyntheticCells>(o);
}

std::shared_ptr<SegmentationModel> model(const std::string &preset) {
    torch::manual_seed(3);
    return buildModel(presetConfig(preset));
}

const Normalisation kNormalisation = {{0.6, 0.55, 0.65}, {0.2, 0.2, 0.2}};

std::vector<std::size_t> allOf(const Dataset &data) {
    std::vector<std::size_t> v(data.size());
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = i;
    return v;
}

// Mask with disks of class `c` (centre x, centre y, radius) on background.
std::vector<std::uint8_t> disks(int w, int h, const std::vector<std::array<double, 3>> &discs, std::uint8_t c = 2) {
    std::vector<std::uint8_t> m(static_cast<std::size_t>(w) * h, 0);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
            for (const auto &d : discs)
                if (std::hypot(x - d[0], y - d[1]) <= d[2]) m[static_cast<std::size_t>(y) * w + x] = c;
    return m;
}

}  // namespace

// ------------------------------------------------------------------------ stage capture

TEST(InspectImage, CapturesEveryNamedStageWithItsShapeForEveryPreset) {
    const Sample sample = cells(64)->get(0);
    for (const std::string &preset : presetNames()) {
        SCOPED_TRACE(preset);
        auto m = model(preset);
        const ModelConfig &config = m->config();
        InspectOptions options;
        options.topK = 4;
        const ImageInspection r = inspectImage(*m, sample, true, kNormalisation, options, "cpu");
        const auto expected = config.stageChannels();
        ASSERT_EQ(r.stages.size(), expected.size());
        for (std::size_t i = 0; i < expected.size(); ++i) {
            const StageMaps &s = r.stages[i];
            EXPECT_EQ(s.name, expected[i].first);
            EXPECT_EQ(s.channels, expected[i].second);
            // U-Net stages at level l run at size / 2^(l-1); the bottleneck one level deeper.
            int side = 64;
            if (config.arch == Architecture::UNet) {
                if (s.name == "bottleneck")
                    side = 64 >> config.levels;
                else if (s.name != "head")
                    side = 64 >> (std::stoi(s.name.substr(3)) - 1);
            }
            EXPECT_EQ(s.height, side) << s.name;
            EXPECT_EQ(s.width, side) << s.name;
            EXPECT_EQ(s.receptiveField, receptiveFieldAt(config, s.name));
            EXPECT_EQ(s.logits, s.name == "head");
            ASSERT_EQ(s.top.size(), static_cast<std::size_t>(std::min(4, s.channels)));
            for (const ActivationMap &map : s.top) {
                EXPECT_EQ(map.values.size(), static_cast<std::size_t>(side) * side);
                EXPECT_LE(map.min, map.max);
            }
            // Best first.
            for (std::size_t t = 1; t < s.top.size(); ++t) EXPECT_GE(s.top[t - 1].score, s.top[t].score);
        }
        EXPECT_EQ(r.prediction.size(), sample.pixelCount());
        EXPECT_EQ(r.scores.dice.size(), 3u);
    }
}

TEST(InspectImage, RestoresTheModelsModeAndLeavesBatchNormStatisticsAlone) {
    auto m = model("small-unet");
    m->train();
    const torch::Tensor before = m->named_buffers()["enc1.bn1.running_mean"].clone();
    InspectOptions options;
    options.stage = "bottleneck";
    const ImageInspection r = inspectImage(*m, cells(64)->get(1), true, kNormalisation, options, "cpu");
    EXPECT_TRUE(m->is_training());
    EXPECT_TRUE(torch::equal(before, m->named_buffers()["enc1.bn1.running_mean"]));
    ASSERT_EQ(r.stages.size(), 1u);
    EXPECT_EQ(r.stages[0].name, "bottleneck");
    m->eval();
    inspectImage(*m, cells(64)->get(1), true, kNormalisation, options, "cpu");
    EXPECT_FALSE(m->is_training());
}

TEST(InspectImage, TheMapsAreTheStagesOwnActivations) {
    auto m = model("minimal");
    m->eval();
    const Sample sample = cells(64)->get(2);
    InspectOptions options;
    options.topK = 2;
    const ImageInspection r = inspectImage(*m, sample, true, kNormalisation, options, "cpu");
    torch::NoGradGuard noGrad;
    torch::Tensor x = torch::from_blob(const_cast<std::uint8_t *>(sample.image.data()), {1, 64, 64, 3}, torch::kUInt8)
                          .permute({0, 3, 1, 2})
                          .to(torch::kFloat)
                          .div(255.0);
    const auto mean = torch::tensor(kNormalisation.mean, torch::kDouble).to(torch::kFloat).view({1, 3, 1, 1});
    const auto std = torch::tensor(kNormalisation.std, torch::kDouble).to(torch::kFloat).view({1, 3, 1, 1});
    const auto stages = m->forwardStages((x - mean) / std);
    const ActivationMap &map = r.stages[1].top[0];  // conv2, the highest-variance channel
    const torch::Tensor expected = stages[1].second[0][map.channel].contiguous();
    EXPECT_EQ(map.channel, spatialVariance(stages[1].second)[0].argmax().item<int>());
    for (int i : {0, 100, 2000, 4095})
        EXPECT_NEAR(map.values[static_cast<std::size_t>(i)], expected.view(-1)[i].item<float>(), 1e-4);
}

TEST(InspectImage, RefusesImagesTheModelCannotTakeWithOneLine) {
    auto m = model("small-unet");
    Sample odd = cells(64)->get(0);
    odd.width = 62;
    odd.height = 62;
    odd.image.resize(62 * 62 * 3);
    odd.mask.resize(62 * 62);
    try {
        inspectImage(*m, odd, true, kNormalisation, {}, "cpu");
        FAIL() << "expected invalid_argument";
    } catch (const std::invalid_argument &e) {
        EXPECT_NE(std::string(e.what()).find("multiples of 4"), std::string::npos) << e.what();
    }
    InspectOptions unknown;
    unknown.stage = "enc9";
    EXPECT_THROW(inspectImage(*m, cells(64)->get(0), true, kNormalisation, unknown, "cpu"), std::invalid_argument);
}

TEST(InspectImage, CorrelationWithoutTruthUsesThePrediction) {
    auto m = model("minimal");
    InspectOptions options;
    options.ranking = ChannelRanking::Correlation;
    options.classIndex = 2;
    const ImageInspection withTruth = inspectImage(*m, cells(64)->get(0), true, kNormalisation, options, "cpu");
    EXPECT_EQ(withTruth.correlationMask, "truth");
    for (const ActivationMap &map : withTruth.stages[0].top) EXPECT_LE(std::abs(map.score), 1.0 + 1e-6);
    const ImageInspection without = inspectImage(*m, cells(64)->get(0), false, kNormalisation, options, "cpu");
    EXPECT_EQ(without.correlationMask, "prediction");
    EXPECT_FALSE(without.hasTruth);
}

// ----------------------------------------------------------------------- channel statistics

TEST(ChannelStats, TopKByVariancePicksTheRightChannels) {
    // Channel c is a checkerboard of amplitude a_c around an offset: its variance is a_c^2.
    const std::vector<float> amplitude = {0.5f, 3.0f, 0.0f, 2.0f, 3.0f, 1.0f};
    torch::Tensor a = torch::empty({1, 6, 8, 8});
    for (int c = 0; c < 6; ++c)
        for (int y = 0; y < 8; ++y)
            for (int x = 0; x < 8; ++x) a[0][c][y][x] = 7.0f * c + ((x + y) % 2 ? amplitude[c] : -amplitude[c]);
    const torch::Tensor v = spatialVariance(a)[0];
    for (int c = 0; c < 6; ++c) EXPECT_NEAR(v[c].item<double>(), amplitude[c] * amplitude[c], 1e-4);
    EXPECT_EQ(topChannels(v, 3, false), (std::vector<int>{1, 4, 3}));  // the tie keeps channel order
    EXPECT_EQ(topChannels(v, 10, false).size(), 6u);
    // Largest |score| first with byAbsolute, NaN last.
    const torch::Tensor s = torch::tensor({0.2, -0.9, std::nan(""), 0.5});
    EXPECT_EQ(topChannels(s, 4, true), (std::vector<int>{1, 3, 0, 2}));
    EXPECT_EQ(topChannels(s, 4, false), (std::vector<int>{3, 0, 1, 2}));
    // Mean |a| (Strategy 1).
    EXPECT_NEAR(meanMagnitude(torch::tensor({-1.0f, 3.0f, -2.0f, 2.0f}).view({1, 1, 2, 2}))[0][0].item<double>(), 2.0,
                1e-6);
}

TEST(ChannelStats, PointBiserialEqualsAHandComputedPearsonCorrelation) {
    torch::manual_seed(11);
    const torch::Tensor a = torch::randn({2, 3, 9, 7}) + torch::arange(3).view({1, 3, 1, 1});
    const torch::Tensor mask = torch::rand({2, 9, 7}).lt(0.3).to(torch::kUInt8);
    const torch::Tensor r = pointBiserial(a, mask);
    ASSERT_EQ(r.sizes(), (std::vector<int64_t>{2, 3}));
    for (int n = 0; n < 2; ++n)
        for (int c = 0; c < 3; ++c) {
            const int P = 63;
            double mx = 0, my = 0;
            for (int i = 0; i < P; ++i) {
                mx += a[n][c].view(-1)[i].item<double>();
                my += mask[n].view(-1)[i].item<double>();
            }
            mx /= P;
            my /= P;
            double sxy = 0, sxx = 0, syy = 0, m1 = 0, m0 = 0;
            int n1 = 0;
            for (int i = 0; i < P; ++i) {
                const double x = a[n][c].view(-1)[i].item<double>(), y = mask[n].view(-1)[i].item<double>();
                sxy += (x - mx) * (y - my);
                sxx += (x - mx) * (x - mx);
                syy += (y - my) * (y - my);
                (y > 0 ? m1 : m0) += x;
                n1 += y > 0;
            }
            const double pearson = sxy / std::sqrt(sxx * syy);
            EXPECT_NEAR(r[n][c].item<double>(), pearson, 1e-5);
            // The textbook point-biserial form gives the same number.
            const double p = static_cast<double>(n1) / P, sd = std::sqrt(sxx / P);
            EXPECT_NEAR(pearson, (m1 / n1 - m0 / (P - n1)) / sd * std::sqrt(p * (1 - p)), 1e-9);
        }
    // Undefined where the mask (or the channel) is constant.
    EXPECT_TRUE(std::isnan(pointBiserial(a, torch::zeros({2, 9, 7}))[0][0].item<double>()));
    EXPECT_TRUE(std::isnan(pointBiserial(torch::ones({2, 3, 9, 7}), mask)[1][2].item<double>()));
}

TEST(ChannelStats, ClassMaskAtAStagesResolutionByMajority) {
    torch::Tensor masks = torch::zeros({1, 4, 4}, torch::kUInt8);
    masks[0][0][0] = 2;
    masks[0][0][1] = 2;
    masks[0][1][0] = 2;  // 3 of 4 pixels of the top-left cell
    masks[0][3][3] = 2;  // 1 of 4 of the bottom-right cell
    const torch::Tensor half = binaryMaskAt(masks, 2, 2, 2);
    EXPECT_TRUE(torch::equal(half, torch::tensor({1.0f, 0.0f, 0.0f, 0.0f}).view({1, 2, 2})));
    EXPECT_EQ(binaryMaskAt(masks, 2, 4, 4).sum().item<int>(), 4);
}

TEST(RankChannels, BothStrategiesSortedAndTheVerdictReadsTheHeadsInput) {
    auto data = cells(64, 6);
    auto m = model("small-unet");
    const RankingReport r = rankChannels(*m, *data, allOf(*data), kNormalisation, 2, "", "cpu");
    EXPECT_EQ(r.images, 6);
    EXPECT_EQ(r.className, "nucleus");
    ASSERT_EQ(r.stages.size(), 5u);  // enc1 enc2 bottleneck dec2 dec1: the head is not ranked
    for (const StageRanking &s : r.stages) {
        ASSERT_EQ(s.byMagnitude.size(), static_cast<std::size_t>(s.channels));
        for (std::size_t i = 1; i < s.byMagnitude.size(); ++i) {
            EXPECT_GE(s.byMagnitude[i - 1].magnitude, s.byMagnitude[i].magnitude);
            if (!std::isnan(s.byCorrelation[i].correlation)) {
                EXPECT_GE(std::abs(s.byCorrelation[i - 1].correlation), std::abs(s.byCorrelation[i].correlation));
            }
        }
    }
    EXPECT_EQ(r.facts.stage, "dec1");
    EXPECT_TRUE(r.facts.headInput);
    EXPECT_EQ(r.verdict, judgeRanking(r.facts));
    EXPECT_FALSE(r.verdictText.empty());

    // Strategy 2 averages the per-image r: check one channel by hand over the images.
    const RankingReport one = rankChannels(*m, *data, allOf(*data), kNormalisation, 2, "enc1", "cpu");
    ASSERT_EQ(one.stages.size(), 1u);
    EXPECT_FALSE(one.facts.headInput);
    const ChannelScore &best = one.stages[0].byCorrelation.front();
    double sum = 0;
    int defined = 0;
    m->eval();
    for (std::size_t i = 0; i < data->size(); ++i) {
        const Sample s = data->get(i);
        InspectOptions options;
        options.stage = "enc1";
        options.ranking = ChannelRanking::Correlation;
        options.topK = 32;
        const ImageInspection r = inspectImage(*m, s, true, kNormalisation, options, "cpu");
        for (const ActivationMap &map : r.stages[0].top)
            if (map.channel == best.channel && !std::isnan(map.score)) {
                sum += map.score;
                ++defined;
            }
    }
    EXPECT_EQ(best.correlationImages, defined);
    EXPECT_NEAR(best.correlation, sum / defined, 1e-4);
}

TEST(Verdict, FollowsMissionSection8) {
    VerdictFacts f;
    f.stage = "dec1";
    f.className = "nucleus";
    f.images = 20;
    f.bestChannel = 3;
    f.bestCorrelation = 0.3;
    f.classDice = 0.5;
    EXPECT_EQ(judgeRanking(f), RankingVerdict::Upstream);
    EXPECT_NE(verdictText(f).find("upstream"), std::string::npos);
    f.bestCorrelation = -0.8;  // an inverted channel is just as useful to the head
    EXPECT_EQ(judgeRanking(f), RankingVerdict::Downstream);
    EXPECT_NE(verdictText(f).find("downstream"), std::string::npos);
    f.classDice = 0.9;
    EXPECT_EQ(judgeRanking(f), RankingVerdict::Healthy);
    f.bestChannel = -1;
    f.bestCorrelation = kUndefined;
    EXPECT_EQ(judgeRanking(f), RankingVerdict::Undecided);
}

// ------------------------------------------------------------------------------- kernels

TEST(Kernels, ShapesAndNamesOfEveryConvolution) {
    auto minimal = model("minimal");
    EXPECT_EQ(convLayerNames(*minimal), (std::vector<std::string>{"conv1", "conv2", "head"}));
    const KernelSet first = learnedKernels(*minimal);
    EXPECT_EQ(first.layer, "conv1");
    EXPECT_TRUE(first.firstLayer);
    EXPECT_EQ((std::vector<int>{first.outChannels, first.inChannels, first.kernelHeight, first.kernelWidth}),
              (std::vector<int>{16, 3, 3, 3}));
    EXPECT_EQ(first.weights.size(), 16u * 27u);
    // The copy is the module's weight, out x in x kh x kw.
    const torch::Tensor w = minimal->named_parameters()["conv1.weight"];
    EXPECT_FLOAT_EQ(first.kernel(5, 2)[4], w[5][2][1][1].item<float>());
    EXPECT_FLOAT_EQ(first.min, w.min().item<float>());
    const KernelSet conv2 = learnedKernels(*minimal, "conv2");
    EXPECT_FALSE(conv2.firstLayer);
    EXPECT_EQ((std::vector<int>{conv2.outChannels, conv2.inChannels}), (std::vector<int>{32, 16}));
    const KernelSet head = learnedKernels(*minimal, "head");
    EXPECT_EQ((std::vector<int>{head.outChannels, head.inChannels, head.kernelHeight}), (std::vector<int>{3, 32, 1}));
    EXPECT_THROW(learnedKernels(*minimal, "conv9"), std::invalid_argument);

    auto small = model("small-unet");
    const KernelSet enc1 = learnedKernels(*small);
    EXPECT_EQ(enc1.layer, "enc1.conv1");
    EXPECT_EQ((std::vector<int>{enc1.outChannels, enc1.inChannels}), (std::vector<int>{32, 3}));
    EXPECT_EQ(enc1.layers.size(), 11u);                               // 5 blocks x 2 convolutions + head
    EXPECT_EQ(learnedKernels(*small, "dec2.conv1").inChannels, 192);  // 128 upsampled + 64 skipped

    // Transposed convolutions come out as out x in too.
    ModelConfig c = presetConfig("unet");
    c.base = 8;
    auto unet = buildModel(c);
    const KernelSet up = learnedKernels(*unet, "up4");
    EXPECT_TRUE(up.transposed);
    EXPECT_EQ((std::vector<int>{up.outChannels, up.inChannels, up.kernelHeight}), (std::vector<int>{64, 128, 2}));
}

// ------------------------------------------------------------------ worst cases and N/C

TEST(WorstCases, LowestDiceFirstAndUndefinedLeftOut) {
    std::vector<ImageScores> images(5);
    const double mean[] = {0.8, 0.4, kUndefined, 0.6, 0.4};
    const double nucleus[] = {0.1, 0.9, 0.5, kUndefined, 0.3};
    for (int i = 0; i < 5; ++i) {
        images[i].diceMean = mean[i];
        images[i].dice = {1, 1, nucleus[i]};
    }
    EXPECT_EQ(worstCaseOrder(images, 3, -1), (std::vector<std::size_t>{1, 4, 3}));  // tie keeps order
    EXPECT_EQ(worstCaseOrder(images, 10, 2), (std::vector<std::size_t>{0, 4, 2, 1}));

    // End to end: the worst cases of a split are its lowest per-image Dice, in order.
    auto data = cells(64, 10);
    auto m = model("minimal");
    ReviewOptions options;
    options.worstCount = 4;
    const SplitReview r = reviewSplit(*m, *data, allOf(*data), kNormalisation, options, "cpu");
    ASSERT_EQ(r.metrics.perImage.size(), 10u);
    ASSERT_EQ(r.worst.size(), 4u);
    std::vector<double> all;
    for (const auto &s : r.metrics.perImage)
        if (!std::isnan(s.diceMean)) all.push_back(s.diceMean);
    std::sort(all.begin(), all.end());
    for (std::size_t i = 0; i < 4; ++i) {
        EXPECT_DOUBLE_EQ(r.worst[i].rankingDice, all[i]);
        EXPECT_EQ(r.worst[i].sample.id, data->get(r.worst[i].index).id);
        EXPECT_EQ(r.worst[i].prediction.size(), r.worst[i].sample.pixelCount());
    }
    ASSERT_EQ(r.nc.size(), 10u);
    EXPECT_EQ(r.nc[3].index, 3u);
}

// The captions of `inspect`'s worst-cases.png: no wrong-class count where there is one class
// besides the background, the outline offset where moving the prediction matches better,
// and the overlay colours of the data's own classes.
TEST(WorstCases, TheSheetsCaptionsFollowTheDatasClasses) {
    CaseView v;
    v.sample.width = v.sample.height = 4;
    v.sample.channels = 1;
    v.sample.image.assign(16, 0);
    v.sample.mask = {0, 1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    v.prediction = {1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
    SplitReview r;
    r.classNames = {"background", "cytoplasm", "nucleus"};
    const auto caption = [&] {
        const int c = r.options.classIndex;
        return worstCaseErrorCaption(r, v, errorMap(v.sample.mask.data(), v.prediction.data(), 16, c));
    };
    // Class 2 predicted where the truth is background counts as a false positive.
    EXPECT_EQ(caption(), "errors: 2 FP, 2 FN, 0 wrong class");
    EXPECT_EQ(overlayLegend(r.classNames), "overlays: cytoplasm green, nucleus magenta");
    r.classNames = {"background", "nucleus"};
    v.prediction.back() = 0;
    v.scores.outline = {{true, -2, 0.9}, {true, 2, 0.9}};
    EXPECT_EQ(caption(), "errors: 1 FP, 2 FN, outline +2 px");
    EXPECT_EQ(overlayLegend(r.classNames), "overlays: nucleus green");
    v.scores.outline[1].pixels = 0;
    EXPECT_EQ(caption(), "errors: 1 FP, 2 FN");
    r.options.classIndex = 0;  // ranked by the background's Dice: no outline shown
    v.scores.outline[1].pixels = -1;
    EXPECT_EQ(caption().find("outline"), std::string::npos);
    r.options.classIndex = 1;
    EXPECT_EQ(caption(), "errors: 1 FP, 2 FN, outline -1 px");
}

// Two classes, "background" and NAME, like the nuclei sample: image i has i + 1 separate
// 6 x 6 squares of class 1 (and the image is bright there).
class SquaresData final : public Dataset {
public:
    explicit SquaresData(std::string name) : m_name(std::move(name)) {}
    std::string name() const override { return "squares"; }
    std::size_t size() const override { return 3; }
    Sample get(std::size_t i) const override {
        Sample s;
        s.id = "squares-" + std::to_string(i);
        s.width = s.height = 32;
        s.channels = 1;
        s.image.assign(s.pixelCount(), 30);
        s.mask.assign(s.pixelCount(), 0);
        for (std::size_t k = 0; k <= i; ++k)
            for (int y = 4; y < 10; ++y)
                for (int x = 2 + 10 * static_cast<int>(k); x < 8 + 10 * static_cast<int>(k); ++x) {
                    s.mask[static_cast<std::size_t>(y * 32 + x)] = 1;
                    s.image[static_cast<std::size_t>(y * 32 + x)] = 200;
                }
        return s;
    }
    int width() const override { return 32; }
    int height() const override { return 32; }
    int inChannels() const override { return 1; }
    std::vector<std::string> classNames() const override { return {"background", m_name}; }

private:
    std::string m_name;
};

TEST(NcRatio, NucleiAreCountedWithoutACytoplasmClassAndNotWithoutANucleusClass) {
    EXPECT_EQ(separationFor({"background", "nucleus"}).nucleusClass, 1);
    EXPECT_EQ(separationFor({"background", "nucleus"}).cytoplasmClass, -1);
    EXPECT_EQ(separationFor({"background", "cytoplasm", "nucleus"}).nucleusClass, 2);
    EXPECT_EQ(separationFor({"background", "cytoplasm", "nucleus"}).cytoplasmClass, 1);
    EXPECT_EQ(separationFor({"background", "cell"}).nucleusClass, -1);

    ModelConfig config = presetConfig("minimal");
    config.inChannels = 1;
    config.numClasses = 2;
    torch::manual_seed(3);
    auto m = buildModel(config);
    const Normalisation grey = {{0.5}, {0.25}};

    // The nuclei sample's classes: 1, 2 and 3 nuclei in the truth, none of N/C.
    const SquaresData nuclei("nucleus");
    const SplitReview r = reviewSplit(*m, nuclei, allOf(nuclei), grey, ReviewOptions{}, "cpu");
    ASSERT_EQ(r.nc.size(), 3u);
    int predicted = 0;
    for (std::size_t i = 0; i < 3; ++i) {
        EXPECT_EQ(r.nc[i].nucleiTrue, static_cast<int>(i) + 1);
        EXPECT_GE(r.nc[i].nucleiPred, 0);
        EXPECT_TRUE(std::isnan(r.nc[i].ncTrue));
        predicted += r.nc[i].nucleiPred;
    }
    EXPECT_EQ(r.nucleiTrue, 6);
    EXPECT_EQ(r.nucleiPred, predicted);
    EXPECT_EQ(r.ncImages, 0);
    EXPECT_NE(ncCsv(r).find("\n0,squares-0,,,,1,"), std::string::npos) << ncCsv(r);

    // No class named nucleus: nothing is counted, and the CSV leaves the counts empty.
    const SquaresData cellsOnly("cell");
    const SplitReview none = reviewSplit(*m, cellsOnly, allOf(cellsOnly), grey, ReviewOptions{}, "cpu");
    EXPECT_EQ(none.nucleiTrue, -1);
    EXPECT_EQ(none.nc[2].nucleiTrue, -1);
    EXPECT_NE(ncCsv(none).find("\n2,squares-2,,,,,\n"), std::string::npos) << ncCsv(none);
}

TEST(ErrorMap, FalsePositivesAndNegativesPerClassOrOverall) {
    const std::uint8_t truth[] = {0, 2, 2, 1, 0, 1};
    const std::uint8_t pred[] = {2, 2, 0, 2, 0, 0};
    EXPECT_EQ(errorMap(truth, pred, 6, 2), (std::vector<std::uint8_t>{kFalsePositive, kPixelCorrect, kFalseNegative,
                                                                      kFalsePositive, kPixelCorrect, kPixelCorrect}));
    const auto all = errorMap(truth, pred, 6, -1);
    EXPECT_EQ(all, (std::vector<std::uint8_t>{kFalsePositive, kPixelCorrect, kFalseNegative, kWrongClass, kPixelCorrect,
                                              kFalseNegative}));
    const ErrorCounts n = countErrors(all);
    EXPECT_EQ(n.falsePositives, 1);
    EXPECT_EQ(n.falseNegatives, 2);
    EXPECT_EQ(n.wrongClass, 1);
}

TEST(NcRatio, ReadOffAConstructedMaskPerImageAndPerCell) {
    // Two touching square cells, each 20 x 20 cytoplasm with a 10 x 10 nucleus inside.
    const int w = 60, h = 30;
    std::vector<std::uint8_t> mask(w * h, 0);
    for (int y = 5; y < 25; ++y)
        for (int x = 5; x < 45; ++x) mask[y * w + x] = 1;
    for (int y = 10; y < 20; ++y)
        for (int x : {10, 30})
            for (int dx = 0; dx < 10; ++dx) mask[y * w + x + dx] = 2;
    EXPECT_DOUBLE_EQ(ncRatio(mask.data(), mask.size(), 2, 1), 200.0 / 600.0);
    const InstanceSeparation s =
        separateNuclei(mask.data(), w, h, separationFor({"background", "cytoplasm", "nucleus"}));
    ASSERT_EQ(s.count(), 2);
    for (const CellInstance &c : s.instances) {
        EXPECT_EQ(c.nucleusPixels, 100);
        EXPECT_EQ(c.cytoplasmPixels, 300);  // each nucleus gets its own half of the joined cytoplasm
        EXPECT_DOUBLE_EQ(c.nc, 1.0 / 3.0);
        EXPECT_FALSE(c.nucleusOutline.empty());
        EXPECT_FALSE(c.cellOutline.empty());
    }
    EXPECT_NEAR(s.instances[0].centreX + s.instances[1].centreX, 14.5 + 34.5, 1e-9);
    // No cytoplasm: the ratio is undefined.
    const std::uint8_t onlyNucleus[] = {2, 2, 0, 0};
    EXPECT_TRUE(std::isnan(ncRatio(onlyNucleus, 4, 2, 1)));
}

TEST(Nuclei, WatershedSeparatesTwoTouchingDisks) {
    const int w = 100, h = 70;
    const auto touching = disks(w, h, {{{35, 35, 16}}, {{62, 35, 16}}});  // overlapping by 5 px
    const InstanceSeparation s =
        separateNuclei(touching.data(), w, h, separationFor({"background", "cytoplasm", "nucleus"}));
    EXPECT_EQ(s.components, 1);
    ASSERT_EQ(s.count(), 2);
    EXPECT_NEAR(s.instances[0].nucleusPixels, s.instances[1].nucleusPixels, 0.1 * s.instances[0].nucleusPixels);
    const std::int64_t total = std::count(touching.begin(), touching.end(), 2);
    EXPECT_EQ(s.instances[0].nucleusPixels + s.instances[1].nucleusPixels, total);  // every nucleus pixel counted
    EXPECT_LT(std::min(s.instances[0].centreX, s.instances[1].centreX), 45);
    EXPECT_GT(std::max(s.instances[0].centreX, s.instances[1].centreX), 52);

    // One disk stays one nucleus; a speck is not a nucleus.
    auto single = disks(w, h, {{{50, 35, 20}}, {{90, 60, 1.5}}});
    EXPECT_EQ(separateNuclei(single.data(), w, h, separationFor({"background", "cytoplasm", "nucleus"})).count(), 1);
    const auto apart = disks(w, h, {{{20, 35, 12}}, {{75, 35, 12}}});
    EXPECT_EQ(separateNuclei(apart.data(), w, h, separationFor({"background", "cytoplasm", "nucleus"})).components, 2);
    EXPECT_EQ(separateNuclei(apart.data(), w, h, separationFor({"background", "cytoplasm", "nucleus"})).count(), 2);
}

// --------------------------------------------------------------------- images from files

TEST(ImageFile, ReadsPngAndFitsToTheModelsFactor) {
    const auto dir = std::filesystem::temp_directory_path() / ("unetlab-inspect-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    RgbImage picture{10, 6, {}};
    for (int i = 0; i < 60; ++i) picture.pixels.insert(picture.pixels.end(), {std::uint8_t(i), 7, 200});
    const std::string path = (dir / "cell.png").string();
    writePng(path, picture);
    const Sample s = readImageFile(path);
    EXPECT_EQ(s.id, "cell");
    EXPECT_EQ(s.width, 10);
    EXPECT_EQ(s.height, 6);
    EXPECT_EQ(s.channels, 3);
    EXPECT_EQ(s.image, picture.pixels);  // RGB order kept through OpenCV's BGR

    const FittedSample padded = fitToMultiple(s, 4, FitMode::Pad);
    EXPECT_TRUE(padded.changed);
    EXPECT_EQ(padded.sample.width, 12);
    EXPECT_EQ(padded.sample.height, 8);
    EXPECT_NE(padded.note.find("centre-padded from 10x6 to 12x8"), std::string::npos) << padded.note;
    // Centred: one column left, one row on top; the first original pixel lands at (1, 1).
    EXPECT_EQ(padded.sample.image[(1 * 12 + 1) * 3], 0);
    EXPECT_EQ(padded.sample.image[(1 * 12 + 2) * 3], 1);
    const FittedSample scaled = fitToMultiple(s, 4, FitMode::Resize);
    EXPECT_EQ(scaled.sample.width, 12);
    EXPECT_EQ(scaled.sample.height, 8);
    EXPECT_NE(scaled.note.find("resized"), std::string::npos);
    EXPECT_FALSE(fitToMultiple(padded.sample, 4, FitMode::Pad).changed);

    std::ofstream(dir / "text.png") << "not an image";
    try {
        readImageFile((dir / "text.png").string());
        FAIL() << "expected an error";
    } catch (const std::runtime_error &e) {
        // Named, and recognised as text by its content rather than its name.
        EXPECT_EQ(std::string(e.what()),
                  "cannot read image '" + (dir / "text.png").string() + "': it is a text file, not an image");
    }
    EXPECT_THROW(readImageFile((dir / "missing.png").string()), std::runtime_error);
    unetlab::testing::removeTree(dir);
}
