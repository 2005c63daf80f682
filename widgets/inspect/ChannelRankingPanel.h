#pragma once
// Channel ranking (MISSION §8): over held-out images, Strategy 1 orders a stage's channels
// by mean |activation| and Strategy 2 by their point-biserial correlation with a class's
// mask; both as sorted bar charts, with the best |r| of every stage and the plain-language
// verdict (upstream capacity, or the downstream 1x1 head).

#include <QStringList>

#include "InspectTypes.h"
#include "InspectView.h"

class QChart;
class QChartView;
class QComboBox;
class QFrame;
class QLabel;
class QPushButton;

class ChannelRankingPanel : public InspectView {
    Q_OBJECT
public:
    explicit ChannelRankingPanel(QWidget *parent = nullptr);

    void setDataset(int imageCount, const QStringList &classNames);
    RankingRequest currentRequest() const;  // the model is filled in by InspectArea
    bool hasResult() const override { return !m_report.stages.empty(); }
    const unetlab::RankingReport &report() const { return m_report; }

    // The stage whose channels the two sorted charts show.
    void showStage(const QString &stage);
    QString shownStage() const;
    // For tests and screenshots.
    int magnitudeBars() const { return m_magnitudeBars; }
    int correlationBars() const { return m_correlationBars; }
    QString verdictHeadline() const;
    QString verdictText() const;
    QChartView *magnitudeChart() const { return m_magnitude; }
    QChartView *correlationChart() const { return m_correlation; }
    QChartView *stagesChart() const { return m_stages; }

public Q_SLOTS:
    void showReport(const unetlab::RankingReport &report);
    void request();

Q_SIGNALS:
    void requested(const RankingRequest &request);

private:
    void drawStageCharts();
    void fitBars();
    void drawStagesOverview();

    QComboBox *m_class = nullptr;
    QComboBox *m_split = nullptr;
    QComboBox *m_stageChoice = nullptr;
    QPushButton *m_rank = nullptr;
    QComboBox *m_shownStage = nullptr;
    QChartView *m_stages = nullptr;
    QChartView *m_magnitude = nullptr;
    QChartView *m_correlation = nullptr;
    QFrame *m_verdict = nullptr;
    QLabel *m_verdictHeadline = nullptr;
    QLabel *m_verdictText = nullptr;
    QLabel *m_status = nullptr;
    unetlab::RankingReport m_report;
    QStringList m_classes;
    int m_fittingBars = 16;     // channels whose numbers fit under the bars at the charts' width
    int m_fittingChannels = 0;  // the channel count they were fitted for
    int m_magnitudeBars = 0;
    int m_correlationBars = 0;
};
