#pragma once
// Removes what the GUI tests store in QSettings (the Train settings and the chosen data), on
// construction and again on destruction, so the main window of other tests starts from defaults.

#include <QSettings>
#include <QString>

struct SettingsCleanup {
    SettingsCleanup() { clear(); }
    ~SettingsCleanup() { clear(); }
    static void clear() {
        QSettings s;
        s.remove(QStringLiteral("training"));
        s.remove(QStringLiteral("data"));
    }
};
