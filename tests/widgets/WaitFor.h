#pragma once
// Shared by the widget tests: waiting for signals that cross from the engine thread.

#include <QElapsedTimer>
#include <QList>
#include <QObject>
#include <QSignalSpy>
#include <QTest>
#include <QVariant>

#include <type_traits>

// Waits until `spy` has seen at least `n` signals (they may already have arrived, which
// QSignalSpy::wait would miss), processing events meanwhile; false after `ms`.
template <typename Spy>
bool waitFor(Spy &spy, int n, int ms) {
    QElapsedTimer t;
    t.start();
    while (spy.count() < n && t.elapsed() < ms) QTest::qWait(20);
    return spy.count() >= n;
}

// Records a signal of an object that lives on another thread (the engine's worker), as
// QSignalSpy does, but on the test's thread: QSignalSpy connects directly, so it would
// append on the engine thread while the test reads — a data race ThreadSanitizer reports.
// Here the arguments arrive through a queued connection (in the order they were sent).
class EngineSpy : public QObject, public QList<QList<QVariant>> {
public:
    template <typename Sender, typename... Args>
    EngineSpy(const Sender *sender, void (Sender::*signal)(Args...)) {
        QObject::connect(
            sender, signal, this,
            [this](std::decay_t<Args>... args) { append(QList<QVariant>{QVariant::fromValue(args)...}); },
            Qt::QueuedConnection);
    }
    // Waits for one more signal than have arrived so far.
    bool wait(int ms = 5000) { return waitFor(*this, static_cast<int>(size()) + 1, ms); }
};
