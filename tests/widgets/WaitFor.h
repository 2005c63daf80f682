#pragma once
// Shared by the widget tests: waiting for signals that cross from the engine thread.

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTest>

// Waits until `spy` has seen at least `n` signals (they may already have arrived, which
// QSignalSpy::wait would miss), processing events meanwhile; false after `ms`.
inline bool waitFor(QSignalSpy &spy, int n, int ms) {
    QElapsedTimer t;
    t.start();
    while (spy.count() < n && t.elapsed() < ms) QTest::qWait(20);
    return spy.count() >= n;
}
