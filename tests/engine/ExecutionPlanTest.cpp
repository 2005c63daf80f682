// Execution plans (issue #8): forced plans are used as given, "auto" is measured once and
// cached, autocast runs the convolutions in bf16 and leaves the thread as it found it, and
// training with bf16 lands within a Dice point of fp32 with the same seed.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>
#include <vector>

#include <ATen/autocast_mode.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "core/BusyProcess.h"
#include "../RemoveTree.h"
#include "core/CpuLoad.h"
#include "core/Device.h"
#include "data/SyntheticCells.h"
#include "train/Autocast.h"
#include "train/ExecutionPlan.h"
#include "train/Trainer.h"

using namespace unetlab;
namespace fs = std::filesystem;

namespace {

// Points the plan cache at a fresh folder for the test's lifetime.
class CacheDir {
public:
    CacheDir() : m_path(fs::temp_directory_path() / ("unetlab-plans-" + std::to_string(::getpid()))) {
        unetlab::testing::removeTree(m_path);
        ::setenv("UNETLAB_CACHE_DIR", m_path.c_str(), 1);
        if (const char *plan = std::getenv("UNETLAB_PLAN")) m_plan = plan;
        ::unsetenv("UNETLAB_PLAN");  // these tests are about "auto"
    }
    ~CacheDir() {
        ::unsetenv("UNETLAB_CACHE_DIR");
        if (!m_plan.empty()) ::setenv("UNETLAB_PLAN", m_plan.c_str(), 1);
        unetlab::testing::removeTree(m_path);
    }
    fs::path file() const { return m_path / "plans.json"; }

private:
    fs::path m_path;
    std::string m_plan;
};

ModelConfig minimalRgb() {
    ModelConfig m = presetConfig("minimal");
    m.inChannels = 3;
    m.numClasses = 3;
    return m;
}

}  // namespace

TEST(ExecutionPlan, ChoicesHaveNamesBothWays) {
    for (const Precision p : {Precision::Auto, Precision::FP32, Precision::BF16, Precision::FP16})
        EXPECT_EQ(precisionFromString(toString(p)), p);
    for (const auto m : {MemoryFormatChoice::Auto, MemoryFormatChoice::Contiguous, MemoryFormatChoice::ChannelsLast})
        EXPECT_EQ(memoryFormatFromString(toString(m)), m);
    EXPECT_THROW(precisionFromString("fp8"), std::invalid_argument);
    EXPECT_THROW(memoryFormatFromString("nhwc"), std::invalid_argument);
}

TEST(ExecutionPlan, AForcedPlanIsUsedAsGivenWithoutMeasuring) {
    CacheDir cache;
    PlanRequest r;
    r.precision = Precision::FP32;
    r.memoryFormat = MemoryFormatChoice::Contiguous;
    r.threads = 1;
    const ExecutionPlan p = choosePlan(r, minimalRgb(), 32, 32, 2, "cpu");
    EXPECT_EQ(p.origin, "forced");
    EXPECT_EQ(p.precision, Precision::FP32);
    EXPECT_FALSE(p.channelsLast);
    EXPECT_EQ(p.threads, 1);
    EXPECT_EQ(currentThreads(), 1);
    EXPECT_TRUE(p.candidates.empty());
    EXPECT_FALSE(fs::exists(cache.file()));
    EXPECT_EQ(p.describe(), "fp32, contiguous, 1 thread");
    r.precision = Precision::FP16;  // fp16 needs CUDA
    EXPECT_THROW(choosePlan(r, minimalRgb(), 32, 32, 2, "cpu"), std::invalid_argument);
    configureThreads(0);
}

namespace {

// What other programs' load is taken to be while a plan is measured (the real one depends on
// what else the machine runs, e.g. the tests beside this one).
std::function<double(const std::function<void()> &)> otherLoad(double cores, int *calls = nullptr) {
    return [cores, calls](const std::function<void()> &work) {
        work();
        if (calls) ++*calls;
        return cores;
    };
}

}  // namespace

TEST(ExecutionPlan, AutoIsMeasuredOnceThenReadFromTheCache) {
    CacheDir cache;
    PlanRequest r;  // precision and memory format auto
    r.threads = 1;  // one thread choice keeps the test short
    r.otherLoadDuring = otherLoad(0.0);
    const ExecutionPlan first = choosePlan(r, minimalRgb(), 32, 32, 2, "cpu");
    EXPECT_EQ(first.origin, "measured");
    // fp32 and (on CPUs with native bf16) bf16, each channels-last and contiguous.
    EXPECT_EQ(first.candidates.size(), cpuHasFastBf16() ? 4u : 2u);
    double fastest = 0;
    for (const auto &c : first.candidates)
        if (c.stepSeconds > 0 && (fastest == 0 || c.stepSeconds < fastest)) fastest = c.stepSeconds;
    EXPECT_DOUBLE_EQ(first.stepSeconds, fastest);  // the winner is the fastest measured
    ASSERT_TRUE(fs::exists(cache.file()));
    const nlohmann::json file = nlohmann::json::parse(std::ifstream(cache.file()));
    EXPECT_EQ(file["plans"].size(), 1u);

    const ExecutionPlan second = choosePlan(r, minimalRgb(), 32, 32, 2, "cpu");
    EXPECT_EQ(second.origin.rfind("cached", 0), 0u) << second.origin;
    EXPECT_EQ(second.precision, first.precision);
    EXPECT_EQ(second.channelsLast, first.channelsLast);
    EXPECT_TRUE(second.candidates.empty());
    EXPECT_EQ(cachedPlans().size(), 1u);

    r.useCache = false;  // --replan
    EXPECT_EQ(choosePlan(r, minimalRgb(), 32, 32, 2, "cpu").origin, "measured");
    // A different model is another entry.
    ModelConfig other = minimalRgb();
    other.widths = {8, 8};
    r.useCache = true;
    EXPECT_EQ(choosePlan(r, other, 32, 32, 2, "cpu").origin, "measured");
    EXPECT_EQ(cachedPlans().size(), 2u);
    configureThreads(0);
}

// A plan measured while other programs kept a core busy may have the wrong winner: it is used
// and cached, and measured again by the first run that finds the machine quiet, not before.
TEST(ExecutionPlan, APlanMeasuredWhileOtherProgramsWereBusyIsMeasuredAgainWhenTheyAreNot) {
    CacheDir cache;
    PlanRequest r;
    r.threads = 1;
    std::vector<std::string> said;
    const auto progress = [&said](const std::string &line) { said.push_back(line); };
    r.otherLoadDuring = otherLoad(1.0);
    const ExecutionPlan disturbed = choosePlan(r, minimalRgb(), 32, 32, 2, "cpu", progress);
    EXPECT_EQ(disturbed.origin, "measured");
    EXPECT_DOUBLE_EQ(disturbed.busyWhileMeasuring, 1.0);
    EXPECT_NE(disturbed.summary().find("measured while other programs kept 1.0 cores busy"), std::string::npos)
        << disturbed.summary();
    EXPECT_NE(std::find_if(said.begin(), said.end(),
                           [](const std::string &l) { return l.find("measured again when") != std::string::npos; }),
              said.end());
    EXPECT_DOUBLE_EQ(cachedPlans()[0]["plan"]["busy_cores_measuring"].get<double>(), 1.0);

    // Still busy: the cached plan is used.
    int calls = 0;
    r.otherLoadDuring = otherLoad(0.8, &calls);
    const ExecutionPlan stillBusy = choosePlan(r, minimalRgb(), 32, 32, 2, "cpu");
    EXPECT_EQ(stillBusy.origin.rfind("cached", 0), 0u) << stillBusy.origin;
    EXPECT_EQ(calls, 1);  // the load looked at, no measurement

    // Quiet: measured again, and that measurement is cached in its place.
    calls = 0;
    r.otherLoadDuring = otherLoad(0.1, &calls);
    const ExecutionPlan quiet = choosePlan(r, minimalRgb(), 32, 32, 2, "cpu");
    EXPECT_EQ(quiet.origin, "measured");
    EXPECT_FALSE(quiet.candidates.empty());
    EXPECT_EQ(calls, 2);  // the look, then the measurement
    EXPECT_DOUBLE_EQ(quiet.busyWhileMeasuring, 0.1);
    EXPECT_EQ(quiet.summary().find("measured while"), std::string::npos) << quiet.summary();
    calls = 0;
    const ExecutionPlan again = choosePlan(r, minimalRgb(), 32, 32, 2, "cpu");
    EXPECT_EQ(again.origin.rfind("cached", 0), 0u) << again.origin;
    EXPECT_EQ(calls, 0);  // an undisturbed plan is read without looking at the load
    EXPECT_EQ(cachedPlans().size(), 1u);
    configureThreads(0);
}

// The load is read from the machine: a program spinning on a core while the plans are measured.
TEST(ExecutionPlan, TheLoadWhileMeasuringIsReadFromTheMachine) {
    CacheDir cache;
    unetlab::BusyProcess busy;
    ASSERT_TRUE(busy.started());
    PlanRequest r;
    r.threads = 1;
    // 128² images: long enough a measurement (a few tenths of a second) for /proc/stat's 10 ms ticks.
    const ExecutionPlan plan = choosePlan(r, minimalRgb(), 128, 128, 4, "cpu");
    busy.stop();
    configureThreads(0);
    EXPECT_EQ(plan.origin, "measured");
    EXPECT_GE(plan.busyWhileMeasuring, 0.6);  // more when other tests run beside this one, never less
}

TEST(ExecutionPlan, ASizeTheModelCannotTakeIsRefusedBeforeMeasuring) {
    CacheDir cache;
    ModelConfig unet = presetConfig("unet");  // 4 levels: sides must be multiples of 16
    unet.inChannels = 3;
    unet.numClasses = 2;
    try {
        choosePlan(PlanRequest{}, unet, 72, 72, 2, "cpu");
        FAIL() << "72x72 was accepted for a 4-level U-Net";
    } catch (const std::invalid_argument &e) {
        EXPECT_NE(std::string(e.what()).find("must be a multiple of 16"), std::string::npos) << e.what();
    }
    EXPECT_FALSE(fs::exists(cache.file()));  // nothing was measured
}

TEST(ExecutionPlan, ADamagedCacheIsMeasuredAgain) {
    CacheDir cache;
    fs::create_directories(cache.file().parent_path());
    std::ofstream(cache.file()) << "{ not json";
    PlanRequest r;
    r.threads = 1;
    r.memoryFormat = MemoryFormatChoice::ChannelsLast;
    EXPECT_EQ(choosePlan(r, minimalRgb(), 32, 32, 2, "cpu").origin, "measured");
    EXPECT_NO_THROW(nlohmann::json::parse(std::ifstream(cache.file())));
    configureThreads(0);
}

TEST(ExecutionPlan, UnetlabPlanSettlesAutoWithoutMeasuring) {
    CacheDir cache;
    ::setenv("UNETLAB_PLAN", "bf16,contiguous", 1);
    PlanRequest r;
    const ExecutionPlan p = choosePlan(r, minimalRgb(), 32, 32, 2, "cpu");
    EXPECT_EQ(p.origin, "forced by UNETLAB_PLAN");
    EXPECT_EQ(p.precision, Precision::BF16);
    EXPECT_FALSE(p.channelsLast);
    r.precision = Precision::FP32;  // an explicit choice wins over the environment
    EXPECT_EQ(choosePlan(r, minimalRgb(), 32, 32, 2, "cpu").precision, Precision::FP32);
    ::setenv("UNETLAB_PLAN", "fast", 1);
    EXPECT_THROW(choosePlan(PlanRequest{}, minimalRgb(), 32, 32, 2, "cpu"), std::invalid_argument);
    ::unsetenv("UNETLAB_PLAN");
    EXPECT_FALSE(fs::exists(cache.file()));
    configureThreads(0);
}

TEST(Autocast, ConvolutionsRunInBf16InsideTheScopeOnly) {
    const torch::Tensor x = torch::rand({1, 3, 8, 8});
    const torch::Tensor w = torch::rand({4, 3, 3, 3});
    EXPECT_FALSE(at::autocast::is_cpu_enabled());
    {
        AutocastScope scope(Precision::BF16, torch::Device(torch::kCPU));
        EXPECT_TRUE(at::autocast::is_cpu_enabled());
        EXPECT_EQ(torch::conv2d(x, w).scalar_type(), torch::kBFloat16);
        {
            AutocastScope fp32(Precision::FP32, torch::Device(torch::kCPU));  // fp32: changes nothing
            EXPECT_TRUE(at::autocast::is_cpu_enabled());
        }
    }
    EXPECT_FALSE(at::autocast::is_cpu_enabled());
    EXPECT_EQ(torch::conv2d(x, w).scalar_type(), torch::kFloat);
    EXPECT_THROW(AutocastScope(Precision::FP16, torch::Device(torch::kCPU)), std::invalid_argument);
}

// The accuracy guard: the reduced-precision plan trains to the same quality as fp32 (same
// seed, same data), within one point of validation Dice; validation itself runs in fp32.
TEST(ExecutionPlan, Bf16TrainingReachesTheDiceOfFp32WithinOnePoint) {
    SyntheticOptions o;
    o.count = 60;
    o.size = 64;
    o.seed = 1;
    const auto data = std::make_shared<SyntheticCells>(o);
    TrainConfig c;
    c.model = presetConfig("minimal");
    c.epochs = 5;
    c.batchSize = 8;
    c.learningRate = 1e-2;
    c.device = DeviceChoice::CPU;
    double dice[2] = {0, 0};
    for (int i = 0; i < 2; ++i) {
        c.precision = i == 0 ? Precision::FP32 : Precision::BF16;
        Trainer t(c, data);
        while (!t.finished()) t.step();
        ASSERT_FALSE(t.history().empty());
        dice[i] = t.history()[static_cast<std::size_t>(t.bestEpoch() - 1)].valDiceMean;
    }
    EXPECT_GT(dice[0], 0.7);  // it did learn
    EXPECT_NEAR(dice[1], dice[0], 0.01) << "fp32 " << dice[0] << ", bf16 " << dice[1];
}

TEST(ExecutionPlan, Fp16TrainingOnACpuIsRefusedWithAPlainMessage) {
    SyntheticOptions o;
    o.count = 12;
    o.size = 32;
    TrainConfig c;
    c.model = presetConfig("minimal");
    c.precision = Precision::FP16;
    c.device = DeviceChoice::CPU;
    try {
        Trainer t(c, std::make_shared<SyntheticCells>(o));
        FAIL() << "fp16 on the CPU was accepted";
    } catch (const std::invalid_argument &e) {
        EXPECT_NE(std::string(e.what()).find("needs a CUDA GPU"), std::string::npos) << e.what();
    }
}

// With another program spinning on a core, automatic threads leave that core to it (two
// OpenMP threads on two cores with one busy run slower than one); forced threads and
// OMP_NUM_THREADS are used as given.
TEST(ExecutionPlan, AutomaticThreadsLeaveTheCoresOtherProgramsUse) {
    CacheDir cache;
    std::string omp;
    if (const char *env = std::getenv("OMP_NUM_THREADS")) omp = env;
    ::unsetenv("OMP_NUM_THREADS");
    const int before = currentThreads();
    unetlab::BusyProcess busy;
    ASSERT_TRUE(busy.started());
    PlanRequest request;
    request.precision = Precision::FP32;
    request.memoryFormat = MemoryFormatChoice::ChannelsLast;
    const ExecutionPlan plan = choosePlan(request, minimalRgb(), 32, 32, 1, "cpu");
    ::setenv("OMP_NUM_THREADS", "2", 1);
    const ExecutionPlan fromEnvironment = choosePlan(request, minimalRgb(), 32, 32, 1, "cpu");
    ::unsetenv("OMP_NUM_THREADS");
    request.threads = logicalCpus();  // as a restored run asks: all CPUs, but not the busy ones
    request.freeCoresOnly = true;
    const ExecutionPlan restored = choosePlan(request, minimalRgb(), 32, 32, 1, "cpu");
    request.threads = 2;
    request.freeCoresOnly = false;
    const ExecutionPlan forced = choosePlan(request, minimalRgb(), 32, 32, 1, "cpu");
    busy.stop();
    if (!omp.empty()) ::setenv("OMP_NUM_THREADS", omp.c_str(), 1);
    const int threadsNow = currentThreads();
    configureThreads(before);

    EXPECT_GE(plan.busyCores, 0.6);  // more when other tests run beside this one, never less
    EXPECT_EQ(plan.threads, std::min(plan.unloadedThreads, freeCores(logicalCpus(), plan.busyCores)));
    if (std::thread::hardware_concurrency() > 1) {
        EXPECT_LT(plan.threads, static_cast<int>(std::thread::hardware_concurrency()));
    }
    EXPECT_GE(plan.threads, 1);
    if (plan.threads < plan.unloadedThreads) {
        EXPECT_NE(plan.summary().find("busy with other programs"), std::string::npos) << plan.summary();
    }
    EXPECT_EQ(toJson(plan)["busy_cores"].get<double>(), plan.busyCores);
    EXPECT_GE(restored.busyCores, 0.6);
    EXPECT_EQ(restored.threads, freeCores(logicalCpus(), restored.busyCores));
    for (const ExecutionPlan &p : {fromEnvironment, forced}) {
        EXPECT_EQ(p.threads, 2);
        EXPECT_LT(p.busyCores, 0);
        EXPECT_EQ(p.summary().find("busy"), std::string::npos) << p.summary();
    }
    EXPECT_EQ(threadsNow, 2);  // what the last plan set
}
