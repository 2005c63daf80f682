#pragma once
// Step-wise training (ARCHITECTURE "The engine thread"): each step() runs one training
// batch or one validation batch, so whoever drives it (the CLI's loop, the GUI's engine
// thread) stays free between batches. No LibTorch in this header.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "data/Dataset.h"
#include "data/Normalisation.h"
#include "data/Split.h"
#include "train/Metrics.h"
#include "train/TrainConfig.h"

namespace unetlab {

class SegmentationModel;

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
    std::string stopReason;     // Finished: why ("completed 5 epochs", "early stopping ...", "the loss became NaN ...")
    bool diverged = false;      // Finished because the loss was not finite
};

class Trainer {
public:
    // Throws std::invalid_argument on a bad configuration or a dataset that does not fit
    // the model (channels, classes, size). The model's in/out channels follow the data.
    Trainer(TrainConfig config, std::shared_ptr<const Dataset> data);
    ~Trainer();
    Trainer(const Trainer &) = delete;
    Trainer &operator=(const Trainer &) = delete;

    StepResult step();
    bool finished() const;
    // Ends the run at once: the best weights so far are kept, finished() becomes true.
    void stop(const std::string &reason = "stopped by the user");

    // Changes the base learning rate from the next batch on (schedules scale it).
    void setLearningRate(double lr);
    double learningRate() const;

    const TrainConfig &config() const;
    const Dataset &dataset() const;
    const DataSplit &split() const;
    std::int64_t parameterCount() const;
    std::string device() const;            // "cpu" or "cuda:0"
    const Normalisation &normalisation() const;  // from the training split
    const std::vector<EpochReport> &history() const;
    int bestEpoch() const;                 // 0 before the first epoch ends
    int totalSteps() const;                // training batches over the whole run

    // Metrics of the current weights (the best ones once finished) on `indices`.
    SplitMetrics evaluate(const std::vector<std::size_t> &indices);
    // Predicted class masks (height x width each) for samples of the dataset's size.
    std::vector<std::vector<std::uint8_t>> predict(const std::vector<Sample> &samples);
    // Writes the current weights with a header holding settings, data, split and history.
    void saveCheckpoint(const std::string &path, const std::string &dataSpec) const;

    SegmentationModel &model();

private:
    struct Impl;
    std::unique_ptr<Impl> d;
};

}  // namespace unetlab
