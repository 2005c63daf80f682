// Losses against hand-computed cases and LibTorch's own primitives.
#include <cmath>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "train/Losses.h"

using namespace unetlab;

namespace {

// One image, 2 classes, 2 pixels: logits (1 x 2 x 1 x 2), targets (1 x 1 x 2).
torch::Tensor tinyLogits() { return torch::tensor({2.0f, 0.0f, 0.0f, 1.0f}).reshape({1, 2, 1, 2}); }
torch::Tensor tinyTarget() { return torch::tensor({0L, 0L}).reshape({1, 1, 2}); }

double softmax0(double a, double b) { return std::exp(a) / (std::exp(a) + std::exp(b)); }

}  // namespace

TEST(CrossEntropy, MatchesAHandComputation) {
    // pixel 1: logits (2, 0), target 0 -> -log softmax0(2, 0); pixel 2: (0, 1), target 0.
    const double expected = -(std::log(softmax0(2, 0)) + std::log(softmax0(0, 1))) / 2;
    EXPECT_NEAR(crossEntropyLoss(tinyLogits(), tinyTarget()).item<double>(), expected, 1e-6);
}

TEST(CrossEntropy, WeightedMatchesHandAndLibTorch) {
    const torch::Tensor logits = torch::tensor({2.0f, 0.0f, 0.0f, 1.0f}).reshape({1, 2, 1, 2});
    const torch::Tensor target = torch::tensor({0L, 1L}).reshape({1, 1, 2});
    const torch::Tensor w = torch::tensor({1.0f, 3.0f});
    const double l0 = -std::log(softmax0(2, 0)), l1 = -std::log(1 - softmax0(0, 1));
    const double expected = (1 * l0 + 3 * l1) / (1 + 3);
    EXPECT_NEAR(crossEntropyLoss(logits, target, w).item<double>(), expected, 1e-6);
    torch::manual_seed(0);
    const torch::Tensor bigLogits = torch::randn({2, 3, 5, 4});
    const torch::Tensor bigTarget = torch::randint(0, 3, {2, 5, 4}, torch::kLong);
    const torch::Tensor w3 = torch::tensor({0.5f, 1.0f, 2.0f});
    const torch::Tensor nll = torch::nll_loss2d(torch::log_softmax(bigLogits, 1), bigTarget, w3);
    EXPECT_NEAR(crossEntropyLoss(bigLogits, bigTarget, w3).item<double>(), nll.item<double>(), 1e-6);
}

TEST(Focal, GammaZeroIsCrossEntropyAndGammaTwoMatchesHand) {
    torch::manual_seed(1);
    const torch::Tensor logits = torch::randn({2, 3, 4, 4});
    const torch::Tensor target = torch::randint(0, 3, {2, 4, 4}, torch::kLong);
    EXPECT_NEAR(focalLoss(logits, target, 0.0).item<double>(), crossEntropyLoss(logits, target).item<double>(), 1e-6);
    const double p1 = softmax0(2, 0), p2 = softmax0(0, 1);
    const double expected = (-(1 - p1) * (1 - p1) * std::log(p1) - (1 - p2) * (1 - p2) * std::log(p2)) / 2;
    EXPECT_NEAR(focalLoss(tinyLogits(), tinyTarget(), 2.0).item<double>(), expected, 1e-6);
    // Easy pixels count less: focal < CE whenever gamma > 0.
    EXPECT_LT(focalLoss(logits, target, 2.0).item<double>(), crossEntropyLoss(logits, target).item<double>());
}

TEST(SoftDice, MatchesAHandComputation) {
    const double p1 = softmax0(2, 0), p2 = softmax0(0, 1);
    // class 0: target (1, 1); class 1: target (0, 0), probabilities 1 - p.
    const double d0 = (2 * (p1 + p2) + 1) / ((p1 + p2) + 2 + 1);
    const double d1 = (2 * 0 + 1) / (((1 - p1) + (1 - p2)) + 0 + 1);
    EXPECT_NEAR(softDiceLoss(tinyLogits(), tinyTarget(), 1.0).item<double>(), 1 - (d0 + d1) / 2, 1e-6);
}

TEST(SoftDice, PerfectConfidentPredictionGivesAlmostZero) {
    const torch::Tensor target = torch::randint(0, 3, {2, 8, 8}, torch::kLong);
    const torch::Tensor logits =
        torch::one_hot(target, 3).permute({0, 3, 1, 2}).to(torch::kFloat) * 50.0f;  // near one-hot softmax
    EXPECT_NEAR(softDiceLoss(logits, target).item<double>(), 0.0, 1e-6);
}

TEST(Combined, IsLambdaWeightedSum) {
    torch::manual_seed(2);
    const torch::Tensor logits = torch::randn({1, 3, 6, 6});
    const torch::Tensor target = torch::randint(0, 3, {1, 6, 6}, torch::kLong);
    LossConfig c;
    c.kind = LossKind::CrossEntropyDice;
    c.lambda = 0.3;
    const double expected = 0.3 * crossEntropyLoss(logits, target).item<double>() +
                            0.7 * softDiceLoss(logits, target).item<double>();
    EXPECT_NEAR(computeLoss(c, logits, target).item<double>(), expected, 1e-6);
}

TEST(Combined, EveryLossKindHasAGradient) {
    const torch::Tensor target = torch::randint(0, 3, {1, 6, 6}, torch::kLong);
    for (LossKind k : {LossKind::CrossEntropy, LossKind::WeightedCrossEntropy, LossKind::Focal, LossKind::Dice,
                       LossKind::CrossEntropyDice}) {
        const torch::Tensor logits = torch::randn({1, 3, 6, 6}, torch::requires_grad());
        LossConfig c;
        c.kind = k;
        computeLoss(c, logits, target, torch::tensor({1.0f, 2.0f, 3.0f})).backward();
        EXPECT_GT(logits.grad().abs().sum().item<double>(), 0.0) << toString(k);
    }
}

TEST(ClassWeights, InverseFrequencyNormalisedToMeanOne) {
    const auto w = inverseFrequencyWeights({100, 300, 0, 600});
    // 1/100 : 1/300 : 1/600 = 6 : 2 : 1, mean over present classes = 1 -> scale 3/9.
    EXPECT_NEAR(w[0], 2.0, 1e-12);
    EXPECT_NEAR(w[1], 2.0 / 3.0, 1e-12);
    EXPECT_EQ(w[2], 0.0);
    EXPECT_NEAR(w[3], 1.0 / 3.0, 1e-12);
}
