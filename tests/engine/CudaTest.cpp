// The engine on a CUDA GPU (issue #8 item 6, issue #9 item 3). Every test here is skipped
// when LibTorch has no CUDA or no GPU is present (Debian's LibTorch, CI); on a GPU machine
// `tests/cuda/run.sh` builds against a CUDA LibTorch and runs them (README, "CUDA").
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iostream>
#include <limits>
#include <string>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "../RemoveTree.h"
#include "SmallData.h"
#include "core/Device.h"
#include "data/SyntheticCells.h"
#include "models/Networks.h"
#include "train/Autocast.h"
#include "train/Comparison.h"
#include "train/ExecutionPlan.h"
#include "train/Optimizers.h"
#include "train/Trainer.h"

using namespace unetlab;
namespace fs = std::filesystem;

namespace {

#define SKIP_WITHOUT_CUDA()                                                        \
    do {                                                                           \
        if (!cudaAvailable()) GTEST_SKIP() << "no CUDA GPU (or a CPU-only LibTorch)"; \
    } while (0)

constexpr double kMiB = 1024.0 * 1024.0;

TrainConfig cudaConfig(const std::string &model, int epochs, Precision precision = Precision::FP32) {
    TrainConfig c;
    c.model = presetConfig(model);
    c.epochs = epochs;
    c.batchSize = 4;
    c.learningRate = 1e-2;
    c.valFraction = 0.2;
    c.testFraction = 0.1;
    c.device = DeviceChoice::CUDA;
    c.precision = precision;
    return c;
}

void runToEnd(Trainer &t) {
    while (!t.finished()) t.step();
}

}  // namespace

TEST(Cuda, AutoChoosesTheGpuAndNamesIt) {
    SKIP_WITHOUT_CUDA();
    EXPECT_EQ(resolveDevice(DeviceChoice::Auto), "cuda:0");
    EXPECT_TRUE(torchBuiltWithCuda());
    EXPECT_GE(cudaDeviceCount(), 1);
    ASSERT_FALSE(cudaDeviceNames().empty());
    EXPECT_FALSE(cudaDeviceNames().front().empty());
    EXPECT_EQ(describeDevice("cuda:0").rfind("CUDA 0: ", 0), 0u) << describeDevice("cuda:0");
}

TEST(Cuda, ForwardPassMatchesTheCpu) {
    SKIP_WITHOUT_CUDA();
    ModelConfig config = presetConfig("small-unet");
    config.inChannels = 3;
    config.numClasses = 3;
    torch::manual_seed(3);
    auto model = buildModel(config);
    model->eval();
    const torch::Tensor x = torch::rand({2, 3, 64, 64});
    torch::NoGradGuard noGrad;
    const torch::Tensor cpu = model->forward(x);
    model->to(torch::Device("cuda:0"));
    const torch::Tensor gpu = model->forward(x.to(torch::Device("cuda:0"))).cpu();
    ASSERT_EQ(gpu.sizes(), cpu.sizes());
    // cuDNN may use TF32 for fp32 convolutions on Ampere and later: ~1e-3 relative.
    const double scale = cpu.abs().max().item<double>();
    EXPECT_LT((gpu - cpu).abs().max().item<double>(), 1e-2 * scale);
    EXPECT_TRUE(gpu.argmax(1).eq(cpu.argmax(1)).to(torch::kFloat).mean().item<double>() > 0.99);
}

TEST(Cuda, TrainingOnTheGpuLearns) {
    SKIP_WITHOUT_CUDA();
    Trainer t(cudaConfig("minimal", 4), smallData(32));
    EXPECT_EQ(t.device(), "cuda:0");
    const StepResult first = t.step();
    ASSERT_EQ(first.kind, StepResult::Kind::TrainBatch);
    EXPECT_TRUE(std::isfinite(first.batch.loss));
    runToEnd(t);
    ASSERT_EQ(t.history().size(), 4u);
    EXPECT_LT(t.history().back().trainLoss, 0.8 * first.batch.loss);
    EXPECT_GT(t.history()[static_cast<std::size_t>(t.bestEpoch() - 1)].valDiceMean, 0.4);
}

TEST(Cuda, MixedPrecisionTrainsLikeFp32) {
    SKIP_WITHOUT_CUDA();
    // The CPU accuracy guard's set-up (ExecutionPlanTest): same data, seed and schedule.
    SyntheticOptions o;
    o.count = 60;
    o.size = 64;
    o.seed = 1;
    const auto data = std::make_shared<SyntheticCells>(o);
    double dice[3] = {0, 0, 0};
    const Precision precisions[3] = {Precision::FP32, Precision::BF16, Precision::FP16};
    for (int i = 0; i < 3; ++i) {
        TrainConfig c = cudaConfig("minimal", 5, precisions[i]);
        c.batchSize = 8;
        c.valFraction = 0.1;
        Trainer t(c, data);
        runToEnd(t);
        ASSERT_EQ(t.history().size(), 5u) << toString(precisions[i]);
        for (const auto &e : t.history()) EXPECT_TRUE(std::isfinite(e.trainLoss)) << toString(precisions[i]);
        dice[i] = t.history()[static_cast<std::size_t>(t.bestEpoch() - 1)].valDiceMean;
    }
    std::cout << "validation Dice on the GPU: fp32 " << dice[0] << ", bf16 " << dice[1] << ", fp16 " << dice[2]
              << "\n";
    EXPECT_GT(dice[0], 0.7);  // it did learn
    // cuDNN's kernels are not bit-reproducible: two points rather than the CPU's one.
    EXPECT_NEAR(dice[1], dice[0], 0.02);
    EXPECT_NEAR(dice[2], dice[0], 0.02);
}

TEST(Cuda, Fp16LossScalingSkipsOverflowingStepsAndUnscales) {
    SKIP_WITHOUT_CUDA();
    const torch::Device dev("cuda:0");
    GradScaler scaler(Precision::FP16, dev);
    ASSERT_TRUE(scaler.active());
    auto w = torch::ones({4}, torch::TensorOptions().device(dev).requires_grad(true));
    torch::optim::SGD sgd({w}, torch::optim::SGDOptions(1.0));
    // A finite gradient: the step sees the unscaled gradient (2 per element).
    scaler.scale((w * 2).sum()).backward();
    EXPECT_TRUE(scaler.step(sgd));
    EXPECT_TRUE(torch::allclose(w.detach().cpu(), torch::full({4}, -1.0f)));
    // An overflowing one: the step is skipped, the weights stay, the scale halves.
    const double before = scaler.currentScale();
    sgd.zero_grad();
    scaler.scale((w * std::numeric_limits<float>::infinity()).sum()).backward();
    EXPECT_FALSE(scaler.step(sgd));
    EXPECT_TRUE(torch::allclose(w.detach().cpu(), torch::full({4}, -1.0f)));
    EXPECT_DOUBLE_EQ(scaler.currentScale(), before / 2);
}

TEST(Cuda, PlanChoiceMeasuresGpuCandidatesAndCachesTheWinner) {
    SKIP_WITHOUT_CUDA();
    const fs::path dir = fs::temp_directory_path() / ("unetlab-cuda-plans-" + std::to_string(::getpid()));
    unetlab::testing::removeTree(dir);
    ::setenv("UNETLAB_CACHE_DIR", dir.c_str(), 1);
    ::unsetenv("UNETLAB_PLAN");
    ModelConfig config = presetConfig("small-unet");
    config.inChannels = 3;
    config.numClasses = 3;
    PlanRequest request;
    request.otherLoadDuring = [](const std::function<void()> &work) {  // as if alone on the machine
        work();
        return 0.0;
    };
    const ExecutionPlan plan = choosePlan(request, config, 128, 128, 4, "cuda:0");
    EXPECT_EQ(plan.device, "cuda:0");
    EXPECT_GE(plan.candidates.size(), 3u);  // fp32, bf16, fp16 (x memory formats, less abandoned)
    EXPECT_GT(plan.stepSeconds, 0);
    EXPECT_TRUE(fs::exists(dir / "plans.json"));
    const ExecutionPlan again = choosePlan(request, config, 128, 128, 4, "cuda:0");
    EXPECT_EQ(again.origin.rfind("cached", 0), 0u) << again.origin;
    EXPECT_EQ(again.precision, plan.precision);
    EXPECT_EQ(again.channelsLast, plan.channelsLast);
    ::unsetenv("UNETLAB_CACHE_DIR");
    unetlab::testing::removeTree(dir);
}

TEST(Cuda, ClosingAModelHandsItsGpuMemoryBack) {
    SKIP_WITHOUT_CUDA();
    releaseCachedGpuMemory();
    const std::int64_t idle = gpuMemoryReservedBytes();
    {
        Trainer t(cudaConfig("small-unet", 1), smallData(16, 128));
        for (int i = 0; i < 3 && !t.finished(); ++i) t.step();
        EXPECT_GT(gpuMemoryAllocatedBytes(), 0);
        EXPECT_GT(gpuMemoryReservedBytes(), idle);
    }
    releaseCachedGpuMemory();  // what the GUI does when a model is closed
    // cuBLAS keeps a small workspace per stream; everything else goes back to the driver.
    EXPECT_LT(static_cast<double>(gpuMemoryReservedBytes() - idle) / kMiB, 64.0)
        << "reserved " << gpuMemoryReservedBytes() / kMiB << " MiB, idle " << idle / kMiB << " MiB";
}

TEST(Cuda, RunningOutOfGpuMemoryEndsTheRunWithAdvice) {
    SKIP_WITHOUT_CUDA();
    // The 31M-parameter U-Net at 1024x1024, 64 images a batch, wants hundreds of GB.
    SyntheticOptions o;
    o.count = 80;
    o.size = 1024;
    o.seed = 5;
    TrainConfig c = cudaConfig("unet", 1);
    c.batchSize = 64;
    c.valFraction = 0.1;
    c.testFraction = 0.1;
    Trainer t(c, std::make_shared<SyntheticCells>(o));
    const StepResult r = t.step();
    EXPECT_EQ(r.kind, StepResult::Kind::Finished);
    EXPECT_TRUE(r.outOfMemory);
    EXPECT_NE(r.stopReason.find("out of memory"), std::string::npos) << r.stopReason;
    EXPECT_NE(r.stopReason.find("GPU"), std::string::npos) << r.stopReason;
    EXPECT_NE(r.stopReason.find("smaller batch"), std::string::npos) << r.stopReason;
    EXPECT_TRUE(t.finished());
    // The failed step's memory was handed back; a normal run fits again straight after.
    EXPECT_LT(static_cast<double>(gpuMemoryReservedBytes()) / kMiB, 4096.0);
    Trainer small(cudaConfig("minimal", 1), smallData(16));
    runToEnd(small);
    EXPECT_EQ(small.history().size(), 1u);
}

TEST(Cuda, ForeachAdamMatchesLibTorchsAdamOnTheGpu) {
    SKIP_WITHOUT_CUDA();
    // The multi-tensor Adam the Trainer uses (train/Optimizers.h) takes the same steps as
    // LibTorch's per-parameter Adam. Weights are compared on MinimalCNN (no BatchNorm), with
    // deterministic cuDNN kernels; in SmallUNet the conv biases before a BatchNorm get gradients
    // that are rounding noise (their true gradient is zero), which Adam scales up to full steps in
    // any direction, so there the losses are compared instead (BatchNorm cancels those biases).
    const torch::Device gpu("cuda:0");
    auto &context = at::globalContext();
    const bool wasDeterministic = context.deterministicCuDNN(), wasBenchmark = context.benchmarkCuDNN();
    context.setDeterministicCuDNN(true);
    context.setBenchmarkCuDNN(false);
    for (const std::string preset : {"minimal", "small-unet"}) {
        torch::manual_seed(3);
        auto a = buildModel(presetConfig(preset));
        torch::manual_seed(3);
        auto b = buildModel(presetConfig(preset));
        torch::manual_seed(3);
        auto initial = buildModel(presetConfig(preset));
        a->to(gpu);
        b->to(gpu);
        torch::optim::Adam reference(a->parameters(true), torch::optim::AdamOptions(1e-3));
        ForeachAdam foreach(b->parameters(true), torch::optim::AdamOptions(1e-3));
        torch::manual_seed(4);
        const torch::Tensor x = torch::rand({2, 3, 64, 64}).to(gpu);
        const torch::Tensor y = torch::randint(0, 2, {2, 64, 64}, torch::kLong).to(gpu);
        double lossA = 0, lossB = 0;
        for (int i = 0; i < 8; ++i) {
            for (auto [model, opt, loss] :
                 {std::tuple{a.get(), static_cast<torch::optim::Optimizer *>(&reference), &lossA},
                  std::tuple{b.get(), static_cast<torch::optim::Optimizer *>(&foreach), &lossB}}) {
                opt->zero_grad();
                const torch::Tensor l = torch::nn::functional::cross_entropy(model->forward(x), y);
                l.backward();
                opt->step();
                *loss = l.item<double>();
            }
        }
        EXPECT_TRUE(foreach.lastStepUsedForeach()) << preset;
        double worst = 0, moved = 0;
        const auto pa = a->parameters(true), pb = b->parameters(true), p0 = initial->parameters(true);
        for (std::size_t i = 0; i < pa.size(); ++i) {
            worst = std::max(worst, (pa[i] - pb[i]).abs().max().item<double>());
            moved = std::max(moved, (pa[i].cpu() - p0[i]).abs().max().item<double>());
        }
        EXPECT_GT(moved, 5e-3) << preset;  // 8 steps of about lr = 1e-3 each
        if (preset == "minimal") {
            EXPECT_LT(worst, 1e-5) << preset;
        }
        // SmallUNet: the noise-level gradients above move the losses apart slightly (0.2 % after
        // 8 steps on an H200); a wrong update would move them by far more.
        EXPECT_NEAR(lossA, lossB, 1e-2 * std::abs(lossA)) << preset;
        std::cout << "[          ] " << preset << ": largest weight difference " << worst << ", last losses " << lossA
                  << " and " << lossB << "\n";
    }
    context.setDeterministicCuDNN(wasDeterministic);
    context.setBenchmarkCuDNN(wasBenchmark);
}

namespace {

// Reproducible kernels for the duration of a test: cuDNN's deterministic algorithms, and the
// Trainer then leaves benchmark mode off (its choice may differ between runs).
class DeterministicCuDNN {
public:
    DeterministicCuDNN() : m_deterministic(at::globalContext().deterministicCuDNN()),
                           m_benchmark(at::globalContext().benchmarkCuDNN()) {
        at::globalContext().setDeterministicCuDNN(true);
        at::globalContext().setBenchmarkCuDNN(false);
    }
    ~DeterministicCuDNN() {
        at::globalContext().setDeterministicCuDNN(m_deterministic);
        at::globalContext().setBenchmarkCuDNN(m_benchmark);
    }

private:
    bool m_deterministic, m_benchmark;
};

TrainConfig dropoutConfig(int epochs, double lr) {
    TrainConfig c = cudaConfig("minimal", epochs);
    c.model.dropout = 0.2;  // dropout draws from the GPU's generator
    c.learningRate = lr;
    c.seed = 3;
    return c;
}

}  // namespace

TEST(Cuda, ARunResumedOnTheGpuContinuesLikeTheUninterruptedOne) {
    SKIP_WITHOUT_CUDA();
    DeterministicCuDNN deterministic;
    const auto data = smallData(24);
    Trainer straight(dropoutConfig(4, 1e-2), data);
    runToEnd(straight);
    std::string state;
    {
        Trainer first(dropoutConfig(4, 1e-2), data);
        while (first.history().size() < 2) first.step();
        state = first.resumeState("synthetic:24", "minimal");
    }
    auto resumed = Trainer::resume(state, data);  // optimiser state read onto the CPU, moved to the GPU
    runToEnd(*resumed);
    ASSERT_EQ(resumed->history().size(), 4u);
    for (std::size_t e = 0; e < 4; ++e) {
        EXPECT_NEAR(straight.history()[e].trainLoss, resumed->history()[e].trainLoss, 1e-4) << "epoch " << e + 1;
        EXPECT_NEAR(straight.history()[e].valDiceMean, resumed->history()[e].valDiceMean, 1e-4) << "epoch " << e + 1;
    }
}

TEST(Cuda, ComparedRunsOnTheGpuMatchRunsTrainedAlone) {
    SKIP_WITHOUT_CUDA();
    DeterministicCuDNN deterministic;
    const auto data = smallData(24);
    const TrainConfig a = dropoutConfig(2, 1e-2), b = dropoutConfig(2, 3e-3);
    Comparison c({{"fast", a}, {"slow", b}}, data);
    while (!c.finished()) c.step();
    Trainer aloneA(a, data), aloneB(b, data);
    runToEnd(aloneA);
    runToEnd(aloneB);
    for (std::size_t e = 0; e < 2; ++e) {
        EXPECT_NEAR(c.trainer(0).history()[e].trainLoss, aloneA.history()[e].trainLoss, 1e-4) << e;
        EXPECT_NEAR(c.trainer(1).history()[e].trainLoss, aloneB.history()[e].trainLoss, 1e-4) << e;
        EXPECT_NEAR(c.trainer(0).history()[e].valDiceMean, aloneA.history()[e].valDiceMean, 1e-4) << e;
    }
}
