#pragma once
// Every run finished in this session: model, settings and final figures, exportable as CSV.

#include <QVector>
#include <QWidget>

#include "TrainingTypes.h"

class QTableWidget;

class RunHistory : public QWidget {
    Q_OBJECT
public:
    explicit RunHistory(QWidget *parent = nullptr);
    void addRun(const RunSummary &run);
    int runCount() const { return m_runs.size(); }
    const QVector<RunSummary> &runs() const { return m_runs; }
    QString csv() const;

private:
    QTableWidget *m_table = nullptr;
    QVector<RunSummary> m_runs;
};
