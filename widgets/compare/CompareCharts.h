#pragma once
// Per-epoch curves of every run of a comparison overlaid in one chart, one colour per run,
// the legend naming each run with its exact parameter count.

#include <QVector>

#include "TrainingCharts.h"

class RunsChart : public LiveChart {
    Q_OBJECT
public:
    enum class Metric { Loss, Dice };
    RunsChart(Metric metric, QWidget *parent = nullptr);
    // One solid and one dashed series per run: validation and training loss, or validation
    // mean Dice and validation boundary F1.
    void setRuns(const QStringList &labels);
    void addEpoch(int run, const unetlab::EpochReport &epoch);
    static QColor runColour(int run);

private:
    Metric m_metric;
    QVector<QLineSeries *> m_solid, m_dashed;
};
