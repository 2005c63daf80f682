// Side-by-side training: stepping runs in turn gives each the figures it gets alone.
#include <gtest/gtest.h>

#include "data/SyntheticCells.h"
#include "train/Comparison.h"

using namespace unetlab;

namespace {

std::shared_ptr<const Dataset> data() {
    SyntheticOptions o;
    o.count = 20;
    o.size = 32;
    o.seed = 4;
    return std::make_shared<SyntheticCells>(o);
}

TrainConfig config(const std::string &preset, double dropout) {
    TrainConfig c;
    c.model = presetConfig(preset);
    if (c.model.arch == Architecture::UNet) c.model.base = 4;
    c.model.dropout = dropout;  // dropout draws random numbers: the hard case for interleaving
    c.epochs = 2;
    c.batchSize = 4;
    c.learningRate = 5e-3;
    c.seed = 3;
    return c;
}

void runAlone(Trainer &t) {
    while (!t.finished()) t.step();
}

}  // namespace

TEST(Comparison, InterleavedRunsMatchRunsTrainedAlone) {
    const auto d = data();
    const TrainConfig a = config("small-unet", 0.2), b = config("small-unet-noskip", 0.2);
    Comparison c({{"skip", a}, {"noskip", b}}, d);
    int steps = 0;
    while (!c.finished()) {
        const auto s = c.step();
        ASSERT_GE(s.run, 0);
        ++steps;
    }
    EXPECT_GT(steps, 4);
    Trainer aloneA(a, d), aloneB(b, d);
    runAlone(aloneA);
    runAlone(aloneB);
    for (int e = 0; e < 2; ++e) {
        EXPECT_DOUBLE_EQ(c.trainer(0).history()[e].trainLoss, aloneA.history()[e].trainLoss) << e;
        EXPECT_DOUBLE_EQ(c.trainer(0).history()[e].valDiceMean, aloneA.history()[e].valDiceMean) << e;
        EXPECT_DOUBLE_EQ(c.trainer(1).history()[e].trainLoss, aloneB.history()[e].trainLoss) << e;
        EXPECT_DOUBLE_EQ(c.trainer(1).history()[e].valDiceMean, aloneB.history()[e].valDiceMean) << e;
    }
    // The two runs share data, split and seed.
    EXPECT_EQ(c.trainer(0).split().test, c.trainer(1).split().test);
    EXPECT_NE(c.trainer(0).parameterCount(), c.trainer(1).parameterCount());
}

TEST(Comparison, QueuedRunsGoOneAfterTheOtherWithTheSameFigures) {
    const auto d = data();
    const TrainConfig a = config("small-unet", 0.2), b = config("small-unet-noskip", 0.2);
    Comparison c({{"skip", a}, {"noskip", b}}, d, Comparison::Mode::Queue);
    EXPECT_EQ(c.mode(), Comparison::Mode::Queue);
    std::vector<int> order;
    while (!c.finished()) {
        const auto s = c.step();
        ASSERT_GE(s.run, 0);
        if (order.empty() || order.back() != s.run) order.push_back(s.run);
    }
    EXPECT_EQ(order, (std::vector<int>{0, 1}));  // all of run 0, then all of run 1
    Trainer aloneA(a, d), aloneB(b, d);
    runAlone(aloneA);
    runAlone(aloneB);
    for (int e = 0; e < 2; ++e) {
        EXPECT_DOUBLE_EQ(c.trainer(0).history()[e].valDiceMean, aloneA.history()[e].valDiceMean) << e;
        EXPECT_DOUBLE_EQ(c.trainer(1).history()[e].valDiceMean, aloneB.history()[e].valDiceMean) << e;
    }
    // A finished run released its training state but still evaluates and predicts.
    const SplitMetrics m = c.trainer(0).evaluate(c.trainer(0).split().test);
    EXPECT_DOUBLE_EQ(m.diceMean, aloneA.evaluate(aloneA.split().test).diceMean);
    EXPECT_EQ(c.trainer(0).predict({d->get(0)}).size(), 1u);
}

TEST(Comparison, TheMemoryEstimateFavoursAQueueForBigModels) {
    const auto d = data();
    TrainConfig big = config("unet", 0);
    big.model.base = 64;  // the classic U-Net: 31 M parameters
    big.model.inChannels = 3;
    big.model.numClasses = 3;
    TrainConfig small = config("minimal", 0);
    small.model.inChannels = 3;
    small.model.numClasses = 3;
    const MemoryEstimate b = estimateRunMemory(big, *d, 16), s = estimateRunMemory(small, *d, 16);
    // Weights: 4 bytes per parameter; training: gradients and two Adam moments on top.
    EXPECT_GE(b.state, 4u * 31'000'000u);
    EXPECT_GE(b.training, 12u * 31'000'000u);
    EXPECT_LT(10 * s.training, b.training);
    const std::vector<MemoryEstimate> two{b, b};
    EXPECT_EQ(peakBytes(two, Comparison::Mode::Interleaved), 2 * b.state + 2 * b.training);
    EXPECT_EQ(peakBytes(two, Comparison::Mode::Queue), 2 * b.state + b.training);
}

TEST(Comparison, StopEndsEveryRunAndOneRunIsNotAComparison) {
    const auto d = data();
    Comparison c({{"a", config("minimal", 0)}, {"b", config("minimal", 0)}}, d);
    c.step();
    c.stop();
    EXPECT_TRUE(c.finished());
    EXPECT_THROW(Comparison({{"a", config("minimal", 0)}}, d), std::invalid_argument);
    TrainConfig bad = config("unet", 0);  // 4 levels need multiples of 16; 32 works, so make it fail otherwise
    bad.batchSize = 0;
    EXPECT_THROW(Comparison({{"a", config("minimal", 0)}, {"bad", bad}}, d), std::invalid_argument);
}

TEST(Comparison, ImagesAreRankedByTheDifferenceBetweenRuns) {
    SplitMetrics a, b;
    for (int i = 0; i < 3; ++i) {
        ImageScores s;
        s.id = "img" + std::to_string(i);
        s.diceMean = 0.5;
        a.perImage.push_back(s);
        s.diceMean = 0.5 + 0.1 * (i == 1) - 0.2 * (i == 2);
        b.perImage.push_back(s);
    }
    const auto rows = compareImages(a, b, {10, 11, 12});
    ASSERT_EQ(rows.size(), 3u);
    EXPECT_EQ(rows[0].id, "img1");
    EXPECT_EQ(rows[0].index, 11u);
    EXPECT_NEAR(rows[0].difference(), 0.1, 1e-12);
    EXPECT_EQ(rows[2].id, "img2");
    b.perImage[0].id = "other";
    EXPECT_THROW(compareImages(a, b, {}), std::invalid_argument);
}
