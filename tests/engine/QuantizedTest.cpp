// int8 inference (QuantizedUNet): the uint8 upsampling kernel against LibTorch's bilinear
// interpolation, the folded fp32 network against the model, and the int8 network's class maps
// against fp32 on a trained model.
#include <cmath>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "data/SyntheticCells.h"
#include "models/Networks.h"
#include "models/QuantizedUNet.h"
#include "train/Evaluate.h"
#include "train/SlidingWindow.h"
#include "train/Trainer.h"

using namespace unetlab;

namespace {

bool quantizedAvailable() { return !int8UnsupportedReason(presetConfig("small-unet")).has_value(); }

// A model with non-trivial BatchNorm statistics (a few training-mode passes), in eval mode.
std::shared_ptr<SegmentationModel> modelWithStatistics(ModelConfig config, const torch::Tensor &x) {
    torch::manual_seed(3);
    auto model = buildModel(config);
    model->train();
    {
        torch::NoGradGuard noGrad;
        for (int i = 0; i < 3; ++i) model->forward(x);
        // Move BatchNorm's affine parameters off their defaults so the folding is exercised.
        for (auto &p : model->named_parameters(true))
            if (p.key().find(".bn") != std::string::npos) p.value().copy_(torch::rand_like(p.value()) + 0.5);
    }
    model->eval();
    return model;
}

}  // namespace

TEST(Int8, UnsupportedModelsSayWhy) {
    EXPECT_NE(int8UnsupportedReason(presetConfig("minimal")), std::nullopt);
    ModelConfig transposed = presetConfig("small-unet");
    transposed.upsampling = Upsampling::Transposed;
    ASSERT_TRUE(int8UnsupportedReason(transposed).has_value());
    EXPECT_NE(int8UnsupportedReason(transposed)->find("bilinear"), std::string::npos);
    ModelConfig gelu = presetConfig("small-unet");
    gelu.activation = Activation::GELU;
    EXPECT_NE(int8UnsupportedReason(gelu)->find("ReLU"), std::string::npos);
    auto minimal = buildModel(presetConfig("minimal"));
    EXPECT_THROW(QuantizedUNet(*minimal, torch::rand({1, 3, 32, 32})), std::invalid_argument);
}

TEST(Int8, UpsampleConcatMatchesLibTorchBilinearWithinOneStep) {
    if (!quantizedAvailable()) GTEST_SKIP() << "no quantized engine";
    torch::manual_seed(1);
    for (const auto &[h, w] : std::vector<std::pair<int, int>>{{5, 7}, {1, 1}, {16, 16}}) {
        const torch::Tensor lowF = torch::rand({2, 6, h, w}) * 3;
        const torch::Tensor skipF = torch::rand({2, 4, 2 * h, 2 * w}) * 5;
        const torch::Tensor low = at::quantize_per_tensor(lowF, 3.0 / 255, 0, torch::kQUInt8);
        const torch::Tensor skip = at::quantize_per_tensor(skipF, 5.0 / 255, 0, torch::kQUInt8);
        const double outScale = 5.0 / 255;
        const torch::Tensor out = upsampleConcatQuantized(low, skip, 2 * h, 2 * w, outScale);
        ASSERT_EQ(out.sizes(), torch::IntArrayRef({2, 10, 2 * h, 2 * w}));
        EXPECT_DOUBLE_EQ(out.q_scale(), outScale);
        const torch::Tensor ref =
            torch::cat({at::upsample_bilinear2d(low.dequantize(), {2 * h, 2 * w}, false), skip.dequantize()}, 1);
        const double maxError = (out.dequantize() - ref).abs().max().item<double>();
        EXPECT_LE(maxError, outScale * 0.5 + 1e-6) << h << "x" << w;  // rounding only
        // Without the skip: upsampling alone, at the input's own scale.
        const torch::Tensor alone = upsampleConcatQuantized(low, torch::Tensor(), 2 * h, 2 * w, low.q_scale());
        const torch::Tensor refAlone = at::upsample_bilinear2d(low.dequantize(), {2 * h, 2 * w}, false);
        EXPECT_LE((alone.dequantize() - refAlone).abs().max().item<double>(), low.q_scale() * 0.5 + 1e-6);
    }
    const torch::Tensor low = at::quantize_per_tensor(torch::rand({1, 2, 4, 4}), 0.01, 0, torch::kQUInt8);
    EXPECT_THROW(upsampleConcatQuantized(low, torch::Tensor(), 9, 8, 0.01), std::invalid_argument);
    EXPECT_THROW(upsampleConcatQuantized(low.dequantize(), torch::Tensor(), 8, 8, 0.01), std::invalid_argument);
}

TEST(Int8, FoldedNetworkEqualsTheModelInFp32) {
    if (!quantizedAvailable()) GTEST_SKIP() << "no quantized engine";
    for (const char *preset : {"small-unet", "small-unet-noskip"}) {
        ModelConfig c = presetConfig(preset);
        c.base = 8;
        const torch::Tensor x = torch::randn({4, 3, 32, 32});
        auto model = modelWithStatistics(c, x);
        QuantizedUNet q(*model, x);
        torch::NoGradGuard noGrad;
        const torch::Tensor ref = model->forward(x);
        EXPECT_TRUE(torch::allclose(q.forwardFloat(x), ref, 1e-3, 1e-3)) << preset;
        // Calibrating (image by image) kept those fp32 logits, for comparing without another pass.
        std::vector<torch::Tensor> single;
        for (int64_t k = 0; k < x.size(0); ++k) single.push_back(q.forwardFloat(x.narrow(0, k, 1)));
        EXPECT_TRUE(torch::allclose(q.calibrationLogits(), torch::cat(single), 1e-6, 1e-6)) << preset;
        const torch::Tensor int8 = q.forward(x);
        EXPECT_EQ(int8.sizes(), ref.sizes());
        // int8 logits follow fp32's closely on the calibration images themselves.
        const double rel = ((int8 - ref).abs().mean() / ref.abs().mean()).item<double>();
        EXPECT_LT(rel, 0.1) << preset;
    }
}

TEST(Int8, OtherDepthsWithoutBatchNormAndBatchesRunAsSingleImages) {
    if (!quantizedAvailable()) GTEST_SKIP() << "no quantized engine";
    for (const int levels : {1, 3}) {
        ModelConfig c = presetConfig("small-unet");
        c.base = 8;
        c.levels = levels;
        c.batchNorm = false;
        const torch::Tensor x = torch::randn({3, 3, 32, 48});
        auto model = modelWithStatistics(c, x);
        QuantizedUNet q(*model, x);
        torch::NoGradGuard noGrad;
        EXPECT_TRUE(torch::allclose(q.forwardFloat(x), model->forward(x), 1e-3, 1e-3)) << levels;
        // Static ranges: an image's logits do not depend on the batch it comes in.
        const torch::Tensor batch = q.forward(x);
        EXPECT_EQ(batch.sizes(), torch::IntArrayRef({3, 3, 32, 48}));
        EXPECT_TRUE(torch::allclose(batch.narrow(0, 1, 1), q.forward(x.narrow(0, 1, 1)), 1e-5, 1e-5)) << levels;
        // Values outside the calibrated range (and NaN) saturate instead of failing.
        torch::Tensor odd = x.narrow(0, 0, 1) * 100;
        odd.index_put_({0, 0, 0, 0}, std::nan(""));
        EXPECT_EQ(q.forward(odd).sizes(), torch::IntArrayRef({1, 3, 32, 48}));
        // ... but calibrating on them is refused.
        EXPECT_THROW(QuantizedUNet(*model, odd), std::invalid_argument);
        // So are weights that are not numbers (a model whose training diverged).
        torch::NoGradGuard noGrad2;
        auto broken = buildModel(c);
        broken->named_parameters()["enc1.conv1.weight"].view(-1)[0] = std::nan("");
        try {
            QuantizedUNet bad(*broken, x);
            ADD_FAILURE() << "NaN weights were quantized";
        } catch (const std::invalid_argument &e) {
            EXPECT_NE(std::string(e.what()).find("enc1.conv1.weight"), std::string::npos) << e.what();
        }
    }
}

TEST(Int8, ATrainedSmallUNetKeepsItsDiceWithinOnePointInInt8) {
    if (!quantizedAvailable()) GTEST_SKIP() << "no quantized engine";
    SyntheticOptions o;
    o.count = 48;
    o.size = 64;
    o.seed = 2;
    const auto data = std::make_shared<SyntheticCells>(o);
    TrainConfig c;
    c.model = presetConfig("small-unet");
    c.model.base = 16;
    c.epochs = 4;
    c.batchSize = 8;
    c.learningRate = 3e-3;
    c.device = DeviceChoice::CPU;
    c.precision = Precision::FP32;
    Trainer t(c, data);
    while (!t.finished()) t.step();
    SegmentationModel &model = t.model();
    model.eval();
    const DataSplit &split = t.split();
    const std::vector<std::size_t> calibration(split.train.begin(), split.train.begin() + 8);
    auto int8 = int8Model(model, *data, calibration, t.normalisation());
    const SplitMetrics fp32 = evaluateOn(model, *data, split.val, t.normalisation(), "cpu");
    const SplitMetrics q = evaluateOn(*int8, *data, split.val, t.normalisation(), "cpu");
    EXPECT_GT(fp32.diceMean, 0.6);  // it did learn
    EXPECT_NEAR(q.diceMean, fp32.diceMean, 0.01) << "fp32 " << fp32.diceMean << ", int8 " << q.diceMean;
    const ClassMapAgreement a = compareClassMaps(model, *int8, *data, split.val, t.normalisation());
    EXPECT_EQ(a.pixels, static_cast<std::int64_t>(split.val.size()) * 64 * 64);
    EXPECT_GT(a.pixelAgreement, 0.98);
    // Counted by hand from the two models' masks.
    std::vector<Sample> valSamples;
    for (const std::size_t i : split.val) valSamples.push_back(data->get(i));
    const auto fpMasks = predictMasks(model, valSamples, t.normalisation(), "cpu");
    const auto q8Masks = predictMasks(*int8, valSamples, t.normalisation(), "cpu");
    double sameClass = 0, bothForeground = 0, foregroundFp = 0, foregroundQ8 = 0;
    for (std::size_t k = 0; k < fpMasks.size(); ++k)
        for (std::size_t i = 0; i < fpMasks[k].size(); ++i) {
            sameClass += fpMasks[k][i] == q8Masks[k][i];
            bothForeground += fpMasks[k][i] > 0 && q8Masks[k][i] > 0;
            foregroundFp += fpMasks[k][i] > 0;
            foregroundQ8 += q8Masks[k][i] > 0;
        }
    EXPECT_DOUBLE_EQ(a.pixelAgreement, sameClass / static_cast<double>(a.pixels));
    EXPECT_DOUBLE_EQ(a.foregroundDice, 2 * bothForeground / (foregroundFp + foregroundQ8));
    const ClassMapAgreement self = compareClassMaps(model, model, *data, split.val, t.normalisation());
    EXPECT_EQ(self.pixelAgreement, 1.0);
    EXPECT_EQ(self.foregroundDice, 1.0);
    // Sliding-window prediction in int8: calibrated on tiles of the image itself, it gives the
    // fp32 mask but for a few boundary pixels; with no tolerance for changed pixels it refuses
    // int8 and predicts in fp32.
    const Sample image = data->get(split.val[0]);
    SlidingWindowOptions window;
    window.tile = 32;
    window.overlap = 0.5;
    const LargePrediction fp = predictLarge(model, image, t.normalisation(), "cpu", window);
    window.int8 = true;
    const LargePrediction q8 = predictLarge(model, image, t.normalisation(), "cpu", window);
    EXPECT_EQ(fp.precision, "fp32");
    EXPECT_EQ(q8.precision, "int8");
    EXPECT_EQ(q8.calibrationTiles, 4);  // of 3 x 3 tiles
    EXPECT_LE(q8.int8PixelsChanged, 0.01);
    ASSERT_EQ(q8.mask.size(), fp.mask.size());
    std::size_t same = 0;
    for (std::size_t i = 0; i < fp.mask.size(); ++i) same += fp.mask[i] == q8.mask[i];
    EXPECT_GT(static_cast<double>(same) / static_cast<double>(fp.mask.size()), 0.98);
    window.int8Tolerance = -1;
    const LargePrediction refused = predictLarge(model, image, t.normalisation(), "cpu", window);
    EXPECT_EQ(refused.precision, "fp32");
    EXPECT_EQ(refused.mask, fp.mask);

    // The int8 network has no stages to show and does not run on a GPU.
    EXPECT_THROW(int8->forwardStages(torch::zeros({1, 3, 64, 64})), std::invalid_argument);
    EXPECT_THROW(int8Model(model, *data, {}, t.normalisation()), std::invalid_argument);
}
