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

// Every field of every epoch, losslessly (undefined values as null), for saved runs:
// historyFromJson(historyToJson(h)) == h. historyFromJson throws std::invalid_argument on
// anything else.
nlohmann::json historyToJson(const std::vector<EpochReport> &history);
std::vector<EpochReport> historyFromJson(const nlohmann::json &j);

}  // namespace unetlab
