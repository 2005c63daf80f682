// PyTorch interop and sliding-window inference. State dicts written by Debian's python3-torch
// (tests/engine/interop_peer.py, the reference definitions of resources/python/) load here and
// give PyTorch's logits; the app's exports load in Python and give ours; hostile and broken
// files are refused with one line, without running anything.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

#include <gtest/gtest.h>
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include "../RemoveTree.h"
#include "core/AtomicFile.h"
#include "data/SyntheticCells.h"
#include "interop/StateDict.h"
#include "interop/TorchSave.h"
#include "models/Networks.h"
#include "train/Checkpoint.h"
#include "train/Evaluate.h"
#include "train/ExecutionPlan.h"
#include "train/SlidingWindow.h"

using namespace unetlab;
namespace fs = std::filesystem;

namespace {

std::string runPeer(const std::string &args) {
    const std::string cmd = std::string("'") + UNETLAB_PYTHON + "' '" + UNETLAB_SOURCE_DIR +
                            "/tests/engine/interop_peer.py' " + args + " 2>&1";
    std::unique_ptr<FILE, int (*)(FILE *)> pipe(::popen(cmd.c_str(), "r"), ::pclose);
    std::string out;
    char buffer[4096];
    while (pipe && std::fgets(buffer, sizeof buffer, pipe.get())) out += buffer;
    return out;
}

torch::Tensor readRaw(const fs::path &path, const std::vector<std::int64_t> &shape) {
    const std::string bytes = readWholeFile(path.string());
    torch::Tensor t = torch::empty(shape, torch::kFloat);
    EXPECT_EQ(bytes.size(), static_cast<std::size_t>(t.nbytes())) << path;
    std::memcpy(t.data_ptr(), bytes.data(), std::min<std::size_t>(bytes.size(), t.nbytes()));
    return t;
}

double maxAbsDiff(const torch::Tensor &a, const torch::Tensor &b) { return (a - b).abs().max().item<double>(); }

torch::Tensor logitsOf(SegmentationModel &model, const torch::Tensor &x) {
    torch::NoGradGuard noGrad;
    model.eval();
    return model.forward(x);
}

// One folder of Python-written state dicts, shared by the tests (Python starts once).
class Interop : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        s_dir = fs::temp_directory_path() / ("unetlab-interop-" + std::to_string(::getpid()));
        fs::create_directories(s_dir);
        const std::string out = runPeer("write '" + s_dir.string() + "'");
        s_ok = fs::exists(s_dir / "cases.json");
        if (!s_ok) {
            s_why = out;
            return;
        }
        s_cases = nlohmann::json::parse(readWholeFile((s_dir / "cases.json").string()));
    }
    static void TearDownTestSuite() { unetlab::testing::removeTree(s_dir); }
    void SetUp() override {
        ASSERT_TRUE(s_ok) << "the Python peer did not run (is python3-torch installed? run "
                             "packaging/setup-debian.sh): "
                          << s_why;
    }
    static std::string file(const std::string &name) { return (s_dir / name).string(); }
    static ModelConfig configOf(const std::string &c) { return modelConfigFromJson(s_cases[c]["model"]); }
    static torch::Tensor input(const std::string &c) {
        return readRaw(s_dir / (c + "-input.bin"), s_cases[c]["input"].get<std::vector<std::int64_t>>());
    }
    static torch::Tensor pythonLogits(const std::string &c, const std::string &suffix = "-logits.bin") {
        return readRaw(s_dir / (c + suffix), s_cases[c]["logits"].get<std::vector<std::int64_t>>());
    }
    template <typename F>
    static std::string errorOf(F f) {
        try {
            f();
        } catch (const std::exception &e) {
            return e.what();
        }
        return "(no error)";
    }

    static inline fs::path s_dir;
    static inline bool s_ok = false;
    static inline std::string s_why;
    static inline nlohmann::json s_cases;
};

}  // namespace

TEST_F(Interop, PythonStateDictsOfEveryPresetGiveTheSameLogits) {
    for (const auto &[name, info] : s_cases.items()) {
        for (const std::string suffix : {".pt", "-dict.pt"}) {
            SCOPED_TRACE(name + suffix);
            ModelConfig expected = configOf(name);
            // The architecture is read off the keys; only the activation leaves no trace.
            const auto guess = guessModelConfig(listStateDict(file(name + suffix)));
            ASSERT_TRUE(guess.has_value());
            ModelConfig guessed = *guess;
            guessed.activation = expected.activation;
            EXPECT_EQ(toJson(guessed), toJson(expected));

            const LoadedStateDict loaded = loadStateDict(file(name + suffix), guessed);
            EXPECT_TRUE(loaded.report.clean()) << loaded.report.summary();
            const double diff = maxAbsDiff(logitsOf(*loaded.model, input(name)), pythonLogits(name));
            EXPECT_LE(diff, 1e-5);
        }
    }
}

TEST_F(Interop, CheckpointLoadingAcceptsAStateDictAndSaysItCameFromPyTorch) {
    const LoadedCheckpoint ckpt = loadCheckpoint(file("small-unet.pt"));
    EXPECT_EQ(ckpt.header["origin"], "pytorch");
    EXPECT_TRUE(ckpt.header["architecture_guessed"].get<bool>());
    EXPECT_TRUE(ckpt.normalisation.isIdentity());  // scale-only unless the user says otherwise
    EXPECT_EQ(ckpt.config.base, 8);
    EXPECT_LE(maxAbsDiff(logitsOf(*ckpt.model, input("small-unet")), pythonLogits("small-unet")), 1e-5);

    const nlohmann::json header = readCheckpointHeader(file("unet.pt"));
    EXPECT_EQ(header["origin"], "pytorch");
    EXPECT_EQ(modelConfigFromJson(header["model"]).levels, 4);
    EXPECT_EQ(header["parameters"].get<std::int64_t>(), configOf("unet").parameterCount());

    // An expected architecture that does not match is a clear, one-line refusal.
    const std::string e = errorOf([&] { loadCheckpoint(file("small-unet.pt"), presetConfig("small-unet")); });
    EXPECT_NE(e.find("does not fit"), std::string::npos) << e;
    EXPECT_NE(e.find("mis-shaped"), std::string::npos) << e;
    EXPECT_EQ(e.find('\n'), std::string::npos) << e;
}

TEST_F(Interop, VariantsPeopleSaveAreReadToo) {
    // Pickle protocol 4, a training checkpoint holding the state dict, nn.DataParallel's
    // "module." prefix: all the same weights.
    const torch::Tensor reference = pythonLogits("small-unet");
    for (const std::string variant : {"protocol4", "training", "dataparallel"}) {
        SCOPED_TRACE(variant);
        const LoadedStateDict loaded = loadStateDict(file("small-unet-" + variant + ".pt"));
        EXPECT_TRUE(loaded.guessed);
        EXPECT_LE(maxAbsDiff(logitsOf(*loaded.model, input("small-unet")), reference), 1e-5);
    }
    // float16 weights are converted, and say so.
    const LoadedStateDict half = loadStateDict(file("small-unet-half.pt"));
    EXPECT_FALSE(half.report.converted.empty());
    EXPECT_NE(half.report.converted.front().find("float16 -> float32"), std::string::npos);
    EXPECT_LE(maxAbsDiff(logitsOf(*half.model, input("small-unet")), pythonLogits("small-unet", "-half-logits.bin")),
              1e-5);
}

TEST_F(Interop, ExportsLoadInPythonWithTheSameKeysAndLogits) {
    std::map<std::string, torch::Tensor> ours;
    for (const auto &[name, info] : s_cases.items()) {
        torch::manual_seed(3);
        auto model = buildModel(configOf(name));
        {
            torch::NoGradGuard noGrad;
            for (auto &p : model->parameters()) p.add_(0.05 * torch::randn_like(p));
            model->train();  // BatchNorm running statistics off their defaults
            model->forward(torch::randn({4, configOf(name).inChannels, 32, 32}));
        }
        saveStateDict(*model, file(name + "-exported.pt"));
        writeFileAtomically(file(name + "-expression.txt"), pythonModelExpression(configOf(name)));
        ours[name] = logitsOf(*model, input(name));

        // Our own importer reads our export back exactly.
        const LoadedStateDict back = loadStateDict(file(name + "-exported.pt"), configOf(name));
        EXPECT_TRUE(torch::equal(logitsOf(*back.model, input(name)), ours[name])) << name;
    }
    const std::string out = runPeer("read '" + s_dir.string() + "'");
    nlohmann::json report;
    ASSERT_NO_THROW(report = nlohmann::json::parse(out.substr(out.rfind('\n', out.size() - 2) + 1))) << out;
    for (const auto &[name, logits] : ours) {
        SCOPED_TRACE(name);
        ASSERT_TRUE(report.contains(name)) << out;
        EXPECT_EQ(report[name]["type"], "OrderedDict");  // like torch.save(model.state_dict())
        EXPECT_TRUE(report[name].contains("expression"));  // its network, built from pythonModelExpression
        auto keys = report[name]["keys"].get<std::vector<std::string>>();
        auto reference = report[name]["reference_keys"].get<std::vector<std::string>>();
        std::sort(keys.begin(), keys.end());
        std::sort(reference.begin(), reference.end());
        EXPECT_EQ(keys, reference);
        const nlohmann::json dtypes =
            configOf(name).batchNorm ? nlohmann::json{"torch.float32", "torch.int64"} : nlohmann::json{"torch.float32"};
        EXPECT_EQ(report[name]["dtypes"], dtypes);
        EXPECT_LE(maxAbsDiff(readRaw(s_dir / (name + "-python-logits.bin"), logits.sizes().vec()), logits), 1e-5);
    }
}

TEST_F(Interop, HostileFilesAreRefusedWithoutRunningAnything) {
    const fs::path marker = s_dir / "MARKER";
    const std::string out = runPeer("hostile '" + s_dir.string() + "' 'touch \"" + marker.string() + "\"'");
    ASSERT_TRUE(fs::exists(s_dir / "system.pt")) << out;
    ASSERT_FALSE(fs::exists(marker)) << "the Python side ran its own payload";

    struct Case {
        const char *file;
        const char *message;
    };
    const Case cases[] = {
        {"system.pt", "names the Python object 'posix.system'"},
        {"system-protocol4.pt", "names the Python object 'posix.system'"},
        {"eval.pt", "names the Python object '__builtin__.eval'"},  // protocol 2 spells builtins so
        {"poisoned.pt", "names the Python object 'posix.system'"},
        {"system.pkl", "legacy format"},
        {"legacy.pt", "legacy format"},
        {"whole-model.pt", "save model.state_dict() instead"},
        {"foreign.zip", "not one torch.save wrote"},
        {"list.pt", "holds a list, not a dict"},
    };
    for (const auto &c : cases) {
        SCOPED_TRACE(c.file);
        const std::string e = errorOf([&] { loadStateDict(file(c.file)); });
        EXPECT_NE(e.find(c.message), std::string::npos) << e;
        EXPECT_EQ(e.find('\n'), std::string::npos) << e;
        const std::string viaCheckpoint = errorOf([&] { loadCheckpoint(file(c.file)); });
        EXPECT_NE(viaCheckpoint.find("not a UNet Lab checkpoint"), std::string::npos) << viaCheckpoint;
        EXPECT_NE(viaCheckpoint.find(c.message), std::string::npos) << viaCheckpoint;
    }
    EXPECT_FALSE(fs::exists(marker)) << "loading a hostile file ran its payload";
}

TEST_F(Interop, TruncatedRandomAndMutatedFilesNeverCrash) {
    const std::string good = readWholeFile(file("minimal.pt"));
    auto refusal = [&](const std::string &bytes) {
        try {
            readTorchSave(bytes, "x.pt");
        } catch (const StateDictError &e) {
            return std::string(e.what());
        }
        return std::string("(loaded)");
    };
    for (std::size_t cut : {std::size_t(0), std::size_t(3), std::size_t(100), good.size() / 2, good.size() - 1})
        EXPECT_NE(refusal(good.substr(0, cut)), "(loaded)") << cut;
    EXPECT_NE(refusal(good.substr(0, good.size() - 30)).find("truncated"), std::string::npos);
    std::string noise(4096, '\0');
    for (std::size_t i = 0; i < noise.size(); ++i) noise[i] = static_cast<char>((i * 2654435761u) >> 7);
    EXPECT_NE(refusal(noise).find("not a zip archive"), std::string::npos);
    // Flipped bytes anywhere in the pickle and the zip's directories: a refusal or (for bytes
    // that only change values) a load — never a crash or another kind of exception.
    std::uint64_t state = 12345;
    const std::size_t pickleEnd = good.find("PK\x03\x04", 4);
    for (int i = 0; i < 400; ++i) {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        std::string bytes = good;
        const std::size_t at = i % 2 ? (state >> 33) % pickleEnd : (state >> 33) % bytes.size();
        bytes[at] = static_cast<char>(bytes[at] ^ (1 + (state >> 20) % 255));
        EXPECT_NO_FATAL_FAILURE(refusal(bytes));
    }
    // A tensor whose view reaches past its storage, and a storage record shorter than it claims.
    const std::string small = writeTorchSave({{"w", torch::ones({4})}});
    std::string longView = small;
    const auto sizes = longView.find("K\x04\x85");  // sizes (4,): BININT1 4, TUPLE1
    ASSERT_NE(sizes, std::string::npos);
    longView[sizes + 1] = 9;
    EXPECT_NE(refusal(longView).find("reaches past the end of its storage"), std::string::npos) << refusal(longView);
    std::string longStorage = small;
    const auto numel = longStorage.find("K\x04t");  // numel 4 closing the persistent id
    ASSERT_NE(numel, std::string::npos);
    longStorage[numel + 1] = 9;
    EXPECT_NE(refusal(longStorage).find("shorter than its tensors need"), std::string::npos) << refusal(longStorage);
}

TEST_F(Interop, MissingUnexpectedAndMisShapedKeysAreListed) {
    torch::manual_seed(1);
    ModelConfig config = presetConfig("small-unet");
    config.base = 4;
    auto model = buildModel(config);
    std::vector<std::pair<std::string, torch::Tensor>> state;
    for (const auto &p : model->named_parameters()) state.emplace_back(p.key(), p.value());
    for (const auto &b : model->named_buffers()) state.emplace_back(b.key(), b.value());
    auto edited = state;
    edited.erase(std::find_if(edited.begin(), edited.end(), [](auto &kv) { return kv.first == "enc1.conv1.bias"; }));
    edited.emplace_back("extra.weight", torch::ones({2}));
    for (auto &[key, value] : edited)
        if (key == "head.weight") value = torch::ones({2, 4, 1, 1});
    // num_batches_tracked may be absent (PyTorch before 0.4.1): never an error.
    auto isCounter = [](auto &kv) { return kv.first.find("num_batches_tracked") != std::string::npos; };
    const auto counters = static_cast<std::size_t>(std::count_if(edited.begin(), edited.end(), isCounter));
    edited.erase(std::remove_if(edited.begin(), edited.end(), isCounter), edited.end());
    writeFileAtomically(file("edited.pt"), writeTorchSave(edited));

    const std::string e = errorOf([&] { loadStateDict(file("edited.pt"), config); });
    EXPECT_NE(e.find("does not fit U-Net 2 levels, base 4"), std::string::npos) << e;
    EXPECT_NE(e.find("missing 1 key (enc1.conv1.bias)"), std::string::npos) << e;
    EXPECT_NE(e.find("unexpected 1 (extra.weight)"), std::string::npos) << e;
    EXPECT_NE(e.find("mis-shaped 1 (head.weight: file [2, 4, 1, 1], network [3, 4, 1, 1])"), std::string::npos) << e;

    const LoadedStateDict partial = loadStateDict(file("edited.pt"), config, /*strict=*/false);
    EXPECT_EQ(partial.report.missing, std::vector<std::string>{"enc1.conv1.bias"});
    EXPECT_EQ(partial.report.unexpected, std::vector<std::string>{"extra.weight"});
    EXPECT_EQ(partial.report.misShaped.size(), 1u);
    EXPECT_EQ(partial.report.loaded.size(), state.size() - 2 - counters);
    EXPECT_TRUE(torch::equal(partial.model->named_parameters()["enc2.conv1.weight"],
                             model->named_parameters()["enc2.conv1.weight"]));

    // A long list is cut: the message stays one readable line.
    const std::string many = errorOf([&] { loadStateDict(file("edited.pt"), presetConfig("unet")); });
    EXPECT_NE(many.find(" more"), std::string::npos) << many;
    EXPECT_LT(many.size(), 700u) << many;

    // Keys of no known layout: the architecture must be named.
    writeFileAtomically(file("other.pt"), writeTorchSave({{"fc.weight", torch::ones({2, 2})}}));
    const std::string unknown = errorOf([&] { loadStateDict(file("other.pt")); });
    EXPECT_NE(unknown.find("cannot tell which network"), std::string::npos) << unknown;
    EXPECT_NE(unknown.find("--model"), std::string::npos) << unknown;
}

TEST(SlidingWindow, TilesCoverTheImageAndEndAtItsBorder) {
    TileAxis a = planTileAxis(1000, 256, 0.25, 4);
    EXPECT_EQ(a.tile, 256);
    EXPECT_EQ(a.starts.front(), 0);
    EXPECT_EQ(a.starts.back(), 1000 - 256);
    for (std::size_t i = 1; i < a.starts.size(); ++i) EXPECT_LE(a.starts[i] - a.starts[i - 1], 192);
    EXPECT_EQ(a.padBefore + a.padAfter, 0);
    a = planTileAxis(256, 256, 0.25, 4);  // exactly one tile
    EXPECT_EQ(a.starts, std::vector<int>{0});
    a = planTileAxis(70, 256, 0.25, 16);  // shorter than a tile: one tile, padded to the factor
    EXPECT_EQ(a.tile, 80);
    EXPECT_EQ(a.padBefore, 5);
    EXPECT_EQ(a.padAfter, 5);
    a = planTileAxis(1400, 0, 0.25, 4);  // tile 0: the whole side
    EXPECT_EQ(a.tile, 1400);
    EXPECT_THROW(planTileAxis(100, 30, 0.25, 4), std::invalid_argument);
    EXPECT_THROW(planTileAxis(100, 32, 0.95, 4), std::invalid_argument);
}

namespace {
// A synthetic image `size` pixels square and an untrained SmallUNet `base` channels wide.
std::pair<Sample, std::shared_ptr<SegmentationModel>> imageAndSmallUNet(int size, std::uint64_t imageSeed, int base,
                                                                        std::uint64_t modelSeed) {
    SyntheticOptions o;
    o.size = size;
    ModelConfig c = presetConfig("small-unet");
    c.base = base;
    return {SyntheticCells::generate(o, imageSeed), createModel(c, modelSeed)};
}
}  // namespace

TEST(SlidingWindow, OneTileOverTheWholeImageIsExactlyTheSinglePass) {
    const auto [s, model] = imageAndSmallUNet(64, 3, 4, 5);
    const Normalisation n{{0.5, 0.5, 0.5}, {0.25, 0.25, 0.25}};
    const auto single = predictMasks(*model, {s}, n, "cpu").front();
    SlidingWindowOptions w;
    w.tile = 64;
    w.probabilities = true;
    const LargePrediction p = predictLarge(*model, s, n, "cpu", w);
    EXPECT_EQ(p.tilesX * p.tilesY, 1);
    EXPECT_EQ(p.mask, single);
    ASSERT_EQ(p.probabilities.size(), 3u * 64 * 64);
    for (std::size_t i = 0; i < 64 * 64; i += 97)
        EXPECT_NEAR(p.probabilities[i] + p.probabilities[i + 64 * 64] + p.probabilities[i + 2 * 64 * 64], 1.0, 1e-5);
}

TEST(SlidingWindow, ManyTilesMatchOneFullPassOfMinimalCNN) {
    // MinimalCNN sees 5x5 pixels: away from tile edges a tile computes exactly what a full
    // pass does, and the Gaussian window all but ignores the edges, so the blend is the full pass.
    SyntheticOptions o;
    o.size = 160;
    Sample s = SyntheticCells::generate(o, 11);
    // Not a multiple of anything, wider than tall.
    Sample crop = s;
    crop.width = 150;
    crop.height = 97;
    crop.image.clear();
    for (int y = 0; y < crop.height; ++y)
        crop.image.insert(crop.image.end(), s.image.begin() + (y * s.width) * 3,
                          s.image.begin() + (y * s.width + crop.width) * 3);
    auto model = createModel(presetConfig("minimal"), 2);
    const Normalisation n;
    SlidingWindowOptions whole;
    whole.tile = 0;
    whole.probabilities = true;
    const LargePrediction full = predictLarge(*model, crop, n, "cpu", whole);
    EXPECT_EQ(full.tilesX * full.tilesY, 1);
    SlidingWindowOptions tiled = whole;
    tiled.tile = 32;
    tiled.overlap = 0.5;
    const LargePrediction p = predictLarge(*model, crop, n, "cpu", tiled);
    EXPECT_GT(p.tilesX * p.tilesY, 20);
    ASSERT_EQ(p.mask.size(), full.mask.size());
    double worst = 0;
    for (std::size_t i = 0; i < p.probabilities.size(); ++i)
        worst = std::max(worst, double(std::abs(p.probabilities[i] - full.probabilities[i])));
    EXPECT_LT(worst, 1e-3);  // 2.4e-4 when written
    std::size_t same = 0;
    for (std::size_t i = 0; i < p.mask.size(); ++i) same += p.mask[i] == full.mask[i];
    EXPECT_GE(double(same) / double(p.mask.size()), 0.999);

    // Plain averaging trusts tile edges (where zero padding stands in for the neighbours) as
    // much as centres: visibly further off.
    tiled.blend = Blend::Uniform;
    const LargePrediction uniform = predictLarge(*model, crop, n, "cpu", tiled);
    double worstUniform = 0;
    for (std::size_t i = 0; i < p.probabilities.size(); ++i)
        worstUniform = std::max(worstUniform, double(std::abs(uniform.probabilities[i] - full.probabilities[i])));
    EXPECT_GT(worstUniform, 10 * worst);  // 0.13 when written
}

TEST(SlidingWindow, Bf16AutocastRunsTheTilesInBf16AndKeepsTheMask) {
    const auto [s, model] = imageAndSmallUNet(96, 7, 8, 3);
    SlidingWindowOptions w;
    w.tile = 64;
    w.probabilities = true;
    const LargePrediction fp = predictLarge(*model, s, Normalisation{}, "cpu", w);
    w.precision = Precision::BF16;
    const LargePrediction bf = predictLarge(*model, s, Normalisation{}, "cpu", w);
    EXPECT_EQ(fp.precision, "fp32");
    EXPECT_EQ(bf.precision, "bf16");
    ASSERT_EQ(bf.probabilities.size(), fp.probabilities.size());
    double worst = 0;
    for (std::size_t i = 0; i < fp.probabilities.size(); ++i)
        worst = std::max(worst, double(std::abs(bf.probabilities[i] - fp.probabilities[i])));
    EXPECT_GT(worst, 1e-4);  // the convolutions really ran in bf16 (8 bits of mantissa) ...
    EXPECT_LT(worst, 0.05);  // ... and the probabilities stay close
    std::size_t same = 0;
    for (std::size_t i = 0; i < fp.mask.size(); ++i) same += fp.mask[i] == bf.mask[i];
    EXPECT_GE(double(same) / double(fp.mask.size()), 0.99);
    // Autocast ends with the call: fp32 afterwards gives the same probabilities bit for bit.
    w.precision = Precision::FP32;
    EXPECT_EQ(predictLarge(*model, s, Normalisation{}, "cpu", w).probabilities, fp.probabilities);
    // fp16 autocast needs a GPU; "auto" is for the caller to settle.
    w.precision = Precision::FP16;
    EXPECT_THROW(predictLarge(*model, s, Normalisation{}, "cpu", w), std::invalid_argument);
    w.precision = Precision::Auto;
    EXPECT_THROW(predictLarge(*model, s, Normalisation{}, "cpu", w), std::invalid_argument);
}

TEST(SlidingWindow, AnAutocastModelRunsTheSameWeightsInBf16) {
    ModelConfig c = presetConfig("small-unet");
    c.base = 8;
    std::shared_ptr<SegmentationModel> model = createModel(c, 5);
    EXPECT_EQ(autocastModel(model, Precision::FP32), model);
    EXPECT_THROW(autocastModel(model, Precision::Auto), std::invalid_argument);
    const auto bf16 = autocastModel(model, Precision::BF16);
    EXPECT_EQ(bf16->config().describe(), c.describe());
    torch::NoGradGuard noGrad;
    model->eval();
    bf16->eval();
    const torch::Tensor x = torch::rand({2, 3, 32, 32});
    const torch::Tensor fp = model->forward(x), bf = bf16->forward(x);
    EXPECT_EQ(bf.scalar_type(), torch::kFloat);
    const double worst = (bf - fp).abs().max().item<double>();
    EXPECT_GT(worst, 0.0);  // ran in bf16
    EXPECT_LT(worst, 0.1 * fp.abs().max().item<double>());
    const auto stages = bf16->forwardStages(x), reference = model->forwardStages(x);
    ASSERT_EQ(stages.size(), reference.size());
    for (std::size_t i = 0; i < stages.size(); ++i) {
        EXPECT_EQ(stages[i].first, reference[i].first);
        EXPECT_EQ(stages[i].second.scalar_type(), torch::kFloat);
        EXPECT_EQ(stages[i].second.sizes(), reference[i].second.sizes());
    }
    // It shares the weights: a change to the model shows in it.
    model->named_parameters()["head.bias"].add_(100.0);
    EXPECT_GT(bf16->forward(x).mean().item<double>(), 10.0);
}

TEST(SlidingWindow, InferenceRunsInTheTrainedPrecisionWhereTheDeviceRunsItFast) {
    EXPECT_EQ(inferencePrecision(Precision::FP32, "cpu"), Precision::FP32);
    EXPECT_EQ(inferencePrecision(Precision::BF16, "cpu"), cpuHasFastBf16() ? Precision::BF16 : Precision::FP32);
    EXPECT_EQ(inferencePrecision(Precision::FP16, "cpu"), Precision::FP32);
    EXPECT_EQ(inferencePrecision(Precision::Auto, "cpu"), Precision::FP32);
    EXPECT_EQ(inferencePrecision(Precision::BF16, "cuda:0"), Precision::BF16);
    EXPECT_EQ(inferencePrecision(Precision::FP16, "cuda:0"), Precision::FP16);
    EXPECT_EQ(inferencePrecision(Precision::FP32, "cuda:0"), Precision::FP32);
    // What a checkpoint's header says it was trained in; fp32 where it does not say.
    using nlohmann::json;
    EXPECT_EQ(trainedPrecision(json{{"train", {{"precision", "bf16"}}}}), Precision::BF16);
    EXPECT_EQ(trainedPrecision(json{{"train", {{"precision", "fp16"}}}}), Precision::FP16);
    EXPECT_EQ(trainedPrecision(json{{"train", {{"precision", "auto"}}}}), Precision::FP32);
    EXPECT_EQ(trainedPrecision(json{{"train", {{"precision", "fp8"}}}}), Precision::FP32);
    EXPECT_EQ(trainedPrecision(json{{"train", {{"precision", 16}}}}), Precision::FP32);
    EXPECT_EQ(trainedPrecision(json{{"train", "bf16"}}), Precision::FP32);
    EXPECT_EQ(trainedPrecision(json{{"origin", "pytorch"}}), Precision::FP32);
    EXPECT_EQ(trainedPrecision(json::array()), Precision::FP32);
}

TEST(SlidingWindow, AUNetSegmentsAnImageOfAnySize) {
    SyntheticOptions o;
    o.size = 128;
    Sample s = SyntheticCells::generate(o, 4);
    s.height = 50;  // shorter than a tile and not a multiple of 4: padded by reflection
    s.image.resize(s.pixelCount() * 3);
    ModelConfig c = presetConfig("small-unet");
    c.base = 4;
    auto model = createModel(c, 5);
    SlidingWindowOptions w;
    w.tile = 64;
    const LargePrediction p = predictLarge(*model, s, Normalisation{}, "cpu", w);
    EXPECT_EQ(p.width, 128);
    EXPECT_EQ(p.height, 50);
    EXPECT_EQ(p.tileHeight, 52);
    EXPECT_EQ(p.tilesY, 1);
    EXPECT_EQ(p.tilesX, 3);
    EXPECT_EQ(p.mask.size(), 128u * 50);
    for (const auto v : p.mask) ASSERT_LT(v, 3);
    Sample grey = s;
    grey.channels = 1;
    grey.image.resize(grey.pixelCount());
    EXPECT_THROW(predictLarge(*model, grey, Normalisation{}, "cpu", w), std::invalid_argument);
    w.tile = 66;
    EXPECT_THROW(predictLarge(*model, s, Normalisation{}, "cpu", w), std::invalid_argument);
}
