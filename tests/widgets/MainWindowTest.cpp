#include <QAction>
#include <QKeySequence>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QSignalSpy>
#include <QStatusBar>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QSpinBox>
#include <QComboBox>
#include <QScreen>
#include <QScrollArea>
#include <QScrollBar>
#include <QSettings>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/wait.h>
#include <unistd.h>

#include <QDir>

#include "CompareArea.h"
#include "CompareSetup.h"
#include "ConvolutionWidget.h"
#include "InspectArea.h"
#include "LearnArea.h"
#include "PageScroll.h"
#include "PresentationMode.h"
#include "RunHistory.h"
#include "TrainingCharts.h"
#include "TrainingDashboard.h"
#include "TrainingSettings.h"
#include "gui/DatasetPage.h"
#include "PreviewStrip.h"
#include "data/DataSpec.h"
#include "gui/EngineThread.h"
#include "gui/EngineWorker.h"
#include "gui/MainWindow.h"
#include "interop/StateDict.h"
#include "models/Networks.h"
#include "core/AtomicFile.h"
#include "train/RunFolder.h"
#include "train/Trainer.h"
#include "WaitFor.h"

using unetlab::gui::MainWindow;

TEST(MainWindow, ShowsTheDatasetAreaAndTheDevice) {
    MainWindow w;
    w.resize(1400, 900);
    w.show();
    QSignalSpy loaded(w.datasetPage(), &unetlab::gui::DatasetPage::loaded);
    w.datasetPage()->loadSamples(1, 0, 4);
    ASSERT_TRUE(loaded.wait(10000));
    EXPECT_EQ(w.datasetPage()->gallery()->itemCount(), 4);
    for (int i = 0; i < 50 && !w.deviceText().contains(QStringLiteral("CPU")); ++i) QTest::qWait(100);
    EXPECT_TRUE(w.deviceText().contains(QStringLiteral("CPU")) || w.deviceText().contains(QStringLiteral("CUDA")))
        << w.deviceText().toStdString();
    EXPECT_TRUE(w.showArea(QStringLiteral("train")));
    EXPECT_FALSE(w.showArea(QStringLiteral("nowhere")));
}

TEST(MainWindow, TrainsFromTheDashboardAndClosesMidRunWithoutHanging) {
    auto *w = new MainWindow;
    w->resize(1600, 950);
    w->show();
    TrainingDashboard *d = w->dashboard();
    d->settings()->applyChapterPreset(QStringLiteral("Chapter: MinimalCNN"));
    // A quick run through the real knobs: fewer, smaller images.
    for (QSpinBox *s : d->settings()->findChildren<QSpinBox *>())
        if (s->accessibleName() == QStringLiteral("Number of images")) s->setValue(24);
    for (QComboBox *c : d->settings()->findChildren<QComboBox *>())
        if (c->accessibleName() == QStringLiteral("Image size")) c->setCurrentText(QStringLiteral("64"));
    d->settings()->setEpochs(1);
    QSignalSpy finished(d, &TrainingDashboard::runFinished);
    d->start();
    ASSERT_TRUE(finished.wait(60000));
    EXPECT_EQ(d->history()->runCount(), 1);

    // A long run. Closing while it trains asks first: "No" keeps the window and the run.
    d->settings()->setEpochs(500);
    QSignalSpy epochs(d, &TrainingDashboard::epochFinished);
    d->start();
    ASSERT_TRUE(epochs.wait(30000));
    EXPECT_TRUE(w->runGoing());
    int asked = 0;
    w->setCloseAnswer([&asked] {
        ++asked;
        return QMessageBox::No;
    });
    EXPECT_FALSE(w->close());
    EXPECT_EQ(asked, 1);
    EXPECT_TRUE(w->isVisible());
    EXPECT_EQ(d->state(), TrainingDashboard::State::Running);
    // "Yes" stops it and closes, promptly.
    w->setCloseAnswer([] { return QMessageBox::Yes; });
    QElapsedTimer t;
    t.start();
    EXPECT_TRUE(w->close());
    delete w;
    EXPECT_LT(t.elapsed(), 10000);
}

TEST(MainWindow, HelpListsEveryMenuShortcutAndAboutNamesTheVersions) {
    MainWindow w;
    EXPECT_FALSE(w.runGoing());
    const QString keys = w.shortcutsText();
    for (const char *expected : {"Training › Start", "Training › Stop", "File › Open Checkpoint", "View › Inspect", "View › Full Screen",
                                 "Help › Keyboard Shortcuts"})
        EXPECT_TRUE(keys.contains(QString::fromUtf8(expected))) << expected << "\n" << keys.toStdString();
    EXPECT_TRUE(keys.contains(QKeySequence(QStringLiteral("Ctrl+R")).toString(QKeySequence::NativeText)));
    // With nothing training, closing does not ask.
    int asked = 0;
    w.setCloseAnswer([&asked] {
        ++asked;
        return QMessageBox::No;
    });
    w.show();
    EXPECT_TRUE(w.close());
    EXPECT_EQ(asked, 0);
}

namespace {

// A PyTorch state dict of an untrained two-class MinimalCNN (RGB in), as `nuclei.pt` in `dir`.
QString twoClassStateDict(const QTemporaryDir &dir) {
    unetlab::ModelConfig config = unetlab::presetConfig("minimal");
    config.inChannels = 3;
    config.numClasses = 2;
    const QString path = dir.filePath(QStringLiteral("nuclei.pt"));
    unetlab::saveStateDict(*unetlab::buildModel(config), path.toStdString());
    return path;
}

}  // namespace

// A PyTorch state dict of a two-class model opens with the nuclei sample chosen in the
// settings, and the validation preview's legend names that data's class, not the synthetic ones.
TEST(MainWindow, AnOpenedStateDictPreviewNamesItsDatasClasses) {
    QTemporaryDir dir;
    const QString path = twoClassStateDict(dir);
    MainWindow w;
    w.dashboard()->settings()->setDataSpec(unetlab::parseDataSpec("sample:nuclei;size=64"));
    EngineSpy opened(w.engine()->worker(), &unetlab::gui::EngineWorker::checkpointOpened);
    w.openCheckpointFile(path);
    ASSERT_TRUE(opened.wait(60000));
    for (int i = 0; i < 100 && !w.dashboard()->preview()->caption().contains(QStringLiteral("nucleus")); ++i)
        QTest::qWait(50);
    const QString caption = w.dashboard()->preview()->caption();
    EXPECT_TRUE(caption.contains(QStringLiteral("nucleus"))) << caption.toStdString();
    EXPECT_FALSE(caption.contains(QStringLiteral("cytoplasm"))) << caption.toStdString();
}

TEST(MainWindow, TheStatusBarDescribesTheAreaInView) {
    QTemporaryDir dir;
    const QString path = twoClassStateDict(dir);
    MainWindow w;
    w.resize(1400, 900);
    w.show();
    TrainingSettings *train = w.dashboard()->settings();
    train->applyChapterPreset(QStringLiteral("Chapter: MinimalCNN"));
    train->setDataSpec(unetlab::parseDataSpec("sample:nuclei;size=64"));
    const auto shown = [&w] { return w.statusModelText().toStdString(); };
    ASSERT_TRUE(w.showArea(QStringLiteral("train")));
    EXPECT_TRUE(w.statusModelText().startsWith(QStringLiteral("Model: minimal ("))) << shown();
    EXPECT_EQ(w.statusDataText(), QStringLiteral("Data: ") + train->dataDescription());

    // Compare: the models compared and the comparison's own data, not the Train area's.
    ASSERT_TRUE(w.showArea(QStringLiteral("compare")));
    const QString models = w.statusModelText();
    EXPECT_TRUE(models.startsWith(QStringLiteral("Comparing: small-unet ("))) << models.toStdString();
    EXPECT_TRUE(models.contains(QStringLiteral(" vs small-unet-noskip ("))) << models.toStdString();
    EXPECT_FALSE(models.contains(QStringLiteral("minimal"))) << models.toStdString();
    EXPECT_EQ(w.statusDataText(), QStringLiteral("Data: ") + w.compareArea()->setup()->shared()->dataDescription());
    w.compareArea()->setup()->setModels({QStringLiteral("minimal"), QStringLiteral("small-unet")});
    const QString minimal = QStringLiteral("Comparing: minimal (%1) vs ").arg(QLocale().toString(5187));
    EXPECT_TRUE(w.statusModelText().startsWith(minimal)) << shown();
    // Two-class data: the counts are those of the models the run will build (one head row less).
    w.compareArea()->setup()->shared()->setDataSpec(unetlab::parseDataSpec("sample:nuclei;size=64"));
    unetlab::ModelConfig twoClasses = unetlab::presetConfig("small-unet");
    twoClasses.numClasses = 2;
    const QString count = QLocale().toString(static_cast<qlonglong>(twoClasses.parameterCount()));
    EXPECT_TRUE(w.statusModelText().endsWith(QStringLiteral(" vs small-unet (%1)").arg(count))) << shown();
    EXPECT_TRUE(w.statusDataText().contains(QStringLiteral("Nuclei"))) << w.statusDataText().toStdString();

    // Inspect: nothing yet, then the opened checkpoint and the data it is shown on.
    ASSERT_TRUE(w.showArea(QStringLiteral("inspect")));
    EXPECT_EQ(w.statusModelText(), QStringLiteral("Inspecting: none"));
    EngineSpy opened(w.engine()->worker(), &unetlab::gui::EngineWorker::checkpointOpened);
    EngineSpy dataset(w.engine()->worker(), &unetlab::gui::EngineWorker::inspectDataset);
    w.openCheckpointFile(path);
    ASSERT_TRUE(opened.wait(60000));
    if (dataset.isEmpty()) {
        ASSERT_TRUE(dataset.wait(10000));
    }
    QTest::qWait(50);  // the queued announcements reach the area
    EXPECT_TRUE(w.statusModelText().startsWith(QStringLiteral("Inspecting: checkpoint nuclei.pt ("))) << shown();
    const QString data = w.statusDataText();
    EXPECT_TRUE(data.contains(QStringLiteral("nuclei"), Qt::CaseInsensitive)) << data.toStdString();

    // Back in the Train area: its settings again.
    ASSERT_TRUE(w.showArea(QStringLiteral("train")));
    EXPECT_TRUE(w.statusModelText().startsWith(QStringLiteral("Model: minimal ("))) << shown();
}

namespace {

// A run folder as a killed app leaves it: trained `done` of `epochs` epochs with autosave,
// its run.json still saying "running" under the id of a process that has ended.
QString interruptedRun(const QString &root, const QString &name, int done, int epochs) {
    const QString dir = QDir(root).filePath(name);
    const auto data = unetlab::openDataset(unetlab::parseDataSpec("synthetic:24:5", 64));
    unetlab::TrainConfig c;
    c.model = unetlab::presetConfig("minimal");
    c.epochs = epochs;
    c.batchSize = 4;
    c.learningRate = 1e-2;
    unetlab::Trainer t(c, data);
    unetlab::RunAutosave autosave(dir.toStdString(), "unetlab", "minimal", "synthetic:24:5");
    autosave.begin(t);
    while (t.history().size() < static_cast<std::size_t>(done)) {
        const unetlab::StepResult r = t.step();
        if (r.epochEnded) autosave.epochEnded(t, r.epoch);
    }
    // The process that wrote it is gone: the id of a child that has exited.
    const pid_t child = ::fork();
    if (child == 0) ::_exit(0);
    ::waitpid(child, nullptr, 0);
    const QString marker = QDir(dir).filePath(QStringLiteral("run.json"));
    auto j = nlohmann::json::parse(unetlab::readWholeFile(marker.toStdString()));
    j["pid"] = child;
    unetlab::writeFileAtomically(marker.toStdString(), j.dump());
    return dir;
}

// Runs left interrupted by earlier test processes must not be offered instead (other tests'
// live runs are not offered: their process is alive).
void discardLeftovers(const QString &root) {
    for (const auto &r : unetlab::findInterruptedRuns(root.toStdString())) unetlab::setRunState(r.dir, "discarded");
}

}  // namespace

TEST(MainWindow, OffersToRestoreAKilledRunAndContinuesIt) {
    MainWindow w;
    w.resize(1400, 900);
    w.show();
    discardLeftovers(w.autosaveRoot());
    const QString dir = interruptedRun(w.autosaveRoot(), QStringLiteral("test-restore-%1").arg(::getpid()), 2, 3);

    QString question;
    w.setRestoreAnswer([&question](const QString &text) {
        question = text;
        return QMessageBox::Yes;
    });
    TrainingDashboard *d = w.dashboard();
    EngineSpy paused(w.engine()->worker(), &unetlab::gui::EngineWorker::pausedChanged);
    EXPECT_EQ(w.offerInterruptedRun(), QMessageBox::Yes);
    EXPECT_TRUE(question.contains(QStringLiteral("minimal"))) << question.toStdString();
    EXPECT_TRUE(question.contains(QStringLiteral("epoch 2 of 3"))) << question.toStdString();
    ASSERT_TRUE(waitFor(paused, 1, 60000));
    QTest::qWait(100);
    // Restored as it was after epoch 2: curves, settings, paused with a note.
    EXPECT_EQ(d->epochProgress(), 2);
    EXPECT_EQ(d->metricsCsv().count(QLatin1Char('\n')), 3);  // header + 2 epochs
    EXPECT_EQ(d->settings()->request().config.epochs, 3);
    EXPECT_TRUE(d->bannerText().contains(QStringLiteral("Restored"))) << d->bannerText().toStdString();
    EXPECT_TRUE(w.runGoing());
    // ... with the batch curves of those two epochs (the folder's batches.csv): the loss per
    // batch and the learning-rate chart are not empty.
    const auto saved = unetlab::readRunBatches(dir.toStdString(), 2);
    ASSERT_EQ(saved.size(), 10u);  // 20 training images in batches of 4, two epochs
    EXPECT_EQ(d->lossChart()->pointCounts().value(0), 10);
    EXPECT_EQ(d->learningRateChart()->pointCounts().value(0), 10);

    // Resume: epoch 3 trains and the run ends as finished, never offered again.
    QSignalSpy finished(d, &TrainingDashboard::runFinished);
    d->pauseOrResume();
    ASSERT_TRUE(waitFor(finished, 1, 60000));
    EXPECT_EQ(d->metricsCsv().count(QLatin1Char('\n')), 4);
    EXPECT_EQ(unetlab::readSavedRun(dir.toStdString()).state, "finished");
    EXPECT_EQ(unetlab::readSavedRun(dir.toStdString()).epochsDone, 3);
    EXPECT_EQ(d->learningRateChart()->pointCounts().value(0), 15);  // epoch 3 continues the curve
    EXPECT_EQ(unetlab::readRunBatches(dir.toStdString(), 3).size(), 15u);
    EXPECT_EQ(w.offerInterruptedRun(), QMessageBox::NoButton);
    QDir(dir).removeRecursively();
}

TEST(MainWindow, ADiscardedRunIsNotOfferedAgain) {
    MainWindow w;
    discardLeftovers(w.autosaveRoot());
    const QString dir = interruptedRun(w.autosaveRoot(), QStringLiteral("test-discard-%1").arg(::getpid()), 1, 3);
    w.setRestoreAnswer([](const QString &) { return QMessageBox::Discard; });
    EXPECT_EQ(w.offerInterruptedRun(), QMessageBox::Discard);
    EXPECT_EQ(unetlab::readSavedRun(dir.toStdString()).state, "discarded");
    EXPECT_EQ(w.offerInterruptedRun(), QMessageBox::NoButton);
    // "Later" keeps it for next time.
    const QString later = interruptedRun(w.autosaveRoot(), QStringLiteral("test-later-%1").arg(::getpid()), 1, 3);
    w.setRestoreAnswer([](const QString &) { return QMessageBox::Cancel; });
    EXPECT_EQ(w.offerInterruptedRun(), QMessageBox::Cancel);
    EXPECT_EQ(unetlab::readSavedRun(later.toStdString()).state, "running");
    QDir(dir).removeRecursively();
    QDir(later).removeRecursively();
}

namespace {

// The room a 1280×720 screen leaves the window once its title bar, frame and a desktop panel
// are taken: the smallest screen the app is taught from (a lecture projector, a 1366×768 laptop).
constexpr int kRoomWidth = 1240;
constexpr int kRoomHeight = 660;

// Every page of the window, and every lesson and Inspect view shown in turn.
template <typename Check>
void forEveryPage(MainWindow &w, Check check) {
    auto *tabs = w.findChild<QTabWidget *>();
    ASSERT_NE(tabs, nullptr);
    for (const QString &area : w.areaNames()) {
        ASSERT_TRUE(w.showArea(area));
        if (area == QLatin1String("learn")) {
            for (int i = 0; i < w.learnArea()->tabs()->count(); ++i) {
                w.learnArea()->showLesson(static_cast<LearnArea::Lesson>(i));
                QCoreApplication::processEvents();
                check(area + QStringLiteral(" › ") + w.learnArea()->tabs()->tabText(i), w.learnArea()->tabs()->currentWidget());
            }
        } else if (area == QLatin1String("inspect")) {
            for (int v = 0; v <= static_cast<int>(InspectArea::View::LargeImage); ++v) {
                w.inspectArea()->showView(static_cast<InspectArea::View>(v));
                QCoreApplication::processEvents();
                check(area + QStringLiteral(" view %1").arg(v), tabs->currentWidget());
            }
        } else {
            QCoreApplication::processEvents();
            check(area, tabs->currentWidget());
        }
    }
}

// Presentation mode off again while the window lives (declared after it), so its View menu
// remembers "off".
struct PresentationOff {
    ~PresentationOff() { PresentationMode::instance()->apply(false); }
};

// The window as a 1366×768 projector shows it in presentation mode, on one area.
void showAtLectureSize(MainWindow &w, const QString &area) {
    w.resize(1366, 740);
    w.show();
    PresentationMode::instance()->apply(true);
    ASSERT_TRUE(w.showArea(area));
}

// Whether a page's scroll area, laid out, shows its content without scrolling sideways.
::testing::AssertionResult fitsItsWidth(QScrollArea *area) {
    QTest::qWait(50);
    QCoreApplication::processEvents();
    if (!area->horizontalScrollBar()->isVisible()) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "content " << area->widget()->minimumSizeHint().width() << " wide in "
                                         << area->viewport()->width();
}

// The action of a top-level menu with this text (without its '&'), or nullptr.
QAction *menuAction(MainWindow &w, const QString &text) {
    for (QAction *menu : w.menuBar()->actions())
        if (menu->menu())
            for (QAction *a : menu->menu()->actions())
                if (a->text().remove(QLatin1Char('&')) == text) return a;
    return nullptr;
}

void expectFitsTheRoom(MainWindow &w, const QString &where) {
    // Long descriptions (a deep folder, a checkpoint's details) must not widen the window either.
    const QSize hint = w.minimumSizeHint();
    const QSize minimum = w.minimumSize();
    EXPECT_LE(hint.width(), kRoomWidth) << where.toStdString();
    EXPECT_LE(hint.height(), kRoomHeight) << where.toStdString();
    EXPECT_LE(minimum.width(), kRoomWidth) << where.toStdString();
    EXPECT_LE(minimum.height(), kRoomHeight) << where.toStdString();
}

}  // namespace

// A 1280×800 projector or a 1366×768 laptop must show the whole window: its right edge and
// the status bar. No page, lesson or view may force the window larger than the room a 1280×720
// screen leaves, in normal mode and in presentation mode (whose pages scroll instead), even
// with long names in the status bar and the Inspect area.
TEST(MainWindow, ItsMinimumSizeFitsA1280By720ScreenOnEveryPage) {
    MainWindow w;
    w.show();
    const QString longName = QStringLiteral("folder:/") + QStringLiteral("a-long-folder-name/").repeated(20);
    w.dashboard()->settings()->setDataSpec(unetlab::parseDataSpec(longName.toStdString()));
    w.inspectArea()->setTrainingModel(QStringLiteral("unet with a long description, ").repeated(10));
    w.inspectArea()->setDataset(longName, 10, {QStringLiteral("background"), QStringLiteral("nucleus")});
    forEveryPage(w, [&w](const QString &where, QWidget *) { expectFitsTheRoom(w, where); });

    PresentationMode::instance()->apply(true);
    forEveryPage(w, [&w](const QString &where, QWidget *) { expectFitsTheRoom(w, QStringLiteral("presentation: ") + where); });
    PresentationMode::instance()->apply(false);
}

// At the size it opens with on a 1280×800 screen, no page of the normal mode needs a scroll
// bar: the pages fit; their scroll areas are only for smaller windows and presentation mode.
TEST(MainWindow, NoPageScrollsAtTheFirstRunSizeOfA1280By800Screen) {
    MainWindow w;
    w.resize(MainWindow::firstRunSize(QRect(0, 0, 1280, 800)));
    w.show();
    QTest::qWait(50);
    forEveryPage(w, [](const QString &where, QWidget *page) {
        // The lesson or view, else the area: whichever holds the page's scroll area.
        QScrollArea *area = PageScroll::area(page);
        for (QWidget *p = page; !area && p; p = p->parentWidget()) area = PageScroll::area(p);
        ASSERT_NE(area, nullptr) << where.toStdString();
        QCoreApplication::processEvents();
        EXPECT_FALSE(area->horizontalScrollBar()->isVisible())
            << where.toStdString() << ": content " << area->widget()->minimumSizeHint().width() << " wide in "
            << area->viewport()->width();
        EXPECT_FALSE(area->verticalScrollBar()->isVisible())
            << where.toStdString() << ": content " << area->widget()->minimumSizeHint().height() << " high in "
            << area->viewport()->height();
    });
}

// A 1366×768 projector in presentation mode: with the settings folded (as a run folds them,
// or View › Training Settings) the Train page's charts and buttons fit its width.
TEST(MainWindow, InPresentationModeTheFoldedTrainPageFitsA1366By768Projector) {
    MainWindow w;
    const PresentationOff off;
    showAtLectureSize(w, QStringLiteral("train"));
    QAction *panel = menuAction(w, QStringLiteral("Training Settings"));
    ASSERT_NE(panel, nullptr);
    EXPECT_TRUE(panel->isChecked());
    EXPECT_TRUE(w.shortcutsText().contains(QStringLiteral("View › Training Settings")));
    panel->trigger();
    EXPECT_FALSE(w.dashboard()->settingsShown());
    QScrollArea *area = PageScroll::area(w.dashboard());
    ASSERT_NE(area, nullptr);
    EXPECT_TRUE(fitsItsWidth(area));
    w.dashboard()->setSettingsShown(true);  // the fold button or a run's end
    EXPECT_TRUE(panel->isChecked());
}

// The same projector on the Convolution lesson: its toolbar takes two rows instead of making
// the lesson scroll sideways, and the page scrolls down rather than cut off the Dice formula.
TEST(MainWindow, InPresentationModeTheConvolutionLessonFitsA1366By768ProjectorsWidth) {
    MainWindow w;
    const PresentationOff off;
    showAtLectureSize(w, QStringLiteral("learn"));
    w.learnArea()->showLesson(LearnArea::Lesson::Convolution);
    ConvolutionWidget *lesson = w.learnArea()->convolution();
    QScrollArea *area = PageScroll::area(lesson);
    ASSERT_NE(area, nullptr);
    EXPECT_TRUE(fitsItsWidth(area));
    const QLabel *formula = lesson->diceFormulaLabel();
    EXPECT_TRUE(formula->text().contains(QStringLiteral("2·TP")));
    EXPECT_GE(formula->height(), formula->heightForWidth(formula->width()));
}

// The same projector on the Data page, both of its views: the paging and augmentation rows
// take two lines and the gallery one column instead of the page scrolling sideways.
TEST(MainWindow, InPresentationModeTheDataPageFitsA1366By768ProjectorsWidth) {
    MainWindow w;
    const PresentationOff off;
    showAtLectureSize(w, QStringLiteral("data"));
    QScrollArea *area = PageScroll::area(w.datasetPage());
    ASSERT_NE(area, nullptr);
    for (int view : {0, 1}) {
        w.datasetPage()->showView(view);
        EXPECT_TRUE(fitsItsWidth(area)) << "view " << view;
    }
}

// The same projector on the Compare page: with the setup folded (as Start folds it in
// presentation mode, or View › Comparison Setup) both charts, the buttons and the predictions'
// zoom fit its width; unfolded, the page scrolls sideways as before.
TEST(MainWindow, InPresentationModeTheFoldedComparePageFitsA1366By768Projector) {
    MainWindow w;
    const PresentationOff off;
    showAtLectureSize(w, QStringLiteral("compare"));
    QAction *setup = menuAction(w, QStringLiteral("Comparison Setup"));
    ASSERT_NE(setup, nullptr);
    EXPECT_TRUE(setup->isChecked());
    EXPECT_TRUE(w.shortcutsText().contains(QStringLiteral("View › Comparison Setup")));
    QScrollArea *area = PageScroll::area(w.compareArea());
    ASSERT_NE(area, nullptr);
    EXPECT_FALSE(fitsItsWidth(area)) << "the unfolded page is expected to be too wide here";
    setup->trigger();
    EXPECT_FALSE(w.compareArea()->setupShown());
    EXPECT_TRUE(fitsItsWidth(area));
    w.compareArea()->setSetupShown(true);  // the fold button
    EXPECT_TRUE(setup->isChecked());
}

// The first start (no saved geometry) takes 1600×950, or 92 % of a smaller screen, centred;
// a geometry saved on a larger screen comes back inside the current one.
TEST(MainWindow, OpensAtASizeThatFitsTheScreen) {
    EXPECT_EQ(MainWindow::firstRunSize(QRect(0, 0, 1920, 1050)), QSize(1600, 950));
    EXPECT_EQ(MainWindow::firstRunSize(QRect(0, 0, 1280, 800)), QSize(1177, 736));
    EXPECT_EQ(MainWindow::firstRunSize(QRect(0, 32, 1366, 736)), QSize(1256, 677));
    for (const QRect available : {QRect(0, 0, 1280, 720), QRect(0, 27, 1280, 773), QRect(1920, 0, 1366, 768)}) {
        const QSize first = MainWindow::firstRunSize(available);
        EXPECT_LE(first.width(), available.width());
        EXPECT_LE(first.height() + 40, available.height()) << "room for a title bar";
    }
    // Saved at 1600×950 on a large monitor, restored on a 1280×800 projector (title bar 30 px).
    const QRect projector(0, 0, 1280, 800);
    const QRect fitted = MainWindow::fitToScreen(QRect(500, 300, 1600, 950), projector, 30);
    EXPECT_TRUE(projector.contains(fitted.adjusted(0, -30, 0, 0))) << fitted.x() << "," << fitted.y() << " " << fitted.width()
                                                                   << "x" << fitted.height();
    EXPECT_EQ(fitted.size(), QSize(1280, 770));
    // A geometry that fits stays where it is.
    EXPECT_EQ(MainWindow::fitToScreen(QRect(100, 100, 800, 600), projector, 30), QRect(100, 100, 800, 600));
    // Left on a second monitor that is gone: moved onto this one.
    EXPECT_TRUE(projector.contains(MainWindow::fitToScreen(QRect(2000, 50, 800, 600), projector, 30)));

    // The window itself: no saved geometry, then one saved larger than the screen.
    QSettings().remove(QStringLiteral("window/geometry"));
    {
        MainWindow w;
        const QRect available = w.screen()->availableGeometry();
        EXPECT_EQ(w.size(), MainWindow::firstRunSize(available));
        EXPECT_TRUE(available.contains(w.geometry())) << w.x() << "," << w.y();
        w.resize(available.width() * 2, available.height() * 2);
        QSettings().setValue(QStringLiteral("window/geometry"), w.saveGeometry());
    }
    MainWindow restored;
    const QRect available = restored.screen()->availableGeometry();
    EXPECT_TRUE(available.contains(restored.geometry()))
        << restored.x() << "," << restored.y() << " " << restored.width() << "x" << restored.height() << " in "
        << available.width() << "x" << available.height();
    QSettings().remove(QStringLiteral("window/geometry"));
}
