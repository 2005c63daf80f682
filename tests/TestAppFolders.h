#pragma once
// Each GUI test process gets its own application data folder (autosaved runs) and settings
// file, removed when it ends. ctest runs the test cases in parallel processes: with one shared
// folder, a test that offers "the interrupted run" could be offered another process's run,
// and one test's saved settings could reach another's main window.
//
//     QApplication app(argc, argv);
//     const TestAppFolders folders(QStringLiteral("UNet Lab Tests"));
//
// after QStandardPaths::setTestModeEnabled(true), so the folders are under ~/.qttest.

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QSettings>
#include <QStandardPaths>
#include <QString>

class TestAppFolders {
public:
    explicit TestAppFolders(const QString &name) {
        QCoreApplication::setOrganizationName(QStringLiteral("UNetLabTests"));
        QCoreApplication::setApplicationName(QStringLiteral("%1 %2").arg(name).arg(QCoreApplication::applicationPid()));
    }
    ~TestAppFolders() {
        QDir(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation)).removeRecursively();
        const QString settings = QSettings().fileName();
        QFile::remove(settings);
    }
    TestAppFolders(const TestAppFolders &) = delete;
    TestAppFolders &operator=(const TestAppFolders &) = delete;
};
