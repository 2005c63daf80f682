// Networks: parameter counts (MISSION §5), shapes, named stages, initialisation, knobs.
#include <cmath>
#include <cstdint>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "models/Networks.h"
#include "train/Evaluate.h"

using namespace unetlab;

TEST(ParameterCount, PresetsMatchTheChapter) {
    EXPECT_EQ(countParameters(presetConfig("minimal")), 5187);
    EXPECT_EQ(countParameters(presetConfig("small-unet")), 472899);
    EXPECT_EQ(countParameters(presetConfig("small-unet-noskip")), 426819);
}

TEST(ParameterCount, ClassicUNetMatchesItsDefinition) {
    // Hand count for base b, 4 levels, transposed-conv ups: block(i,o) = 9io + o + 9oo + o + 4o (BN),
    // up(i) = 4 i (i/2) + i/2, head = 3 * b + 3.
    auto block = [](std::int64_t i, std::int64_t o) { return 9 * i * o + o + 9 * o * o + o + 4 * o; };
    auto up = [](std::int64_t i) { return 4 * i * (i / 2) + i / 2; };
    const std::int64_t b = 16;
    std::int64_t expected = block(3, b) + block(b, 2 * b) + block(2 * b, 4 * b) + block(4 * b, 8 * b) +
                            block(8 * b, 16 * b);
    expected += up(16 * b) + block(16 * b, 8 * b) + up(8 * b) + block(8 * b, 4 * b) + up(4 * b) +
                block(4 * b, 2 * b) + up(2 * b) + block(2 * b, b) + b * 3 + 3;
    ModelConfig c = presetConfig("unet");
    c.base = 16;
    EXPECT_EQ(countParameters(c), expected);
}

TEST(ParameterCount, AnalyticCountEqualsLibTorchForEveryKnob) {
    // ModelConfig::parameterCount() is what the GUI shows as knobs change; it must be exact.
    std::vector<ModelConfig> configs;
    for (const auto &name : presetNames()) configs.push_back(presetConfig(name));
    for (int levels : {1, 3}) {
        for (bool skips : {true, false}) {
            for (auto up : {Upsampling::Bilinear, Upsampling::Transposed}) {
                ModelConfig c = presetConfig("small-unet");
                c.levels = levels;
                c.base = 8;
                c.skips = skips;
                c.upsampling = up;
                c.batchNorm = levels == 1;
                c.numClasses = 2;
                c.inChannels = 1;
                configs.push_back(c);
            }
        }
    }
    ModelConfig m = presetConfig("minimal");
    m.firstKernel = 5;
    m.extraDepth = 2;
    m.batchNorm = true;
    m.widths = {8, 24};
    configs.push_back(m);
    for (const auto &c : configs) EXPECT_EQ(c.parameterCount(), countParameters(*buildModel(c))) << c.describe();
}

TEST(Shapes, EveryPresetMapsAnImageToPerPixelLogits) {
    torch::manual_seed(0);
    for (const auto &name : presetNames()) {
        ModelConfig c = presetConfig(name);
        if (name == "unet") c.base = 8;  // keep the test light
        auto model = buildModel(c);
        model->eval();
        torch::NoGradGuard g;
        const torch::Tensor y = model->forward(torch::rand({2, 3, 64, 48}));
        EXPECT_EQ(y.sizes(), (std::vector<int64_t>{2, 3, 64, 48})) << name;
    }
}

TEST(Stages, SmallUNetReturnsEveryNamedStageWithItsShape) {
    auto model = buildModel(presetConfig("small-unet"));
    model->eval();
    torch::NoGradGuard g;
    const torch::Tensor x = torch::rand({1, 3, 64, 64});
    const StageActivations stages = model->forwardStages(x);
    const std::vector<std::pair<std::string, std::vector<int64_t>>> expected = {
        {"enc1", {1, 32, 64, 64}},       {"enc2", {1, 64, 32, 32}}, {"bottleneck", {1, 128, 16, 16}},
        {"dec2", {1, 64, 32, 32}},       {"dec1", {1, 32, 64, 64}}, {"head", {1, 3, 64, 64}}};
    ASSERT_EQ(stages.size(), expected.size());
    for (std::size_t i = 0; i < stages.size(); ++i) {
        EXPECT_EQ(stages[i].first, expected[i].first);
        EXPECT_EQ(stages[i].second.sizes(), expected[i].second) << stages[i].first;
    }
    EXPECT_TRUE(torch::allclose(stages.back().second, model->forward(x)));
    // The config's stage list names the same stages with the same channels.
    const auto channels = presetConfig("small-unet").stageChannels();
    for (std::size_t i = 0; i < stages.size(); ++i) {
        EXPECT_EQ(channels[i].first, stages[i].first);
        EXPECT_EQ(channels[i].second, stages[i].second.size(1));
    }
}

TEST(Stages, MinimalCnnAndClassicUNetNameTheirStages) {
    auto minimal = buildModel(presetConfig("minimal"));
    std::vector<std::string> names;
    for (const auto &s : minimal->forwardStages(torch::rand({1, 3, 16, 16}))) names.push_back(s.first);
    EXPECT_EQ(names, (std::vector<std::string>{"conv1", "conv2", "head"}));

    ModelConfig c = presetConfig("unet");
    c.base = 4;
    auto unet = buildModel(c);
    names.clear();
    for (const auto &s : unet->forwardStages(torch::rand({1, 3, 32, 32}))) names.push_back(s.first);
    EXPECT_EQ(names, (std::vector<std::string>{"enc1", "enc2", "enc3", "enc4", "bottleneck", "dec4", "dec3", "dec2",
                                               "dec1", "head"}));
}

TEST(Stages, UNetRejectsSizesItCannotPool) {
    auto model = buildModel(presetConfig("small-unet"));
    EXPECT_THROW(model->forward(torch::rand({1, 3, 30, 32})), std::invalid_argument);
}

TEST(NoSkip, DecoderDoesNotSeeTheEncoder) {
    // Without skips, changing the input only through enc1's contribution path must still
    // change the output (it flows through the bottleneck), but the decoder's first conv
    // has only the upsampled channels as input.
    auto model = buildModel(presetConfig("small-unet-noskip"));
    const auto params = model->named_parameters();
    EXPECT_EQ(params["dec2.conv1.weight"].size(1), 128);
    EXPECT_EQ(params["dec1.conv1.weight"].size(1), 64);
    auto skip = buildModel(presetConfig("small-unet"));
    EXPECT_EQ(skip->named_parameters()["dec2.conv1.weight"].size(1), 192);
    EXPECT_EQ(skip->named_parameters()["dec1.conv1.weight"].size(1), 96);
}

TEST(Init, KaimingNormalFanOutAndBatchNormOnesZeros) {
    torch::manual_seed(3);
    auto model = buildModel(presetConfig("small-unet"));
    const auto params = model->named_parameters();
    const torch::Tensor w = params["bottleneck.conv2.weight"];  // 128 x 128 x 3 x 3, fan_out = 128 * 9
    const double expectedStd = std::sqrt(2.0 / (128 * 9));
    EXPECT_NEAR(w.std().item<double>(), expectedStd, expectedStd * 0.03);
    EXPECT_NEAR(w.mean().item<double>(), 0.0, expectedStd * 0.03);
    EXPECT_EQ(params["bottleneck.conv2.bias"].abs().max().item<double>(), 0.0);
    EXPECT_TRUE(torch::all(params["enc1.bn1.weight"] == 1).item<bool>());
    EXPECT_TRUE(torch::all(params["enc1.bn1.bias"] == 0).item<bool>());
}

TEST(Knobs, ChangeTheNetworkAsDescribed) {
    ModelConfig c = presetConfig("small-unet");
    c.batchNorm = false;
    // BatchNorm adds 4 * out per block (weight, bias) x 2 -> removing it drops 2*2*sum(out).
    EXPECT_EQ(countParameters(c), 472899 - 4 * (32 + 64 + 128 + 64 + 32));
    c = presetConfig("minimal");
    c.firstKernel = 5;
    EXPECT_EQ(countParameters(c), 5187 - 448 + (3 * 25 * 16 + 16));
    c = presetConfig("minimal");
    c.widths = {8, 16};
    EXPECT_EQ(countParameters(c), (3 * 9 * 8 + 8) + (8 * 9 * 16 + 16) + (16 * 3 + 3));
    c.extraDepth = 1;
    EXPECT_EQ(countParameters(c), (3 * 9 * 8 + 8) + (8 * 9 * 16 + 16) + (16 * 9 * 16 + 16) + (16 * 3 + 3));
}

TEST(Knobs, EveryActivationRunsAndDiffers) {
    const torch::Tensor x = torch::linspace(-2, 2, 9);
    EXPECT_TRUE(torch::allclose(applyActivation(Activation::ReLU, x), torch::relu(x)));
    EXPECT_NEAR(applyActivation(Activation::LeakyReLU, x)[0].item<double>(), -0.02, 1e-7);
    EXPECT_NEAR(applyActivation(Activation::ELU, x)[0].item<double>(), std::exp(-2.0) - 1, 1e-6);
    EXPECT_NEAR(applyActivation(Activation::SiLU, x)[0].item<double>(), -2.0 / (1 + std::exp(2.0)), 1e-6);
    EXPECT_NEAR(applyActivation(Activation::Mish, x)[0].item<double>(), -2.0 * std::tanh(std::log1p(std::exp(-2.0))),
                1e-6);
    EXPECT_NEAR(applyActivation(Activation::GELU, x)[0].item<double>(), -2.0 * 0.5 * std::erfc(2.0 / std::sqrt(2.0)),
                1e-6);
}

TEST(Knobs, DropoutIsActiveOnlyInTraining) {
    ModelConfig c = presetConfig("minimal");
    c.dropout = 0.5;
    auto model = buildModel(c);
    const torch::Tensor x = torch::rand({1, 3, 16, 16});
    model->eval();
    EXPECT_TRUE(torch::equal(model->forward(x), model->forward(x)));
    model->train();
    EXPECT_FALSE(torch::equal(model->forward(x), model->forward(x)));
}
