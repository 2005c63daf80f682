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
    QSignalSpy opened(w.engine()->worker(), &unetlab::gui::EngineWorker::checkpointOpened);
    w.openCheckpointFile(path);
    ASSERT_TRUE(opened.wait(60000));
    for (int i = 0; i < 100 && !w.dashboard()->preview()->caption().contains(QStringLiteral("nucleus")); ++i)
        QTest::qWait(50);
    const QString caption = w.dashboard()->preview()->caption();
    EXPECT_TRUE(caption.contains(QStringLiteral("nucleus"))) << caption.toStdString();
    EXPECT_FALSE(caption.contains(QStringLiteral("cytoplasm"))) << caption.toStdString();
}
