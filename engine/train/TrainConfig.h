#pragma once
// Everything that defines a training run, as plain values (no LibTorch), so the CLI,
// the GUI and checkpoints can share it. MISSION §6 lists the knobs.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "data/Augment.h"
#include "data/Normalisation.h"
#include "models/ModelConfig.h"

namespace unetlab {

enum class OptimizerKind { SGD, Adam, AdamW, RMSProp };
enum class ScheduleKind { Constant, Step, Cosine, Plateau, OneCycle };
enum class LossKind { CrossEntropy, WeightedCrossEntropy, Focal, Dice, CrossEntropyDice };
enum class DeviceChoice { Auto, CPU, CUDA };
// Arithmetic of the forward pass (train/ExecutionPlan.h): fp32, or autocast to bf16 (CPUs with
// AVX512-BF16/AMX, recent GPUs) or fp16 (CUDA, with loss scaling). Losses, optimiser state
// and weights stay fp32. Auto is settled by choosePlan before a run; a Trainer given Auto
// runs fp32.
enum class Precision { Auto, FP32, BF16, FP16 };

struct LossConfig {
    LossKind kind = LossKind::CrossEntropy;
    double lambda = 0.5;        // CrossEntropyDice: lambda * CE + (1 - lambda) * Dice
    double focalGamma = 2.0;    // Focal
    double diceSmooth = 1.0;    // Dice, CrossEntropyDice
    // WeightedCrossEntropy: per-class weights; empty = inverse class frequency of the
    // training split, normalised to mean 1 (computed by the Trainer).
    std::vector<double> classWeights;
};

struct TrainConfig {
    ModelConfig model;
    int epochs = 5;
    int batchSize = 8;
    double learningRate = 1e-3;   // peak rate for the one-cycle schedule
    OptimizerKind optimizer = OptimizerKind::Adam;
    double momentum = 0.9;        // SGD and RMSProp
    std::optional<double> weightDecay;  // unset: 1e-4 for AdamW, 0 otherwise
    ScheduleKind schedule = ScheduleKind::Constant;
    int stepEpochs = 0;           // Step: decay every N epochs (0 = a third of the run)
    double stepGamma = 0.1;       // Step: factor per decay
    int plateauPatience = 2;      // Plateau: epochs without val Dice gain before decaying
    double plateauFactor = 0.5;   // Plateau: factor per decay
    double warmupFraction = 0.3;  // OneCycle: share of steps spent warming up
    LossConfig loss;
    int earlyStopPatience = 0;    // stop after N epochs without val Dice gain (0 = off)
    std::uint64_t seed = 1;       // model init, split and shuffling
    double valFraction = 0.1;
    double testFraction = 0.1;
    DeviceChoice device = DeviceChoice::Auto;
    bool channelsLast = true;     // faster convolutions on CPU (oneDNN) and recent GPUs
    Precision precision = Precision::FP32;
    Preprocessing preprocessing;      // input preprocessing; its statistics come from the training split
    AugmentationConfig augmentation;  // applied to training batches only

    double resolvedWeightDecay() const {
        return weightDecay ? *weightDecay : (optimizer == OptimizerKind::AdamW ? 1e-4 : 0.0);
    }
    // Throws std::invalid_argument with a readable message on nonsense values.
    void validate() const;
};

std::string toString(OptimizerKind k);
std::string toString(ScheduleKind k);
std::string toString(LossKind k);
std::string toString(DeviceChoice k);
std::string toString(Precision p);  // "auto", "fp32", "bf16", "fp16"
OptimizerKind optimizerFromString(const std::string &s);
ScheduleKind scheduleFromString(const std::string &s);
LossKind lossFromString(const std::string &s);
DeviceChoice deviceFromString(const std::string &s);
Precision precisionFromString(const std::string &s);

// A named set of training settings to start from (the CLI's --recipe, the GUI's presets).
struct Recipe {
    std::string name;     // as typed: "quick"
    std::string summary;  // one line for --help and tooltips
};
const std::vector<Recipe> &recipes();
// `base` with recipe `name`'s settings: epochs, batch, optimiser, learning rate, schedule,
// loss, preprocessing and augmentation. The model, seed, device, split and plan stay as in
// `base`. Throws std::invalid_argument naming the recipes when `name` is not one.
TrainConfig withRecipe(const std::string &name, TrainConfig base);

nlohmann::json toJson(const TrainConfig &config);
TrainConfig trainConfigFromJson(const nlohmann::json &j);

}  // namespace unetlab
