#pragma once
// Helpers shared by unetlab-cli's commands.

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/Args.h"
#include "data/Dataset.h"

namespace unetlab::cli {

bool wantsHelp(const std::vector<std::string> &args);
// --device auto|cpu|cuda resolved to "cpu" or "cuda:0" (throws when CUDA is absent).
std::string deviceFrom(const Args &args);
// --threads N (default: all cores or OMP_NUM_THREADS).
void setThreads(const Args &args);
// Opens a --data spec; a malformed spec is a UsageError. `canonical` gets the spec's
// canonical text (stored in checkpoints).
std::shared_ptr<const Dataset> openData(const std::string &specText, int size, std::string *canonical);
// {"class name": value, ...}, NaN as null.
nlohmann::json perClass(const std::vector<std::string> &classes, const std::vector<double> &values);

}  // namespace unetlab::cli
