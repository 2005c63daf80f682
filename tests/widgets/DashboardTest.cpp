// The training dashboard driven by reports, as the engine thread sends them.
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QChart>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "PresentationMode.h"
#include "data/DataSpec.h"
#include "PreviewStrip.h"
#include "RunHistory.h"
#include "TrainingCharts.h"
#include "TrainingDashboard.h"
#include "TrainingSettings.h"

namespace {

RunInfo info() {
    RunInfo i;
    i.runId = 1;
    i.modelName = QStringLiteral("minimal");
    i.parameters = 5187;
    i.device = QStringLiteral("CPU, 2 threads");
    i.datasetName = QStringLiteral("Synthetic cells");
    i.epochs = 3;
    i.batchesPerEpoch = 4;
    i.trainImages = 16;
    i.valImages = 4;
    i.classNames = {QStringLiteral("background"), QStringLiteral("cytoplasm"), QStringLiteral("nucleus")};
    return i;
}

unetlab::BatchReport batch(int epoch, int b, double loss, double lr = 1e-3) {
    unetlab::BatchReport r;
    r.epoch = epoch;
    r.batch = b;
    r.batchesPerEpoch = 4;
    r.loss = loss;
    r.learningRate = lr;
    r.imagesPerSecond = 12.5;
    r.elapsedSeconds = epoch * 4 + b;
    return r;
}

unetlab::EpochReport epoch(int e, double dice, bool best) {
    unetlab::EpochReport r;
    r.epoch = e;
    r.trainLoss = 1.0 / e;
    r.valLoss = 1.1 / e;
    r.valDice = {0.9, dice - 0.1, dice};
    r.valDiceMean = (0.9 + dice - 0.1 + dice) / 3;
    r.best = best;
    r.imagesPerSecond = 12;
    r.elapsedSeconds = e * 5.0;
    return r;
}

QPushButton *buttonNamed(QWidget &w, const QString &prefix) {
    for (QPushButton *b : w.findChildren<QPushButton *>())
        if (b->text().contains(prefix)) return b;
    return nullptr;
}

}  // namespace

TEST(Dashboard, StartSendsTheSettingsAndLocksTheKnobs) {
    TrainingDashboard d;
    QSignalSpy requests(&d, &TrainingDashboard::startRequested);
    ASSERT_TRUE(d.settings()->applyChapterPreset(QStringLiteral("Chapter: SmallUNet")));
    buttonNamed(d, QStringLiteral("Start"))->click();
    ASSERT_EQ(requests.count(), 1);
    const auto r = requests.at(0).at(0).value<RunRequest>();
    EXPECT_EQ(r.modelName, QStringLiteral("small-unet"));
    EXPECT_DOUBLE_EQ(r.config.learningRate, 3e-4);
    EXPECT_EQ(r.config.batchSize, 4);
    EXPECT_EQ(r.config.epochs, 10);
    EXPECT_EQ(r.config.loss.kind, unetlab::LossKind::CrossEntropyDice);
    EXPECT_EQ(d.state(), TrainingDashboard::State::Preparing);
    EXPECT_FALSE(buttonNamed(d, QStringLiteral("Start"))->isEnabled());
    d.start();  // a second start while preparing is ignored
    EXPECT_EQ(requests.count(), 1);
}

TEST(Dashboard, TheLiveRateShowsTheRateTheNextRunStartsWithUntilARunTakesIt) {
    TrainingDashboard d;
    QDoubleSpinBox *live = nullptr;
    for (QDoubleSpinBox *b : d.findChildren<QDoubleSpinBox *>())
        if (b->accessibleName() == QStringLiteral("Learning rate while training")) live = b;
    ASSERT_NE(live, nullptr);
    EXPECT_DOUBLE_EQ(live->value(), d.settings()->request().config.learningRate);
    ASSERT_TRUE(d.settings()->applyChapterPreset(QStringLiteral("Quick: SmallUNet on nuclei")));
    EXPECT_DOUBLE_EQ(live->value(), 2e-3);
    ASSERT_TRUE(d.settings()->applyChapterPreset(QStringLiteral("Chapter: SmallUNet")));
    EXPECT_DOUBLE_EQ(live->value(), 3e-4);
    // From Start on the box belongs to the run (what Apply changes), not to the settings.
    d.start();
    d.onRunStarted(info());
    live->setValue(5e-4);
    ASSERT_TRUE(d.settings()->applyChapterPreset(QStringLiteral("Chapter: MinimalCNN")));
    EXPECT_DOUBLE_EQ(live->value(), 5e-4);
}

TEST(Dashboard, ChaptersMatchTheReferenceRunsAndTheParameterCountFollowsTheKnobs) {
    TrainingSettings s;
    ASSERT_TRUE(s.applyChapterPreset(QStringLiteral("Chapter: MinimalCNN")));
    RunRequest r = s.request();
    EXPECT_EQ(r.modelName, QStringLiteral("minimal"));
    EXPECT_DOUBLE_EQ(r.config.learningRate, 1e-3);
    EXPECT_EQ(r.config.batchSize, 8);
    EXPECT_EQ(r.config.epochs, 5);
    EXPECT_EQ(r.config.loss.kind, unetlab::LossKind::CrossEntropy);
    EXPECT_EQ(s.parameterCount(), 5187);
    EXPECT_TRUE(s.parameterText().contains(QStringLiteral("receptive field 5 px")));
    ASSERT_TRUE(s.applyChapterPreset(QStringLiteral("Chapter: SmallUNet")));
    EXPECT_EQ(s.parameterCount(), 472899);
    EXPECT_TRUE(s.parameterText().contains(QStringLiteral("44 px")));
    EXPECT_FALSE(s.applyChapterPreset(QStringLiteral("Chapter: Nonsense")));
}

TEST(Dashboard, TheQuickPresetIsTheQuickRecipeOnTheNucleiSampleAndChaptersResetIt) {
    TrainingSettings s;
    ASSERT_TRUE(TrainingSettings::chapterPresets().contains(QStringLiteral("Quick: SmallUNet on nuclei")));
    ASSERT_TRUE(s.applyChapterPreset(QStringLiteral("Quick: SmallUNet on nuclei")));
    QComboBox *preset = nullptr;
    for (QComboBox *c : s.findChildren<QComboBox *>())
        if (c->accessibleName() == QStringLiteral("Preset")) preset = c;
    ASSERT_NE(preset, nullptr);
    EXPECT_EQ(preset->currentText(), QStringLiteral("Quick: SmallUNet on nuclei"));
    EXPECT_TRUE(preset->itemData(preset->currentIndex(), Qt::ToolTipRole).toString().contains(
        QStringLiteral("one-cycle at 2e-3")));
    RunRequest r = s.request();
    const unetlab::TrainConfig quick = unetlab::withRecipe("quick", unetlab::TrainConfig{});
    EXPECT_EQ(r.modelName, QStringLiteral("small-unet"));
    EXPECT_EQ(r.data.kind, "sample");
    EXPECT_EQ(r.data.path, "nuclei");
    EXPECT_DOUBLE_EQ(r.config.learningRate, quick.learningRate);
    EXPECT_EQ(r.config.batchSize, quick.batchSize);
    EXPECT_EQ(r.config.epochs, quick.epochs);
    EXPECT_EQ(r.config.schedule, quick.schedule);
    EXPECT_EQ(r.config.loss.kind, quick.loss.kind);
    EXPECT_EQ(r.config.preprocessing, quick.preprocessing);
    EXPECT_EQ(r.config.augmentation, quick.augmentation);
    // The nuclei sample has two classes: the count shown is the run's, before the data is opened.
    EXPECT_EQ(r.config.model.numClasses, 2);
    EXPECT_EQ(s.parameterCount(), 472866);
    EXPECT_TRUE(s.parameterText().startsWith(QLocale().toString(472866))) << s.parameterText().toStdString();
    // A chapter preset afterwards is the chapter's run again, not a mix of the two.
    ASSERT_TRUE(s.applyChapterPreset(QStringLiteral("Chapter: SmallUNet")));
    r = s.request();
    EXPECT_EQ(r.config.preprocessing, unetlab::Preprocessing{});
    EXPECT_FALSE(r.config.augmentation.any());
    EXPECT_EQ(r.config.schedule, unetlab::ScheduleKind::Constant);
}

TEST(Dashboard, BeforeTheFirstRunTheDiceLegendNamesTheClassesOfTheDataChosen) {
    TrainingDashboard d;
    auto legend = [&d] {
        QStringList names;
        for (const QAbstractSeries *series : d.diceChart()->chart()->series()) names << series->name();
        return names;
    };
    const QStringList after = {QStringLiteral("mean"), QStringLiteral("best epoch")};
    ASSERT_TRUE(d.settings()->applyChapterPreset(QStringLiteral("Quick: SmallUNet on nuclei")));
    EXPECT_EQ(legend(), QStringList({QStringLiteral("background"), QStringLiteral("nucleus")}) + after);
    d.settings()->setDataSpec(unetlab::parseDataSpec("synthetic"));
    EXPECT_EQ(legend(),
              QStringList({QStringLiteral("background"), QStringLiteral("cytoplasm"), QStringLiteral("nucleus")}) +
                  after);
    d.settings()->setDataSpec(unetlab::parseDataSpec("folder:/nowhere;classes=background,cell,debris"));
    EXPECT_EQ(legend(),
              QStringList({QStringLiteral("background"), QStringLiteral("cell"), QStringLiteral("debris")}) + after);
    // From the start on, the legend is the run's.
    d.start();
    RunInfo two = info();
    two.classNames = {QStringLiteral("background"), QStringLiteral("cell")};
    d.onRunStarted(two);
    EXPECT_EQ(legend(), QStringList({QStringLiteral("background"), QStringLiteral("cell")}) + after);
}

TEST(Dashboard, SettingsRoundTripThroughARequest) {
    TrainingSettings s;
    RunRequest r;
    r.modelName = QStringLiteral("small-unet-noskip");
    r.config.model = unetlab::presetConfig("small-unet-noskip");
    r.config.model.base = 16;
    r.config.model.activation = unetlab::Activation::GELU;
    r.config.epochs = 7;
    r.config.batchSize = 6;
    r.config.learningRate = 2e-4;
    r.config.optimizer = unetlab::OptimizerKind::AdamW;
    r.config.schedule = unetlab::ScheduleKind::OneCycle;
    r.config.loss.kind = unetlab::LossKind::Focal;
    r.config.earlyStopPatience = 3;
    r.config.seed = 9;
    r.data.kind = "synthetic";
    r.data.count = 60;
    r.data.size = 128;
    r.data.seed = 4;
    s.setRequest(r);
    const RunRequest back = s.request();
    EXPECT_EQ(back.modelName, r.modelName);
    EXPECT_EQ(unetlab::toJson(back.config), unetlab::toJson(r.config));
    EXPECT_EQ(back.data.toString(), r.data.toString());
    EXPECT_EQ(back.data.size, 128);
    EXPECT_EQ(s.parameterCount(), r.config.model.parameterCount());
}

TEST(Dashboard, ReportsGrowTheChartsAndMoveTheProgress) {
    TrainingDashboard d;
    d.start();
    d.onRunStarted(info());
    EXPECT_EQ(d.state(), TrainingDashboard::State::Running);
    d.onBatches({batch(1, 1, 1.2), batch(1, 2, 1.0), batch(1, 3, 0.9)});
    d.onBatches({batch(1, 4, 0.8)});
    QVector<int> loss = d.lossChart()->pointCounts();
    EXPECT_EQ(loss[0], 4);  // raw batch loss
    EXPECT_EQ(loss[1], 4);  // smoothed
    EXPECT_LT(d.lossChart()->smoothedLoss(), 1.2);
    EXPECT_GT(d.lossChart()->smoothedLoss(), 0.8);
    EXPECT_EQ(d.learningRateChart()->pointCounts()[0], 4);
    EXPECT_EQ(d.batchProgress(), 4);
    EXPECT_TRUE(d.progressText().contains(QStringLiteral("12.5 images/s"))) << d.progressText().toStdString();
    EXPECT_TRUE(d.progressText().contains(QStringLiteral("ETA")));
    d.onEpoch(epoch(1, 0.6, true));
    d.onEpoch(epoch(2, 0.7, true));
    d.onEpoch(epoch(3, 0.65, false));
    EXPECT_EQ(d.epochProgress(), 3);
    EXPECT_EQ(d.diceChart()->bestEpoch(), 2);
    QVector<int> dice = d.diceChart()->pointCounts();
    EXPECT_EQ(dice[0], 3);  // background per epoch
    EXPECT_EQ(dice[3], 3);  // mean
    EXPECT_EQ(dice[4], 1);  // the best-epoch marker
    EXPECT_EQ(d.lossChart()->pointCounts()[3], 3);  // validation loss per epoch
    const QString csv = d.metricsCsv();
    EXPECT_TRUE(csv.startsWith(QStringLiteral("epoch,train_loss,val_loss,val_dice_mean,val_dice_background")));
    EXPECT_EQ(csv.count(QLatin1Char('\n')), 4);
}

TEST(Dashboard, PreviewShowsImagesTruthAndPredictions) {
    TrainingDashboard d;
    d.resize(1600, 900);
    QImage img(64, 64, QImage::Format_RGB888);
    img.fill(Qt::white);
    PreviewItem item{QStringLiteral("synthetic-0003"), img, img, img, 0.812};
    d.onPreview({item, item}, 2);
    EXPECT_EQ(d.preview()->itemCount(), 2);
    EXPECT_TRUE(d.preview()->caption().contains(QStringLiteral("after epoch 2")));
}

TEST(Dashboard, FinishedRunsGoToTheHistoryAndDivergenceIsExplained) {
    TrainingDashboard d;
    d.start();
    d.onRunStarted(info());
    d.onEpoch(epoch(1, 0.6, true));
    RunSummary s;
    s.info = info();
    s.epochsRun = 1;
    s.bestEpoch = 1;
    s.seconds = 5;
    s.bestValDice = {0.9, 0.5, 0.6};
    s.bestValDiceMean = 0.667;
    s.stopReason = QStringLiteral("the loss became NaN at epoch 2, batch 3 — the learning rate 1 is likely too high");
    s.diverged = true;
    d.onRunFinished(s);
    EXPECT_EQ(d.state(), TrainingDashboard::State::Finished);
    EXPECT_TRUE(d.bannerText().contains(QStringLiteral("the loss became NaN")));
    EXPECT_EQ(d.history()->runCount(), 1);
    EXPECT_TRUE(d.history()->csv().contains(QStringLiteral("nucleus=0.6000")));
    EXPECT_TRUE(buttonNamed(d, QStringLiteral("Start"))->isEnabled());
}

TEST(Dashboard, ARunStoppedBeforeItsFirstEpochSaysSo) {
    TrainingDashboard d;
    d.start();
    d.onRunStarted(info());
    d.onBatches({batch(1, 1, 1.2)});
    RunSummary s;
    s.info = info();
    s.stopReason = QStringLiteral("stopped by the user");
    d.onRunFinished(s);
    EXPECT_TRUE(d.bannerText().contains(QStringLiteral("before its first epoch"))) << d.bannerText().toStdString();
    EXPECT_FALSE(d.bannerText().contains(QStringLiteral("Best validation Dice")));
}

TEST(Dashboard, PauseResumeAndErrorsChangeTheControls) {
    TrainingDashboard d;
    QSignalSpy pauses(&d, &TrainingDashboard::pauseRequested);
    QSignalSpy steps(&d, &TrainingDashboard::stepRequested);
    d.step();  // not paused: ignored
    EXPECT_EQ(steps.count(), 0);
    d.start();
    d.onRunStarted(info());
    d.pauseOrResume();
    EXPECT_EQ(pauses.count(), 1);
    d.onPaused(true);
    EXPECT_EQ(d.state(), TrainingDashboard::State::Paused);
    d.step();
    EXPECT_EQ(steps.count(), 1);
    EXPECT_TRUE(d.progressText().startsWith(QStringLiteral("paused")));
    d.onError(QStringLiteral("Training failed: out of memory"));
    EXPECT_TRUE(d.bannerText().contains(QStringLiteral("out of memory")));
}

TEST(Dashboard, ChartsExportAsPngAndSvg) {
    TrainingDashboard d;
    d.resize(1600, 900);
    d.show();
    d.onRunStarted(info());
    d.onBatches({batch(1, 1, 1.2), batch(1, 2, 1.0)});
    QTemporaryDir dir;
    ASSERT_TRUE(d.exportCharts(dir.filePath(QStringLiteral("c.png"))));
    ASSERT_TRUE(d.exportCharts(dir.filePath(QStringLiteral("c.svg"))));
    EXPECT_GT(QImage(dir.filePath(QStringLiteral("c.png"))).width(), 600);
    QFile svg(dir.filePath(QStringLiteral("c.svg")));
    ASSERT_TRUE(svg.open(QIODevice::ReadOnly));
    EXPECT_TRUE(svg.readAll().contains("<svg"));
}

// A narrow chart of a long run shows fewer epoch ticks rather than labels cut to "...", and
// ticks stay on whole epochs.
TEST(Dashboard, EpochTicksThinOutWhenTheChartIsNarrowAndStayOnWholeEpochs) {
    LearningRateChart chart;
    chart.setEpochs(30);
    chart.resize(900, 300);
    chart.show();
    QTest::qWait(50);
    EXPECT_EQ(chart.epochTickCount(), 11);  // 0, 3, ..., 30
    chart.resize(260, 300);  // the learning-rate chart at 1400 px wide beside the settings
    QTest::qWait(50);
    const int ticks = chart.epochTickCount();
    EXPECT_LT(ticks, 11);
    EXPECT_GE(ticks, 2);
    EXPECT_EQ(30 % (ticks - 1), 0) << ticks;
    const QFontMetrics metrics(QFont{});
    EXPECT_GE(chart.chart()->plotArea().width() / (ticks - 1), metrics.horizontalAdvance(QStringLiteral("30")));
    chart.resize(900, 300);
    QTest::qWait(50);
    EXPECT_EQ(chart.epochTickCount(), 11);
    // 25 epochs: ticks every 5 (never at 2.5, which read "2"); 7 epochs: every epoch.
    chart.setEpochs(25);
    EXPECT_EQ(chart.epochTickCount(), 6);
    chart.setEpochs(7);
    EXPECT_EQ(chart.epochTickCount(), 8);
}

// Every mask overlay's legend names the data's own classes in their overlay colours.
TEST(ClassLegend, NamesTheDatasClassesInTheirColours) {
    const QString legend = classLegendHtml({QStringLiteral("background"), QStringLiteral("cell"),
                                            QStringLiteral("membrane <edge>")});
    EXPECT_FALSE(legend.contains(QStringLiteral("background")));  // class 0 is not tinted
    EXPECT_TRUE(legend.contains(QStringLiteral("#43b047'>■</span> cell"))) << legend.toStdString();
    EXPECT_TRUE(legend.contains(QStringLiteral("#e91e63'>■</span> membrane &lt;edge&gt;"))) << legend.toStdString();
    EXPECT_TRUE(classLegendHtml({QStringLiteral("background")}).isEmpty());
}

// On a projector the knobs (locked during a run anyway) give their width to the charts, for the
// run and the talk about its result; the button brings them back.
TEST(Dashboard, PresentationModeFoldsTheSettingsAtStartAndTheButtonTogglesThem) {
    struct ModeOff {
        ~ModeOff() { PresentationMode::instance()->apply(false); }
    } off;
    TrainingDashboard d;
    QToolButton *fold = nullptr;
    for (QToolButton *b : d.findChildren<QToolButton *>())
        if (b->accessibleName() == QStringLiteral("Show or hide the training settings")) fold = b;
    ASSERT_NE(fold, nullptr);
    EXPECT_TRUE(d.settingsShown());
    RunSummary s;
    s.info = info();
    s.stopReason = QStringLiteral("completed 3 epochs");
    d.start();  // normal mode: the settings stay
    EXPECT_TRUE(d.settingsShown());
    d.onRunStarted(info());
    d.onRunFinished(s);
    EXPECT_TRUE(d.settingsShown());

    PresentationMode::instance()->apply(true);
    QSignalSpy shown(&d, &TrainingDashboard::settingsShownChanged);
    d.start();
    EXPECT_FALSE(d.settingsShown());
    EXPECT_TRUE(fold->text().contains(QStringLiteral("Settings")));
    d.onRunStarted(info());
    d.onPaused(true);
    d.onPaused(false);
    d.onRunFinished(s);
    EXPECT_FALSE(d.settingsShown());  // the result keeps the width
    ASSERT_EQ(shown.count(), 1);
    EXPECT_FALSE(shown.at(0).at(0).toBool());
    fold->click();
    EXPECT_TRUE(d.settingsShown());
    EXPECT_EQ(fold->text(), QStringLiteral("◀"));

    // Unfolded by hand mid-run, they stay; a run that fails also leaves them as they are.
    d.start();
    EXPECT_FALSE(d.settingsShown());
    fold->click();
    EXPECT_TRUE(d.settingsShown());
    d.onRunStarted(info());
    d.onError(QStringLiteral("Training failed: out of memory"));
    d.onRunFinished(s);
    EXPECT_TRUE(d.settingsShown());

    // A start the engine refuses (before the run starts) brings the knobs back: they are what
    // the instructor has to change.
    d.start();
    EXPECT_FALSE(d.settingsShown());
    EXPECT_TRUE(d.runText().startsWith(QStringLiteral("Preparing "))) << d.runText().toStdString();
    d.onError(QStringLiteral("These settings cannot train: the folder has no images"));
    EXPECT_EQ(d.state(), TrainingDashboard::State::Finished);  // the earlier run's result stays
    EXPECT_TRUE(d.settingsShown());
    EXPECT_TRUE(d.runText().startsWith(QStringLiteral("Not started: "))) << d.runText().toStdString();
    EXPECT_EQ(d.bannerText(), QStringLiteral("These settings cannot train: the folder has no images"));
}

// DSB2018's image names are 64-digit hashes: above each preview the name gives up characters
// so that the Dice stays in sight, and the whole name is the tooltip.
TEST(PreviewStrip, ALongImageNameIsShortenedAndTheDiceStaysInSight) {
    PreviewStrip strip;
    strip.resize(1000, 300);
    strip.show();
    QVector<PreviewItem> items(2);
    const QString hash = QStringLiteral("003cee89357d9fe13516167fd67b609a164651b21934585648c740d2c3d86dc1");
    items[0].id = hash;
    items[0].dice = 0.8812;
    items[1].id = QStringLiteral("synthetic-0012");
    items[1].dice = 0.763;
    for (PreviewItem &item : items) item.image = item.truth = item.prediction = QImage(64, 64, QImage::Format_RGB32);
    strip.setItems(items, QStringLiteral("after epoch 2"));
    QCoreApplication::processEvents();
    ASSERT_EQ(strip.itemCount(), 2);
    const QString first = strip.itemTitle(0);
    EXPECT_TRUE(first.startsWith(QStringLiteral("<b>003cee89"))) << first.toStdString();
    EXPECT_TRUE(first.endsWith(QStringLiteral("…</b> · Dice 0.881"))) << first.toStdString();
    EXPECT_EQ(strip.itemToolTip(0), hash);
    EXPECT_EQ(strip.itemTitle(1), QStringLiteral("<b>synthetic-0012</b> · Dice 0.763"));  // fits: whole
    QLabel probe;
    probe.setText(first);
    EXPECT_LE(probe.sizeHint().width(), strip.width() / 2) << "the title is wider than its pictures";
}
