#pragma once
// A run's per-epoch history as CSV, written by the CLI's --log and the GUI's autosave.

#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "train/TrainEvents.h"

namespace unetlab {

// Header: epoch, train_loss, val_loss, val_dice_mean, val_dice_<class>..., val_iou_mean,
// val_pixel_accuracy, val_boundary_f1, learning_rate, seconds, elapsed_seconds,
// images_per_second, best.
std::string historyCsv(const std::vector<std::string> &classes, const std::vector<EpochReport> &history);

// Every training batch, one line each: epoch, batch, batches_per_epoch, loss, learning_rate,
// images_per_second, elapsed_seconds (a run folder's batches.csv, so a restored run shows its
// batch curves). batchesFromCsv() reads it back; it stops at the first line it cannot read
// (a file cut short), keeping the lines before.
std::string batchesCsv(const std::vector<BatchReport> &batches);
std::vector<BatchReport> batchesFromCsv(const std::string &csv);

// Every field of every epoch, losslessly (undefined values as null), for saved runs:
// historyFromJson(historyToJson(h)) == h. historyFromJson throws std::invalid_argument on
// anything else.
nlohmann::json historyToJson(const std::vector<EpochReport> &history);
std::vector<EpochReport> historyFromJson(const nlohmann::json &j);

}  // namespace unetlab
