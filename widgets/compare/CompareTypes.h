#pragma once
// Plain values between the Compare area and the engine thread (queued connections).

#include <QImage>
#include <QMetaType>
#include <QString>
#include <QStringList>
#include <QVector>

#include <cstdint>
#include <vector>

#include "TrainingTypes.h"

// Two or more runs sharing data, split, seed, epochs, loss and optimiser: `shared` holds
// those; each entry of `models` names a preset and its model knobs.
struct CompareRequest {
    RunRequest shared;
    QStringList names;                         // e.g. {"small-unet", "small-unet-noskip"}
    std::vector<unetlab::ModelConfig> models;  // one per name
    // One model after the other instead of interleaved batches (less memory at once). The
    // engine also queues on its own when its estimate of the interleaved peak does not fit
    // in the memory available.
    bool queue = false;
};

// One test image seen by every run: the pictures and the raw masks (for the zoom).
struct ComparePreview {
    QString id;
    QImage image;
    QImage truth;                      // overlay of the true mask
    QVector<QImage> predictions;       // overlay of each run's prediction
    QImage disagreement;               // where runs 0 and 1 differ (see CompareArea legend)
    int width = 0, height = 0;
    std::vector<std::uint8_t> truthMask;
    std::vector<std::vector<std::uint8_t>> predictedMasks;
};

// What one run of a comparison scored on the test split (and its best validation epoch).
struct CompareRunResult {
    QString name;
    qint64 parameters = 0;
    int epochsRun = 0, bestEpoch = 0;
    double seconds = 0;
    QVector<double> valDice;  // per class, best epoch
    double valDiceMean = 0;
    double valBoundaryF1 = 0;  // best epoch
    QVector<double> testDice, testIoU, testBoundaryF1;  // per class
    double testDiceMean = 0, testIoUMean = 0, testPixelAccuracy = 0, testBoundaryF1Mean = 0;
    QString stopReason;
    bool diverged = false;
};

// One test image, both first runs: mean Dice and boundary F1 of each.
struct CompareImageRow {
    QString id;
    double diceA = 0, diceB = 0, boundaryA = 0, boundaryB = 0;
};

struct CompareResult {
    QStringList classNames;
    QString datasetName;
    QString settings;
    QVector<CompareRunResult> runs;
    QVector<CompareImageRow> images;  // all test images, largest Dice gain of run 1 over run 0 first
    QVector<ComparePreview> previews;
};

Q_DECLARE_METATYPE(CompareRequest)
Q_DECLARE_METATYPE(ComparePreview)
Q_DECLARE_METATYPE(CompareRunResult)
Q_DECLARE_METATYPE(CompareResult)

void registerCompareTypes();

// "small-unet (472,866)": a compared model's name and parameter count, as the chart legends
// and the status bar show it (the count grouped for the locale).
QString modelWithParameters(const QString &name, qint64 parameters);
