#pragma once
// Several training runs on the same data, split and seed, advanced in turn one batch at a
// time so that their curves grow together (issue #6: skip vs no-skip). Each run is an
// ordinary Trainer; stepping them in turn gives the same figures as training each alone
// (on the CPU: every Trainer keeps its own random state). No LibTorch in this header.

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

    // Throws std::invalid_argument when fewer than two runs are given or a run cannot train
    // on the data.
    Comparison(std::vector<Run> runs, std::shared_ptr<const Dataset> data);
    ~Comparison();

    // Advances the next unfinished run (round robin) by one step.
    Step step();
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
    int m_next = 0;
};

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
