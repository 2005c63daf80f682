#include "train/TrainConfig.h"

#include <cmath>
#include <cstdint>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "core/EnumNames.h"

namespace unetlab {
namespace {

const EnumName<OptimizerKind> kOptimizers[] = {{OptimizerKind::SGD, "sgd"},
                                            {OptimizerKind::Adam, "adam"},
                                            {OptimizerKind::AdamW, "adamw"},
                                            {OptimizerKind::RMSProp, "rmsprop"}};
const EnumName<ScheduleKind> kSchedules[] = {{ScheduleKind::Constant, "constant"},
                                          {ScheduleKind::Step, "step"},
                                          {ScheduleKind::Cosine, "cosine"},
                                          {ScheduleKind::Plateau, "plateau"},
                                          {ScheduleKind::OneCycle, "one-cycle"}};
const EnumName<LossKind> kLosses[] = {{LossKind::CrossEntropy, "ce"},
                                   {LossKind::WeightedCrossEntropy, "wce"},
                                   {LossKind::Focal, "focal"},
                                   {LossKind::Dice, "dice"},
                                   {LossKind::CrossEntropyDice, "ce+dice"}};
const EnumName<Precision> kPrecisions[] = {
    {Precision::Auto, "auto"}, {Precision::FP32, "fp32"}, {Precision::BF16, "bf16"}, {Precision::FP16, "fp16"}};
const EnumName<DeviceChoice> kDevices[] = {
    {DeviceChoice::Auto, "auto"}, {DeviceChoice::CPU, "cpu"}, {DeviceChoice::CUDA, "cuda"}};

}  // namespace

std::string toString(OptimizerKind k) { return enumToName(kOptimizers, k); }
std::string toString(ScheduleKind k) { return enumToName(kSchedules, k); }
std::string toString(LossKind k) { return enumToName(kLosses, k); }
std::string toString(DeviceChoice k) { return enumToName(kDevices, k); }
std::string toString(Precision p) { return enumToName(kPrecisions, p); }
OptimizerKind optimizerFromString(const std::string &s) { return enumFromName(kOptimizers, s, "optimizer"); }
ScheduleKind scheduleFromString(const std::string &s) { return enumFromName(kSchedules, s, "schedule"); }
LossKind lossFromString(const std::string &s) { return enumFromName(kLosses, s, "loss"); }
DeviceChoice deviceFromString(const std::string &s) { return enumFromName(kDevices, s, "device"); }
Precision precisionFromString(const std::string &s) { return enumFromName(kPrecisions, s, "precision"); }

void TrainConfig::validate() const {
    auto fail = [](const std::string &m) { throw std::invalid_argument(m); };
    model.validate();
    if (epochs < 1 || epochs > 100000) fail("epochs must be between 1 and 100000");
    if (batchSize < 1 || batchSize > 1024) fail("batch size must be between 1 and 1024");
    if (!std::isfinite(learningRate) || learningRate <= 0 || learningRate > 1)
        fail("learning rate must be in (0, 1]");
    if (momentum < 0 || momentum >= 1) fail("momentum must be in [0, 1)");
    if (weightDecay && (*weightDecay < 0 || *weightDecay > 1)) fail("weight decay must be in [0, 1]");
    if (stepEpochs < 0) fail("step schedule interval must be >= 0");
    if (stepGamma <= 0 || stepGamma > 1) fail("step schedule factor must be in (0, 1]");
    if (plateauPatience < 1) fail("plateau patience must be >= 1");
    if (plateauFactor <= 0 || plateauFactor >= 1) fail("plateau factor must be in (0, 1)");
    if (warmupFraction <= 0 || warmupFraction >= 1) fail("warm-up fraction must be in (0, 1)");
    if (loss.lambda < 0 || loss.lambda > 1) fail("loss lambda must be in [0, 1]");
    if (loss.focalGamma < 0 || loss.focalGamma > 10) fail("focal gamma must be in [0, 10]");
    if (loss.diceSmooth < 0) fail("Dice smoothing must be >= 0");
    if (!loss.classWeights.empty() && static_cast<int>(loss.classWeights.size()) != model.numClasses)
        fail("class weights must have one value per class");
    for (double w : loss.classWeights)
        if (!(w >= 0) || !std::isfinite(w)) fail("class weights must be finite and >= 0");
    if (earlyStopPatience < 0) fail("early-stopping patience must be >= 0");
    if (valFraction <= 0 || testFraction < 0 || valFraction + testFraction >= 1)
        fail("validation and test fractions must be > 0, >= 0 and leave training data");
    preprocessing.validate();
    augmentation.validate();
}

const std::vector<Recipe> &recipes() {
    static const std::vector<Recipe> all = {
        {"quick", "a good model in minutes on real images: 8 epochs, batch 4, Adam one-cycle at 2e-3, CE + Dice, "
                  "flips and 90-degree rotations, per-image Otsu normalisation"}};
    return all;
}

TrainConfig withRecipe(const std::string &name, TrainConfig c) {
    if (name != "quick") {
        std::string names;
        for (const Recipe &r : recipes()) names += (names.empty() ? "" : ", ") + r.name;
        throw std::invalid_argument("unknown recipe '" + name + "'; expected one of: " + names);
    }
    // Measured on the DSB2018 nuclei sample with small-unet on 2 CPU cores (README,
    // "Time to a good model"): each choice below was tried against the alternatives there.
    c.epochs = 8;
    c.batchSize = 4;
    c.optimizer = OptimizerKind::Adam;
    c.weightDecay.reset();
    c.learningRate = 2e-3;
    c.schedule = ScheduleKind::OneCycle;
    c.warmupFraction = 0.3;
    c.loss = LossConfig{};
    c.loss.kind = LossKind::CrossEntropyDice;
    c.preprocessing = Preprocessing{};
    c.preprocessing.mapping = IntensityMapping::Otsu;
    c.preprocessing.scope = StatisticsScope::Image;
    c.augmentation = AugmentationConfig{};
    c.augmentation.flips = true;
    c.augmentation.rotate90 = true;
    return c;
}

nlohmann::json toJson(const TrainConfig &c) {
    nlohmann::json j = {
        {"model", toJson(c.model)},
        {"epochs", c.epochs},
        {"batch_size", c.batchSize},
        {"learning_rate", c.learningRate},
        {"optimizer", toString(c.optimizer)},
        {"momentum", c.momentum},
        {"weight_decay", c.resolvedWeightDecay()},
        {"schedule", toString(c.schedule)},
        {"step_epochs", c.stepEpochs},
        {"step_gamma", c.stepGamma},
        {"plateau_patience", c.plateauPatience},
        {"plateau_factor", c.plateauFactor},
        {"warmup_fraction", c.warmupFraction},
        {"loss", {{"kind", toString(c.loss.kind)},
                  {"lambda", c.loss.lambda},
                  {"focal_gamma", c.loss.focalGamma},
                  {"dice_smooth", c.loss.diceSmooth},
                  {"class_weights", c.loss.classWeights}}},
        {"early_stop_patience", c.earlyStopPatience},
        {"seed", c.seed},
        {"val_fraction", c.valFraction},
        {"test_fraction", c.testFraction},
        {"device", toString(c.device)},
        {"channels_last", c.channelsLast},
        {"precision", toString(c.precision)},
        {"preprocessing", toJson(c.preprocessing)},
        {"augmentation", toJson(c.augmentation)},
    };
    return j;
}

TrainConfig trainConfigFromJson(const nlohmann::json &j) {
    TrainConfig c;
    try {
        c.model = modelConfigFromJson(j.at("model"));
        c.epochs = j.at("epochs").get<int>();
        c.batchSize = j.at("batch_size").get<int>();
        c.learningRate = j.at("learning_rate").get<double>();
        c.optimizer = optimizerFromString(j.at("optimizer").get<std::string>());
        c.momentum = j.at("momentum").get<double>();
        c.weightDecay = j.at("weight_decay").get<double>();
        c.schedule = scheduleFromString(j.at("schedule").get<std::string>());
        c.stepEpochs = j.at("step_epochs").get<int>();
        c.stepGamma = j.at("step_gamma").get<double>();
        c.plateauPatience = j.at("plateau_patience").get<int>();
        c.plateauFactor = j.at("plateau_factor").get<double>();
        c.warmupFraction = j.at("warmup_fraction").get<double>();
        const auto &l = j.at("loss");
        c.loss.kind = lossFromString(l.at("kind").get<std::string>());
        c.loss.lambda = l.at("lambda").get<double>();
        c.loss.focalGamma = l.at("focal_gamma").get<double>();
        c.loss.diceSmooth = l.at("dice_smooth").get<double>();
        c.loss.classWeights = l.at("class_weights").get<std::vector<double>>();
        c.earlyStopPatience = j.at("early_stop_patience").get<int>();
        c.seed = j.at("seed").get<std::uint64_t>();
        c.valFraction = j.at("val_fraction").get<double>();
        c.testFraction = j.at("test_fraction").get<double>();
        c.device = deviceFromString(j.at("device").get<std::string>());
        c.channelsLast = j.at("channels_last").get<bool>();
        // Absent from runs saved before execution plans: they ran fp32.
        if (j.contains("precision")) c.precision = precisionFromString(j.at("precision").get<std::string>());
        // Absent from settings written before preprocessing and augmentation were choices.
        if (j.contains("preprocessing")) c.preprocessing = preprocessingFromJson(j.at("preprocessing"));
        if (j.contains("augmentation")) c.augmentation = augmentationFromJson(j.at("augmentation"));
    } catch (const nlohmann::json::exception &e) {
        throw std::invalid_argument(std::string("training settings are incomplete: ") + e.what());
    }
    c.validate();
    return c;
}

}  // namespace unetlab
