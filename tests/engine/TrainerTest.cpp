// The step-wise Trainer: it learns, it is reproducible, and it stops cleanly.
#include <cmath>

#include <gtest/gtest.h>

#include "SmallData.h"
#include "data/SyntheticCells.h"
#include "train/Trainer.h"

using namespace unetlab;

namespace {

TrainConfig minimalConfig(int epochs = 2) {
    TrainConfig c;
    c.model = presetConfig("minimal");
    c.epochs = epochs;
    c.batchSize = 4;
    c.learningRate = 1e-2;
    c.valFraction = 0.2;
    c.testFraction = 0.1;
    return c;
}

std::vector<StepResult> runToEnd(Trainer &t) {
    std::vector<StepResult> steps;
    while (!t.finished()) steps.push_back(t.step());
    return steps;
}

}  // namespace

TEST(Trainer, StepsThroughBatchesValidationAndEpochs) {
    Trainer t(minimalConfig(2), smallData());
    const int perEpoch = static_cast<int>((t.split().train.size() + 3) / 4);
    const auto steps = runToEnd(t);
    int train = 0, epochEnds = 0, finished = 0;
    for (const auto &s : steps) {
        train += s.kind == StepResult::Kind::TrainBatch;
        epochEnds += s.kind == StepResult::Kind::EpochEnd;
        finished += s.kind == StepResult::Kind::Finished;
    }
    EXPECT_EQ(train, 2 * perEpoch);
    EXPECT_EQ(epochEnds, 1);  // the last epoch's end is reported by Finished
    EXPECT_EQ(finished, 1);
    EXPECT_EQ(steps.back().kind, StepResult::Kind::Finished);
    EXPECT_EQ(steps.back().epoch.epoch, 2);
    EXPECT_TRUE(steps.back().epochEnded);
    int ended = 0;
    for (const auto &s : steps) ended += s.epochEnded;
    EXPECT_EQ(ended, 2);
    EXPECT_EQ(t.history().size(), 2u);
    EXPECT_EQ(steps.front().batch.batchesPerEpoch, perEpoch);
    EXPECT_EQ(t.totalSteps(), 2 * perEpoch);
    EXPECT_GT(steps.front().batch.imagesPerSecond, 0);
    EXPECT_EQ(t.step().kind, StepResult::Kind::Finished);  // stepping after the end is harmless
}

TEST(Trainer, ShortRunLowersTheLossAndBeatsChance) {
    TrainConfig c = minimalConfig(4);
    Trainer t(c, smallData(32));
    const auto steps = runToEnd(t);
    const double firstBatchLoss = steps.front().batch.loss;
    EXPECT_LT(t.history().back().trainLoss, 0.8 * firstBatchLoss);
    EXPECT_LT(t.history().back().valLoss, t.history().front().valLoss);
    EXPECT_GT(t.history()[static_cast<std::size_t>(t.bestEpoch() - 1)].valDiceMean, 0.4);
}

TEST(Trainer, SameSeedGivesTheSameMetrics) {
    auto data = smallData();
    Trainer a(minimalConfig(2), data);
    Trainer b(minimalConfig(2), data);
    runToEnd(a);
    runToEnd(b);
    ASSERT_EQ(a.history().size(), b.history().size());
    for (std::size_t i = 0; i < a.history().size(); ++i) {
        // Equal up to the order of multithreaded float sums: bit-identical with Debian's
        // LibTorch, within ~1e-8 with LibTorch 2.x on 16 threads (oneDNN's parallel kernels).
        EXPECT_NEAR(a.history()[i].trainLoss, b.history()[i].trainLoss, 1e-6);
        EXPECT_NEAR(a.history()[i].valDiceMean, b.history()[i].valDiceMean, 1e-6);
    }
    TrainConfig other = minimalConfig(2);
    other.seed = 2;
    Trainer c(other, data);
    runToEnd(c);
    EXPECT_NE(a.history()[0].trainLoss, c.history()[0].trainLoss);
}

TEST(Trainer, ALearningRateThatBlowsUpStopsWithAPlainMessage) {
    TrainConfig c = minimalConfig(3);
    c.model.activation = Activation::LeakyReLU;  // ReLU units would just die instead
    c.optimizer = OptimizerKind::SGD;
    c.momentum = 0.99;
    c.learningRate = 1.0;
    c.loss.kind = LossKind::CrossEntropy;
    Trainer t(c, smallData());
    const auto steps = runToEnd(t);
    const StepResult &last = steps.back();
    ASSERT_TRUE(last.diverged) << last.stopReason;
    EXPECT_NE(last.stopReason.find("the loss became"), std::string::npos);
    EXPECT_NE(last.stopReason.find("learning rate 1 is likely too high"), std::string::npos);
    // The kept weights predict finite classes for every pixel.
    const auto masks = t.predict({t.dataset().get(0)});
    ASSERT_EQ(masks.size(), 1u);
    for (auto v : masks[0]) ASSERT_LT(v, 3);
}

TEST(Trainer, StopKeepsTheBestWeightsAndEnds) {
    Trainer t(minimalConfig(5), smallData());
    while (t.history().empty()) t.step();
    t.step();
    t.stop();
    EXPECT_TRUE(t.finished());
    EXPECT_EQ(t.bestEpoch(), 1);
    const SplitMetrics m = t.evaluate(t.split().val);
    EXPECT_DOUBLE_EQ(m.diceMean, t.history()[0].valDiceMean);
}

TEST(Trainer, LearningRateChangesTakeEffectOnTheNextBatch) {
    Trainer t(minimalConfig(1), smallData());
    EXPECT_DOUBLE_EQ(t.step().batch.learningRate, 1e-2);
    t.setLearningRate(3e-4);
    EXPECT_DOUBLE_EQ(t.step().batch.learningRate, 3e-4);
    EXPECT_THROW(t.setLearningRate(0), std::invalid_argument);
    EXPECT_THROW(t.setLearningRate(std::nan("")), std::invalid_argument);
}

TEST(Trainer, OneCycleWarmsUpThenAnneals) {
    TrainConfig c = minimalConfig(3);
    c.schedule = ScheduleKind::OneCycle;
    Trainer t(c, smallData());
    std::vector<double> rates;
    for (const auto &s : runToEnd(t))
        if (s.kind == StepResult::Kind::TrainBatch) rates.push_back(s.batch.learningRate);
    const auto peak = std::max_element(rates.begin(), rates.end());
    EXPECT_NEAR(rates.front(), 1e-2 / 25, 1e-9);
    EXPECT_NEAR(*peak, 1e-2, 1e-3);
    EXPECT_LT(rates.back(), 1e-4);
    EXPECT_TRUE(std::is_sorted(rates.begin(), peak + 1));
}

TEST(Trainer, StepScheduleDecaysByGammaPerInterval) {
    TrainConfig c = minimalConfig(2);
    c.schedule = ScheduleKind::Step;
    c.stepEpochs = 1;
    c.stepGamma = 0.5;
    Trainer t(c, smallData());
    runToEnd(t);
    EXPECT_DOUBLE_EQ(t.history()[0].learningRate, 1e-2);
    EXPECT_DOUBLE_EQ(t.history()[1].learningRate, 5e-3);
}

TEST(Trainer, EarlyStoppingEndsWhenValidationDiceStalls) {
    TrainConfig c = minimalConfig(10);
    c.learningRate = 1e-9;  // the weights barely move: Dice cannot improve
    c.earlyStopPatience = 2;
    Trainer t(c, smallData());
    const auto steps = runToEnd(t);
    EXPECT_EQ(t.history().size(), 3u);
    EXPECT_EQ(t.bestEpoch(), 1);
    EXPECT_NE(steps.back().stopReason.find("early stopping"), std::string::npos);
}

TEST(Trainer, EveryOptimizerAndLossTrains) {
    for (auto opt : {OptimizerKind::SGD, OptimizerKind::Adam, OptimizerKind::AdamW, OptimizerKind::RMSProp}) {
        TrainConfig c = minimalConfig(1);
        c.optimizer = opt;
        c.learningRate = opt == OptimizerKind::SGD ? 0.05 : 3e-3;
        Trainer t(c, smallData(12, 32));
        runToEnd(t);
        EXPECT_TRUE(std::isfinite(t.history().back().trainLoss)) << toString(opt);
    }
    for (auto loss : {LossKind::WeightedCrossEntropy, LossKind::Focal, LossKind::Dice, LossKind::CrossEntropyDice}) {
        TrainConfig c = minimalConfig(1);
        c.loss.kind = loss;
        Trainer t(c, smallData(12, 32));
        runToEnd(t);
        EXPECT_TRUE(std::isfinite(t.history().back().valLoss)) << toString(loss);
        if (loss == LossKind::WeightedCrossEntropy) {
            const auto &w = t.config().loss.classWeights;
            ASSERT_EQ(w.size(), 3u);
            EXPECT_GT(w[2], w[0]);  // nuclei are rarer than background
        }
    }
}

TEST(Trainer, SmallUNetTrainsOnItsInputSize) {
    TrainConfig c = minimalConfig(1);
    c.model = presetConfig("small-unet");
    c.model.base = 8;
    Trainer t(c, smallData(12, 32));
    runToEnd(t);
    EXPECT_EQ(t.history().size(), 1u);
    const auto masks = t.predict({t.dataset().get(1), t.dataset().get(2)});
    ASSERT_EQ(masks.size(), 2u);
    EXPECT_EQ(masks[0].size(), 32u * 32u);
}

TEST(Trainer, RejectsDataThatDoesNotFitTheModel) {
    TrainConfig c = minimalConfig(1);
    c.model = presetConfig("unet");  // needs multiples of 16
    EXPECT_THROW(Trainer(c, smallData(12, 40)), std::invalid_argument);
    EXPECT_THROW(Trainer(minimalConfig(1), nullptr), std::invalid_argument);
    TrainConfig bad = minimalConfig(1);
    bad.batchSize = 0;
    EXPECT_THROW(Trainer(bad, smallData()), std::invalid_argument);
}
