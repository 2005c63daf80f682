#include <QKeySequence>
#include <QLabel>
#include <QMessageBox>
#include <QSignalSpy>
#include <QStatusBar>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QSpinBox>
#include <QComboBox>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/wait.h>
#include <unistd.h>

#include <QDir>

#include "RunHistory.h"
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

// A PyTorch state dict of a two-class model opens with the nuclei sample chosen in the
// settings, and the validation preview's legend names that data's class, not the synthetic ones.
TEST(MainWindow, AnOpenedStateDictPreviewNamesItsDatasClasses) {
    QTemporaryDir dir;
    unetlab::ModelConfig config = unetlab::presetConfig("minimal");
    config.inChannels = 3;
    config.numClasses = 2;
    const QString path = dir.filePath(QStringLiteral("nuclei.pt"));
    unetlab::saveStateDict(*unetlab::buildModel(config), path.toStdString());
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

    // Resume: epoch 3 trains and the run ends as finished, never offered again.
    QSignalSpy finished(d, &TrainingDashboard::runFinished);
    d->pauseOrResume();
    ASSERT_TRUE(waitFor(finished, 1, 60000));
    EXPECT_EQ(d->metricsCsv().count(QLatin1Char('\n')), 4);
    EXPECT_EQ(unetlab::readSavedRun(dir.toStdString()).state, "finished");
    EXPECT_EQ(unetlab::readSavedRun(dir.toStdString()).epochsDone, 3);
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
