// GoogleTest main for the Inspect widget tests: one QApplication for the run, headless.
#include <QApplication>

#include <gtest/gtest.h>

#include "InspectTypes.h"

int main(int argc, char **argv) {
    if (qgetenv("QT_QPA_PLATFORM").isEmpty()) qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    registerInspectTypes();
    ::testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}
