#pragma once
// Text output of unetlab-cli: numbers, durations, the progress bar and metric tables.

#include <chrono>
#include <cstdint>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "train/Metrics.h"
#include "train/Trainer.h"

namespace unetlab::cli {

std::string withThousands(std::int64_t n);            // 472899 -> "472,899"
std::string joined(const std::vector<std::string> &items, const std::string &sep = ", ");
std::string formatDuration(double seconds);           // "42.1 s", "3m05s", "1h02m"
nlohmann::json jsonNumber(double x);                  // NaN/inf -> null
nlohmann::json confusionJson(const ConfusionMatrix &m);

// One line per finished epoch: losses, per-class Dice, time, and a mark on the best.
std::string epochLine(const EpochReport &e, int epochs, const std::vector<std::string> &classes);

// Rows: classes, then mean; columns: Dice and IoU per named split; then pixel accuracy
// and the N/C error. NaN (undefined, see train/Metrics.h) prints as "n/a".
void printMetricsTable(std::ostream &out, const std::vector<std::string> &classes,
                       const std::vector<std::pair<std::string, const SplitMetrics *>> &splits);
void printConfusion(std::ostream &out, const std::vector<std::string> &classes, const ConfusionMatrix &m);

// `eval --per-image`: for each image (`indices[i]` is the data index of `m.perImage[i]`) and
// each foreground class, its Dice, its outline offset (train/OutlineOffset.h) and the Dice
// with the prediction grown or shrunk by it; then, per class, how many images have each
// offset and the mean Dice if every prediction were moved to its own offset.
void printPerImage(std::ostream &out, const std::vector<std::string> &classes, const std::vector<std::size_t> &indices,
                   const SplitMetrics &m);
// The same as JSON: {"images": [...], "outline": {class: {"offsets": {"-3": n, ...},
// "dice_moved": x}}}.
nlohmann::json perImageJson(const std::vector<std::string> &classes, const std::vector<std::size_t> &indices,
                            const SplitMetrics &m);

// A one-line progress bar redrawn in place (only when `enabled`, i.e. stderr is a
// terminal), at most ten times a second.
class ProgressBar {
public:
    ProgressBar(std::ostream &out, bool enabled) : m_out(out), m_enabled(enabled) {}
    void update(int epoch, int epochs, int batch, int batches, double loss, double imagesPerSecond, double elapsed,
                double eta);
    void clear();

private:
    std::ostream &m_out;
    bool m_enabled;
    bool m_drawn = false;
    std::chrono::steady_clock::time_point m_lastDraw{};
};

}  // namespace unetlab::cli
