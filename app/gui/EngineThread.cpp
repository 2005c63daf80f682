#include "gui/EngineThread.h"

#include "gui/EngineWorker.h"

namespace unetlab::gui {

EngineThread::EngineThread(const QString &autosaveRoot, QObject *parent) : QObject(parent) {
    registerTrainingTypes();
    registerCompareTypes();
    registerInspectTypes();
    m_worker = new EngineWorker(autosaveRoot);
    m_worker->moveToThread(&m_thread);
    m_thread.setObjectName(QStringLiteral("engine"));
    connect(&m_thread, &QThread::started, m_worker, &EngineWorker::initialise);
    connect(&m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
}

void EngineThread::start() {
    if (!m_thread.isRunning()) m_thread.start();
}

EngineThread::~EngineThread() { shutdown(); }

void EngineThread::shutdown() {
    if (!m_thread.isRunning()) {
        if (m_worker && !m_thread.isFinished()) {
            delete m_worker;  // never started: nothing runs on the thread
            m_worker = nullptr;
        }
        return;
    }
    m_worker->requestAbort();
    // Runs after the batch in progress; releases every tensor on the engine thread itself.
    QMetaObject::invokeMethod(m_worker, &EngineWorker::shutdown, Qt::BlockingQueuedConnection);
    m_thread.quit();
    m_thread.wait();
}

}  // namespace unetlab::gui
