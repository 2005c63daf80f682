#pragma once
// Owns the engine thread and its worker: starts them, and stops and joins them cleanly
// (also mid-training: the current batch finishes, autosaved epochs stay on disk).

#include <QObject>
#include <QThread>

namespace unetlab::gui {

class EngineWorker;

class EngineThread : public QObject {
    Q_OBJECT
public:
    explicit EngineThread(const QString &autosaveRoot, QObject *parent = nullptr);
    ~EngineThread() override;

    EngineWorker *worker() const { return m_worker; }
    // Starts the thread; connect to the worker's signals first, so none is missed.
    void start();
    // Ends any run and joins the thread; safe to call twice. Blocks for at most one batch.
    void shutdown();
    bool isRunning() const { return m_thread.isRunning(); }

private:
    QThread m_thread;
    EngineWorker *m_worker = nullptr;
};

}  // namespace unetlab::gui
