// GoogleTest main for the GUI bad-input suite: one QApplication, headless, settings kept out
// of the user's folders — and, when run as root, without root's permission override, so that
// a folder of mode 000 is as unreadable to the app's background threads as to anyone else.
#include <QApplication>
#include <QStandardPaths>

#include <gtest/gtest.h>

#include "../TestAppFolders.h"

#include "BadFiles.h"
#include "TrainingTypes.h"

int main(int argc, char **argv) {
    badinput::dropFilePermissionOverride();  // before any thread starts: they inherit it
    if (qgetenv("QT_QPA_PLATFORM").isEmpty()) qputenv("QT_QPA_PLATFORM", "offscreen");
    QStandardPaths::setTestModeEnabled(true);
    QApplication app(argc, argv);
    const TestAppFolders folders(QStringLiteral("UNet Lab Bad Input Tests"));  // this process's own, removed at the end
    registerTrainingTypes();
    ::testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}
