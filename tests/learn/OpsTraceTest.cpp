// engine/ops beyond LibTorch's numbers: traces replay to the full op, Dice by hand, the
// default scene, the kernel fitter, and the exact reach of the model presets.
#include <cmath>
#include <cstdint>

#include <gtest/gtest.h>

#include "core/Random.h"
#include "models/ModelConfig.h"
#include "ops/Conv2d.h"
#include "ops/Dice.h"
#include "ops/KernelFitter.h"
#include "ops/Pool2d.h"
#include "ops/Reach.h"
#include "ops/Scenes.h"
#include "ops/TransposedConv2d.h"
#include "ops/Upsample2d.h"

using namespace unetlab::ops;

namespace {

Grid randomGrid(int rows, int cols, std::uint64_t seed) {
    unetlab::SplitMix64 random(seed);
    Grid g(rows, cols);
    for (double &v : g.values()) v = random.uniform(-1.0, 1.0);
    return g;
}

// Every op the widgets animate, with the options they offer.
std::vector<std::pair<std::string, OpResult>> everyOp() {
    std::vector<std::pair<std::string, OpResult>> ops;
    const Grid input = randomGrid(10, 10, 1);
    const Grid kernel = randomGrid(3, 3, 2);
    for (Padding padding : {Padding::None, Padding::Zero, Padding::Replicate, Padding::Reflect})
        for (int stride : {1, 2})
            ops.emplace_back("conv " + paddingName(padding) + " stride " + std::to_string(stride),
                             conv2d(input, kernel, {padding, stride}));
    ops.emplace_back("max pool", pool2d(randomGrid(8, 8, 3), PoolMode::Max));
    ops.emplace_back("average pool", pool2d(randomGrid(8, 8, 3), PoolMode::Average));
    ops.emplace_back("nearest", upsample2d(randomGrid(4, 4, 4), UpsampleMode::Nearest));
    ops.emplace_back("bilinear", upsample2d(randomGrid(4, 4, 4), UpsampleMode::Bilinear));
    ops.emplace_back("transposed", transposedConv2d(randomGrid(3, 3, 5), randomGrid(3, 3, 6), {2, 1, 1, 1}));
    ops.emplace_back("transposed stride 3", transposedConv2d(randomGrid(3, 3, 5), randomGrid(2, 2, 6), {3, 0, 0, 1}));
    return ops;
}

// The best Dice a preset reaches on the default scene at any threshold the slider offers.
double bestPresetDice() {
    const Grid input = cellScene();
    const Grid truth = cellSceneTruth();
    double best = 0;
    for (KernelPreset preset : kernelPresets()) {
        const Grid map = conv2d(input, kernelPreset(preset)).output;
        for (int step = -100; step <= 100; ++step) {
            const DiceScore s = thresholdDice(map, step * 0.05, truth);
            if (s.defined()) best = std::max(best, s.dice());
        }
    }
    return best;
}

}  // namespace

TEST(Trace, ReplayEqualsTheFullOp) {
    for (const auto &[name, result] : everyOp()) {
        ASSERT_EQ(result.trace.size(), result.output.values().size()) << name;
        EXPECT_EQ(replay(result), result.output) << name;
        // Step by step, the filled cells are exactly the first steps' cells.
        const std::size_t half = result.trace.size() / 2;
        const Grid partial = replay(result, half);
        for (std::size_t i = 0; i < result.trace.size(); ++i) {
            const Cell out = result.trace[i].out;
            if (i < half) {
                EXPECT_EQ(partial.at(out), result.output.at(out)) << name;
            } else {
                EXPECT_TRUE(std::isnan(partial.at(out))) << name;
            }
        }
    }
}

TEST(Trace, ConvolutionStepsHoldTheWindowAndItsProducts) {
    const Grid input = cellScene();
    const Grid kernel = kernelPreset(KernelPreset::EdgeH);
    const OpResult same = conv2d(input, kernel, {Padding::Zero, 1});
    const TraceStep &corner = same.trace.front();
    ASSERT_EQ(corner.terms.size(), 9u);
    EXPECT_EQ(corner.terms[0].row, -1);  // the window starts in the padding ring
    EXPECT_FALSE(corner.terms[0].source.valid());
    EXPECT_EQ(corner.terms[0].input, 0.0);
    EXPECT_EQ(corner.terms[4].source, (Cell{0, 0}));
    // Edge H at (0, 0): zeros above, 0.95 0.95 below -> -(0.95 + 0.95) = -1.9.
    EXPECT_NEAR(corner.value, -1.9, 1e-12);
    const OpResult replicate = conv2d(input, kernel, {Padding::Replicate, 1});
    EXPECT_EQ(replicate.trace.front().terms[0].source, (Cell{0, 0}));
    EXPECT_NEAR(replicate.output.at(0, 0), 0.0, 1e-12);
    const OpResult reflect = conv2d(input, kernel, {Padding::Reflect, 1});
    EXPECT_EQ(reflect.trace.front().terms[0].source, (Cell{1, 1}));
    const OpResult strided = conv2d(input, kernel, {Padding::None, 2});
    EXPECT_EQ(strided.trace[1].terms[0].col, 2);  // the window jumps two cells
}

TEST(Trace, PoolingAndUpsamplingStepsNameTheirInputs) {
    const OpResult max = pool2d(poolingScenes().front().grid, PoolMode::Max);
    for (const TraceStep &step : max.trace) {
        ASSERT_GE(step.winner, 0);
        EXPECT_EQ(step.terms[step.winner].input, step.value);
    }
    for (const TraceStep &step : pool2d(poolingScenes().front().grid, PoolMode::Average).trace)
        EXPECT_EQ(step.winner, -1);
    const OpResult nearest = upsample2d(upsamplingScenes().front().grid, UpsampleMode::Nearest);
    for (const TraceStep &step : nearest.trace) {
        ASSERT_EQ(step.terms.size(), 1u);
        EXPECT_EQ(step.terms[0].source, (Cell{step.out.row / 2, step.out.col / 2}));
    }
    const OpResult bilinear = upsample2d(upsamplingScenes().front().grid, UpsampleMode::Bilinear);
    for (const TraceStep &step : bilinear.trace) {
        const bool edgeRow = step.out.row == 0 || step.out.row == 7;
        const bool edgeCol = step.out.col == 0 || step.out.col == 7;
        EXPECT_EQ(step.terms.size(), std::size_t{1} << (!edgeRow + !edgeCol));
        double sum = 0;
        for (const Term &t : step.terms) sum += t.weight;
        EXPECT_NEAR(sum, 1.0, 1e-12);
    }
    // MISSION §4: bilinear invents in-between values on the sharp edge, nearest keeps 0 and 1.
    EXPECT_DOUBLE_EQ(bilinear.output.at(3, 3), 0.25);
    EXPECT_DOUBLE_EQ(bilinear.output.at(3, 4), 0.75);
    EXPECT_DOUBLE_EQ(bilinear.trace[3 * 8 + 3].terms[0].weight, 0.75 * 0.75);
    EXPECT_EQ(nearest.output.at(3, 3), 0.0);
    EXPECT_EQ(nearest.output.at(3, 4), 1.0);
}

TEST(DefaultScene, LooksLikeACellAsTheChapterDescribes) {
    const Grid scene = cellScene();
    const Grid truth = cellSceneTruth();
    int nucleus = 0;
    for (int r = 0; r < scene.rows(); ++r)
        for (int c = 0; c < scene.cols(); ++c) {
            const double v = scene.at(r, c);
            const bool edge = r == 0 || c == 0 || r == scene.rows() - 1 || c == scene.cols() - 1;
            if (edge) {
                EXPECT_EQ(v, 0.95);
            }
            if (truth.at(r, c) == 1.0) {
                ++nucleus;
                EXPECT_TRUE(v >= 0.05 && v <= 0.30) << r << "," << c;
            } else {
                EXPECT_TRUE(v == 0.95 || (v >= 0.70 && v <= 0.80)) << r << "," << c;
            }
        }
    EXPECT_EQ(nucleus, 14);
    EXPECT_EQ(truth.at(4, 4), 1.0);
}

TEST(Dice, KnownEditGivesTheHandValue) {
    // A kernel that negates the centre picks the dark nucleus exactly at threshold -0.5.
    const Grid negate = Grid::fromRows({{0, 0, 0}, {0, -1, 0}, {0, 0, 0}});
    Grid input = cellScene();
    const Grid truth = cellSceneTruth();
    DiceScore s = thresholdDice(conv2d(input, negate).output, -0.5, truth);
    EXPECT_EQ(s.truePositives, 14);
    EXPECT_EQ(s.falsePositives + s.falseNegatives, 0);
    EXPECT_DOUBLE_EQ(s.dice(), 1.0);
    // Brighten one nucleus cell: one miss, Dice = 2*13 / (2*13 + 0 + 1) = 26/27.
    input.at(4, 4) = 0.95;
    s = thresholdDice(conv2d(input, negate).output, -0.5, truth);
    EXPECT_EQ(s.truePositives, 13);
    EXPECT_EQ(s.falseNegatives, 1);
    EXPECT_DOUBLE_EQ(s.dice(), 26.0 / 27.0);
    // Darken one background cell as well: one false alarm, 26/28.
    input.at(0, 0) = 0.2;
    EXPECT_DOUBLE_EQ(thresholdDice(conv2d(input, negate).output, -0.5, truth).dice(), 26.0 / 28.0);
    // Nothing predicted and nothing true: undefined, not 0 or 1.
    const DiceScore empty = diceScore(Grid(3, 3, 0.0), Grid(3, 3, 0.0));
    EXPECT_FALSE(empty.defined());
    EXPECT_TRUE(std::isnan(empty.dice()));
}

TEST(Dice, TruthLinesUpWithTheWindowCentres) {
    const Grid truth = cellSceneTruth();
    const Grid valid = windowCentres(truth, 3, 3, {Padding::None, 1});
    ASSERT_EQ(valid.rows(), 8);
    EXPECT_EQ(valid.at(3, 3), truth.at(4, 4));
    EXPECT_EQ(valid.at(0, 0), truth.at(1, 1));
    const Grid strided = windowCentres(truth, 3, 3, {Padding::Zero, 2});
    ASSERT_EQ(strided.rows(), 5);
    EXPECT_EQ(strided.at(2, 2), truth.at(4, 4));
}

TEST(KernelPresets, AreTheChaptersKernels) {
    EXPECT_EQ(kernelPreset(KernelPreset::Blur), Grid(3, 3, 1.0 / 9.0));
    EXPECT_EQ(kernelPreset(KernelPreset::EdgeH), Grid::fromRows({{1, 1, 1}, {0, 0, 0}, {-1, -1, -1}}));
    EXPECT_EQ(kernelPreset(KernelPreset::EdgeV), Grid::fromRows({{1, 0, -1}, {1, 0, -1}, {1, 0, -1}}));
    EXPECT_EQ(kernelPreset(KernelPreset::Sharpen), Grid::fromRows({{0, -1, 0}, {-1, 5, -1}, {0, -1, 0}}));
    EXPECT_EQ(kernelPreset(KernelPreset::Random, 7), kernelPreset(KernelPreset::Random, 7));
    EXPECT_NE(kernelPreset(KernelPreset::Random, 7), kernelPreset(KernelPreset::Random, 8));
    const Grid random = kernelPreset(KernelPreset::Random, 3);
    for (double w : random.values()) {
        EXPECT_LE(std::abs(w), 1.0);
        EXPECT_NEAR(w * 10, std::round(w * 10), 1e-9);
    }
}

TEST(KernelFitter, BeatsTheBestPresetFromEveryStart) {
    const double best = bestPresetDice();
    EXPECT_LT(best, 0.5);  // no preset finds a dark nucleus with "above threshold"
    for (KernelPreset start : kernelPresets()) {
        KernelFitter fitter(cellScene(), cellSceneTruth(), {}, kernelPreset(start), 0.5);
        while (!fitter.finished()) fitter.step();
        const FitState &s = fitter.state();
        EXPECT_GT(s.dice.dice(), best) << kernelPresetName(start);
        EXPECT_GE(s.dice.dice(), 0.95) << kernelPresetName(start) << " after " << s.step << " steps";
        // The state's Dice is what the widget will show for that kernel and threshold.
        EXPECT_EQ(thresholdDice(conv2d(cellScene(), s.kernel).output, s.threshold, cellSceneTruth()).dice(),
                  s.dice.dice());
        for (double w : s.kernel.values()) EXPECT_LE(std::abs(w), 5.0);
    }
}

TEST(KernelFitter, WorksWithValidPaddingAndStride) {
    KernelFitter fitter(cellScene(), cellSceneTruth(), {Padding::None, 2}, kernelPreset(KernelPreset::Blur), 0.5);
    while (!fitter.finished()) fitter.step();
    EXPECT_GE(fitter.state().dice.dice(), 0.95);
    EXPECT_EQ(fitter.state().dice.truePositives + fitter.state().dice.falsePositives +
                  fitter.state().dice.falseNegatives + fitter.state().dice.trueNegatives,
              16);  // a 4x4 feature map
}

TEST(Reach, MinimalCnnSeesFiveAndBilinearUpsamplingReachesFurther) {
    auto reachOf = [](const std::string &preset) {
        std::vector<ReachLayer> layers;
        for (const auto &row : unetlab::receptiveField(unetlab::presetConfig(preset)))
            layers.push_back(reachLayerFromName(row.layer));
        return exactReach(layers);
    };
    EXPECT_EQ(reachOf("minimal").back(), 5);
    const auto rows = unetlab::receptiveField(unetlab::presetConfig("small-unet"));
    const std::vector<int> reach = reachOf("small-unet");
    ASSERT_EQ(reach.size(), rows.size());
    // Down the encoder the exact reach equals the chapter's count (5, 6, 14, 16, 32) ...
    for (std::size_t i = 0; i < rows.size() && rows[i].stage != "up2"; ++i) EXPECT_EQ(reach[i], rows[i].field) << i;
    // ... and on the way up bilinear interpolation adds a low-resolution cell each time.
    EXPECT_EQ(rows.back().field, 44);
    EXPECT_EQ(reach.back(), 52);
    EXPECT_THROW(reachLayerFromName("dilated conv"), std::invalid_argument);
}
