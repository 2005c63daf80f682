#include <QLabel>
#include <QSignalSpy>
#include <QStatusBar>

#include <gtest/gtest.h>

#include "gui/MainWindow.h"

TEST(MainWindow, ShowsSyntheticSamplesWithMasksAndTheDevice) {
    unetlab::gui::MainWindow w(QStringLiteral("CPU, 2 threads"));
    w.resize(1400, 900);
    w.show();
    QSignalSpy loaded(&w, &unetlab::gui::MainWindow::loaded);
    w.loadSamples(1, 0, 4);
    ASSERT_TRUE(loaded.wait(10000));
    EXPECT_EQ(w.gallery()->itemCount(), 4);
    bool sawDevice = false, sawDataset = false;
    for (QLabel *l : w.statusBar()->findChildren<QLabel *>()) {
        sawDevice = sawDevice || l->text().contains(QStringLiteral("CPU, 2 threads"));
        sawDataset = sawDataset || l->text().contains(QStringLiteral("synthetic cells, seed 1"));
    }
    EXPECT_TRUE(sawDevice);
    EXPECT_TRUE(sawDataset);
    const QImage shot = w.grab().toImage();
    EXPECT_GE(shot.width(), 1000);
}
