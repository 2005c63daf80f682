// Nothing lost (issue #9): a run saved between epochs continues exactly as if it had never
// stopped, its autosave folder says what it is, and a killed run is found again.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/wait.h>
#include <unistd.h>

#include "../RemoveTree.h"
#include "core/AtomicFile.h"
#include "core/Device.h"
#include "SmallData.h"
#include "data/SyntheticCells.h"
#include "train/Checkpoint.h"
#include "train/History.h"
#include "train/RunFolder.h"
#include "train/Trainer.h"

using namespace unetlab;
namespace fs = std::filesystem;

namespace {

TrainConfig config(int epochs) {
    TrainConfig c;
    c.model = presetConfig("minimal");
    c.model.dropout = 0.2;  // draws from the global generator: must continue the same way
    c.epochs = epochs;
    c.batchSize = 4;
    c.learningRate = 1e-2;
    c.schedule = ScheduleKind::OneCycle;
    c.augmentation = parseAugmentation("flip,rot90");
    c.valFraction = 0.2;
    c.testFraction = 0.1;
    return c;
}

// Trains until `epochs` epochs have ended (or the run finishes).
void trainEpochs(Trainer &t, std::size_t epochs) {
    while (!t.finished() && t.history().size() < epochs) t.step();
}

struct TempDir {
    fs::path path;
    TempDir() {
        path = fs::temp_directory_path() / ("unetlab-resume-" + std::to_string(::getpid()) + "-" +
                                            ::testing::UnitTest::GetInstance()->current_test_info()->name());
        unetlab::testing::removeTree(path);
        fs::create_directories(path);
    }
    ~TempDir() { unetlab::testing::removeTree(path); }
};

}  // namespace

TEST(Resume, ASavedRunContinuesExactlyAsTheUninterruptedOne) {
    const auto data = smallData();
    Trainer straight(config(4), data);
    trainEpochs(straight, 4);
    ASSERT_TRUE(straight.finished());

    std::string state;
    {
        Trainer first(config(4), data);
        trainEpochs(first, 2);
        ASSERT_FALSE(first.finished());
        state = first.resumeState("synthetic:24:5", "minimal");
    }  // the first trainer is gone, as after kill -9
    auto resumed = Trainer::resume(state, data);
    ASSERT_EQ(resumed->history().size(), 2u);
    trainEpochs(*resumed, 4);
    ASSERT_TRUE(resumed->finished());

    ASSERT_EQ(resumed->history().size(), 4u);
    for (std::size_t e = 0; e < 4; ++e) {
        const EpochReport &a = straight.history()[e], &b = resumed->history()[e];
        EXPECT_EQ(a.epoch, b.epoch);
        EXPECT_NEAR(a.trainLoss, b.trainLoss, 1e-5) << "epoch " << e + 1;
        EXPECT_NEAR(a.valLoss, b.valLoss, 1e-5) << "epoch " << e + 1;
        EXPECT_NEAR(a.valDiceMean, b.valDiceMean, 1e-5) << "epoch " << e + 1;
        EXPECT_DOUBLE_EQ(a.learningRate, b.learningRate) << "epoch " << e + 1;
        EXPECT_EQ(a.best, b.best);
    }
    EXPECT_EQ(straight.bestEpoch(), resumed->bestEpoch());
    // The elapsed time goes on from where it was, it does not restart at zero.
    EXPECT_GE(resumed->history()[2].elapsedSeconds, resumed->history()[1].elapsedSeconds);
}

TEST(Resume, PeekReadsSettingsAndHistoryAndMoreEpochsExtendTheRun) {
    const auto data = smallData();
    Trainer t(config(2), data);
    trainEpochs(t, 1);
    const std::string state = t.resumeState("synthetic:24:5", "minimal");
    const ResumeInfo info = Trainer::peekResumeState(state);
    EXPECT_EQ(info.dataSpec, "synthetic:24:5");
    EXPECT_EQ(info.modelName, "minimal");
    EXPECT_EQ(info.config.epochs, 2);
    EXPECT_EQ(info.config.schedule, ScheduleKind::OneCycle);
    ASSERT_EQ(info.history.size(), 1u);
    EXPECT_EQ(info.history[0].epoch, 1);
    EXPECT_EQ(info.bestEpoch, 1);

    auto longer = Trainer::resume(state, data, 3);
    EXPECT_EQ(longer->config().epochs, 3);
    trainEpochs(*longer, 3);
    EXPECT_EQ(longer->history().size(), 3u);
    EXPECT_THROW(Trainer::resume(state, data, 1), std::invalid_argument);  // 1 epoch is done already
}

TEST(Resume, MidEpochStateIsRefused) {
    Trainer t(config(2), smallData());
    t.step();  // one training batch
    EXPECT_THROW(t.resumeState("synthetic:24:5", "minimal"), std::logic_error);
}

TEST(Resume, DamagedForeignOrMismatchedStatesAreRefusedWithOneLine) {
    const auto data = smallData();
    Trainer t(config(3), data);
    trainEpochs(t, 1);
    const std::string state = t.resumeState("synthetic:24:5", "minimal");
    auto refuses = [&](const std::string &bytes, const std::shared_ptr<const Dataset> &d, const std::string &words) {
        try {
            Trainer::resume(bytes, d);
            ADD_FAILURE() << "accepted: " << words;
        } catch (const std::invalid_argument &e) {
            const std::string m = e.what();
            EXPECT_NE(m.find(words), std::string::npos) << m;
            EXPECT_EQ(m.find('\n'), std::string::npos) << m;
        }
    };
    refuses("", data, "empty");
    refuses(state.substr(0, state.size() / 2), data, "truncated or damaged");
    refuses(std::string(4096, '\x5a'), data, "truncated or damaged");
    // A record whose directory entry claims 4 GiB: refused before LibTorch's reader allocates it.
    std::string huge = state;
    const std::size_t entry = huge.find("PK\x01\x02");
    ASSERT_NE(entry, std::string::npos);
    huge.replace(entry + 24, 4, "\xff\xff\xff\xff");
    refuses(huge, data, "claims 4294967295 bytes, more than the file can hold");
    refuses(state, smallData(30), "the data has changed");
    refuses(state, smallData(24, 32), "the data has changed");
    // A model checkpoint is not a run state.
    const fs::path ckpt = fs::temp_directory_path() / ("unetlab-resume-ckpt-" + std::to_string(::getpid()));
    t.saveCheckpoint(ckpt.string(), "synthetic:24:5");
    std::string ckptBytes = readWholeFile(ckpt.string());
    fs::remove(ckpt);
    refuses(ckptBytes, data, "");
}

TEST(RunFolder, EveryEpochLeavesStateCheckpointsMetricsAndADescription) {
    TempDir tmp;
    const auto data = smallData();
    Trainer t(config(3), data);
    RunAutosave autosave((tmp.path / "run1").string(), "unetlab-cli", "minimal", "synthetic:24:5");
    autosave.begin(t);
    EXPECT_EQ(readSavedRun(autosave.dir()).state, "running");
    while (!t.finished()) {
        const StepResult r = t.step();
        if (r.epochEnded) autosave.epochEnded(t, r.epoch);
        if (t.history().size() == 2 && !t.finished()) break;
    }
    const fs::path dir = autosave.dir();
    for (const char *f : {"state.bin", "last.ckpt", "best.ckpt", "metrics.csv", "run.json"})
        EXPECT_TRUE(fs::is_regular_file(dir / f)) << f;
    const SavedRun run = readSavedRun(dir.string());
    EXPECT_EQ(run.state, "running");
    EXPECT_EQ(run.epochsDone, 2);
    EXPECT_EQ(run.epochs, 3);
    EXPECT_EQ(run.model, "minimal");
    EXPECT_EQ(run.dataSpec, "synthetic:24:5");
    EXPECT_EQ(run.program, "unetlab-cli");
    EXPECT_NE(run.describe().find("epoch 2 of 3"), std::string::npos) << run.describe();
    // last.ckpt is a checkpoint of epoch 2 with its history; the CSV has a line per epoch.
    const auto header = readCheckpointHeader((dir / "last.ckpt").string());
    EXPECT_EQ(header["history"].size(), 2u);
    std::ifstream csv(dir / "metrics.csv");
    int lines = 0;
    for (std::string line; std::getline(csv, line);) ++lines;
    EXPECT_EQ(lines, 3);
    // This process is alive: its own run is not "interrupted".
    EXPECT_TRUE(findInterruptedRuns(tmp.path.string()).empty());

    autosave.end(t, "stopped", "stopped by the user");
    EXPECT_EQ(readSavedRun(dir.string()).state, "stopped");
    EXPECT_EQ(readSavedRun(dir.string()).reason, "stopped by the user");
}

TEST(RunFolder, TheBatchCurvesAreSavedAndAResumedRunKeepsThem) {
    TempDir tmp;
    const auto data = smallData();
    const std::string dir = (tmp.path / "run").string();
    std::vector<BatchReport> firstTwo;
    {
        Trainer t(config(3), data);
        RunAutosave autosave(dir, "unetlab-cli", "minimal", "synthetic:24:5");
        autosave.begin(t);
        while (t.history().size() < 2) {
            const StepResult r = t.step();
            if (r.epochEnded) autosave.epochEnded(t, r.epoch);
        }
        firstTwo = t.batchHistory();
    }
    // 24 images, 17 for training in batches of 4: 5 batches an epoch.
    ASSERT_EQ(firstTwo.size(), 10u);
    EXPECT_EQ(firstTwo.back().epoch, 2);
    EXPECT_EQ(firstTwo.back().batch, 5);
    const std::vector<BatchReport> saved = readRunBatches(dir, 2);
    ASSERT_EQ(saved.size(), firstTwo.size());
    for (std::size_t i = 0; i < saved.size(); ++i) {
        EXPECT_EQ(saved[i].epoch, firstTwo[i].epoch);
        EXPECT_EQ(saved[i].batch, firstTwo[i].batch);
        EXPECT_EQ(saved[i].batchesPerEpoch, 5);
        EXPECT_EQ(saved[i].loss, firstTwo[i].loss);  // written with every digit
        EXPECT_EQ(saved[i].learningRate, firstTwo[i].learningRate);
        EXPECT_EQ(saved[i].elapsedSeconds, firstTwo[i].elapsedSeconds);
    }
    EXPECT_EQ(readRunBatches(dir, 1).size(), 5u);  // only the epochs asked for

    // Resumed after epoch 2: the folder keeps epochs 1-2 and adds epoch 3's batches.
    auto resumed = Trainer::resume(readWholeFile((fs::path(dir) / kRunStateFile).string()), data);
    EXPECT_TRUE(resumed->batchHistory().empty());
    RunAutosave again(dir, "unetlab-cli", "minimal", "synthetic:24:5");
    again.begin(*resumed);
    while (!resumed->finished()) {
        const StepResult r = resumed->step();
        if (r.epochEnded) again.epochEnded(*resumed, r.epoch);
    }
    const std::vector<BatchReport> all = readRunBatches(dir, 3);
    ASSERT_EQ(all.size(), 15u);
    EXPECT_EQ(all[9].loss, firstTwo[9].loss);
    EXPECT_EQ(all[10].epoch, 3);
    EXPECT_EQ(all[10].batch, 1);
    EXPECT_EQ(all[14].loss, resumed->batchHistory().back().loss);

    // A file cut short keeps its whole lines; a foreign or missing one gives no batches.
    const std::string csv = readWholeFile((fs::path(dir) / kRunBatchesFile).string());
    const std::string cut = csv.substr(0, csv.rfind('\n', csv.size() - 2) + 1) + "3,5,5,0.41";
    EXPECT_EQ(batchesFromCsv(cut).size(), 14u);
    EXPECT_TRUE(batchesFromCsv("epoch,train_loss\n1,0.5\n").empty());
    EXPECT_TRUE(batchesFromCsv("").empty());
    EXPECT_TRUE(readRunBatches((tmp.path / "nowhere").string(), 3).empty());
}

TEST(RunFolder, ARunWhoseProcessWasKilledIsFoundAndContinues) {
    TempDir tmp;
    const fs::path dir = tmp.path / "killed";
    // A child process trains two epochs with autosave and is killed with SIGKILL during the
    // third epoch.
    int pipefd[2];
    ASSERT_EQ(::pipe(pipefd), 0);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        ::close(pipefd[0]);
        // A forked child must not enter the OpenMP pool the parent may have started (libgomp
        // hangs then); one thread keeps LibTorch out of it.
        // Whatever happens here, the child must not return into GoogleTest's loop and run the
        // remaining tests a second time.
        try {
            configureThreads(1);
            Trainer t(config(5), smallData());
            RunAutosave autosave(dir.string(), "unetlab-cli", "minimal", "synthetic:24:5");
            autosave.begin(t);
            while (!t.finished()) {
                const StepResult r = t.step();
                if (r.epochEnded) autosave.epochEnded(t, r.epoch);
                if (t.history().size() == 2) {
                    const char ready = 'r';
                    (void)!::write(pipefd[1], &ready, 1);
                    for (;;) t.step();  // keeps training until killed (never reaches epoch 5 in time)
                }
            }
        } catch (const std::exception &e) {
            std::fprintf(stderr, "child: %s\n", e.what());
        }
        ::_exit(0);
    }
    ::close(pipefd[1]);
    char ready = 0;
    ASSERT_EQ(::read(pipefd[0], &ready, 1), 1);
    ::close(pipefd[0]);
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status));

    const auto runs = findInterruptedRuns(tmp.path.string());
    ASSERT_EQ(runs.size(), 1u);
    EXPECT_EQ(runs[0].dir, dir.string());
    EXPECT_EQ(runs[0].epochsDone, 2);
    const std::string state = readWholeFile((dir / kRunStateFile).string());
    auto resumed = Trainer::resume(state, smallData());
    EXPECT_EQ(resumed->history().size(), 2u);
    trainEpochs(*resumed, 3);
    EXPECT_EQ(resumed->history().back().epoch, 3);

    setRunState(dir.string(), "discarded");
    EXPECT_TRUE(findInterruptedRuns(tmp.path.string()).empty());
}

TEST(History, JsonKeepsEveryFieldIncludingUndefinedValues) {
    EpochReport e;
    e.epoch = 1;
    e.trainLoss = 0.5;
    e.valDice = {0.9, std::nan("")};
    e.valDiceMean = 0.9;
    e.valIoU = {0.8, 0.1};
    e.best = true;
    const auto back = historyFromJson(historyToJson({e}));
    ASSERT_EQ(back.size(), 1u);
    EXPECT_EQ(back[0].valDice.size(), 2u);
    EXPECT_TRUE(std::isnan(back[0].valDice[1]));
    EXPECT_TRUE(std::isnan(back[0].valNcError));
    EXPECT_DOUBLE_EQ(back[0].trainLoss, 0.5);
    EXPECT_TRUE(back[0].best);
    EXPECT_THROW(historyFromJson(nlohmann::json::parse(R"([{"epoch": 2}])")), std::invalid_argument);
}
