#pragma once
// What a training run reports, as plain values: the Trainer returns them from step(), the
// CLI prints them, and the GUI's engine thread sends them to the dashboard.

#include <string>
#include <vector>

#include "train/Metrics.h"

namespace unetlab {

struct BatchReport {
    int epoch = 0;              // 1-based
    int batch = 0;              // 1-based within the epoch
    int batchesPerEpoch = 0;
    double loss = 0;            // this batch's training loss
    double learningRate = 0;    // used for this batch
    double imagesPerSecond = 0; // this batch
    double elapsedSeconds = 0;  // since training started
};

struct EpochReport {
    int epoch = 0;
    double trainLoss = 0;       // mean over the epoch's batches
    double valLoss = 0;
    std::vector<double> valDice;  // per class
    double valDiceMean = 0;
    std::vector<double> valIoU;
    double valIoUMean = 0;
    double valPixelAccuracy = 0;
    double valNcError = kUndefined;
    double valBoundaryF1 = kUndefined;  // mean over foreground classes, 2-px tolerance
    double learningRate = 0;    // at the end of the epoch
    double seconds = 0;         // training + validation time of this epoch
    double elapsedSeconds = 0;
    double imagesPerSecond = 0; // training throughput of this epoch
    bool best = false;          // best validation Dice so far
};

struct StepResult {
    enum class Kind { TrainBatch, ValidationBatch, EpochEnd, Finished };
    Kind kind = Kind::TrainBatch;
    BatchReport batch;          // TrainBatch
    int validationDone = 0, validationTotal = 0;  // ValidationBatch
    EpochReport epoch;          // EpochEnd (and Finished after the last epoch)
    bool epochEnded = false;    // this step finished an epoch: `epoch` is new (EpochEnd, or Finished)
    std::string stopReason;     // Finished: why ("completed 5 epochs", "early stopping ...", "the loss became NaN ...")
    bool diverged = false;      // Finished because the loss was not finite
    bool outOfMemory = false;   // Finished because memory ran out (stopReason says what to change)
};

}  // namespace unetlab
