// The plain-C++ metrics against the same quantities computed with LibTorch primitives.
#include <cmath>
#include <cstdint>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "train/Metrics.h"

using namespace unetlab;

TEST(MetricsVsLibTorch, DiceIoUAndAccuracyOnRandomMasks) {
    torch::manual_seed(11);
    const int k = 4;
    for (int trial = 0; trial < 5; ++trial) {
        const torch::Tensor truth = torch::randint(0, k, {37, 53}, torch::kUInt8);
        // A prediction that agrees often, so every count is non-trivial.
        torch::Tensor pred = truth.clone();
        const torch::Tensor flip = torch::rand({37, 53}) < 0.3;
        pred.masked_scatter_(flip, torch::randint(0, k, {37, 53}, torch::kUInt8).masked_select(flip));
        ConfusionMatrix cm(k);
        cm.add(truth.data_ptr<std::uint8_t>(), pred.data_ptr<std::uint8_t>(), truth.numel());
        for (int c = 0; c < k; ++c) {
            const torch::Tensor t = truth == c, p = pred == c;
            const double tp = (t & p).sum().item<double>();
            const double fp = (~t & p).sum().item<double>();
            const double fn = (t & ~p).sum().item<double>();
            EXPECT_NEAR(cm.dice(c), 2 * tp / (2 * tp + fp + fn), 1e-12);
            EXPECT_NEAR(cm.iou(c), tp / (tp + fp + fn), 1e-12);
        }
        EXPECT_NEAR(cm.pixelAccuracy(), (truth == pred).to(torch::kDouble).mean().item<double>(), 1e-12);
        // Confusion matrix equals LibTorch's bincount of truth * k + pred.
        const torch::Tensor counts =
            torch::bincount((truth.to(torch::kLong) * k + pred.to(torch::kLong)).flatten(), {}, k * k);
        for (int i = 0; i < k * k; ++i) EXPECT_EQ(cm.at(i / k, i % k), counts[i].item<std::int64_t>());
    }
}
