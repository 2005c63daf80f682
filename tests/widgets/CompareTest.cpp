// The Compare area and the engine thread's side-by-side training.
#include <cstdint>
#include <QLocale>
#include <QSignalSpy>
#include <QSlider>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

#include <gtest/gtest.h>

#include "WaitFor.h"

#include "CompareArea.h"
#include "CompareCharts.h"
#include "ComparePredictions.h"
#include "CompareSetup.h"
#include "CompareTables.h"
#include "PresentationMode.h"
#include "TrainingSettings.h"
#include "gui/EngineThread.h"
#include "gui/EngineWorker.h"

using unetlab::gui::EngineThread;
using unetlab::gui::EngineWorker;

namespace {

CompareRequest tinyRequest() {
    CompareRequest r;
    r.shared.modelName = QStringLiteral("small-unet");
    r.shared.config.epochs = 2;
    r.shared.config.batchSize = 4;
    r.shared.config.learningRate = 5e-3;
    r.shared.data.kind = "synthetic";
    r.shared.data.count = 20;
    r.shared.data.size = 32;
    r.names = {QStringLiteral("small-unet"), QStringLiteral("small-unet-noskip")};
    for (const char *p : {"small-unet", "small-unet-noskip"}) {
        unetlab::ModelConfig c = unetlab::presetConfig(p);
        c.base = 4;
        r.models.push_back(c);
    }
    return r;
}

// The area and the engine thread, wired as the main window wires them.
void wire(CompareArea &area, EngineWorker *w) {
    QObject::connect(&area, &CompareArea::startRequested, w, &EngineWorker::startComparison);
    QObject::connect(w, &EngineWorker::comparisonStarted, &area, &CompareArea::onStarted);
    QObject::connect(w, &EngineWorker::comparisonBatches, &area, &CompareArea::onBatches);
    QObject::connect(w, &EngineWorker::comparisonEpoch, &area, &CompareArea::onEpoch);
    QObject::connect(w, &EngineWorker::comparisonFinished, &area, &CompareArea::onFinished);
}

}  // namespace

TEST(CompareSetup, DefaultsToSkipVersusNoSkipWithExactParameterCounts) {
    CompareSetup s;
    const CompareRequest r = s.request();
    ASSERT_EQ(r.names.size(), 2);
    EXPECT_EQ(r.names[0], QStringLiteral("small-unet"));
    EXPECT_EQ(r.names[1], QStringLiteral("small-unet-noskip"));
    EXPECT_EQ(r.models[0].parameterCount(), 472899);
    EXPECT_EQ(r.models[1].parameterCount(), 426819);
    s.setModels({QStringLiteral("minimal"), QStringLiteral("small-unet"), QStringLiteral("unet")});
    EXPECT_EQ(s.modelCount(), 3);
    EXPECT_EQ(s.request().models[0].arch, unetlab::Architecture::MinimalCNN);
}

// The models' names in the status bar: the setup's counts before a comparison; once one has
// started, the counts of the models it built (a folder's masks can remove a class the setup
// counted), until the setup is edited again.
TEST(CompareArea, SummarisesTheModelsOfTheRunOnceStartedAndTheSetupAgainAfterAnEdit) {
    CompareArea area;
    const auto n = [](qlonglong v) { return QLocale().toString(v); };  // 472,899 in English
    EXPECT_EQ(area.modelsSummary(), QStringLiteral("small-unet (%1) vs small-unet-noskip (%2)").arg(n(472899), n(426819)));
    RunInfo a, b;
    a.modelName = QStringLiteral("small-unet");
    a.parameters = 472866;  // two classes: 33 head weights less
    b.modelName = QStringLiteral("small-unet-noskip");
    b.parameters = 426786;
    a.epochs = b.epochs = 3;
    area.onStarted({a, b});
    const QString built = QStringLiteral("small-unet (%1) vs small-unet-noskip (%2)").arg(n(472866), n(426786));
    EXPECT_EQ(area.modelsSummary(), built);
    area.onFinished(CompareResult{});
    EXPECT_EQ(area.modelsSummary(), built);
    area.setup()->setModels({QStringLiteral("small-unet"), QStringLiteral("small-unet")});
    EXPECT_EQ(area.modelsSummary(), QStringLiteral("small-unet (%1) vs small-unet (%1)").arg(n(472899)));
}

// On a projector Start folds the setup column away, as the Train area folds its settings; the
// fold button or a refused start brings it back, and without presentation mode Start leaves it
// where it is.
TEST(CompareArea, InPresentationModeStartFoldsTheSetupAway) {
    struct ModeOff {
        ~ModeOff() { PresentationMode::instance()->apply(false); }
    } off;
    CompareArea area;
    QSignalSpy shownChanged(&area, &CompareArea::setupShownChanged);
    area.show();
    EXPECT_TRUE(area.setupShown());
    area.start();
    EXPECT_EQ(area.state(), CompareArea::State::Preparing);
    EXPECT_TRUE(area.setupShown());
    area.onError(QStringLiteral("no engine here"));
    EXPECT_EQ(area.state(), CompareArea::State::Idle);

    PresentationMode::instance()->apply(true);
    area.start();
    EXPECT_FALSE(area.setupShown());
    ASSERT_FALSE(shownChanged.isEmpty());
    EXPECT_FALSE(shownChanged.back().at(0).toBool());
    area.setSetupShown(true);
    EXPECT_TRUE(area.setupShown());
    EXPECT_TRUE(shownChanged.back().at(0).toBool());
    // A start the engine refuses brings the setup back: it is what has to change.
    area.setSetupShown(false);
    EXPECT_EQ(area.state(), CompareArea::State::Preparing);  // the start above, not answered yet
    area.onError(QStringLiteral("A comparison cannot start while the Train area is training."));
    EXPECT_EQ(area.state(), CompareArea::State::Idle);
    EXPECT_TRUE(area.setupShown());
    EXPECT_EQ(area.progressText(), QStringLiteral("Not started (see the message below)."));  // not "Preparing…"
}

TEST(CompareEngine, TrainsRunsSideBySideAndReportsBoth) {
    QTemporaryDir dir;
    EngineThread engine(dir.path());
    engine.start();
    EngineWorker *w = engine.worker();
    CompareArea area;
    area.resize(1600, 950);
    wire(area, w);
    EngineSpy epochs(w, &EngineWorker::comparisonEpoch);
    EngineSpy finished(w, &EngineWorker::comparisonFinished);
    const CompareRequest request = tinyRequest();
    Q_EMIT area.startRequested(request);
    ASSERT_TRUE(waitFor(finished, 1, 120000));
    QTest::qWait(50);
    // Both runs reported both epochs, interleaved: run 0 and run 1 alternate.
    ASSERT_EQ(epochs.count(), 4);
    EXPECT_NE(epochs.at(0).at(0).toInt(), epochs.at(1).at(0).toInt());
    const auto result = finished.at(0).at(0).value<CompareResult>();
    ASSERT_EQ(result.runs.size(), 2);
    EXPECT_EQ(result.runs[0].epochsRun, 2);
    EXPECT_EQ(result.runs[0].testDice.size(), 3);
    EXPECT_GE(result.runs[0].testBoundaryF1Mean, 0.0);
    EXPECT_EQ(result.images.size(), 2);  // 10 % of 20 images
    ASSERT_FALSE(result.previews.isEmpty());
    EXPECT_EQ(result.previews[0].predictions.size(), 2);
    EXPECT_FALSE(result.previews[0].disagreement.isNull());
    EXPECT_EQ(result.previews[0].truthMask.size(), 32u * 32u);
    // The area drew it all.
    EXPECT_EQ(area.state(), CompareArea::State::Finished);
    const QVector<int> loss = area.lossChart()->pointCounts();
    ASSERT_EQ(loss.size(), 4);  // validation and training for each run
    EXPECT_EQ(loss[0], 2);
    EXPECT_EQ(loss[2], 2);
    EXPECT_EQ(area.numbers()->runTable()->rowCount(), 2);
    EXPECT_EQ(area.numbers()->imageTable()->rowCount(), 2);
    EXPECT_EQ(area.predictions()->imageCount(), static_cast<int>(result.previews.size()));
    // The leaderboard rows are the runs' own figures.
    ASSERT_EQ(area.leaderboard()->rowCount(), 2);
    EXPECT_EQ(area.leaderboard()->rows()[1].model, QStringLiteral("small-unet-noskip"));
    EXPECT_DOUBLE_EQ(area.leaderboard()->rows()[0].valDiceMean, result.runs[0].valDiceMean);
    EXPECT_DOUBLE_EQ(area.leaderboard()->rows()[0].boundaryF1, result.runs[0].valBoundaryF1);
    EXPECT_TRUE(area.leaderboard()->csv().contains(QStringLiteral("small-unet-noskip")));
    engine.shutdown();
}

// "One model at a time": the same figures, run 0's epochs first, and the leaderboard says so.
TEST(CompareEngine, AQueueTrainsOneModelAfterTheOther) {
    QTemporaryDir dir;
    EngineThread engine(dir.path());
    engine.start();
    EngineWorker *w = engine.worker();
    CompareArea area;
    wire(area, w);
    EngineSpy epochs(w, &EngineWorker::comparisonEpoch);
    EngineSpy started(w, &EngineWorker::comparisonStarted);
    EngineSpy finished(w, &EngineWorker::comparisonFinished);
    CompareRequest request = tinyRequest();
    request.queue = true;
    Q_EMIT area.startRequested(request);
    ASSERT_TRUE(waitFor(finished, 1, 120000));
    QTest::qWait(50);
    ASSERT_EQ(epochs.count(), 4);
    const QVector<int> runs{epochs.at(0).at(0).toInt(), epochs.at(1).at(0).toInt(), epochs.at(2).at(0).toInt(),
                            epochs.at(3).at(0).toInt()};
    EXPECT_EQ(runs, (QVector<int>{0, 0, 1, 1}));
    const auto infos = started.at(0).at(0).value<QVector<RunInfo>>();
    ASSERT_EQ(infos.size(), 2);
    EXPECT_TRUE(infos[0].settings.contains(QStringLiteral("one model at a time"))) << infos[0].settings.toStdString();
    const auto result = finished.at(0).at(0).value<CompareResult>();
    ASSERT_EQ(result.runs.size(), 2);
    EXPECT_EQ(result.runs[1].epochsRun, 2);
    EXPECT_EQ(area.state(), CompareArea::State::Finished);
    engine.shutdown();
}

TEST(CompareEngine, ACompareWhileTrainingIsRefusedWithAMessage) {
    QTemporaryDir dir;
    EngineThread engine(dir.path());
    engine.start();
    EngineWorker *w = engine.worker();
    EngineSpy started(w, &EngineWorker::runStarted);
    EngineSpy refused(w, &EngineWorker::comparisonError);
    RunRequest run = tinyRequest().shared;
    run.config.model = unetlab::presetConfig("minimal");
    run.config.epochs = 200;
    QMetaObject::invokeMethod(w, [w, run] { w->start(run); }, Qt::QueuedConnection);
    ASSERT_TRUE(waitFor(started, 1, 20000));
    const CompareRequest c = tinyRequest();
    QMetaObject::invokeMethod(w, [w, c] { w->startComparison(c); }, Qt::QueuedConnection);
    ASSERT_TRUE(waitFor(refused, 1, 20000));
    EXPECT_TRUE(refused.at(0).at(0).toString().contains(QStringLiteral("stop it")));
    engine.shutdown();
}

TEST(ComparePredictions, FlipSwitchesBetweenTheTwoPredictions) {
    ComparePredictions p;
    p.resize(1400, 800);
    ComparePreview preview;
    preview.id = QStringLiteral("x");
    preview.width = preview.height = 16;
    preview.image = QImage(16, 16, QImage::Format_RGB32);
    preview.image.fill(Qt::white);
    preview.truth = preview.disagreement = preview.image;
    preview.predictions = {preview.image, preview.image};
    preview.truthMask.assign(256, 0);
    preview.predictedMasks = {std::vector<std::uint8_t>(256, 0), std::vector<std::uint8_t>(256, 1)};
    p.setResults({preview}, {QStringLiteral("a"), QStringLiteral("b")});
    EXPECT_EQ(p.flipRun(), 0);
    auto *slider = p.findChild<QSlider *>();
    ASSERT_NE(slider, nullptr);
    slider->setValue(1);
    EXPECT_EQ(p.flipRun(), 1);
    p.zoomAt(0, QPoint(3, 4));
    EXPECT_EQ(p.zoom()->centre(), QPoint(3, 4));
}
