#pragma once
// Helpers shared by unetlab-cli's commands.

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/Args.h"
#include "data/Dataset.h"
#include "train/ExecutionPlan.h"
#include "train/TrainConfig.h"

namespace unetlab::cli {

bool wantsHelp(const std::vector<std::string> &args);
// --device auto|cpu|cuda resolved to "cpu" or "cuda:0" (throws when CUDA is absent).
std::string deviceFrom(const Args &args);
// --threads N (default: all cores or OMP_NUM_THREADS).
void setThreads(const Args &args);
// --precision, --memory-format (or --channels-last on|off), --threads and --replan as a plan
// request; a bad value is a UsageError.
PlanRequest planRequestFrom(const Args &args);
// Chooses the execution plan for `config` (measuring it on first use, with progress lines on
// stderr unless `quiet`) and writes its precision and memory format into `config`.
ExecutionPlan applyPlan(const Args &args, TrainConfig &config, int width, int height, bool quiet);
// True when `precision` (--precision of `eval` or `predict`, already checked) is int8, which
// runs on the CPU only: with --device cuda a UsageError.
bool int8From(const Args &args, const std::string &precision);
// A UsageError saying why `config` cannot run in int8, when it cannot.
void requireInt8(const ModelConfig &config);
// Opens a --data spec; a malformed spec is a UsageError. `canonical` gets the spec's
// canonical text (stored in checkpoints). Files the data had to skip are named on stderr,
// one "unetlab-cli: warning: FILE REASON (skipped)" line each.
std::shared_ptr<const Dataset> openData(const std::string &specText, int size, std::string *canonical);
// {"class name": value, ...}, NaN as null.
nlohmann::json perClass(const std::vector<std::string> &classes, const std::vector<double> &values);

}  // namespace unetlab::cli
