#pragma once
// The engine thread's worker (ARCHITECTURE "The engine thread"): owns every tensor, model,
// optimiser and dataset. Its slots are commands, its signals carry plain values. Training
// advances one batch per queued call, so between two batches the thread serves pause,
// learning-rate changes or a stop. Batch reports are batched and sent at most ~30 times a
// second. No LibTorch in this header (moc sees it).

#include <QElapsedTimer>
#include <QObject>
#include <QString>
#include <QVector>

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <utility>
#include <memory>
#include <string>
#include <vector>

#include "CompareTypes.h"
#include "InspectTypes.h"
#include "ReceptiveFieldRequest.h"
#include "TrainingTypes.h"

namespace unetlab {
struct Normalisation;
class Comparison;
class Dataset;
class SegmentationModel;
class Trainer;
class RunAutosave;
struct LoadedCheckpoint;
struct Sample;
}  // namespace unetlab

namespace unetlab::gui {

class EngineWorker : public QObject {
    Q_OBJECT
public:
    // Runs are autosaved under `autosaveRoot` (one folder per run).
    explicit EngineWorker(const QString &autosaveRoot, QObject *parent = nullptr);
    ~EngineWorker() override;

    // Thread-safe: makes the current step the last one (used when the window closes).
    void requestAbort() { m_abort = true; }
    bool isTraining() const { return m_training; }  // approximate when read from another thread

public Q_SLOTS:
    void initialise();  // on the engine thread: threads, priority, device
    void start(const RunRequest &request);
    // Continues a run from its autosave folder (a run interrupted by a crash or kill -9):
    // its settings, data, weights and curves come back, paused after the last finished epoch.
    void restoreRun(const QString &runDir);
    void pause();
    void resume();
    void stepOnce();
    void stop();
    void setLearningRate(double rate);
    void saveCheckpoint(const QString &path);
    // A UNet Lab checkpoint opens with the data it names; a PyTorch state dict (no data in it)
    // with the preferred data if it fits the model, else the data last used, else synthetic.
    void loadCheckpoint(const QString &path);
    void setPreferredData(const QString &spec);
    void predict(const QVector<int> &indices);  // indices into the current dataset
    // Trains two or more models side by side (Compare area); pause, resume, step and stop
    // act on it like on a training run.
    void startComparison(const CompareRequest &request);
    // The empirical receptive field of one output pixel (Learn area).
    void receptiveField(const ReceptiveFieldRequest &request);
    // Inspect area: each request names its model (the one in training or a checkpoint, loaded
    // here when it is not the one held) and is answered by one signal or inspectError.
    void inspectFeatureMaps(const FeatureMapRequest &request);
    void inspectKernels(const KernelRequest &request);
    void inspectRanking(const RankingRequest &request);
    void inspectReview(const ReviewRequest &request);
    void inspectLargeImage(const LargeImageRequest &request);
    void shutdown();    // ends any run (autosaves stay) and releases all engine objects

Q_SIGNALS:
    void deviceReady(const QString &description);
    void runStarted(const RunInfo &info);
    void batchesDone(const QVector<unetlab::BatchReport> &batches);
    // A restored run's batches before its interruption (its run folder's batches.csv), for the
    // curves only; sent after runStarted and before its epochs' epochDone.
    void restoredBatches(const QVector<unetlab::BatchReport> &batches);
    void validationProgress(int done, int total);
    void epochDone(const unetlab::EpochReport &epoch);
    void previewReady(const QVector<PreviewItem> &items, int epoch);
    void pausedChanged(bool paused);
    void runFinished(const RunSummary &summary);
    void checkpointSaved(const QString &path);
    void checkpointLoaded(const QString &description);
    void errorOccurred(const QString &message);
    void receptiveFieldReady(const ReceptiveFieldResult &result);
    void comparisonStarted(const QVector<RunInfo> &runs);
    void comparisonBatches(int run, const QVector<unetlab::BatchReport> &batches);
    void comparisonEpoch(int run, const unetlab::EpochReport &epoch);
    void comparisonFinished(const CompareResult &result);
    void comparisonError(const QString &message);
    // Presets for which trained weights are at hand (the current run, a loaded checkpoint).
    void trainedModelsChanged(const QStringList &presets);
    // A checkpoint was opened: its path, a one-line description and its data.
    void checkpointOpened(const QString &path, const QString &description);
    // The data a model works on (a run's start, a checkpoint's opening), for the Inspect area.
    void inspectDataset(const QString &name, int imageCount, const QStringList &classNames);
    void featureMapsReady(const unetlab::ImageInspection &result);
    void kernelsReady(const unetlab::KernelSet &kernels);
    void rankingReady(const unetlab::RankingReport &report);
    void reviewReady(const unetlab::SplitReview &review);
    void largeImageReady(const LargeImageResult &result);
    void inspectError(const QString &message);
    // Lines while the execution plan is measured (first run of a model on this machine).
    void planProgress(const QString &line);

private:
    // Chooses (measures or reads the cached) execution plan and writes it into `config`.
    unetlab::ExecutionPlan planFor(const unetlab::PlanRequest &request, unetlab::TrainConfig &config);
    void runStep();
    // After m_trainer is set up (new or restored): run info, autosave folder, signals.
    void beginRun(const QString &modelName, const unetlab::ExecutionPlan &plan, const QString &runDir, bool restored);
    void compareStep();
    void finishComparison();
    void scheduleStep();
    void flushBatches(bool force);
    void finishRun(const QString &reason, bool diverged);
    void autosave(const unetlab::EpochReport &epoch);
    QVector<PreviewItem> previewOf(const std::vector<unetlab::Sample> &samples,
                                   const std::vector<std::vector<std::uint8_t>> &predictions) const;
    void emitPreview(int epoch);
    bool guard(const char *what, const std::function<void()> &work);
    struct InspectTarget;
    InspectTarget inspectTarget(const InspectModelChoice &choice);
    void inspectGuard(const std::function<void()> &work);
    void followLoad();

    QString m_autosaveRoot;
    std::unique_ptr<unetlab::Trainer> m_trainer;
    std::unique_ptr<unetlab::Comparison> m_comparison;
    QStringList m_compareNames;
    QString m_compareSettings;
    std::vector<double> m_compareSeconds;
    std::vector<std::pair<QString, bool>> m_compareEnds;  // per run: why it ended, diverged
    QVector<QVector<unetlab::BatchReport>> m_comparePending;
    std::shared_ptr<const unetlab::Dataset> m_data;
    std::string m_dataSpec;
    std::unique_ptr<unetlab::LoadedCheckpoint> m_loaded;
    QString m_loadedPreset;
    QString m_loadedPath;
    QString m_preferredData;  // the data spec chosen in the GUI, for state dicts without one
    std::shared_ptr<const unetlab::Dataset> m_loadedData;
    std::map<QString, std::shared_ptr<unetlab::SegmentationModel>> m_freshModels;
    std::unique_ptr<unetlab::Normalisation> m_syntheticStatistics;
    std::vector<std::size_t> m_previewIndices;
    RunInfo m_info;
    QString m_runDir, m_bestCheckpoint;
    std::unique_ptr<unetlab::RunAutosave> m_autosave;
    std::string m_lastError;  // the last message guard() reported, to pass on in context
    int m_runCount = 0;
    bool m_training = false;
    // The last plan's threads followed the load (automatic threads on a CPU): between runs,
    // long inference requests look at the load again first (followLoad).
    bool m_threadsFollowLoad = true;
    bool m_paused = false;
    bool m_stepQueued = false;
    bool m_singleStep = false;
    std::atomic<bool> m_abort{false};
    QVector<unetlab::BatchReport> m_pending;
    QElapsedTimer m_sinceEmit;
    QElapsedTimer m_sincePreview;
};

}  // namespace unetlab::gui
