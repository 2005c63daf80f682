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
#include "train/TrainEvents.h"

namespace unetlab {

class SegmentationModel;

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
    // Once finished: frees what only training needs (gradients, the optimiser's state, the
    // copy of the training images), keeping the model, its history and its data. Does nothing
    // while the run is going.
    void releaseTrainingState();

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
    // Writes the current weights (or the best epoch's, when `best` and one exists) with a
    // header holding settings, data, split, normalisation and history. Atomic.
    void saveCheckpoint(const std::string &path, const std::string &dataSpec, bool best = false) const;

    SegmentationModel &model();

private:
    struct Impl;
    std::unique_ptr<Impl> d;
};

}  // namespace unetlab
