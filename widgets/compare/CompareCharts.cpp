#include "CompareCharts.h"

#include <QChart>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QValueAxis>

RunsChart::RunsChart(Metric metric, QWidget *parent)
    : LiveChart(metric == Metric::Loss ? tr("Loss per epoch — solid: validation, dashed: training")
                                       : tr("Validation — solid: mean Dice, dashed: boundary F1"),
                metric == Metric::Loss ? tr("loss") : tr("score"), false, parent),
      m_metric(metric) {
    if (metric == Metric::Dice) {
        m_fixedY = true;
        m_y->setRange(0, 1);
        m_y->setTickCount(6);
    }
}

QColor RunsChart::runColour(int run) {
    static const QColor kColours[] = {QColor(25, 118, 210), QColor(230, 81, 0), QColor(56, 142, 60),
                                      QColor(142, 36, 170)};
    return kColours[run % 4];
}

void RunsChart::setRuns(const QStringList &labels) {
    for (QXYSeries *s : m_series) {
        chart()->removeSeries(s);
        delete s;
    }
    m_series.clear();
    m_solid.clear();
    m_dashed.clear();
    // One legend entry per run (its name and parameter count); the title says what the
    // solid and dashed lines are.
    for (int r = 0; r < labels.size(); ++r) {
        m_solid.push_back(addLine(labels[r], runColour(r), 3.0));
        m_dashed.push_back(addLine(labels[r], runColour(r), 2.0, Qt::DashLine));
        for (QLegendMarker *marker : chart()->legend()->markers(m_dashed.back())) marker->setVisible(false);
    }
    clear();
}

void RunsChart::addEpoch(int run, const unetlab::EpochReport &e) {
    if (run < 0 || run >= m_solid.size()) return;
    if (m_metric == Metric::Loss) {
        append(m_solid[run], e.epoch, e.valLoss);
        append(m_dashed[run], e.epoch, e.trainLoss);
    } else {
        append(m_solid[run], e.epoch, e.valDiceMean);
        append(m_dashed[run], e.epoch, e.valBoundaryF1);
    }
}
