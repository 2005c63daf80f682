// GoogleTest main for widget tests: one QApplication for the whole run, headless, with
// settings and autosaves kept out of the user's folders.
#include <QApplication>
#include <QStandardPaths>

#include <gtest/gtest.h>

#include "../TestAppFolders.h"

#include "TrainingTypes.h"

int main(int argc, char **argv) {
    if (qgetenv("QT_QPA_PLATFORM").isEmpty()) qputenv("QT_QPA_PLATFORM", "offscreen");
    QStandardPaths::setTestModeEnabled(true);
    QApplication app(argc, argv);
    const TestAppFolders folders(QStringLiteral("UNet Lab Tests"));  // this process's own, removed at the end
    registerTrainingTypes();
    ::testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}
