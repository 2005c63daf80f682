#pragma once
// The Compare area (issue #6): train two or more models side by side on the same data and
// see what skip connections buy — curves, the same test images through every model, the
// numbers (Dice, IoU, pixel accuracy, boundary F1) and the session's leaderboard.
//
// Requests go out as signals with plain values; the engine thread answers through the
// slots. The GUI never waits on LibTorch.

#include <QVector>
#include <QWidget>

#include "CompareTypes.h"

class QLabel;
class QPushButton;
class QTabWidget;
class QToolButton;
class CompareNumbers;
class ComparePredictions;
class CompareSetup;
class Leaderboard;
class RunsChart;

class CompareArea : public QWidget {
    Q_OBJECT
public:
    enum class State { Idle, Preparing, Running, Paused, Finished };
    explicit CompareArea(QWidget *parent = nullptr);

    State state() const { return m_state; }
    CompareSetup *setup() const { return m_setup; }
    RunsChart *lossChart() const { return m_loss; }
    RunsChart *diceChart() const { return m_dice; }
    ComparePredictions *predictions() const { return m_predictions; }
    CompareNumbers *numbers() const { return m_numbers; }
    Leaderboard *leaderboard() const { return m_leaderboard; }
    QString progressText() const;
    QString bannerText() const;
    // The setup column (models, data, training) beside the charts. In presentation mode Start
    // folds it away (it is locked during the run) so the charts and the predictions keep a
    // projector's width through the comparison and its result; the fold button and View ›
    // Comparison Setup toggle it any time.
    bool setupShown() const;
    // "small-unet (472,866) vs small-unet-noskip (426,786)": the models of the comparison going
    // or finished (their parameter counts as built for the data, whose masks may add or remove
    // a class), else those of the setup; editing the setup turns it back to the setup's.
    QString modelsSummary() const;

public Q_SLOTS:
    void start();
    void pauseOrResume();
    void stop();
    void onStarted(const QVector<RunInfo> &runs);
    void onBatches(int run, const QVector<unetlab::BatchReport> &batches);
    void onEpoch(int run, const unetlab::EpochReport &epoch);
    void onFinished(const CompareResult &result);
    void onPaused(bool paused);
    void onError(const QString &message);
    void setSetupShown(bool shown);

Q_SIGNALS:
    void setupShownChanged(bool shown);
    void startRequested(const CompareRequest &request);
    void pauseRequested();
    void resumeRequested();
    void stopRequested();
    void epochFinished(int run, int epoch);
    void comparisonFinished();

private:
    void setState(State state);
    void updateProgress();
    void showMessage(const QString &message, bool warning);

    State m_state = State::Idle;
    CompareSetup *m_setup;
    RunsChart *m_loss, *m_dice;
    ComparePredictions *m_predictions;
    CompareNumbers *m_numbers;
    Leaderboard *m_leaderboard;
    QTabWidget *m_results;
    QWidget *m_setupPanel;
    QToolButton *m_fold;
    QPushButton *m_start, *m_pause, *m_stop;
    QLabel *m_progress, *m_banner;
    QVector<RunInfo> m_runs;
    QVector<unetlab::BatchReport> m_last;  // latest batch of each run
    QVector<int> m_epochsDone;
    bool m_runsShown = false;  // m_runs are the setup's models (no edit since they started)
};
