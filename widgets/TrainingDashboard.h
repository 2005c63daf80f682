#pragma once
// The Train area: knobs, Start / Pause / Resume / Step / Stop, a live learning-rate
// control, progress with ETA, live charts, a validation preview and the run history.
// It only sends requests and draws the plain reports it receives (no LibTorch here).

#include <QElapsedTimer>
#include <QVector>
#include <QWidget>

#include "TrainingTypes.h"

class QDoubleSpinBox;
class QLabel;
class QProgressBar;
class QPushButton;
class QToolButton;
class DiceChart;
class LearningRateChart;
class LossChart;
class PreviewStrip;
class RunHistory;
class TrainingSettings;

class TrainingDashboard : public QWidget {
    Q_OBJECT
public:
    enum class State { Idle, Preparing, Running, Paused, Finished };
    Q_ENUM(State)

    explicit TrainingDashboard(QWidget *parent = nullptr);

    State state() const { return m_state; }
    TrainingSettings *settings() const { return m_settings; }
    LossChart *lossChart() const { return m_loss; }
    DiceChart *diceChart() const { return m_dice; }
    LearningRateChart *learningRateChart() const { return m_rate; }
    PreviewStrip *preview() const { return m_preview; }
    RunHistory *history() const { return m_history; }
    // The settings column beside the charts. In presentation mode Start folds it away (the
    // knobs are locked during the run) so the charts keep the projector's width through the
    // run and its result; the fold button and View › Training Settings toggle it any time.
    bool settingsShown() const;
    QString progressText() const;
    // The line above the progress bars: the run (model, data, device), or what is being prepared.
    QString runText() const;
    QString bannerText() const;
    int epochProgress() const;
    int batchProgress() const;
    // Writes the three charts side by side as one PNG or SVG (by extension).
    bool exportCharts(const QString &path);
    // The current run's per-epoch metrics as CSV (empty before the first epoch).
    QString metricsCsv() const;

public Q_SLOTS:
    // The controls, also reachable from menus and shortcuts; each does nothing when it
    // does not apply (e.g. Step while running).
    void start();
    void pauseOrResume();
    void step();
    void stop();
    void onRunStarted(const RunInfo &info);
    void onBatches(const QVector<unetlab::BatchReport> &batches);
    // A restored run's earlier batches: drawn in the loss and learning-rate charts only.
    void onRestoredBatches(const QVector<unetlab::BatchReport> &batches);
    void onValidationProgress(int done, int total);
    void onEpoch(const unetlab::EpochReport &epoch);
    void onPreview(const QVector<PreviewItem> &items, int epoch);
    // The classes of the data the engine now holds (a run's, or an opened checkpoint's): the
    // validation preview's legend names them.
    void setDataClasses(const QStringList &classNames);
    void onRunFinished(const RunSummary &summary);
    void onPaused(bool paused);
    void onError(const QString &message);
    void showMessage(const QString &message, bool warning = false);
    void setSettingsShown(bool shown);

Q_SIGNALS:
    void settingsShownChanged(bool shown);
    void startRequested(const RunRequest &request);
    void pauseRequested();
    void resumeRequested();
    void stepRequested();
    void stopRequested();
    void learningRateChanged(double rate);
    void saveCheckpointRequested(const QString &path);
    void runFinished(const RunSummary &summary);
    void epochFinished(int epoch);

private:
    void setState(State state);
    void updateProgress();
    void exportMenu();
    QWidget *buildControls();

    State m_state = State::Idle;
    TrainingSettings *m_settings;
    LossChart *m_loss;
    DiceChart *m_dice;
    QStringList m_legendClasses;  // the Dice legend's classes before the first run
    LearningRateChart *m_rate;
    PreviewStrip *m_preview;
    RunHistory *m_history;
    QWidget *m_settingsPanel;
    QToolButton *m_fold;
    QPushButton *m_start, *m_pause, *m_resume, *m_step, *m_stop, *m_applyRate, *m_save, *m_export;
    QDoubleSpinBox *m_liveRate;
    QProgressBar *m_epochBar, *m_batchBar;
    QLabel *m_progress, *m_banner, *m_runLabel, *m_bestLabel;
    QString m_starting;  // "minimal on synthetic cells …": the run Start asked for

    RunInfo m_info;
    QVector<unetlab::EpochReport> m_epochs;
    int m_batchesDone = 0;
    double m_lastImagesPerSecond = 0;
    double m_engineElapsed = 0;
    QElapsedTimer m_clock;  // wall time since start, for elapsed/ETA between reports
    bool m_restoredNote = false;  // the banner says a restored run waits for Resume
};
