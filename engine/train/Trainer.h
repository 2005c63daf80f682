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

// What a saved run state says about itself, read without building anything.
struct ResumeInfo {
    TrainConfig config;           // the run's settings, plan included
    std::string dataSpec;         // the data it trains on (DataSpec text)
    std::string modelName;        // the preset its knobs started from, e.g. "small-unet"
    int width = 0, height = 0;    // the data's sample size (a synthetic spec does not hold it)
    std::vector<EpochReport> history;  // every finished epoch
    int bestEpoch = 0;
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
    // The training batches this object ran, in order (a resumed run: those since resume()).
    const std::vector<BatchReport> &batchHistory() const;
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

    // The run as it stands at the end of its last finished epoch — current and best weights,
    // the optimiser's moments, both random generators, the schedule's position and the whole
    // history, with the settings and the data spec — as bytes for resume(). Only between
    // epochs: throws std::logic_error mid-epoch (the autosave calls it right after an epoch).
    std::string resumeState(const std::string &dataSpec, const std::string &modelName) const;
    // Continues a run from resumeState() bytes, on its own data (same size, channels,
    // classes and image count, so the seed gives the same split): the next epoch is the one
    // after the saved one and runs as it would have without the interruption. `epochs` > 0
    // changes the run's length (it must exceed the epochs done). Throws std::invalid_argument
    // with a one-line reason on foreign, damaged or mismatched state.
    static std::unique_ptr<Trainer> resume(const std::string &state, std::shared_ptr<const Dataset> data,
                                           int epochs = 0);
    // Reads the settings, data spec and history of resumeState() bytes without loading
    // anything else. Throws std::invalid_argument.
    static ResumeInfo peekResumeState(const std::string &state);

private:
    struct Impl;
    std::unique_ptr<Impl> d;
};

}  // namespace unetlab
