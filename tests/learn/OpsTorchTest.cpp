// engine/ops against LibTorch's own ops (ARCHITECTURE boundary 4): the same numbers to
// 1e-6 and the same output sizes for every option the widgets offer, on random inputs.
// Compared in double precision, so a difference means a different rule, not rounding.
#include <cstdint>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "ops/Conv2d.h"
#include "ops/Padding.h"
#include "ops/Pool2d.h"
#include "ops/TransposedConv2d.h"
#include "ops/Upsample2d.h"

using namespace unetlab::ops;
namespace F = torch::nn::functional;

namespace {

constexpr double kTolerance = 1e-6;

torch::Tensor toTensor(const Grid &g) {
    return torch::tensor(g.values(), torch::kDouble).view({1, 1, g.rows(), g.cols()});
}

Grid toGrid(const torch::Tensor &t) {
    const torch::Tensor plane = t.reshape({t.size(-2), t.size(-1)}).contiguous().to(torch::kDouble);
    Grid g(static_cast<int>(plane.size(0)), static_cast<int>(plane.size(1)));
    std::copy(plane.data_ptr<double>(), plane.data_ptr<double>() + plane.numel(), g.values().begin());
    return g;
}

Grid randomGrid(int rows, int cols, double lo = 0.0, double hi = 1.0) {
    return toGrid(torch::rand({rows, cols}, torch::kDouble) * (hi - lo) + lo);
}

void expectSameGrid(const Grid &ours, const torch::Tensor &theirs, const std::string &what) {
    const Grid expected = toGrid(theirs);
    ASSERT_EQ(ours.rows(), expected.rows()) << what;
    ASSERT_EQ(ours.cols(), expected.cols()) << what;
    for (int r = 0; r < ours.rows(); ++r)
        for (int c = 0; c < ours.cols(); ++c)
            ASSERT_NEAR(ours.at(r, c), expected.at(r, c), kTolerance) << what << " at (" << r << ", " << c << ")";
}

torch::Tensor torchConv(const Grid &input, const Grid &kernel, const ConvOptions &o) {
    torch::Tensor x = toTensor(input);
    const int padRows = padWidth(kernel.rows(), o.padding);
    const int padCols = padWidth(kernel.cols(), o.padding);
    auto conv = F::Conv2dFuncOptions().stride(o.stride);
    switch (o.padding) {
        case Padding::None:
            break;
        case Padding::Zero:
            conv.padding(std::vector<int64_t>{padRows, padCols});
            break;
        case Padding::Replicate:
            x = F::pad(x, F::PadFuncOptions({padCols, padCols, padRows, padRows}).mode(torch::kReplicate));
            break;
        case Padding::Reflect:
            x = F::pad(x, F::PadFuncOptions({padCols, padCols, padRows, padRows}).mode(torch::kReflect));
            break;
    }
    return F::conv2d(x, toTensor(kernel), conv);
}

const Padding kPaddings[] = {Padding::None, Padding::Zero, Padding::Replicate, Padding::Reflect};

}  // namespace

TEST(OpsVsTorch, PadMatchesReplicateAndReflect) {
    torch::manual_seed(1);
    for (int width : {1, 2, 3}) {
        const Grid g = randomGrid(5, 4);
        expectSameGrid(pad(g, width, Padding::Replicate),
                       F::pad(toTensor(g), F::PadFuncOptions({width, width, width, width}).mode(torch::kReplicate)),
                       "replicate " + std::to_string(width));
        expectSameGrid(pad(g, width, Padding::Reflect),
                       F::pad(toTensor(g), F::PadFuncOptions({width, width, width, width}).mode(torch::kReflect)),
                       "reflect " + std::to_string(width));
        expectSameGrid(pad(g, width, Padding::Zero),
                       F::pad(toTensor(g), F::PadFuncOptions({width, width, width, width})),
                       "zero " + std::to_string(width));
    }
    EXPECT_THROW(pad(randomGrid(3, 3), 3, Padding::Reflect), std::invalid_argument);
}

TEST(OpsVsTorch, Conv2dMatchesForEveryPaddingAndStride) {
    torch::manual_seed(2);
    for (Padding padding : kPaddings)
        for (int stride : {1, 2})
            for (int kernelSide : {3, 5})
                for (auto [rows, cols] : {std::pair{10, 10}, std::pair{7, 9}, std::pair{6, 5}}) {
                    const Grid input = randomGrid(rows, cols);
                    const Grid kernel = randomGrid(kernelSide, kernelSide, -1.0, 1.0);
                    const ConvOptions o{padding, stride};
                    const std::string what = paddingName(padding) + " stride " + std::to_string(stride) + " k " +
                                             std::to_string(kernelSide) + " " + std::to_string(rows) + "x" +
                                             std::to_string(cols);
                    expectSameGrid(conv2d(input, kernel, o).output, torchConv(input, kernel, o), what);
                }
}

TEST(OpsVsTorch, ConvOutputSizeMatchesForEveryOption) {
    for (Padding padding : kPaddings)
        for (int stride : {1, 2})
            for (int kernelSide : {1, 3, 5})
                for (int side = 3; side <= 12; ++side) {
                    if (padding == Padding::Reflect && kernelSide / 2 >= side) continue;
                    const ConvOptions o{padding, stride};
                    const Grid input(side, side + 1, 0.5);
                    if (convOutputSide(side, kernelSide, o) == 0) {  // the kernel does not fit
                        EXPECT_ANY_THROW(torchConv(input, Grid(kernelSide, kernelSide, 1.0), o));
                        continue;
                    }
                    const torch::Tensor theirs = torchConv(input, Grid(kernelSide, kernelSide, 1.0), o);
                    EXPECT_EQ(convOutputSide(side, kernelSide, o), theirs.size(2));
                    EXPECT_EQ(convOutputSide(side + 1, kernelSide, o), theirs.size(3));
                }
    // The widget's explanation: valid shrinks 10 -> 8, same keeps 10, stride 2 halves.
    EXPECT_EQ(convOutputSide(10, 3, {Padding::None, 1}), 8);
    EXPECT_EQ(convOutputSide(10, 3, {Padding::Zero, 1}), 10);
    EXPECT_EQ(convOutputSide(10, 3, {Padding::Reflect, 2}), 5);
    EXPECT_EQ(convOutputSide(10, 3, {Padding::None, 2}), 4);
}

TEST(OpsVsTorch, MaxPoolMatchesValuesAndWinners) {
    torch::manual_seed(3);
    for (auto [rows, cols] : {std::pair{8, 8}, std::pair{7, 9}, std::pair{2, 3}}) {
        const Grid input = randomGrid(rows, cols);
        const OpResult ours = pool2d(input, PoolMode::Max);
        const auto [values, indices] = torch::max_pool2d_with_indices(toTensor(input), {2, 2}, {2, 2});
        expectSameGrid(ours.output, values, "max pool");
        const torch::Tensor flat = indices.flatten();
        for (std::size_t i = 0; i < ours.trace.size(); ++i) {
            const Term &winner = ours.trace[i].terms[ours.trace[i].winner];
            EXPECT_EQ(winner.row * cols + winner.col, flat[static_cast<int64_t>(i)].item<int64_t>());
        }
    }
    // Ties: the first largest in reading order wins, as in PyTorch.
    const Grid ties = Grid::fromRows({{0.5, 0.9}, {0.9, 0.9}});
    const auto [values, indices] = torch::max_pool2d_with_indices(toTensor(ties), {2, 2}, {2, 2});
    const TraceStep step = pool2d(ties, PoolMode::Max).trace.front();
    EXPECT_EQ(step.terms[step.winner].row * 2 + step.terms[step.winner].col, indices.item<int64_t>());
}

TEST(OpsVsTorch, AveragePoolMatches) {
    torch::manual_seed(4);
    for (auto [rows, cols] : {std::pair{8, 8}, std::pair{5, 7}}) {
        const Grid input = randomGrid(rows, cols);
        expectSameGrid(pool2d(input, PoolMode::Average).output,
                       F::avg_pool2d(toTensor(input), F::AvgPool2dFuncOptions(2).stride(2)), "average pool");
    }
}

TEST(OpsVsTorch, UpsamplingMatchesInterpolate) {
    torch::manual_seed(5);
    for (auto [rows, cols] : {std::pair{4, 4}, std::pair{3, 5}, std::pair{1, 2}}) {
        const Grid input = randomGrid(rows, cols);
        const auto twice = [] { return F::InterpolateFuncOptions().scale_factor(std::vector<double>{2.0, 2.0}); };
        expectSameGrid(upsample2d(input, UpsampleMode::Nearest).output,
                       F::interpolate(toTensor(input), twice().mode(torch::kNearest)), "nearest");
        expectSameGrid(upsample2d(input, UpsampleMode::Bilinear).output,
                       F::interpolate(toTensor(input), twice().mode(torch::kBilinear).align_corners(false)),
                       "bilinear");
    }
}

TEST(OpsVsTorch, TransposedConvMatchesForEveryOption) {
    torch::manual_seed(6);
    int compared = 0;
    for (int kernelSide : {1, 2, 3, 4})
        for (int stride : {1, 2, 3})
            for (int padding : {0, 1, 2})
                for (int outputPadding : {0, 1, 2})
                    for (int dilation : {1, 2})
                        for (auto [rows, cols] : {std::pair{3, 3}, std::pair{5, 4}}) {
                            const TransposedConvOptions o{stride, padding, outputPadding, dilation};
                            if (*transposedConvProblem(rows, cols, kernelSide, kernelSide, o)) continue;
                            const Grid input = randomGrid(rows, cols);
                            const Grid kernel = randomGrid(kernelSide, kernelSide, -1.0, 1.0);
                            const torch::Tensor theirs = F::conv_transpose2d(toTensor(input), toTensor(kernel),
                                                                             F::ConvTranspose2dFuncOptions()
                                                                                 .stride(stride)
                                                                                 .padding(padding)
                                                                                 .output_padding(outputPadding)
                                                                                 .dilation(dilation));
                            EXPECT_EQ(transposedOutputSide(rows, kernelSide, o), theirs.size(2));
                            EXPECT_EQ(transposedOutputSide(cols, kernelSide, o), theirs.size(3));
                            expectSameGrid(transposedConv2d(input, kernel, o).output, theirs,
                                           "k " + std::to_string(kernelSide) + " s " + std::to_string(stride) + " p " +
                                               std::to_string(padding) + " op " + std::to_string(outputPadding) +
                                               " d " + std::to_string(dilation));
                            ++compared;
                        }
    EXPECT_GT(compared, 100);
}

TEST(OpsVsTorch, TransposedConvOutputSizeFormula) {
    // MISSION §4's formula; a 3x3 input with k=3, s=2, p=0 gives 7x7, a 5x5 input 11x11.
    const TransposedConvOptions o{2, 0, 0, 1};
    EXPECT_EQ(transposedOutputSide(3, 3, o), 7);
    EXPECT_EQ(transposedOutputSide(5, 3, o), 11);
    const torch::Tensor five = F::conv_transpose2d(torch::ones({1, 1, 5, 5}), torch::ones({1, 1, 3, 3}),
                                                   F::ConvTranspose2dFuncOptions().stride(2));
    EXPECT_EQ(five.size(2), 11);
    // The classic U-Net's up-convolution: 2x2, stride 2 doubles the size exactly.
    EXPECT_EQ(transposedOutputSide(16, 2, o), 32);
    EXPECT_STRNE(transposedConvProblem(3, 3, 3, 3, {2, 0, 2, 1}), "");  // output padding >= stride
    EXPECT_STRNE(transposedConvProblem(1, 1, 1, 1, {1, 1, 0, 1}), "");  // cropped to nothing
}
