// Model configs, presets, receptive field (MISSION §5), training settings, data specs, splits.
#include <algorithm>
#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "data/DataSpec.h"
#include "data/Split.h"
#include "models/ModelConfig.h"
#include "train/TrainConfig.h"

using namespace unetlab;

TEST(ReceptiveField, MinimalCnnIsFive) { EXPECT_EQ(outputReceptiveField(presetConfig("minimal")), 5); }

TEST(ReceptiveField, SmallUNetFollowsTheChapter) {
    const ModelConfig c = presetConfig("small-unet");
    // 5 -> 6 (pool) -> 14 -> 16 (pool) -> 32 at the bottleneck -> 44 at the output.
    EXPECT_EQ(receptiveFieldAt(c, "enc1"), 5);
    EXPECT_EQ(receptiveFieldAt(c, "pool1"), 6);
    EXPECT_EQ(receptiveFieldAt(c, "enc2"), 14);
    EXPECT_EQ(receptiveFieldAt(c, "pool2"), 16);
    EXPECT_EQ(receptiveFieldAt(c, "bottleneck"), 32);
    EXPECT_EQ(outputReceptiveField(c), 44);
    const auto rows = receptiveField(c);
    EXPECT_EQ(rows.back().jump, 1);
}

TEST(ReceptiveField, FiveByFiveFirstKernelAndExtraDepthGrowIt) {
    ModelConfig c = presetConfig("minimal");
    c.firstKernel = 5;
    EXPECT_EQ(outputReceptiveField(c), 7);
    c.extraDepth = 2;
    EXPECT_EQ(outputReceptiveField(c), 11);
}

TEST(ReceptiveField, UnknownStageThrows) {
    EXPECT_THROW(receptiveFieldAt(presetConfig("minimal"), "bottleneck"), std::invalid_argument);
}

TEST(Presets, UnknownNameListsTheKnownOnes) {
    try {
        presetConfig("resnet");
        FAIL();
    } catch (const std::invalid_argument &e) {
        EXPECT_NE(std::string(e.what()).find("small-unet"), std::string::npos);
    }
}

TEST(Presets, StagesAreNamed) {
    const auto stages = presetConfig("unet").stageChannels();
    std::vector<std::string> names;
    for (const auto &s : stages) names.push_back(s.first);
    EXPECT_EQ(names, (std::vector<std::string>{"enc1", "enc2", "enc3", "enc4", "bottleneck", "dec4", "dec3", "dec2",
                                               "dec1", "head"}));
    EXPECT_EQ(stages[4].second, 1024);
}

TEST(ModelConfigJson, RoundTripsEveryPreset) {
    for (const auto &name : presetNames()) {
        ModelConfig c = presetConfig(name);
        c.activation = Activation::Mish;
        c.dropout = 0.1;
        const ModelConfig back = modelConfigFromJson(toJson(c));
        EXPECT_EQ(toJson(back), toJson(c)) << name;
    }
}

TEST(ModelConfigJson, IncompleteDescriptionIsRejected) {
    nlohmann::json j = toJson(presetConfig("small-unet"));
    j.erase("levels");
    EXPECT_THROW(modelConfigFromJson(j), std::invalid_argument);
}

TEST(ModelConfig, ValidationRejectsNonsense) {
    ModelConfig c = presetConfig("small-unet");
    c.levels = 0;
    EXPECT_THROW(c.validate(), std::invalid_argument);
    c = presetConfig("minimal");
    c.firstKernel = 4;
    EXPECT_THROW(c.validate(), std::invalid_argument);
    c = presetConfig("minimal");
    c.dropout = 1.0;
    EXPECT_THROW(c.validate(), std::invalid_argument);
}

TEST(TrainConfig, JsonRoundTripAndDefaults) {
    TrainConfig c;
    c.optimizer = OptimizerKind::AdamW;
    c.schedule = ScheduleKind::OneCycle;
    c.loss.kind = LossKind::CrossEntropyDice;
    EXPECT_DOUBLE_EQ(c.resolvedWeightDecay(), 1e-4);
    const TrainConfig back = trainConfigFromJson(toJson(c));
    EXPECT_EQ(toJson(back), toJson(c));
}

TEST(TrainConfig, ValidationRejectsAbsurdKnobs) {
    TrainConfig c;
    c.epochs = 0;
    EXPECT_THROW(c.validate(), std::invalid_argument);
    c = TrainConfig{};
    c.learningRate = 10;
    EXPECT_THROW(c.validate(), std::invalid_argument);
    c = TrainConfig{};
    c.batchSize = 4096;
    EXPECT_THROW(c.validate(), std::invalid_argument);
}

TEST(Recipes, QuickSetsItsTrainingChoicesAndKeepsModelSeedAndDevice) {
    TrainConfig base;
    base.model = presetConfig("small-unet");
    base.seed = 7;
    base.device = DeviceChoice::CPU;
    base.precision = Precision::BF16;
    const TrainConfig c = withRecipe("quick", base);
    EXPECT_EQ(c.epochs, 8);
    EXPECT_EQ(c.batchSize, 4);
    EXPECT_DOUBLE_EQ(c.learningRate, 2e-3);
    EXPECT_EQ(c.optimizer, OptimizerKind::Adam);
    EXPECT_EQ(c.schedule, ScheduleKind::OneCycle);
    EXPECT_EQ(c.loss.kind, LossKind::CrossEntropyDice);
    EXPECT_EQ(toString(c.preprocessing), "otsu");
    EXPECT_EQ(toString(c.augmentation), "flip,rot90");
    EXPECT_EQ(toJson(c.model), toJson(base.model));
    EXPECT_EQ(c.seed, 7u);
    EXPECT_EQ(c.device, DeviceChoice::CPU);
    EXPECT_EQ(c.precision, Precision::BF16);
    EXPECT_NO_THROW(c.validate());
    ASSERT_FALSE(recipes().empty());
    EXPECT_EQ(recipes().front().name, "quick");
}

TEST(Recipes, UnknownNameListsTheKnownOnes) {
    try {
        withRecipe("fastest", TrainConfig{});
        FAIL() << "no exception";
    } catch (const std::invalid_argument &e) {
        EXPECT_NE(std::string(e.what()).find("unknown recipe 'fastest'; expected one of: quick"), std::string::npos)
            << e.what();
    }
}

TEST(EnumNames, UnknownNamesAreRejectedWithTheList) {
    EXPECT_EQ(optimizerFromString("rmsprop"), OptimizerKind::RMSProp);
    EXPECT_EQ(lossFromString("ce+dice"), LossKind::CrossEntropyDice);
    try {
        lossFromString("l2");
        FAIL();
    } catch (const std::invalid_argument &e) {
        EXPECT_NE(std::string(e.what()).find("focal"), std::string::npos);
    }
}

TEST(Split, PartitionsEveryIndexOnceAndIsSeeded) {
    const DataSplit s = makeSplit(200, 0.1, 0.1, 7);
    EXPECT_EQ(s.train.size(), 160u);
    EXPECT_EQ(s.val.size(), 20u);
    EXPECT_EQ(s.test.size(), 20u);
    std::set<std::size_t> all(s.train.begin(), s.train.end());
    all.insert(s.val.begin(), s.val.end());
    all.insert(s.test.begin(), s.test.end());
    EXPECT_EQ(all.size(), 200u);
    EXPECT_EQ(*all.rbegin(), 199u);
    EXPECT_EQ(makeSplit(200, 0.1, 0.1, 7).val, s.val);
    EXPECT_NE(makeSplit(200, 0.1, 0.1, 8).val, s.val);
}

TEST(Split, TinyDatasetsStillGetOneValidationImageOrAClearError) {
    const DataSplit s = makeSplit(5, 0.1, 0.1, 1);
    EXPECT_EQ(s.val.size(), 1u);
    EXPECT_EQ(s.test.size(), 1u);
    EXPECT_EQ(s.train.size(), 3u);
    EXPECT_THROW(makeSplit(2, 0.1, 0.1, 1), std::invalid_argument);
}

TEST(DataSpec, ParsesTheSyntheticForms) {
    EXPECT_EQ(parseDataSpec("synthetic").toString(), "synthetic:200:1");
    EXPECT_EQ(parseDataSpec("synthetic:40").count, 40u);
    const DataSpec s = parseDataSpec("synthetic:40:9", 128);
    EXPECT_EQ(s.seed, 9u);
    EXPECT_EQ(s.size, 128);
    for (const char *bad : {"", "pictures:/tmp", "synthetic:", "synthetic:-3", "synthetic:abc", "synthetic:0",
                            "synthetic:1:2:3"})
        EXPECT_THROW(parseDataSpec(bad), std::invalid_argument) << bad;
    EXPECT_THROW(parseDataSpec("synthetic", 7), std::invalid_argument);
}

TEST(DataSpec, OpensTheSyntheticDataset) {
    const auto data = openDataset(parseDataSpec("synthetic:6:3", 64));
    EXPECT_EQ(data->size(), 6u);
    EXPECT_EQ(data->width(), 64);
    EXPECT_EQ(data->numClasses(), 3);
    EXPECT_EQ(expectedClassCount(parseDataSpec("synthetic:6:3", 64)), data->numClasses());
    EXPECT_EQ(expectedClassNames(parseDataSpec("synthetic:6:3", 64)), data->classNames());
}

TEST(DataSpec, SaysTheClassCountOnlyWhereTheSpecFixesIt) {
    EXPECT_EQ(expectedClassCount(parseDataSpec("folder:/data/cells")), 0);  // the masks tell
    EXPECT_EQ(expectedClassCount(parseDataSpec("folder:/data/cells;mapping=binary")), 2);
    EXPECT_EQ(expectedClassCount(parseDataSpec("folder:/data/cells;classes=bg,cell,edge")), 3);
    EXPECT_EQ(expectedClassCount(parseDataSpec("tiff:/d/v.tif,/d/l.tif;mapping=index")), 0);
    // The names the opened dataset will have (a binary folder names its classes itself).
    EXPECT_EQ(expectedClassNames(parseDataSpec("folder:/data/cells;mapping=binary")),
              (std::vector<std::string>{"background", "foreground"}));
    EXPECT_EQ(expectedClassNames(parseDataSpec("folder:/data/cells;classes=bg,cell,edge")),
              (std::vector<std::string>{"bg", "cell", "edge"}));
    EXPECT_EQ(expectedClassNames(parseDataSpec("sample:nuclei")),
              (std::vector<std::string>{"background", "nucleus"}));
    EXPECT_TRUE(expectedClassNames(parseDataSpec("folder:/data/cells")).empty());
}
