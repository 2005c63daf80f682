// The engine thread as the GUI drives it: commands in, plain events out, clean shutdown.
#include <atomic>
#include <memory>

#include <QFile>
#include <QLocale>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QThread>
#include <QTest>

#include <gtest/gtest.h>

#include "WaitFor.h"

#include "gui/EngineThread.h"
#include "gui/EngineWorker.h"

using unetlab::gui::EngineThread;
using unetlab::gui::EngineWorker;

namespace {

// Small and quick: MinimalCNN on 24 synthetic 64x64 images, 5 batches per epoch.
RunRequest smallRun(int epochs = 2) {
    RunRequest r;
    r.modelName = QStringLiteral("minimal");
    r.config.model = unetlab::presetConfig("minimal");
    r.config.epochs = epochs;
    r.config.batchSize = 4;
    r.config.learningRate = 1e-2;
    r.config.valFraction = 0.1;
    r.config.testFraction = 0.1;
    r.data.kind = "synthetic";
    r.data.count = 24;
    r.data.size = 64;
    return r;
}

void send(EngineWorker *w, void (EngineWorker::*slot)()) { QMetaObject::invokeMethod(w, slot, Qt::QueuedConnection); }

// Pauses the run right after the engine sends its first batches, asked on the engine's own
// thread: the pause is queued before the next step whatever the machine's speed (a pause sent
// from the test's thread can arrive after a run this short has ended on a fast machine).
void pauseAfterFirstBatches(EngineWorker *w) {
    auto fired = std::make_shared<std::atomic_bool>(false);
    QObject::connect(
        w, &EngineWorker::batchesDone, w,
        [w, fired] {
            if (!fired->exchange(true)) QMetaObject::invokeMethod(w, &EngineWorker::pause, Qt::QueuedConnection);
        },
        Qt::DirectConnection);
}

class Engine : public ::testing::Test {
protected:
    void SetUp() override {
        engine = std::make_unique<EngineThread>(dir.path());
        engine->start();
    }
    void start(const RunRequest &r) {
        QMetaObject::invokeMethod(engine->worker(), [w = engine->worker(), r] { w->start(r); }, Qt::QueuedConnection);
    }
    QTemporaryDir dir;
    std::unique_ptr<EngineThread> engine;
};

}  // namespace

TEST_F(Engine, StartSendsEventsOnItsOwnThreadAndStopJoins) {
    EngineWorker *w = engine->worker();
    EXPECT_NE(w->thread(), QThread::currentThread());
    EngineSpy started(w, &EngineWorker::runStarted);
    EngineSpy batches(w, &EngineWorker::batchesDone);
    EngineSpy epochs(w, &EngineWorker::epochDone);
    EngineSpy previews(w, &EngineWorker::previewReady);
    EngineSpy finished(w, &EngineWorker::runFinished);
    start(smallRun(2));
    ASSERT_TRUE(waitFor(finished, 1, 60000));
    ASSERT_EQ(started.count(), 1);
    const auto info = started.at(0).at(0).value<RunInfo>();
    EXPECT_EQ(info.parameters, 5187);
    EXPECT_EQ(info.classNames.size(), 3);
    EXPECT_EQ(info.epochs, 2);
    EXPECT_EQ(epochs.count(), 2);
    int reported = 0;
    for (const auto &args : batches) reported += static_cast<int>(args.at(0).value<QVector<unetlab::BatchReport>>().size());
    EXPECT_EQ(reported, 2 * info.batchesPerEpoch);  // every batch reaches the GUI, some grouped
    ASSERT_GE(previews.count(), 2);  // before training, then after epochs (at most 4 a second)
    EXPECT_EQ(previews.first().at(1).toInt(), 0);
    EXPECT_EQ(previews.last().at(1).toInt(), 2);  // always after the last epoch
    EXPECT_FALSE(previews.last().at(0).value<QVector<PreviewItem>>().first().prediction.isNull());
    const auto summary = finished.at(0).at(0).value<RunSummary>();
    EXPECT_EQ(summary.epochsRun, 2);
    EXPECT_FALSE(summary.diverged);
    EXPECT_TRUE(QFileInfo::exists(summary.checkpoint)) << summary.checkpoint.toStdString();
    EXPECT_TRUE(QFileInfo::exists(info.autosaveDir + QStringLiteral("/last.ckpt")));
    EXPECT_TRUE(QFileInfo::exists(info.autosaveDir + QStringLiteral("/metrics.csv")));
    engine->shutdown();
    EXPECT_FALSE(engine->isRunning());
}

TEST_F(Engine, PauseHoldsTrainingStepRunsOneBatchResumeContinues) {
    EngineWorker *w = engine->worker();
    EngineSpy batches(w, &EngineWorker::batchesDone);
    EngineSpy paused(w, &EngineWorker::pausedChanged);
    EngineSpy finished(w, &EngineWorker::runFinished);
    pauseAfterFirstBatches(w);
    start(smallRun(3));
    ASSERT_TRUE(waitFor(batches, 1, 30000));
    ASSERT_TRUE(waitFor(paused, 1, 10000));
    EXPECT_TRUE(paused.at(0).at(0).toBool());
    QTest::qWait(300);  // let any flush arrive
    auto count = [&] {
        int n = 0;
        for (const auto &a : batches) n += static_cast<int>(a.at(0).value<QVector<unetlab::BatchReport>>().size());
        return n;
    };
    const int atPause = count();
    QTest::qWait(700);
    EXPECT_EQ(count(), atPause);  // nothing trains while paused
    send(w, &EngineWorker::stepOnce);
    for (int i = 0; i < 100 && count() < atPause + 1; ++i) QTest::qWait(100);
    EXPECT_EQ(count(), atPause + 1);
    QTest::qWait(300);
    EXPECT_EQ(count(), atPause + 1);  // exactly one batch
    send(w, &EngineWorker::resume);
    ASSERT_TRUE(waitFor(finished, 1, 60000));
    EXPECT_EQ(finished.at(0).at(0).value<RunSummary>().epochsRun, 3);
}

// An autosave folder that cannot be made (here its parent is a file, which stops root too):
// the run starts and trains without autosave, and the warning comes after runStarted, so the
// Train area reads it as a warning about a run, not as a refused start.
TEST(EngineAutosave, AnUnwritableAutosaveFolderWarnsAfterTheRunStartsAndTheRunGoesOn) {
    QTemporaryDir dir;
    const QString notAFolder = dir.filePath(QStringLiteral("runs"));
    QFile file(notAFolder);
    ASSERT_TRUE(file.open(QIODevice::WriteOnly));
    file.close();
    EngineThread engine(notAFolder);
    engine.start();
    EngineWorker *w = engine.worker();
    QStringList order;  // the order the GUI thread receives them in
    QObject::connect(w, &EngineWorker::runStarted, w, [&order](const RunInfo &) { order << QStringLiteral("started"); },
                     Qt::DirectConnection);
    QObject::connect(w, &EngineWorker::errorOccurred, w, [&order](const QString &) { order << QStringLiteral("error"); },
                     Qt::DirectConnection);
    EngineSpy errors(w, &EngineWorker::errorOccurred);
    EngineSpy finished(w, &EngineWorker::runFinished);
    QMetaObject::invokeMethod(w, [w] { w->start(smallRun(2)); }, Qt::QueuedConnection);
    ASSERT_TRUE(waitFor(finished, 1, 60000));
    ASSERT_EQ(errors.count(), 1);
    EXPECT_TRUE(errors.at(0).at(0).toString().contains(QStringLiteral("training runs without autosave")))
        << errors.at(0).at(0).toString().toStdString();
    EXPECT_EQ(order, QStringList({QStringLiteral("started"), QStringLiteral("error")}));
    EXPECT_EQ(finished.at(0).at(0).value<RunSummary>().epochsRun, 2);
    engine.shutdown();
}

TEST_F(Engine, StopMidEpochEndsTheRunAndKeepsTheBestWeights) {
    EngineWorker *w = engine->worker();
    EngineSpy epochs(w, &EngineWorker::epochDone);
    EngineSpy finished(w, &EngineWorker::runFinished);
    start(smallRun(50));
    ASSERT_TRUE(waitFor(epochs, 1, 30000));
    send(w, &EngineWorker::stop);
    ASSERT_TRUE(waitFor(finished, 1, 30000));
    const auto s = finished.at(0).at(0).value<RunSummary>();
    EXPECT_LT(s.epochsRun, 50);
    EXPECT_GE(s.bestEpoch, 1);
    EXPECT_EQ(s.stopReason, QStringLiteral("stopped by the user"));
    EXPECT_TRUE(QFileInfo::exists(s.checkpoint));
}

TEST_F(Engine, LearningRateChangeTakesEffectOnTheNextBatches) {
    EngineWorker *w = engine->worker();
    EngineSpy batches(w, &EngineWorker::batchesDone);
    EngineSpy paused(w, &EngineWorker::pausedChanged);
    EngineSpy finished(w, &EngineWorker::runFinished);
    pauseAfterFirstBatches(w);
    start(smallRun(2));
    ASSERT_TRUE(waitFor(batches, 1, 30000));
    ASSERT_TRUE(waitFor(paused, 1, 10000));
    QMetaObject::invokeMethod(w, [w] { w->setLearningRate(2.5e-4); }, Qt::QueuedConnection);
    send(w, &EngineWorker::resume);
    ASSERT_TRUE(waitFor(finished, 1, 60000));
    const auto last = batches.last().at(0).value<QVector<unetlab::BatchReport>>();
    EXPECT_DOUBLE_EQ(last.back().learningRate, 2.5e-4);
    const auto first = batches.first().at(0).value<QVector<unetlab::BatchReport>>();
    EXPECT_DOUBLE_EQ(first.front().learningRate, 1e-2);
}

TEST_F(Engine, ALossThatBecomesNaNEndsTheRunWithAPlainMessage) {
    EngineWorker *w = engine->worker();
    EngineSpy finished(w, &EngineWorker::runFinished);
    RunRequest r = smallRun(3);
    r.config.model.activation = unetlab::Activation::LeakyReLU;
    r.config.optimizer = unetlab::OptimizerKind::SGD;
    r.config.momentum = 0.99;
    r.config.learningRate = 1.0;
    start(r);
    ASSERT_TRUE(waitFor(finished, 1, 60000));
    const auto s = finished.at(0).at(0).value<RunSummary>();
    EXPECT_TRUE(s.diverged);
    EXPECT_TRUE(s.stopReason.contains(QStringLiteral("the loss became"))) << s.stopReason.toStdString();
    EXPECT_TRUE(s.stopReason.contains(QStringLiteral("learning rate 1 is likely too high")));
}

TEST_F(Engine, BadRequestsAndCheckpointsBecomeMessagesNotCrashes) {
    EngineWorker *w = engine->worker();
    EngineSpy errors(w, &EngineWorker::errorOccurred);
    RunRequest r = smallRun(1);
    r.config.model = unetlab::presetConfig("unet");  // 4 levels need sizes divisible by 16
    r.data.size = 72;
    start(r);
    ASSERT_TRUE(waitFor(errors, 1, 10000));
    EXPECT_TRUE(errors.at(0).at(0).toString().contains(QStringLiteral("multiple of 16")));
    const QString junk = dir.filePath(QStringLiteral("junk.ckpt"));
    QFile f(junk);
    ASSERT_TRUE(f.open(QIODevice::WriteOnly));
    f.write("not a checkpoint");
    f.close();
    QMetaObject::invokeMethod(w, [w, junk] { w->loadCheckpoint(junk); }, Qt::QueuedConnection);
    ASSERT_TRUE(waitFor(errors, 2, 10000));
    EXPECT_TRUE(errors.at(1).at(0).toString().contains(QStringLiteral("not a UNet Lab checkpoint")));
    QMetaObject::invokeMethod(w, [w, junk] { w->saveCheckpoint(junk); }, Qt::QueuedConnection);
    ASSERT_TRUE(waitFor(errors, 3, 10000));  // nothing trained yet
    EXPECT_TRUE(errors.at(2).at(0).toString().contains(QStringLiteral("Nothing to save")));
}

TEST_F(Engine, ACheckpointSavedFromTheGuiLoadsAndPredicts) {
    EngineWorker *w = engine->worker();
    EngineSpy finished(w, &EngineWorker::runFinished);
    EngineSpy saved(w, &EngineWorker::checkpointSaved);
    EngineSpy loaded(w, &EngineWorker::checkpointLoaded);
    EngineSpy previews(w, &EngineWorker::previewReady);
    start(smallRun(1));
    ASSERT_TRUE(waitFor(finished, 1, 60000));
    const QString path = dir.filePath(QStringLiteral("mine.ckpt"));
    QMetaObject::invokeMethod(w, [w, path] { w->saveCheckpoint(path); }, Qt::QueuedConnection);
    ASSERT_TRUE(waitFor(saved, 1, 10000));
    previews.clear();
    QMetaObject::invokeMethod(w, [w, path] { w->loadCheckpoint(path); }, Qt::QueuedConnection);
    ASSERT_TRUE(waitFor(loaded, 1, 20000));
    const QString description = loaded.at(0).at(0).toString();
    EXPECT_TRUE(description.contains(QLocale().toString(5187) + QStringLiteral(" parameters, trained 1 epoch on ")))
        << description.toStdString();
    ASSERT_TRUE(waitFor(previews, 1, 10000));
    const auto items = previews.last().at(0).value<QVector<PreviewItem>>();
    ASSERT_FALSE(items.isEmpty());
    EXPECT_FALSE(items[0].prediction.isNull());
    EXPECT_GE(items[0].dice, 0.0);
}

TEST_F(Engine, ShutdownMidTrainingJoinsQuicklyAndKeepsFinishedEpochs) {
    EngineWorker *w = engine->worker();
    EngineSpy started(w, &EngineWorker::runStarted);
    EngineSpy epochs(w, &EngineWorker::epochDone);
    start(smallRun(100));
    ASSERT_TRUE(waitFor(epochs, 1, 30000));
    const QString runDir = started.at(0).at(0).value<RunInfo>().autosaveDir;
    QElapsedTimer t;
    t.start();
    engine->shutdown();
    EXPECT_LT(t.elapsed(), 10000);
    EXPECT_FALSE(engine->isRunning());
    EXPECT_TRUE(QFileInfo::exists(runDir + QStringLiteral("/last.ckpt")));
}

TEST_F(Engine, ReceptiveFieldRequestsAreAnsweredOnTheEngineThread) {
    EngineWorker *w = engine->worker();
    EngineSpy results(w, &EngineWorker::receptiveFieldReady);
    QImage image(64, 64, QImage::Format_RGB888);
    image.fill(QColor(200, 180, 170));
    ReceptiveFieldRequest fresh;
    fresh.id = 7;
    fresh.preset = QStringLiteral("minimal");
    fresh.image = image;
    fresh.outputPixel = QPoint(30, 20);
    QMetaObject::invokeMethod(w, [w, fresh] { w->receptiveField(fresh); }, Qt::QueuedConnection);
    ASSERT_TRUE(waitFor(results, 1, 20000));
    const auto r = results.at(0).at(0).value<ReceptiveFieldResult>();
    EXPECT_EQ(r.requestId, 7u);
    EXPECT_TRUE(r.error.isEmpty()) << r.error.toStdString();
    ASSERT_EQ(r.magnitude.size(), 64u * 64u);
    // MinimalCNN sees exactly a 5x5 window around the pixel.
    int nonzero = 0, left = 64, right = -1, top = 64, bottom = -1;
    for (int y = 0; y < 64; ++y)
        for (int x = 0; x < 64; ++x)
            if (r.magnitude[static_cast<std::size_t>(y) * 64 + x] != 0.0f) {
                ++nonzero;
                left = std::min(left, x), right = std::max(right, x);
                top = std::min(top, y), bottom = std::max(bottom, y);
            }
    EXPECT_EQ(right - left + 1, 5);
    EXPECT_EQ(bottom - top + 1, 5);
    EXPECT_EQ(left, 28);
    EXPECT_EQ(top, 18);

    ReceptiveFieldRequest trained = fresh;
    trained.id = 8;
    trained.trained = true;  // nothing trained in this session yet
    QMetaObject::invokeMethod(w, [w, trained] { w->receptiveField(trained); }, Qt::QueuedConnection);
    ASSERT_TRUE(waitFor(results, 2, 20000));
    const auto t = results.at(1).at(0).value<ReceptiveFieldResult>();
    EXPECT_EQ(t.requestId, 8u);
    EXPECT_TRUE(t.error.contains(QStringLiteral("no trained minimal"))) << t.error.toStdString();
}
