// Checkpoints: round trip and every way a file can be wrong.
#include <cstdint>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "../RemoveTree.h"
#include "core/AtomicFile.h"
#include "data/SyntheticCells.h"
#include "interop/StateDict.h"
#include "models/Networks.h"
#include "train/Checkpoint.h"
#include "train/Trainer.h"

using namespace unetlab;
namespace fs = std::filesystem;

namespace {

class CheckpointFiles : public ::testing::Test {
protected:
    void SetUp() override {
        dir = fs::temp_directory_path() / ("unetlab-ckpt-" + std::to_string(::getpid()) + "-" +
                                           ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::create_directories(dir);
    }
    void TearDown() override { unetlab::testing::removeTree(dir); }
    std::string path(const std::string &name) const { return (dir / name).string(); }
    void write(const std::string &name, const std::string &bytes) const {
        std::ofstream(path(name), std::ios::binary) << bytes;
    }
    std::string saved(const std::string &preset = "small-unet") {
        ModelConfig c = presetConfig(preset);
        if (preset == "small-unet") c.base = 4;
        torch::manual_seed(9);
        model = buildModel(c);
        const std::string p = path("model.ckpt");
        saveCheckpoint(p, *model, {{"classes", {"background", "cytoplasm", "nucleus"}}, {"note", "test"}});
        return p;
    }
    template <typename F>
    std::string errorOf(F f) {
        try {
            f();
        } catch (const CheckpointError &e) {
            return e.what();
        }
        return "(no error)";
    }
    fs::path dir;
    std::shared_ptr<SegmentationModel> model;
};

}  // namespace

TEST_F(CheckpointFiles, RoundTripGivesIdenticalPredictionsAndKeepsTheHeader) {
    const std::string p = saved();
    // BatchNorm running statistics are part of the state: move them off their defaults.
    model->train();
    model->forward(torch::rand({2, 3, 16, 16}));
    saveCheckpoint(p, *model, {{"note", "after a forward pass"}});
    model->eval();
    const LoadedCheckpoint loaded = loadCheckpoint(p);
    const torch::Tensor x = torch::rand({1, 3, 32, 32});
    torch::NoGradGuard g;
    EXPECT_TRUE(torch::equal(model->forward(x), loaded.model->forward(x)));
    EXPECT_EQ(loaded.header["note"], "after a forward pass");
    EXPECT_EQ(loaded.header["parameters"].get<std::int64_t>(), countParameters(*model));
    EXPECT_FALSE(loaded.header["libtorch_version"].get<std::string>().empty());
    EXPECT_EQ(loaded.config.base, 4);
    for (const auto &entry : fs::directory_iterator(dir))  // no temporary file left behind
        EXPECT_EQ(entry.path().filename(), "model.ckpt");
}

TEST_F(CheckpointFiles, TrainerCheckpointRecordsSettingsDataAndHistory) {
    SyntheticOptions o;
    o.count = 12;
    o.size = 32;
    TrainConfig c;
    c.model = presetConfig("minimal");
    c.epochs = 1;
    c.batchSize = 4;
    Trainer t(c, std::make_shared<SyntheticCells>(o));
    while (!t.finished()) t.step();
    t.saveCheckpoint(path("t.ckpt"), "synthetic:12:1");
    const nlohmann::json h = readCheckpointHeader(path("t.ckpt"));
    EXPECT_EQ(h["data"]["spec"], "synthetic:12:1");
    EXPECT_EQ(h["classes"].size(), 3u);
    EXPECT_EQ(h["history"].size(), 1u);
    EXPECT_EQ(h["train"]["batch_size"], 4);
    EXPECT_EQ(h["model"]["architecture"], "minimal-cnn");
    EXPECT_EQ(h["best_epoch"], 1);
}

TEST_F(CheckpointFiles, DifferentArchitectureIsRefusedWhenOneIsExpected) {
    const std::string p = saved();
    EXPECT_NE(errorOf([&] { loadCheckpoint(p, presetConfig("minimal")); }).find("different architecture"),
              std::string::npos);
}

TEST_F(CheckpointFiles, TruncatedFilesAreRefused) {
    const std::string bytes = readWholeFile(saved());
    write("cut-weights.ckpt", bytes.substr(0, bytes.size() - 100));
    EXPECT_NE(errorOf([&] { loadCheckpoint(path("cut-weights.ckpt")); }).find("truncated"), std::string::npos);
    write("cut-header.ckpt", bytes.substr(0, 40));
    EXPECT_NE(errorOf([&] { loadCheckpoint(path("cut-header.ckpt")); }).find("truncated"), std::string::npos);
}

TEST_F(CheckpointFiles, CorruptWeightsAreRefused) {
    std::string bytes = readWholeFile(saved());
    bytes[bytes.size() - 5000] ^= 0x55;
    write("flipped.ckpt", bytes);
    EXPECT_NE(errorOf([&] { loadCheckpoint(path("flipped.ckpt")); }).find("checksum"), std::string::npos);
}

TEST_F(CheckpointFiles, ForeignFilesAreRefused) {
    write("empty.ckpt", "");
    EXPECT_NE(errorOf([&] { loadCheckpoint(path("empty.ckpt")); }).find("empty"), std::string::npos);
    std::string noise(4096, '\0');
    for (std::size_t i = 0; i < noise.size(); ++i) noise[i] = static_cast<char>((i * 2654435761u) >> 7);
    write("noise.ckpt", noise);
    EXPECT_NE(errorOf([&] { loadCheckpoint(path("noise.ckpt")); }).find("not a UNet Lab checkpoint"),
              std::string::npos);
    torch::save(torch::ones({3}), path("tensor.pt"));  // another program's zip archive
    EXPECT_NE(errorOf([&] { loadCheckpoint(path("tensor.pt")); }).find("not a UNet Lab checkpoint"),
              std::string::npos);
    EXPECT_NE(errorOf([&] { loadCheckpoint(path("missing.ckpt")); }).find("cannot open"), std::string::npos);
}

TEST_F(CheckpointFiles, WeightsOfADivergedRunAreRefusedByName) {
    saved();
    const auto params = model->named_parameters();
    const std::string weight = params.keys().at(2);
    std::string var;
    for (const auto &b : model->named_buffers())
        if (b.key().find("running_var") != std::string::npos) var = b.key();
    ASSERT_FALSE(var.empty());
    {
        torch::NoGradGuard g;
        params[weight].view(-1)[0] = NAN;
    }
    saveCheckpoint(path("nan.ckpt"), *model, {{"note", "diverged"}});
    const std::string e = errorOf([&] { loadCheckpoint(path("nan.ckpt")); });
    EXPECT_NE(e.find("NaN or infinite values in '" + weight + "'"), std::string::npos) << e;
    // The same weights as PyTorch saves them.
    ASSERT_GT(saveStateDict(*model, path("nan.pt")), 0u);
    EXPECT_NE(errorOf([&] { loadCheckpoint(path("nan.pt")); }).find("'" + weight + "'"), std::string::npos);
    // An infinite BatchNorm running variance too.
    {
        torch::NoGradGuard g;
        params[weight].zero_();
        model->named_buffers()[var].fill_(INFINITY);
    }
    saveCheckpoint(path("inf.ckpt"), *model, {{"note", "diverged"}});
    EXPECT_NE(errorOf([&] { loadCheckpoint(path("inf.ckpt")); }).find("'" + var + "'"), std::string::npos);
}

TEST_F(CheckpointFiles, HeaderThatLiesAboutTheArchitectureIsRefused) {
    std::string bytes = readWholeFile(saved());
    const std::string from = "\"base\": 4", to = "\"base\": 8";
    const auto at = bytes.find(from);
    ASSERT_NE(at, std::string::npos);
    bytes.replace(at, from.size(), to);
    write("lying.ckpt", bytes);
    EXPECT_NE(errorOf([&] { loadCheckpoint(path("lying.ckpt")); }).find("has shape"), std::string::npos);
}

TEST_F(CheckpointFiles, WritingIntoAMissingFolderFailsCleanly) {
    saved();
    EXPECT_THROW(saveCheckpoint(path("no/such/dir/model.ckpt"), *model, {}), std::runtime_error);
}
