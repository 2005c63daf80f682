#pragma once
// Several training runs on the same data, split and seed, advanced in turn one batch at a
// time so that their curves grow together (issue #6: skip vs no-skip). Each run is an
// ordinary Trainer; stepping them in turn gives the same figures as training each alone
// (on the CPU: every Trainer keeps its own random state). When memory is short they can run
// in a queue instead, one after the other: a run's gradients and optimiser state exist only
// from its first step, and each finished run releases them and its copy of the training
// images, so only one run's training state is held at a time. No LibTorch in this header.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "data/Dataset.h"
#include "train/Trainer.h"

namespace unetlab {

class Comparison {
public:
    struct Run {
        std::string name;  // e.g. the preset, "small-unet"
        TrainConfig config;
    };
    struct Step {
        int run = -1;      // which run advanced
        StepResult result;
    };

    enum class Mode {
        Interleaved,  // one batch of each run in turn: the curves grow together
        Queue,        // each run to its end, then the next: less memory at once
    };

    // Throws std::invalid_argument when fewer than two runs are given or a run cannot train
    // on the data.
    Comparison(std::vector<Run> runs, std::shared_ptr<const Dataset> data, Mode mode = Mode::Interleaved);
    ~Comparison();

    // Advances the next unfinished run by one step (round robin, or the first unfinished one
    // in a queue). A run that finishes releases its training state (Trainer::releaseTrainingState).
    Step step();
    Mode mode() const { return m_mode; }
    bool finished() const;
    void stop(const std::string &reason = "stopped by the user");

    int runCount() const { return static_cast<int>(m_trainers.size()); }
    const std::string &name(int run) const { return m_runs[static_cast<std::size_t>(run)].name; }
    Trainer &trainer(int run) { return *m_trainers[static_cast<std::size_t>(run)]; }
    const Trainer &trainer(int run) const { return *m_trainers[static_cast<std::size_t>(run)]; }
    const Dataset &dataset() const { return *m_data; }

private:
    std::vector<Run> m_runs;
    std::shared_ptr<const Dataset> m_data;
    std::vector<std::unique_ptr<Trainer>> m_trainers;
    Mode m_mode = Mode::Interleaved;
    int m_next = 0;
};

std::string toString(Comparison::Mode mode);  // "interleaved", "queue"

// A rough estimate of the memory one training run needs, to choose between interleaving and
// a queue: `state` is held from the run's start to the end of the comparison (weights, the
// copy of the training images), `training` only while it trains (gradients, Adam's two
// moments, and the activations of one batch, estimated from the widths of the network).
struct MemoryEstimate {
    std::uint64_t state = 0, training = 0;
};
MemoryEstimate estimateRunMemory(const TrainConfig &config, const Dataset &data, std::size_t trainImages);
// Peak bytes of the comparison in each mode: interleaved holds every run's training state
// at once, a queue one run's.
std::uint64_t peakBytes(const std::vector<MemoryEstimate> &runs, Comparison::Mode mode);

// The per-image comparison of two runs on the same images: Dice of each and their
// difference (b - a), sorted by the difference, largest gain of b first.
struct ImageComparison {
    std::string id;
    std::size_t index = 0;
    double diceA = kUndefined, diceB = kUndefined;
    double boundaryF1A = kUndefined, boundaryF1B = kUndefined;
    double difference() const { return diceB - diceA; }
};
std::vector<ImageComparison> compareImages(const SplitMetrics &a, const SplitMetrics &b,
                                           const std::vector<std::size_t> &indices);

}  // namespace unetlab
