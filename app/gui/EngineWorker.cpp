#include "gui/EngineWorker.h"

#include <QDateTime>
#include <QDir>
#include <QLocale>
#include <QThread>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>

#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include "InspectImages.h"
#include "SampleGallery.h"
#include "core/AtomicFile.h"
#include "core/Device.h"
#include "data/DataSpec.h"
#include "data/SyntheticCells.h"
#include "gui/ImageConvert.h"
#include "inspect/ImageFile.h"
#include "inspect/Inspect.h"
#include "inspect/Render.h"
#include "inspect/ReceptiveFieldMap.h"
#include "train/Checkpoint.h"
#include "train/Comparison.h"
#include "train/Evaluate.h"
#include "train/ExecutionPlan.h"
#include "train/History.h"
#include "train/RunFolder.h"
#include "train/SlidingWindow.h"
#include "train/Trainer.h"

namespace unetlab::gui {
namespace {

constexpr int kEmitIntervalMs = 33;  // at most ~30 events a second reach the GUI
constexpr int kPreviewImages = 4;
constexpr int kPreviewIntervalMs = 250;
constexpr double kOverlayOpacity = 0.5;

QString q(const std::string &s) { return QString::fromStdString(s); }

// "1 epoch", "3 epochs".
QString epochsText(int n) { return n == 1 ? EngineWorker::tr("1 epoch") : EngineWorker::tr("%1 epochs").arg(n); }

QString settingsSummary(const TrainConfig &c) {
    QString s = QStringLiteral("%1 epochs, batch %2, %3 lr %4, %5 loss")
                    .arg(c.epochs)
                    .arg(c.batchSize)
                    .arg(q(toString(c.optimizer)))
                    .arg(c.learningRate)
                    .arg(q(toString(c.loss.kind)));
    if (c.schedule != ScheduleKind::Constant) s += QStringLiteral(", %1 schedule").arg(q(toString(c.schedule)));
    if (c.earlyStopPatience > 0) s += QStringLiteral(", early stop %1").arg(c.earlyStopPatience);
    return s + QStringLiteral(", seed %1").arg(c.seed);
}

// Where two predictions differ: green where only `a` is right, red where only `b` is,
// yellow where they differ and both are wrong; the image dimmed elsewhere.
QImage disagreementImage(const QImage &image, const std::vector<std::uint8_t> &truth,
                         const std::vector<std::uint8_t> &a, const std::vector<std::uint8_t> &b) {
    QImage out = image.convertToFormat(QImage::Format_RGB32);
    const int w = out.width();
    for (int y = 0; y < out.height(); ++y) {
        auto *line = reinterpret_cast<QRgb *>(out.scanLine(y));
        for (int x = 0; x < w; ++x) {
            const std::size_t i = static_cast<std::size_t>(y) * w + x;
            QColor c = QColor::fromRgb(line[x]);
            if (a[i] == b[i]) {
                c = QColor(c.red() / 2 + 60, c.green() / 2 + 60, c.blue() / 2 + 60);
            } else if (a[i] == truth[i]) {
                c = QColor(67, 160, 71);
            } else if (b[i] == truth[i]) {
                c = QColor(229, 57, 53);
            } else {
                c = QColor(253, 216, 53);
            }
            line[x] = c.rgb();
        }
    }
    return out;
}

}  // namespace

EngineWorker::EngineWorker(const QString &autosaveRoot, QObject *parent)
    : QObject(parent), m_autosaveRoot(autosaveRoot) {}

EngineWorker::~EngineWorker() = default;

bool EngineWorker::guard(const char *what, const std::function<void()> &work) {
    try {
        work();
        return true;
    } catch (const std::exception &e) {
        std::string message = e.what();
        if (const auto nl = message.find('\n'); nl != std::string::npos) message.resize(nl);  // LibTorch backtraces
        m_lastError = message;
        Q_EMIT errorOccurred(tr("%1: %2").arg(QString::fromLatin1(what), q(message)));
    } catch (...) {
        Q_EMIT errorOccurred(tr("%1: unexpected error").arg(QString::fromLatin1(what)));
    }
    return false;
}

void EngineWorker::initialise() {
#ifdef __linux__
    // Lower this thread's priority (LibTorch's worker threads, created from here, inherit it)
    // so the GUI thread always gets a core when it needs one; it is idle most of the time,
    // so training loses almost nothing.
    ::setpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid)), 10);
#endif
    guard("Engine start-up", [this] {
        configureThreads(0);
        Q_EMIT deviceReady(q(describeDevice(resolveDevice(DeviceChoice::Auto))));
    });
}

void EngineWorker::start(const RunRequest &request) {
    if (m_training) {
        Q_EMIT errorOccurred(tr("A run is already going; stop it first."));
        return;
    }
    m_abort = false;
    ExecutionPlan plan;
    const bool ok = guard("Cannot start training", [&] {
        const std::string spec = request.data.toString();
        if (!m_data || spec != m_dataSpec || m_data->width() != request.data.size) {
            m_data = openDataset(request.data);
            m_dataSpec = spec;
        }
        TrainConfig config = request.config;
        config.model.inChannels = m_data->inChannels();
        config.model.numClasses = m_data->numClasses();
        plan = planFor(request.plan, config);
        m_trainer = std::make_unique<Trainer>(config, m_data);
        releaseCachedGpuMemory();  // the previous run's model is gone: give its GPU memory back
    });
    if (!ok) return;

    ++m_runCount;
    beginRun(request.modelName, plan,
             QDir(m_autosaveRoot)
                 .filePath(QStringLiteral("%1-run%2-%3")
                               .arg(QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss")))
                               .arg(m_runCount)
                               .arg(request.modelName)),
             false);
}

void EngineWorker::beginRun(const QString &modelName, const ExecutionPlan &plan, const QString &runDir,
                            bool restored) {
    const Trainer &t = *m_trainer;
    m_info = RunInfo{};
    m_info.runId = m_runCount;
    m_info.modelName = modelName;
    m_info.modelDescription = q(t.config().model.describe());
    m_info.parameters = t.parameterCount();
    m_info.device = q(describeDevice(t.device()));
    m_info.plan = q(plan.summary());
    m_info.datasetName = q(m_data->name());
    m_info.trainImages = static_cast<int>(t.split().train.size());
    m_info.valImages = static_cast<int>(t.split().val.size());
    m_info.testImages = static_cast<int>(t.split().test.size());
    m_info.epochs = t.config().epochs;
    m_info.batchesPerEpoch = t.totalSteps() / std::max(1, t.config().epochs);
    for (const auto &c : m_data->classNames()) m_info.classNames << q(c);
    m_info.settings = settingsSummary(t.config());
    m_info.restoredEpochs = restored ? static_cast<int>(t.history().size()) : 0;
    if (restored) {
        m_info.restoredRequest.config = t.config();
        m_info.restoredRequest.data = parseDataSpec(m_dataSpec, m_data->width());
        m_info.restoredRequest.modelName = modelName;
        m_info.restoredRequest.plan.precision = t.config().precision;
        m_info.restoredRequest.plan.memoryFormat =
            t.config().channelsLast ? MemoryFormatChoice::ChannelsLast : MemoryFormatChoice::Contiguous;
    }
    m_runDir = runDir;
    m_autosave.reset();
    QString autosaveProblem;
    try {
        m_autosave = std::make_unique<RunAutosave>(m_runDir.toStdString(), "unetlab", modelName.toStdString(), m_dataSpec);
        m_autosave->begin(t);
    } catch (const std::exception &e) {
        autosaveProblem = tr("Cannot write the autosave folder %1 (%2); training runs without autosave.")
                              .arg(m_runDir, q(e.what()));
        m_autosave.reset();
        m_runDir.clear();
    }
    m_info.autosaveDir = m_runDir;
    m_bestCheckpoint = m_autosave ? q(m_autosave->bestCheckpoint()) : QString();
    Q_EMIT inspectDataset(m_info.datasetName, static_cast<int>(m_data->size()), m_info.classNames);
    m_previewIndices.assign(t.split().val.begin(),
                            t.split().val.begin() + std::min<std::size_t>(kPreviewImages, t.split().val.size()));
    m_training = true;
    m_paused = restored;
    m_pending.clear();
    m_sinceEmit.start();
    m_sincePreview.invalidate();
    Q_EMIT runStarted(m_info);
    // After runStarted: the run goes on without autosave (a warning, not a refused start).
    if (!autosaveProblem.isEmpty()) Q_EMIT errorOccurred(autosaveProblem);
    Q_EMIT trainedModelsChanged(QStringList{modelName} + (m_loadedPreset.isEmpty() ? QStringList{}
                                                                                  : QStringList{m_loadedPreset}));
    if (restored) {
        // The curves up to the saved epoch, then paused: Resume continues with the next epoch.
        const std::vector<BatchReport> earlier = readRunBatches(runDir.toStdString(), m_info.restoredEpochs);
        if (!earlier.empty()) Q_EMIT restoredBatches(QVector<BatchReport>(earlier.begin(), earlier.end()));
        for (const EpochReport &e : t.history()) Q_EMIT epochDone(e);
        Q_EMIT pausedChanged(true);
        emitPreview(static_cast<int>(t.history().size()));
        return;
    }
    emitPreview(0);
    scheduleStep();
}

void EngineWorker::restoreRun(const QString &runDir) {
    if (m_training) {
        Q_EMIT errorOccurred(tr("A run is already going; stop it before restoring another."));
        return;
    }
    m_abort = false;
    ExecutionPlan plan;
    QString modelName;
    const bool ok = guard("Cannot restore the run", [&] {
        const std::string dir = runDir.toStdString();
        const std::string state = readWholeFile(dir + "/" + kRunStateFile);
        ResumeInfo info;
        try {
            info = Trainer::peekResumeState(state);
        } catch (const std::invalid_argument &e) {
            throw std::runtime_error(std::string(kRunStateFile) + ": " + e.what());
        }
        const DataSpec spec = parseDataSpec(info.dataSpec, info.width);
        if (!m_data || spec.toString() != m_dataSpec || m_data->width() != info.width) {
            m_data = openDataset(spec);
            m_dataSpec = spec.toString();
        }
        PlanRequest request;
        request.precision = info.config.precision;
        request.memoryFormat =
            info.config.channelsLast ? MemoryFormatChoice::ChannelsLast : MemoryFormatChoice::Contiguous;
        request.threads = logicalCpus();  // nothing to measure; the busy cores are still left out
        request.freeCoresOnly = true;
        TrainConfig config = info.config;
        plan = planFor(request, config);
        m_trainer = Trainer::resume(state, m_data);
        releaseCachedGpuMemory();
        modelName = q(info.modelName);
    });
    if (!ok) return;
    ++m_runCount;
    beginRun(modelName, plan, runDir, true);
}

ExecutionPlan EngineWorker::planFor(const PlanRequest &request, TrainConfig &config) {
    ExecutionPlan plan = choosePlan(request, config.model, m_data->width(), m_data->height(), config.batchSize,
                                    resolveDevice(config.device),
                                    [this](const std::string &line) { Q_EMIT planProgress(q(line).trimmed()); });
    config.precision = plan.precision;
    config.channelsLast = plan.channelsLast;
    m_threadsFollowLoad = plan.busyCores >= 0;
    return plan;
}

void EngineWorker::scheduleStep() {
    if (m_stepQueued) return;
    m_stepQueued = true;
    QMetaObject::invokeMethod(this, &EngineWorker::runStep, Qt::QueuedConnection);
}

void EngineWorker::runStep() {
    m_stepQueued = false;
    if (m_training && m_comparison) {
        compareStep();
        return;
    }
    if (!m_training || !m_trainer) return;
    if (m_abort) {
        finishRun(tr("stopped because the window closed"), false);
        return;
    }
    if (m_paused && !m_singleStep) return;

    StepResult r;
    if (!guard("Training failed", [&] { r = m_trainer->step(); })) {
        finishRun(tr("stopped by an error"), false);
        return;
    }
    if (r.kind == StepResult::Kind::TrainBatch) {
        m_pending.push_back(r.batch);
        flushBatches(false);
        m_singleStep = false;  // "Step" runs up to and including the next training batch
    } else if (r.kind == StepResult::Kind::ValidationBatch && m_sinceEmit.elapsed() >= kEmitIntervalMs) {
        flushBatches(true);
        Q_EMIT validationProgress(r.validationDone, r.validationTotal);
        m_sinceEmit.restart();
    }
    if (r.epochEnded) {
        flushBatches(true);
        Q_EMIT epochDone(r.epoch);
        autosave(r.epoch);
        // On tiny, fast runs epochs end many times a second: refresh the preview at most
        // every kPreviewIntervalMs, and always after the last epoch.
        if (r.kind == StepResult::Kind::Finished || !m_sincePreview.isValid() ||
            m_sincePreview.elapsed() >= kPreviewIntervalMs)
            emitPreview(r.epoch.epoch);
    }
    if (r.kind == StepResult::Kind::Finished) {
        finishRun(q(r.stopReason), r.diverged);
        if (r.outOfMemory) Q_EMIT errorOccurred(tr("Training stopped: %1.").arg(q(r.stopReason)));
        return;
    }
    if (m_paused && !m_singleStep) {
        flushBatches(true);
        return;
    }
    scheduleStep();
}

void EngineWorker::flushBatches(bool force) {
    if (m_pending.isEmpty()) return;
    if (!force && m_sinceEmit.elapsed() < kEmitIntervalMs) return;
    Q_EMIT batchesDone(m_pending);
    m_pending.clear();
    m_sinceEmit.restart();
}

void EngineWorker::autosave(const EpochReport &epoch) {
    if (!m_autosave || !m_trainer) return;
    guard("Autosave failed", [&] {
        m_autosave->epochEnded(*m_trainer, epoch);
        m_bestCheckpoint = q(m_autosave->bestCheckpoint());
    });
}

QVector<PreviewItem> EngineWorker::previewOf(const std::vector<Sample> &samples,
                                             const std::vector<std::vector<std::uint8_t>> &predictions) const {
    QVector<PreviewItem> items;
    const int k = m_data ? m_data->numClasses() : 3;
    const QVector<QColor> colours = classColours(k);
    for (std::size_t i = 0; i < samples.size(); ++i) {
        const Sample &s = samples[i];
        PreviewItem item;
        item.id = q(s.id);
        item.image = sampleImage(s);
        item.truth = SampleGallery::overlay(item.image, maskImage(s.mask, s.width, s.height, colours), kOverlayOpacity);
        if (i < predictions.size()) {
            item.prediction = SampleGallery::overlay(item.image, maskImage(predictions[i], s.width, s.height, colours),
                                                     kOverlayOpacity);
            MetricsAccumulator m(k);
            item.dice = m.addImage(s.id, s.mask.data(), predictions[i].data(), s.mask.size()).diceMean;
        }
        items.push_back(item);
    }
    return items;
}

void EngineWorker::emitPreview(int epoch) {
    if (!m_trainer || !m_data) return;
    guard("Preview failed", [&] {
        std::vector<Sample> samples;
        for (std::size_t i : m_previewIndices) samples.push_back(m_data->get(i));
        const auto predictions = epoch > 0 ? m_trainer->predict(samples) : std::vector<std::vector<std::uint8_t>>{};
        Q_EMIT previewReady(previewOf(samples, predictions), epoch);
        m_sincePreview.start();
    });
}

void EngineWorker::finishRun(const QString &reason, bool diverged) {
    if (!m_trainer) return;
    if (!m_trainer->finished()) m_trainer->stop(reason.toStdString());
    flushBatches(true);
    m_training = false;
    m_paused = false;
    m_singleStep = false;
    if (m_autosave) {
        // Ended on purpose (finished, stopped, diverged): not a run to restore on the next start.
        guard("Autosave failed", [&] {
            m_autosave->end(*m_trainer, m_trainer->history().size() >= static_cast<std::size_t>(m_info.epochs)
                                            ? "finished" : "stopped", reason.toStdString());
        });
        m_autosave.reset();
    }
    RunSummary s;
    s.info = m_info;
    const auto &history = m_trainer->history();
    s.epochsRun = static_cast<int>(history.size());
    s.bestEpoch = m_trainer->bestEpoch();
    s.stopReason = reason;
    s.diverged = diverged;
    s.checkpoint = m_bestCheckpoint;
    if (!history.empty()) {
        s.seconds = history.back().elapsedSeconds;
        double ips = 0;
        for (const auto &e : history) ips += e.imagesPerSecond;
        s.imagesPerSecond = ips / static_cast<double>(history.size());
        if (s.bestEpoch > 0) {
            const EpochReport &best = history[static_cast<std::size_t>(s.bestEpoch - 1)];
            s.bestValDice = QVector<double>(best.valDice.begin(), best.valDice.end());
            s.bestValDiceMean = best.valDiceMean;
            s.bestValBoundaryF1 = best.valBoundaryF1;
        }
    }
    Q_EMIT runFinished(s);
}

void EngineWorker::startComparison(const CompareRequest &request) {
    if (m_training) {
        Q_EMIT comparisonError(tr("Training is going on; stop it before starting a comparison."));
        return;
    }
    m_abort = false;
    std::vector<Comparison::Run> runs;
    bool ok = false;
    ExecutionPlan plan;
    try {
        const std::string spec = request.shared.data.toString();
        if (!m_data || spec != m_dataSpec || m_data->width() != request.shared.data.size) {
            m_data = openDataset(request.shared.data);
            m_dataSpec = spec;
        }
        // One plan for every model, so the comparison is about the models alone: the first
        // model's (the others are variants of it in the usual skip / no-skip comparison).
        for (std::size_t i = 0; i < request.models.size(); ++i) {
            TrainConfig c = request.shared.config;
            c.model = request.models[i];
            c.model.inChannels = m_data->inChannels();
            c.model.numClasses = m_data->numClasses();
            if (i == 0) plan = planFor(request.shared.plan, c);
            c.precision = plan.precision;
            c.channelsLast = plan.channelsLast;
            runs.push_back({request.names.value(static_cast<int>(i)).toStdString(), c});
        }
        // Interleaved unless asked for a queue, or the estimated interleaved peak does not fit.
        Comparison::Mode mode = request.queue ? Comparison::Mode::Queue : Comparison::Mode::Interleaved;
        std::vector<MemoryEstimate> estimates;
        const DataSplit split = makeSplit(m_data->size(), request.shared.config.valFraction,
                                          request.shared.config.testFraction, request.shared.config.seed);
        for (const auto &run : runs) estimates.push_back(estimateRunMemory(run.config, *m_data, split.train.size()));
        const std::uint64_t available = availableMemoryBytes();
        const auto gb = [](std::uint64_t bytes) { return QString::number(static_cast<double>(bytes) / (1u << 30), 'f', 1); };
        if (mode == Comparison::Mode::Interleaved && available > 0 &&
            peakBytes(estimates, Comparison::Mode::Interleaved) > available) {
            mode = Comparison::Mode::Queue;
            Q_EMIT planProgress(tr("Comparison: one model at a time — interleaving needs about %1 GB, %2 GB are free "
                                   "(a queue needs about %3 GB)")
                                    .arg(gb(peakBytes(estimates, Comparison::Mode::Interleaved)), gb(available),
                                         gb(peakBytes(estimates, Comparison::Mode::Queue))));
        }
        m_comparison = std::make_unique<Comparison>(runs, m_data, mode);
        ok = true;
    } catch (const std::exception &e) {
        std::string message = e.what();
        if (const auto nl = message.find('\n'); nl != std::string::npos) message.resize(nl);
        Q_EMIT comparisonError(tr("Cannot start the comparison: %1").arg(q(message)));
    }
    if (!ok) return;
    m_trainer.reset();  // one job at a time on the engine
    releaseCachedGpuMemory();
    m_compareNames = request.names;
    m_compareSettings = settingsSummary(request.shared.config);
    if (m_comparison->mode() == Comparison::Mode::Queue) m_compareSettings += tr(", one model at a time");
    m_compareSeconds.assign(request.models.size(), 0.0);
    m_compareEnds.assign(request.models.size(), {QString(), false});
    m_comparePending = QVector<QVector<BatchReport>>(static_cast<int>(request.models.size()));
    QVector<RunInfo> infos;
    for (int i = 0; i < m_comparison->runCount(); ++i) {
        const Trainer &t = m_comparison->trainer(i);
        RunInfo info;
        info.runId = i + 1;
        info.modelName = m_compareNames.value(i);
        info.modelDescription = q(t.config().model.describe());
        info.parameters = t.parameterCount();
        info.device = q(describeDevice(t.device()));
        info.plan = q(plan.summary());
        info.datasetName = q(m_data->name());
        info.trainImages = static_cast<int>(t.split().train.size());
        info.valImages = static_cast<int>(t.split().val.size());
        info.testImages = static_cast<int>(t.split().test.size());
        info.epochs = t.config().epochs;
        info.batchesPerEpoch = t.totalSteps() / std::max(1, t.config().epochs);
        for (const auto &c : m_data->classNames()) info.classNames << q(c);
        info.settings = m_compareSettings;
        infos.push_back(info);
    }
    m_training = true;
    m_paused = false;
    m_sinceEmit.start();
    Q_EMIT comparisonStarted(infos);
    scheduleStep();
}

void EngineWorker::compareStep() {
    if (m_abort) {
        m_comparison->stop("stopped because the window closed");
        finishComparison();
        return;
    }
    if (m_paused && !m_singleStep) return;
    Comparison::Step s;
    QElapsedTimer t;
    t.start();
    if (!guard("Comparison failed", [&] { s = m_comparison->step(); })) {
        m_comparison->stop("stopped by an error");
        finishComparison();
        return;
    }
    if (s.run >= 0) {
        m_compareSeconds[static_cast<std::size_t>(s.run)] += t.nsecsElapsed() / 1e9;
        if (s.result.kind == StepResult::Kind::TrainBatch) {
            m_comparePending[s.run].push_back(s.result.batch);
            m_singleStep = false;
        }
        const bool due = m_sinceEmit.elapsed() >= kEmitIntervalMs;
        if (due || s.result.epochEnded) {
            for (int r = 0; r < m_comparePending.size(); ++r)
                if (!m_comparePending[r].isEmpty()) {
                    Q_EMIT comparisonBatches(r, m_comparePending[r]);
                    m_comparePending[r].clear();
                }
            m_sinceEmit.restart();
        }
        if (s.result.epochEnded) Q_EMIT comparisonEpoch(s.run, s.result.epoch);
        if (s.result.kind == StepResult::Kind::Finished)
            m_compareEnds[static_cast<std::size_t>(s.run)] = {q(s.result.stopReason), s.result.diverged};
    }
    if (m_comparison->finished()) {
        finishComparison();
        return;
    }
    if (m_paused && !m_singleStep) return;
    scheduleStep();
}

void EngineWorker::finishComparison() {
    if (!m_comparison) return;
    m_training = false;
    m_paused = false;
    m_singleStep = false;
    CompareResult result;
    guard("Comparing the results failed", [&] {
        Comparison &c = *m_comparison;
        for (const auto &name : c.dataset().classNames()) result.classNames << q(name);
        result.datasetName = q(c.dataset().name());
        result.settings = m_compareSettings;
        const DataSplit &split = c.trainer(0).split();
        std::vector<SplitMetrics> test;
        for (int i = 0; i < c.runCount(); ++i) {
            const Trainer &t = c.trainer(i);
            test.push_back(c.trainer(i).evaluate(split.test));
            const SplitMetrics &m = test.back();
            CompareRunResult r;
            r.name = m_compareNames.value(i);
            r.parameters = t.parameterCount();
            r.epochsRun = static_cast<int>(t.history().size());
            r.bestEpoch = t.bestEpoch();
            r.seconds = m_compareSeconds[static_cast<std::size_t>(i)];
            if (r.bestEpoch > 0) {
                const EpochReport &best = t.history()[static_cast<std::size_t>(r.bestEpoch - 1)];
                r.valDice = QVector<double>(best.valDice.begin(), best.valDice.end());
                r.valDiceMean = best.valDiceMean;
                r.valBoundaryF1 = best.valBoundaryF1;
            }
            r.testDice = QVector<double>(m.dice.begin(), m.dice.end());
            r.testIoU = QVector<double>(m.iou.begin(), m.iou.end());
            r.testBoundaryF1 = QVector<double>(m.boundaryF1.begin(), m.boundaryF1.end());
            r.testDiceMean = m.diceMean;
            r.testIoUMean = m.iouMean;
            r.testPixelAccuracy = m.pixelAccuracy;
            r.testBoundaryF1Mean = m.boundaryF1Mean;
            r.stopReason = m_compareEnds[static_cast<std::size_t>(i)].first;
            r.diverged = m_compareEnds[static_cast<std::size_t>(i)].second;
            if (r.stopReason.isEmpty()) r.stopReason = tr("stopped after %1").arg(epochsText(r.epochsRun));
            result.runs.push_back(r);
        }
        for (const auto &row : compareImages(test[0], test[1], split.test))
            result.images.push_back({q(row.id), row.diceA, row.diceB, row.boundaryF1A, row.boundaryF1B});
        // The first test images through every model, for the pictures and the zoom.
        std::vector<Sample> samples;
        for (std::size_t i = 0; i < split.test.size() && samples.size() < kPreviewImages; ++i)
            samples.push_back(c.dataset().get(split.test[i]));
        std::vector<std::vector<std::vector<std::uint8_t>>> predictions;
        for (int i = 0; i < c.runCount(); ++i) predictions.push_back(c.trainer(i).predict(samples));
        const QVector<QColor> colours = classColours(c.dataset().numClasses());
        for (std::size_t k = 0; k < samples.size(); ++k) {
            const Sample &s = samples[k];
            ComparePreview p;
            p.id = q(s.id);
            p.image = sampleImage(s);
            p.truth = SampleGallery::overlay(p.image, maskImage(s.mask, s.width, s.height, colours), kOverlayOpacity);
            p.width = s.width;
            p.height = s.height;
            p.truthMask = s.mask;
            for (int i = 0; i < c.runCount(); ++i) {
                const auto &mask = predictions[static_cast<std::size_t>(i)][k];
                p.predictions.push_back(
                    SampleGallery::overlay(p.image, maskImage(mask, s.width, s.height, colours), kOverlayOpacity));
                p.predictedMasks.push_back(mask);
            }
            p.disagreement = disagreementImage(p.image, s.mask, p.predictedMasks[0], p.predictedMasks[1]);
            result.previews.push_back(p);
        }
    });
    m_comparison.reset();
    releaseCachedGpuMemory();
    Q_EMIT comparisonFinished(result);
}

void EngineWorker::pause() {
    if (!m_training || m_paused) return;
    m_paused = true;
    flushBatches(true);
    Q_EMIT pausedChanged(true);
}

void EngineWorker::resume() {
    if (!m_training || !m_paused) return;
    m_paused = false;
    Q_EMIT pausedChanged(false);
    scheduleStep();
}

void EngineWorker::stepOnce() {
    if (!m_training || !m_paused) return;
    m_singleStep = true;
    scheduleStep();
}

void EngineWorker::stop() {
    if (!m_training) return;
    if (m_comparison) {
        m_comparison->stop("stopped by the user");
        finishComparison();
        return;
    }
    finishRun(tr("stopped by the user"), false);
}

void EngineWorker::setLearningRate(double rate) {
    if (!m_trainer || !m_training) return;
    guard("Cannot change the learning rate", [&] { m_trainer->setLearningRate(rate); });
}

void EngineWorker::saveCheckpoint(const QString &path) {
    if (!m_trainer) {
        Q_EMIT errorOccurred(tr("Nothing to save yet: train a model first."));
        return;
    }
    if (guard("Cannot save the checkpoint",
              [&] { m_trainer->saveCheckpoint(path.toStdString(), m_dataSpec, /*best=*/true); }))
        Q_EMIT checkpointSaved(path);
}

void EngineWorker::setPreferredData(const QString &spec) { m_preferredData = spec; }

void EngineWorker::loadCheckpoint(const QString &path) {
    if (m_training) {
        Q_EMIT errorOccurred(tr("Stop the current run before opening a checkpoint."));
        return;
    }
    guard("Cannot open the checkpoint", [&] {
        auto loaded = std::make_unique<LoadedCheckpoint>(unetlab::loadCheckpoint(path.toStdString()));
        const auto &h = loaded->header;
        const int size = h.contains("input_size") && h["input_size"].is_array() && !h["input_size"].empty()
                             ? h["input_size"][0].get<int>()
                             : 256;
        const auto fits = [&](const Dataset &d) {
            return d.inChannels() == loaded->config.inChannels && d.numClasses() == loaded->config.numClasses;
        };
        std::string spec;
        std::shared_ptr<const Dataset> data;
        if (h.contains("data")) {  // a UNet Lab checkpoint names its data
            spec = h["data"].value("spec", "synthetic");
            data = openDataset(parseDataSpec(spec, size));
            if (!fits(*data))
                throw std::runtime_error("its data (" + spec + ") does not match the model's channels or classes");
        } else {
            // A state dict from Python carries no data: the data chosen in the app (Data area or
            // training settings), the data last used, then the synthetic cells — the first that
            // fits the model's input channels and classes.
            std::vector<std::string> tried;
            for (const std::string &candidate : {m_preferredData.toStdString(), m_dataSpec, std::string("synthetic")}) {
                if (candidate.empty() || std::find(tried.begin(), tried.end(), candidate) != tried.end()) continue;
                tried.push_back(candidate);
                try {
                    auto d = openDataset(parseDataSpec(candidate, size));
                    if (!fits(*d)) continue;
                    spec = candidate;
                    data = std::move(d);
                    break;
                } catch (const std::exception &) {
                    continue;  // that data cannot be opened: try the next
                }
            }
            if (!data) {
                std::string list;
                for (const auto &t : tried) list += (list.empty() ? "" : ", ") + t;
                throw std::runtime_error("it reads " + std::to_string(loaded->config.inChannels) + " channel(s) into " +
                                         std::to_string(loaded->config.numClasses) +
                                         " classes, and no data at hand fits (" + list +
                                         "): choose matching data in the Data area first");
            }
        }
        const nlohmann::json splitInfo = h.value("split", nlohmann::json::object());
        const DataSplit split = makeSplit(data->size(), splitInfo.value("val_fraction", 0.1),
                                          splitInfo.value("test_fraction", 0.1), splitInfo.value("seed", 1ULL));
        std::vector<Sample> samples;
        for (std::size_t i = 0; i < split.val.size() && samples.size() < kPreviewImages; ++i)
            samples.push_back(data->get(split.val[i]));
        const auto predictions = predictMasks(*loaded->model, samples, loaded->normalisation, resolveDevice(DeviceChoice::Auto));
        m_data = data;
        m_dataSpec = spec;
        const QString description =
            tr("%1: %2, %3 parameters, trained %4 on %5")
                .arg(QFileInfo(path).fileName(), q(loaded->config.describe()),
                     QLocale().toString(static_cast<qlonglong>(h.value("parameters", 0LL))),
                     epochsText(h.contains("history") ? static_cast<int>(h["history"].size()) : 0), q(data->name()));
        m_loadedPreset.clear();
        for (const auto &name : presetNames()) {
            ModelConfig c = presetConfig(name);
            c.inChannels = loaded->config.inChannels;
            c.numClasses = loaded->config.numClasses;
            if (toJson(c) == toJson(loaded->config)) m_loadedPreset = q(name);
        }
        m_loaded = std::move(loaded);
        releaseCachedGpuMemory();  // the checkpoint opened before is closed
        m_loadedPath = path;
        m_loadedData = data;
        Q_EMIT checkpointLoaded(description);
        Q_EMIT checkpointOpened(path, description);
        QStringList classNames;
        for (const auto &c : data->classNames()) classNames << q(c);
        Q_EMIT inspectDataset(q(data->name()), static_cast<int>(data->size()), classNames);
        QStringList trained;
        if (m_trainer) trained << m_info.modelName;
        if (!m_loadedPreset.isEmpty()) trained << m_loadedPreset;
        Q_EMIT trainedModelsChanged(trained);
        Q_EMIT previewReady(previewOf(samples, predictions), -1);
    });
}

void EngineWorker::predict(const QVector<int> &indices) {
    if (!m_data) {
        Q_EMIT errorOccurred(tr("No dataset is open."));
        return;
    }
    guard("Prediction failed", [&] {
        std::vector<Sample> samples;
        for (int i : indices) {
            if (i < 0 || static_cast<std::size_t>(i) >= m_data->size())
                throw std::out_of_range("image " + std::to_string(i) + " is not in the dataset");
            samples.push_back(m_data->get(static_cast<std::size_t>(i)));
        }
        std::vector<std::vector<std::uint8_t>> predictions;
        if (m_trainer)
            predictions = m_trainer->predict(samples);
        else if (m_loaded)
            predictions = predictMasks(*m_loaded->model, samples, m_loaded->normalisation, resolveDevice(DeviceChoice::Auto));
        else
            throw std::runtime_error("no model: train one or open a checkpoint");
        Q_EMIT previewReady(previewOf(samples, predictions), -1);
    });
}

void EngineWorker::receptiveField(const ReceptiveFieldRequest &request) {
    ReceptiveFieldResult result;
    result.requestId = request.id;
    try {
        if (request.image.isNull()) throw std::invalid_argument("no image was given");
        const Sample sample = sampleFromImage(request.image, "image");
        SegmentationModel *model = nullptr;
        Normalisation normalisation;
        if (request.trained) {
            if (m_trainer && m_info.modelName == request.preset) {
                model = &m_trainer->model();
                normalisation = m_trainer->normalisation();
                result.modelDescription =
                    tr("trained, run %1 after %2")
                        .arg(m_info.runId)
                        .arg(epochsText(static_cast<int>(m_trainer->history().size())));
            } else if (m_loaded && m_loadedPreset == request.preset) {
                model = m_loaded->model.get();
                normalisation = m_loaded->normalisation;
                result.modelDescription = tr("trained, from the opened checkpoint");
            } else {
                throw std::runtime_error("no trained " + request.preset.toStdString() +
                                         " is at hand: train one in the Train area or open a checkpoint");
            }
        } else {
            auto &fresh = m_freshModels[request.preset];
            if (!fresh) fresh = createModel(presetConfig(request.preset.toStdString()), /*seed=*/1);
            model = fresh.get();
            if (!m_syntheticStatistics) {
                // The statistics the Train area's synthetic data would give, so fresh and trained maps compare.
                SyntheticOptions options;
                const auto data = std::make_shared<SyntheticCells>(options);
                const DataSplit split = makeSplit(data->size(), 0.1, 0.1, 1);
                m_syntheticStatistics = std::make_unique<Normalisation>(datasetStatistics(*data, split.train));
            }
            normalisation = *m_syntheticStatistics;
            result.modelDescription = tr("fresh, seed 1");
        }
        const EmpiricalReceptiveField map = empiricalReceptiveField(*model, sample, normalisation, request.outputPixel.x(),
                                                                    request.outputPixel.y(), request.classIndex);
        result.width = map.width;
        result.height = map.height;
        result.magnitude = map.magnitude;
    } catch (const std::exception &e) {
        std::string message = e.what();
        if (const auto nl = message.find('\n'); nl != std::string::npos) message.resize(nl);
        result.error = q(message);
    }
    Q_EMIT receptiveFieldReady(result);
}

// ------------------------------------------------------------------------------ Inspect

// What an Inspect request works on: the model, the data it was trained on, its split and
// the normalisation of its training. Pointers into objects this worker owns.
struct EngineWorker::InspectTarget {
    SegmentationModel *model = nullptr;
    const Dataset *data = nullptr;
    DataSplit split;
    Normalisation normalisation;
    int downsampling = 1;
    std::string device;
    Precision precision = Precision::FP32;  // the forward pass of the model's execution plan
};

EngineWorker::InspectTarget EngineWorker::inspectTarget(const InspectModelChoice &choice) {
    InspectTarget t;
    if (choice.source == InspectModelChoice::Source::Training) {
        if (!m_trainer) throw std::runtime_error("no model is in training: start a run in the Train area");
        t.model = &m_trainer->model();
        t.data = &m_trainer->dataset();
        t.split = m_trainer->split();
        t.normalisation = m_trainer->normalisation();
        t.downsampling = m_trainer->config().model.downsamplingFactor();
        t.device = m_trainer->device();
        t.precision = m_trainer->config().precision;
        return t;
    }
    if (choice.checkpointPath.isEmpty()) throw std::runtime_error("no checkpoint is open: open one first");
    if (!m_loaded || m_loadedPath != choice.checkpointPath) {
        m_lastError.clear();
        loadCheckpoint(choice.checkpointPath);
        if (!m_loaded || m_loadedPath != choice.checkpointPath)
            throw std::runtime_error("the checkpoint " + choice.checkpointPath.toStdString() + " could not be opened" +
                                     (m_lastError.empty() ? std::string() : ": " + m_lastError));
    }
    const auto &h = m_loaded->header;
    const nlohmann::json splitInfo = h.value("split", nlohmann::json::object());
    t.model = m_loaded->model.get();
    t.data = m_loadedData.get();
    t.split = makeSplit(m_loadedData->size(), splitInfo.value("val_fraction", 0.1), splitInfo.value("test_fraction", 0.1),
                        splitInfo.value("seed", std::uint64_t{1}));
    t.normalisation = m_loaded->normalisation;
    t.downsampling = m_loaded->config.downsamplingFactor();
    t.device = resolveDevice(DeviceChoice::Auto);
    // A checkpoint trained with a bf16 plan is inspected the same way where bf16 is fast here.
    t.precision = inferencePrecision(trainedPrecision(h), t.device);
    return t;
}

void EngineWorker::followLoad() {
    // A run keeps the threads its plan chose; between runs, automatic threads are chosen
    // again for the load now (core/CpuLoad.h: a 0.1 s sample), as `unetlab-cli predict` does.
    if (!m_training && m_threadsFollowLoad) configureThreads(0);
}

void EngineWorker::inspectGuard(const std::function<void()> &work) {
    try {
        work();
    } catch (const std::exception &e) {
        std::string message = e.what();
        if (const auto nl = message.find('\n'); nl != std::string::npos) message.resize(nl);
        Q_EMIT inspectError(tr("Inspect: %1").arg(q(message)));
    } catch (...) {
        Q_EMIT inspectError(tr("Inspect: unexpected error"));
    }
}

namespace {
std::vector<std::size_t> splitOf(const DataSplit &split, std::size_t count, const QString &name) {
    std::vector<std::size_t> indices;
    if (name == QLatin1String("all"))
        for (std::size_t i = 0; i < count; ++i) indices.push_back(i);
    else if (name == QLatin1String("val"))
        indices = split.val;
    else if (name == QLatin1String("test"))
        indices = split.test;
    else
        throw std::invalid_argument("unknown split '" + name.toStdString() + "' (val, test or all)");
    if (indices.empty()) throw std::runtime_error("the " + name.toStdString() + " split of this data is empty");
    return indices;
}
}  // namespace

void EngineWorker::inspectFeatureMaps(const FeatureMapRequest &request) {
    inspectGuard([&] {
        const InspectTarget t = inspectTarget(request.model);
        Sample sample;
        bool hasTruth = false;
        int index = -1;
        std::string note;
        if (request.datasetIndex >= 0) {
            if (static_cast<std::size_t>(request.datasetIndex) >= t.data->size())
                throw std::out_of_range("image " + std::to_string(request.datasetIndex) + " is not in the data (" +
                                        std::to_string(t.data->size()) + " images)");
            index = request.datasetIndex;
            sample = t.data->get(static_cast<std::size_t>(index));
            hasTruth = true;
        } else {
            if (request.imagePath.isEmpty()) throw std::invalid_argument("no image was given");
            FittedSample fitted = fitToMultiple(readImageFile(request.imagePath.toStdString()), t.downsampling, FitMode::Pad);
            sample = std::move(fitted.sample);
            note = fitted.note;
            if (sample.channels != t.data->inChannels())
                throw std::invalid_argument("the image has " + std::to_string(sample.channels) +
                                            " channel(s), the model reads " + std::to_string(t.data->inChannels()));
        }
        InspectOptions options;
        options.topK = request.topK;
        options.ranking = request.ranking;
        options.classIndex = request.classIndex;
        options.stage = request.stage.toStdString();
        options.precision = t.precision;
        ImageInspection result = inspectImage(*t.model, sample, hasTruth, t.normalisation, options, t.device);
        result.datasetIndex = index;
        result.note = note;
        Q_EMIT featureMapsReady(result);
    });
}

void EngineWorker::inspectKernels(const KernelRequest &request) {
    inspectGuard([&] {
        const InspectTarget t = inspectTarget(request.model);
        Q_EMIT kernelsReady(learnedKernels(*t.model, request.layer.toStdString()));
    });
}

void EngineWorker::inspectRanking(const RankingRequest &request) {
    inspectGuard([&] {
        const InspectTarget t = inspectTarget(request.model);
        std::vector<std::size_t> indices = splitOf(t.split, t.data->size(), request.split);
        if (request.maxImages > 0 && indices.size() > static_cast<std::size_t>(request.maxImages))
            indices.resize(static_cast<std::size_t>(request.maxImages));
        Q_EMIT rankingReady(rankChannels(*t.model, *t.data, indices, t.normalisation, request.classIndex,
                                         request.stage.toStdString(), t.device));
    });
}

void EngineWorker::inspectReview(const ReviewRequest &request) {
    inspectGuard([&] {
        const InspectTarget t = inspectTarget(request.model);
        const std::vector<std::size_t> indices = splitOf(t.split, t.data->size(), request.split);
        followLoad();
        ReviewOptions options;
        options.worstCount = request.worstCount;
        options.classIndex = request.classIndex;
        Q_EMIT reviewReady(reviewSplit(*t.model, *t.data, indices, t.normalisation, options, t.device));
    });
}

void EngineWorker::inspectLargeImage(const LargeImageRequest &request) {
    inspectGuard([&] {
        const InspectTarget t = inspectTarget(request.model);
        if (request.imagePath.isEmpty()) throw std::invalid_argument("no image was given");
        followLoad();
        // Read as `unetlab-cli predict` reads it, so both segment the same pixels.
        const Sample image = readImageForNetwork(request.imagePath.toStdString(), t.data->inChannels());
        SlidingWindowOptions options;
        options.tile = request.tile > 0 ? request.tile : std::min(t.data->width(), t.data->height());
        if (options.tile % t.downsampling)
            throw std::invalid_argument("the tile side must be a multiple of " + std::to_string(t.downsampling) +
                                        " for this network, got " + std::to_string(options.tile));
        options.overlap = request.overlap;
        options.blend = blendFromString(request.blend.toStdString());
        options.precision = t.precision;
        QElapsedTimer clock;
        clock.start();
        const LargePrediction p = predictLarge(*t.model, image, t.normalisation, t.device, options);
        LargeImageResult r;
        r.seconds = static_cast<double>(clock.nsecsElapsed()) * 1e-9;
        r.imagePath = request.imagePath;
        r.width = p.width;
        r.height = p.height;
        r.image = inspect::toQImage(sampleRgb(image));
        r.overlay = inspect::toQImage(maskOverlay(image, p.mask.data()));
        r.mask = QByteArray(reinterpret_cast<const char *>(p.mask.data()), static_cast<qsizetype>(p.mask.size()));
        r.tileWidth = p.tileWidth;
        r.tileHeight = p.tileHeight;
        r.tilesX = p.tilesX;
        r.tilesY = p.tilesY;
        // The tiles as the engine placed them, in image pixels (planTileAxis: same arithmetic).
        const TileAxis ax = planTileAxis(p.width, options.tile, options.overlap, t.downsampling);
        const TileAxis ay = planTileAxis(p.height, options.tile, options.overlap, t.downsampling);
        for (const int y0 : ay.starts)
            for (const int x0 : ax.starts) {
                const QRect tile(x0 - ax.padBefore, y0 - ay.padBefore, ax.tile, ay.tile);
                r.tiles.push_back(tile.intersected(QRect(0, 0, p.width, p.height)));
            }
        r.overlap = options.overlap;
        r.blend = q(toString(options.blend));
        const auto names = t.data->classNames();
        std::vector<std::int64_t> counts(names.size(), 0);
        for (const std::uint8_t c : p.mask)
            if (c < counts.size()) ++counts[c];
        for (std::size_t c = 0; c < names.size(); ++c) {
            r.classNames << q(names[c]);
            r.classFractions << static_cast<double>(counts[c]) / static_cast<double>(std::max<std::size_t>(1, p.mask.size()));
        }
        r.device = q(describeDevice(t.device) + ", " + p.precision);  // "CPU (2 threads), bf16"
        Q_EMIT largeImageReady(r);
    });
}

void EngineWorker::shutdown() {
    if (m_training && m_comparison) {
        m_comparison->stop("stopped because the window closed");
        m_training = false;
    } else if (m_training) {
        finishRun(tr("stopped because the window closed"), false);
    }
    m_comparison.reset();
    m_trainer.reset();
    m_loaded.reset();
    m_freshModels.clear();
    releaseCachedGpuMemory();
    m_loadedData.reset();
    m_data.reset();
}

}  // namespace unetlab::gui
