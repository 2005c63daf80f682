#pragma once
// Plain values that cross between the engine thread and the training dashboard over queued
// connections: requests from the dashboard, reports and pictures from the engine. The
// engine types used here are the torch-free ones (configs, reports).

#include <QImage>
#include <QMetaType>
#include <QString>
#include <QStringList>
#include <QVector>

#include "data/DataSpec.h"
#include "train/ExecutionPlan.h"
#include "train/TrainConfig.h"
#include "train/TrainEvents.h"

// What the dashboard asks the engine to train.
struct RunRequest {
    unetlab::TrainConfig config;
    unetlab::DataSpec data;
    QString modelName;  // preset name the knobs started from, e.g. "small-unet"
    unetlab::PlanRequest plan;  // how to run it: precision, memory format, threads (auto: measured)
};

// What the engine says about a run once it is set up.
struct RunInfo {
    int runId = 0;
    QString modelName;
    QString modelDescription;
    qint64 parameters = 0;
    QString device;        // e.g. "CPU, 2 threads"
    QString plan;          // the execution plan, e.g. "bf16 autocast, channels-last, 2 threads (measured ...)"
    QString datasetName;
    int trainImages = 0, valImages = 0, testImages = 0;
    int epochs = 0;
    int batchesPerEpoch = 0;
    QStringList classNames;
    QString autosaveDir;   // where last.ckpt, best.ckpt and metrics.csv are kept
    QString settings;      // one-line summary of the training settings
    int restoredEpochs = 0;  // a run restored from its autosave: the epochs it had finished
    RunRequest restoredRequest;  // ... and its settings, for the knobs to show
};

// One validation image with its truth and the current prediction (overlays drawn).
struct PreviewItem {
    QString id;
    QImage image;
    QImage truth;       // image with the true mask laid over it
    QImage prediction;  // image with the predicted mask laid over it (null before training)
    double dice = -1;   // mean Dice of this prediction, -1 when none
};

// A finished run, as the run history shows it.
struct RunSummary {
    RunInfo info;
    int epochsRun = 0;
    int bestEpoch = 0;
    double seconds = 0;
    double imagesPerSecond = 0;
    QVector<double> bestValDice;  // per class, at the best epoch
    double bestValDiceMean = 0;
    double bestValBoundaryF1 = 0;  // mean over foreground classes, at the best epoch
    QString stopReason;
    bool diverged = false;
    QString checkpoint;  // best weights of the run
};

Q_DECLARE_METATYPE(RunRequest)
Q_DECLARE_METATYPE(RunInfo)
Q_DECLARE_METATYPE(PreviewItem)
Q_DECLARE_METATYPE(RunSummary)
Q_DECLARE_METATYPE(unetlab::BatchReport)
Q_DECLARE_METATYPE(unetlab::EpochReport)

// "■ cytoplasm ■ nucleus" as HTML, each square in the class's overlay colour (class 0, the
// background, is not tinted and not listed): the legend of every mask overlay.
QString classLegendHtml(const QStringList &classNames);

// Registers the types above for queued connections; call once before connecting.
void registerTrainingTypes();
