// unetlab-cli as a user meets it: exit codes, one-line errors on stderr, JSON on stdout.
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "../RemoveTree.h"

namespace fs = std::filesystem;

namespace {

struct Result {
    int exitCode = -1;
    std::string out, err;
};

std::string slurp(const fs::path &p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// The cached plans as measured on a quiet machine: a plan measured while other programs (the
// tests beside this one) kept a core busy is measured again by the next run that finds the
// machine quiet, which would make "the second run reads the cache" depend on what else runs.
void markPlansQuiet(const fs::path &file) {
    nlohmann::json plans = nlohmann::json::parse(slurp(file));
    for (auto &[key, plan] : plans["plans"].items()) plan["busy_cores_measuring"] = 0.0;
    std::ofstream(file) << plans.dump(2);
}

class Cli : public ::testing::Test {
protected:
    void SetUp() override {
        dir = fs::temp_directory_path() / ("unetlab-cli-" + std::to_string(::getpid()) + "-" +
                                           ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::create_directories(dir);
    }
    void TearDown() override { unetlab::testing::removeTree(dir); }

    // `env`: more VAR=value assignments for the command.
    Result run(const std::string &args, const std::string &env = "") const {
        const fs::path out = dir / "stdout", err = dir / "stderr";
        // Autosaved runs go to this test's folder, not the user's ~/.local/share.
        const std::string cmd = env + " OMP_NUM_THREADS=2 XDG_DATA_HOME='" + (dir / "data").string() + "' '" +
                                std::string(UNETLAB_CLI) + "' " + args + " >'" + out.string() + "' 2>'" +
                                err.string() + "'";
        const int status = std::system(cmd.c_str());
        Result r;
        r.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        r.out = slurp(out);
        r.err = slurp(err);
        return r;
    }
    static nlohmann::json lastJsonLine(const std::string &out) {
        std::string text = out;
        while (!text.empty() && text.back() == '\n') text.pop_back();
        const auto nl = text.rfind('\n');
        return nlohmann::json::parse(nl == std::string::npos ? text : text.substr(nl + 1));
    }
    static int lines(const std::string &s) {
        int n = 0;
        for (char c : s) n += c == '\n';
        return n;
    }
    fs::path dir;
};

}  // namespace

TEST_F(Cli, ModelsJsonGivesTheExactParameterCounts) {
    const Result r = run("models --json");
    ASSERT_EQ(r.exitCode, 0) << r.err;
    const auto j = lastJsonLine(r.out);
    std::map<std::string, std::int64_t> params;
    std::map<std::string, int> rf;
    for (const auto &m : j["models"]) {
        params[m["name"]] = m["parameters"];
        rf[m["name"]] = m["receptive_field"];
    }
    EXPECT_EQ(params["minimal"], 5187);
    EXPECT_EQ(params["small-unet"], 472899);
    EXPECT_EQ(params["small-unet-noskip"], 426819);
    EXPECT_EQ(rf["minimal"], 5);
    EXPECT_EQ(rf["small-unet"], 44);
    EXPECT_NE(r.out.find("472,899"), std::string::npos);  // the human table too
}

TEST_F(Cli, BadFlagsExitNonZeroWithOneLine) {
    const std::pair<std::string, std::string> cases[] = {
        {"train --model resnet", "unknown model 'resnet'"},
        {"train --model minimal --epochs 0", "--epochs must be between 1"},
        {"train --model minimal --epochs -3", "--epochs must be between 1"},
        {"train --model minimal --lr 10", "--lr must be"},
        {"train --model minimal --lr abc", "--lr expects a number"},
        {"train --model minimal --batch 4096", "--batch must be between 1 and 1024"},
        {"train --model minimal --size 7", "--size must be between 32"},
        {"train --model minimal --data pictures:/nope", "unknown data 'pictures:/nope'"},
        {"train --model minimal --data 'folder:/nope;zoom=2'", "unknown option 'zoom'"},
        {"train --model minimal --preprocess median", "unknown preprocessing 'median'"},
        {"train --model minimal --augment twirl", "unknown augmentation 'twirl'"},
        {"train --model minimal --optimizer lbfgs", "unknown optimizer 'lbfgs'"},
        {"train --model minimal --frobnicate", "unknown option '--frobnicate'"},
        {"train --model minimal --epochs", "--epochs needs a value"},
        {"train", "train needs --model"},
        {"eval", "eval needs --checkpoint"},
        {"dance", "unknown command 'dance'"},
    };
    for (const auto &[args, message] : cases) {
        const Result r = run(args);
        EXPECT_EQ(r.exitCode, 2) << args;
        EXPECT_EQ(lines(r.err), 1) << args << ": " << r.err;
        EXPECT_NE(r.err.find(message), std::string::npos) << args << ": " << r.err;
        EXPECT_EQ(r.err.rfind("unetlab-cli: error: ", 0), 0u) << args;
    }
}

TEST_F(Cli, MissingOrForeignCheckpointIsAOneLineError) {
    Result r = run("eval --checkpoint '" + (dir / "nothing.ckpt").string() + "'");
    EXPECT_EQ(r.exitCode, 1);
    EXPECT_EQ(lines(r.err), 1) << r.err;
    EXPECT_NE(r.err.find("cannot open"), std::string::npos) << r.err;
    std::ofstream(dir / "text.ckpt") << "hello";
    r = run("eval --checkpoint '" + (dir / "text.ckpt").string() + "'");
    EXPECT_EQ(r.exitCode, 1);
    EXPECT_EQ(lines(r.err), 1) << r.err;
    EXPECT_NE(r.err.find("not a UNet Lab checkpoint"), std::string::npos) << r.err;
}

TEST_F(Cli, TrainThenEvalReportsPerClassFiguresAndWritesFiles) {
    const std::string ckpt = (dir / "m.ckpt").string(), log = (dir / "log.csv").string();
    Result r = run("train --model minimal --data synthetic:24:3 --size 64 --epochs 2 --batch 4 --lr 0.01 --json "
                   "--out '" + ckpt + "' --log '" + log + "'");
    ASSERT_EQ(r.exitCode, 0) << r.err;
    const auto j = lastJsonLine(r.out);
    EXPECT_EQ(j["params"], 5187);
    EXPECT_EQ(j["epochs_run"], 2);
    EXPECT_EQ(j["val_dice"].size(), 3u);
    EXPECT_TRUE(j["val_dice_mean"].is_number());
    EXPECT_GT(j["images_per_second"].get<double>(), 0);
    EXPECT_NE(r.out.find("nucleus"), std::string::npos);  // the per-class table
    EXPECT_NE(r.err.find("epoch 2/2"), std::string::npos);
    ASSERT_TRUE(fs::exists(ckpt));
    const std::string csv = slurp(log);
    EXPECT_EQ(lines(csv), 3);  // header + 2 epochs
    EXPECT_EQ(csv.rfind("epoch,train_loss,val_loss,val_dice_mean,val_dice_background", 0), 0u);

    r = run("eval --checkpoint '" + ckpt + "' --split val --json");
    ASSERT_EQ(r.exitCode, 0) << r.err;
    const auto e = lastJsonLine(r.out);
    EXPECT_EQ(e["data"], "synthetic:24:3");
    EXPECT_EQ(e["images"], j["val_images"]);
    // Evaluating the saved best weights on the same split reproduces training's figure.
    EXPECT_NEAR(e["dice_mean"].get<double>(), j["val_dice_mean"].get<double>(), 1e-9);
    EXPECT_NE(r.out.find("confusion"), std::string::npos);

    // --per-image: each image's Dice and outline offset, and the offsets counted per class.
    r = run("eval --checkpoint '" + ckpt + "' --split val --per-image --json");
    ASSERT_EQ(r.exitCode, 0) << r.err;
    const auto p = lastJsonLine(r.out);
    const auto &images = p["per_image"]["images"];
    ASSERT_EQ(images.size(), e["images"].get<std::size_t>());
    for (const std::string cls : {"cytoplasm", "nucleus"}) {
        double sum = 0;
        int defined = 0, withOffset = 0;
        for (const auto &img : images) {
            EXPECT_TRUE(img["index"].is_number_unsigned());
            if (img["dice"][cls].is_number()) {
                sum += img["dice"][cls].get<double>();
                ++defined;
            }
            const auto &o = img["outline"][cls];
            if (o.is_null()) continue;
            ++withOffset;
            EXPECT_LE(std::abs(o["pixels"].get<int>()), 3);
            EXPECT_GE(o["dice"].get<double>(), img["dice"][cls].get<double>());  // no move (0) is a candidate
        }
        ASSERT_GT(defined, 0);
        EXPECT_NEAR(sum / defined, e["dice"][cls].get<double>(), 1e-9) << cls;  // the split's figure, per image
        int counted = 0;
        for (const auto &[k, n] : p["per_image"]["outline"][cls]["offsets"].items()) counted += n.get<int>();
        EXPECT_EQ(counted, withOffset) << cls;
        EXPECT_GE(p["per_image"]["outline"][cls]["dice_moved"].get<double>(), e["dice"][cls].get<double>());
    }
    EXPECT_NE(r.out.find("nucleus outline offsets:"), std::string::npos);
    EXPECT_TRUE(e["per_image"].is_null());  // only when asked for
}

TEST_F(Cli, InfoNamesTheDeviceAndThreads) {
    const Result r = run("info --json");
    ASSERT_EQ(r.exitCode, 0) << r.err;
    const auto j = lastJsonLine(r.out);
    EXPECT_EQ(j["threads"], 2);  // OMP_NUM_THREADS above
    EXPECT_TRUE(j["device"] == "cpu" || j["device"].get<std::string>().rfind("cuda", 0) == 0);
    EXPECT_FALSE(j["libtorch_version"].get<std::string>().empty());
    EXPECT_TRUE(j.contains("native_bf16"));
    EXPECT_GE(j["physical_cores"].get<int>(), 1);
    EXPECT_FALSE(j["plan_cache"].get<std::string>().empty());
}

TEST_F(Cli, AskingForCudaWithoutAGpuIsAOneLineError) {
    const auto info = lastJsonLine(run("info --json").out);
    if (!info["gpus"].empty()) GTEST_SKIP() << "this machine has a GPU";
    const Result r = run("train --model minimal --data synthetic:12 --size 32 --epochs 1 --device cuda");
    EXPECT_EQ(r.exitCode, 1);
    EXPECT_EQ(lines(r.err), 1) << r.err;
    EXPECT_NE(r.err.find("CUDA was requested"), std::string::npos) << r.err;
}

TEST_F(Cli, BenchPrintsRecipeAndTunedFiguresWithThePeerAndTheTargets) {
    const Result r = run("bench --steps 1 --runs 1 --size 64 --json");
    ASSERT_EQ(r.exitCode, 0) << r.err;
    const auto j = lastJsonLine(r.out);
    // minimal and small-unet training, small-unet inference: each as the recipe and tuned;
    // on a CPU with a quantized engine also small-unet's inference in int8.
    const bool int8 = j["results"].size() == 7u;
    ASSERT_EQ(j["results"].size(), int8 ? 7u : 6u);
    for (const auto &row : j["results"]) EXPECT_GT(row["seconds_median"].get<double>(), 0);
    EXPECT_EQ(j["results"][0]["plan"], "recipe");
    EXPECT_EQ(j["results"][1]["plan"], "tuned");
    EXPECT_EQ(j["results"][4]["task"], "inference");
    if (int8) {
        EXPECT_EQ(j["results"][6]["task"], "inference");
        EXPECT_EQ(j["results"][6]["plan"], "int8");
    }
    EXPECT_TRUE(j["plans"].contains("small-unet"));
    EXPECT_GT(j["peak_rss_mb"].get<double>(), 50);  // a fresh process training small-unet at batch 8
    // The PyTorch peer ran the same measurements in this invocation (int8 with PyTorch's own
    // quantization when its build has the oneDNN engine).
    ASSERT_TRUE(j["pytorch_peer"].is_object()) << r.out;
    const auto &peer = j["pytorch_peer"]["results"];
    ASSERT_GE(peer.size(), 6u);
    ASSERT_LE(peer.size(), 7u);
    for (const auto &row : peer) EXPECT_GT(row["engine_speedup"].get<double>(), 0) << row.dump();
    if (peer.size() == 7u) {
        EXPECT_EQ(peer[6]["plan"], "int8");
    }
    EXPECT_GE(j["targets"].size(), 4u);
    EXPECT_NE(r.out.find("Targets (issue #8"), std::string::npos);
    // What bounds inference: SmallUNet's convolutions at 64x64, counted by hand (3x3 convs
    // 3->32->32 | pool 64 64 | pool 128 128 | up, cat 192->64->64 | up, cat 96->32->32 | 1x1 32->3;
    // 2 FLOP per multiply-add), and the measured matrix-multiply rate they cannot beat.
    const auto &bound = j["pytorch_peer"]["inference_bound"];
    const double hw = 64.0 * 64.0;
    const double flops = 2 * 9 *
                             (hw * (3 * 32 + 32 * 32) + hw / 4 * (32 * 64 + 64 * 64) + hw / 16 * (64 * 128 + 128 * 128) +
                              hw / 4 * (192 * 64 + 64 * 64) + hw * (96 * 32 + 32 * 32)) +
                         2 * hw * 32 * 3;
    EXPECT_NEAR(bound["conv_gflop"].get<double>(), flops / 1e9, 1e-9);
    EXPECT_GT(bound["matmul_gflops"].get<double>(), 0.1);
    EXPECT_NEAR(bound["min_conv_seconds"].get<double>(),
                bound["conv_gflop"].get<double>() / bound["matmul_gflops"].get<double>(), 1e-9);
    EXPECT_NE(r.out.find("GFLOP/s, so at least"), std::string::npos) << r.out;
}

// The peer runs each model with the engine's plan for it: when the engine chose another plan
// for minimal than for small-unet (here: minimal's cached plan edited to fp32, contiguous),
// the peer's tuned minimal row runs that one, not small-unet's.
TEST_F(Cli, TheBenchPeerRunsEachModelWithTheEnginesPlanForIt) {
    const fs::path cache = dir / "plan-cache";
    const std::string env = "env -u UNETLAB_PLAN UNETLAB_CACHE_DIR='" + cache.string() + "'";
    const std::string args = "bench --steps 1 --runs 1 --size 64 --json";
    ASSERT_EQ(run(args + " --no-python", env).exitCode, 0);  // measures both plans and caches them
    nlohmann::json plans = nlohmann::json::parse(slurp(cache / "plans.json"));
    int edited = 0;
    for (auto &[key, plan] : plans["plans"].items())
        if (key.find("MinimalCNN") != std::string::npos) {
            plan["precision"] = "fp32";
            plan["memory_format"] = "contiguous";
            plan["description"] = "fp32, contiguous, " + std::to_string(plan.value("threads", 1)) + " threads";
            ++edited;
        }
    ASSERT_GE(edited, 1) << plans.dump();
    {
        std::ofstream out(cache / "plans.json");
        out << plans.dump(2);
    }
    markPlansQuiet(cache / "plans.json");
    const Result r = run(args, env);
    ASSERT_EQ(r.exitCode, 0) << r.err;
    const auto j = lastJsonLine(r.out);
    ASSERT_EQ(j["plans"]["minimal"]["precision"], "fp32") << j["plans"].dump();
    ASSERT_EQ(j["plans"]["minimal"]["memory_format"], "contiguous");
    ASSERT_TRUE(j["pytorch_peer"].is_object()) << r.out;
    int tuned = 0;
    for (const auto &row : j["pytorch_peer"]["results"]) {
        if (row["plan"] != "tuned") continue;
        const auto &plan = j["plans"][row["model"].get<std::string>()];
        EXPECT_EQ(row["plan_description"],
                  plan["precision"].get<std::string>() + ", " + plan["memory_format"].get<std::string>())
            << row.dump();
        ++tuned;
    }
    EXPECT_EQ(tuned, 3);  // minimal's and small-unet's training steps, small-unet's inference
}

// `bench --busy 1`: the tuned plans on a quiet machine, then with one spinning program holding
// a core on every core and on the free ones, in one invocation, with the PyTorch peer on the
// free cores beside; the spinning program is gone afterwards.
TEST_F(Cli, BenchUnderLoadTimesAllCoresAgainstTheFreeOnesWithThePeer) {
    const std::string args = "bench --busy 1 --steps 1 --runs 1 --size 64 --json";
    const Result r = run(args);
    ASSERT_EQ(r.exitCode, 0) << r.err;
    const auto j = lastJsonLine(r.out);
    EXPECT_EQ(j["mode"], "busy");
    EXPECT_EQ(j["busy_programs"], 1);
    const int cpus = j["cpus"].get<int>(), free = j["free_threads"].get<int>();
    EXPECT_GE(j["busy_cores_seen"].get<double>(), 0.6);  // the spinning program (others may add)
    EXPECT_GE(free, 1);
    EXPECT_LE(free, std::max(1, cpus - 1));
    // minimal and small-unet training, small-unet inference: each on every core of the quiet
    // machine, then under the load on every core and on the free ones.
    const auto &rows = j["results"];
    ASSERT_EQ(rows.size(), 9u) << r.out;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const bool quiet = i < 3, all = quiet || (i - 3) % 2 == 0;
        EXPECT_EQ(rows[i]["threads"].get<int>(), all ? cpus : free) << rows[i].dump();
        EXPECT_EQ(rows[i]["threads_rule"], quiet ? "all cores, quiet" : all ? "all cores" : "free cores");
        EXPECT_GT(rows[i]["seconds_median"].get<double>(), 0);
    }
    EXPECT_EQ(rows[2]["task"], "inference");
    EXPECT_EQ(rows[7]["task"], "inference");
    EXPECT_NEAR(j["speedups"]["small-unet inference"].get<double>(),
                rows[7]["seconds_median"].get<double>() / rows[8]["seconds_median"].get<double>(), 1e-9);
    EXPECT_NEAR(j["load_slowdowns"]["small-unet inference"].get<double>(),
                rows[8]["seconds_median"].get<double>() / rows[2]["seconds_median"].get<double>(), 1e-9);
    EXPECT_NE(r.out.find("Under this load, free cores against all cores"), std::string::npos) << r.out;
    ASSERT_TRUE(j["pytorch_peer"].is_object()) << r.out;
    EXPECT_EQ(j["pytorch_peer"]["threads"].get<int>(), free);
    ASSERT_EQ(j["pytorch_peer"]["results"].size(), 3u);
    for (const auto &row : j["pytorch_peer"]["results"]) EXPECT_GT(row["engine_speedup"].get<double>(), 0);
    // No spinning program left: no process runs with this command line any more.
    static const char kArgs[] = "bench\0--busy\0" "1\0--steps";  // as /proc/PID/cmdline separates them
    const std::string needle(kArgs, sizeof kArgs - 1);
    for (const auto &entry : fs::directory_iterator("/proc")) {
        std::ifstream in(entry.path() / "cmdline");
        const std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        EXPECT_EQ(cmdline.find(needle), std::string::npos) << entry.path();
    }
    EXPECT_EQ(run("bench --busy 1 --threads 2").exitCode, 2);
}

TEST_F(Cli, TrainingBuffersAreReusedNotMappedAfreshEveryStep) {
    // The CLI keeps tensor buffers of 1 MiB and more for reuse (core/HostMemory.h): the same
    // training steps fault far fewer fresh pages in than with LibTorch's own allocator, which
    // UNETLAB_ALLOCATOR=default brings back.
    const std::string probe = "bench --rss-probe --size 128 --threads 2 --precision fp32 --memory-format contiguous";
    const Result reusingRun = run(probe), plainRun = run(probe, "UNETLAB_ALLOCATOR=default");
    ASSERT_EQ(reusingRun.exitCode, 0) << reusingRun.err;
    ASSERT_EQ(plainRun.exitCode, 0) << plainRun.err;
    const auto reusing = lastJsonLine(reusingRun.out), plain = lastJsonLine(plainRun.out);
    EXPECT_TRUE(reusing["reusing_allocator"].get<bool>());
    EXPECT_FALSE(plain["reusing_allocator"].get<bool>());
    EXPECT_LT(reusing["minor_page_faults"].get<double>(), 0.5 * plain["minor_page_faults"].get<double>())
        << reusing << " vs " << plain;
    EXPECT_TRUE(lastJsonLine(run("info --json").out)["reusing_allocator"].get<bool>());
    EXPECT_FALSE(lastJsonLine(run("info --json", "UNETLAB_ALLOCATOR=default").out)["reusing_allocator"].get<bool>());
}

TEST_F(Cli, TrainReportsItsExecutionPlanAndMeasuresAutoOnce) {
    // Forced: used as given.
    Result r = run("train --model minimal --data synthetic:12 --size 32 --epochs 1 --precision fp32 "
                   "--memory-format contiguous --threads 1 --json");
    ASSERT_EQ(r.exitCode, 0) << r.err;
    auto j = lastJsonLine(r.out);
    EXPECT_EQ(j["plan"]["precision"], "fp32");
    EXPECT_EQ(j["plan"]["memory_format"], "contiguous");
    EXPECT_EQ(j["plan"]["threads"], 1);
    EXPECT_EQ(j["plan"]["origin"], "forced");
    EXPECT_NE(r.err.find("plan: fp32, contiguous, 1 thread"), std::string::npos) << r.err;
    // Auto (without the test suite's UNETLAB_PLAN): measured the first time, then cached.
    // Its autosave goes to the test's folder, like every other run of these tests.
    const std::string env = "env -u UNETLAB_PLAN UNETLAB_CACHE_DIR='" + (dir / "cache").string() + "' XDG_DATA_HOME='" +
                            (dir / "data").string() + "' ";
    const std::string train = "'" + std::string(UNETLAB_CLI) + "' train --model minimal --data synthetic:12 "
                              "--size 32 --epochs 1 --threads 1 --json";
    auto runAuto = [&] {
        const std::string cmd = env + train + " >'" + (dir / "o").string() + "' 2>'" + (dir / "e").string() + "'";
        EXPECT_EQ(std::system(cmd.c_str()), 0);
        return std::make_pair(lastJsonLine(slurp(dir / "o")), slurp(dir / "e"));
    };
    const auto [first, firstErr] = runAuto();
    EXPECT_EQ(first["plan"]["origin"], "measured");
    EXPECT_NE(firstErr.find("Choosing the fastest execution plan"), std::string::npos) << firstErr;
    EXPECT_GE(first["plan"]["candidates"].size(), 2u);
    EXPECT_TRUE(fs::exists(dir / "cache" / "plans.json"));
    markPlansQuiet(dir / "cache" / "plans.json");
    const auto [second, secondErr] = runAuto();
    EXPECT_EQ(second["plan"]["origin"].get<std::string>().rfind("cached", 0), 0u);
    EXPECT_EQ(second["plan"]["precision"], first["plan"]["precision"]);
    EXPECT_EQ(secondErr.find("Choosing the fastest"), std::string::npos);
    // fp16 needs CUDA: a one-line usage error.
    r = run("train --model minimal --data synthetic:12 --size 32 --epochs 1 --precision fp16 --device cpu");
    EXPECT_EQ(r.exitCode, 2) << r.err;
    EXPECT_EQ(lines(r.err), 1) << r.err;
    EXPECT_NE(r.err.find("fp16"), std::string::npos);
}

TEST_F(Cli, HelpListsEveryTrainFlag) {
    const Result r = run("train --help");
    ASSERT_EQ(r.exitCode, 0);
    for (const char *flag : {"--model", "--data", "--size", "--epochs", "--batch", "--lr", "--optimizer", "--loss",
                             "--seed", "--device", "--precision", "--memory-format", "--threads", "--out", "--log",
                             "--json"})
        EXPECT_NE(r.out.find(flag), std::string::npos) << flag;
}

TEST_F(Cli, CompareTrainsBothModelsAndReportsEachRun) {
    const Result r = run("compare --models small-unet,small-unet-noskip --data synthetic:20:2 --size 32 --epochs 1 "
                         "--batch 4 --json");
    ASSERT_EQ(r.exitCode, 0) << r.err;
    const auto j = lastJsonLine(r.out);
    ASSERT_EQ(j["runs"].size(), 2u);
    EXPECT_EQ(j["runs"][0]["model"], "small-unet");
    EXPECT_EQ(j["runs"][0]["params"], 472899);
    EXPECT_EQ(j["runs"][1]["params"], 426819);
    for (const auto &run : j["runs"]) {
        EXPECT_TRUE(run["test_boundary_f1"].is_number() || run["test_boundary_f1"].is_null());
        EXPECT_EQ(run["test_dice"].size(), 3u);
    }
    EXPECT_EQ(j["per_image"].size(), j["test_images"].get<std::size_t>());
    EXPECT_NE(r.out.find("boundary F1"), std::string::npos);
    const Result bad = run("compare --models small-unet");
    EXPECT_EQ(bad.exitCode, 2);
    EXPECT_NE(bad.err.find("at least two"), std::string::npos);
}

namespace {

// An uncompressed RGB TIFF, written by hand: the tests need an image file without an image
// library. Dark blobs on a bright background.
void writeTiff(const fs::path &path, int width, int height) {
    std::string b = std::string("II*\0", 4);
    auto u16 = [&](unsigned v) { b += static_cast<char>(v & 0xff), b += static_cast<char>(v >> 8); };
    auto u32 = [&](std::uint32_t v) { u16(v & 0xffff), u16(v >> 16); };
    const std::uint32_t pixels = static_cast<std::uint32_t>(width * height * 3), bitsAt = 8, dataAt = 14;
    u32(8 + 6 + pixels);  // the IFD follows the bits-per-sample values and the pixels
    u16(8), u16(8), u16(8);
    for (int y = 0; y < height; ++y)
        for (int x = 0; x < width; ++x) {
            const bool cell = (x / 12 + y / 12) % 3 == 0;
            const auto v = static_cast<char>(cell ? 60 + (x * 7 + y * 3) % 40 : 230 - (x + y) % 20);
            b += v, b += v, b += static_cast<char>(v + 10);
        }
    const std::uint32_t entries[][3] = {{256, 4, std::uint32_t(width)}, {257, 4, std::uint32_t(height)},
                                        {258, 3, bitsAt},  // (count 3: an offset to the values)
                                        {259, 3, 1},       {262, 3, 2},
                                        {273, 4, dataAt},  {277, 3, 3},
                                        {278, 4, std::uint32_t(height)}, {279, 4, pixels},
                                        {284, 3, 1}};
    u16(sizeof entries / sizeof entries[0]);
    for (const auto &e : entries) {
        u16(e[0]), u16(e[1]), u32(e[0] == 258 ? 3 : 1);
        if (e[1] == 3 && e[0] != 258)
            u16(e[2]), u16(0);
        else
            u32(e[2]);
    }
    u32(0);
    std::ofstream(path, std::ios::binary) << b;
}

struct PngInfo {
    bool valid = false;
    int width = 0, height = 0, colourType = -1;  // colour type 0: grey, 2: RGB
};
PngInfo pngInfo(const std::string &bytes) {
    PngInfo info;
    if (bytes.size() < 26 || bytes.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0 || bytes.compare(12, 4, "IHDR") != 0)
        return info;
    auto be32 = [&](std::size_t at) {
        int v = 0;
        for (std::size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(bytes[at + i]);
        return v;
    };
    info = {true, be32(16), be32(20), static_cast<unsigned char>(bytes[25])};
    return info;
}

}  // namespace

TEST_F(Cli, Int8EvalAndPredictSayHowManyPixelsChangeAgainstFp32) {
    const std::string ckpt = (dir / "u.ckpt").string();
    Result r = run("train --model small-unet --base 8 --data synthetic:24:3 --size 64 --epochs 2 --batch 4 "
                   "--lr 0.003 --out '" + ckpt + "'");
    ASSERT_EQ(r.exitCode, 0) << r.err;
    r = run("eval --checkpoint '" + ckpt + "' --split val --precision int8 --json");
    if (r.exitCode == 2 && r.err.find("quantized CPU engine") != std::string::npos) GTEST_SKIP() << r.err;
    ASSERT_EQ(r.exitCode, 0) << r.err;
    const auto e = lastJsonLine(r.out);
    EXPECT_EQ(e["precision"], "int8");
    EXPECT_EQ(e["int8"]["calibration_images"], 16);
    const double fp32 = e["int8"]["fp32_dice_mean"].get<double>();
    EXPECT_NEAR(e["dice_mean"].get<double>(), fp32, 0.02);
    EXPECT_LT(e["int8"]["pixels_changed"].get<double>(), 0.02);
    // fp32 in the same command is what a plain eval reports.
    const auto plain = lastJsonLine(run("eval --checkpoint '" + ckpt + "' --split val --json").out);
    EXPECT_NEAR(plain["dice_mean"].get<double>(), fp32, 1e-9);
    EXPECT_NE(r.out.find("int8 Dice"), std::string::npos);
    EXPECT_NE(r.out.find("of pixels change class"), std::string::npos);
    // predict in int8: a 150x97 image in 32-pixel tiles, calibrated on four of them.
    const std::string image = (dir / "cells.tif").string(), maskFile = (dir / "mask.png").string();
    writeTiff(image, 150, 97);
    r = run("predict --checkpoint '" + ckpt + "' --image '" + image + "' --out '" + maskFile +
            "' --tile 32 --precision int8 --json");
    ASSERT_EQ(r.exitCode, 0) << r.err;
    const auto p = lastJsonLine(r.out);
    EXPECT_TRUE(p["precision"] == "int8" || p["precision"] == "fp32");  // fp32 when too many pixels changed
    EXPECT_LE(p["int8_pixels_changed"].get<double>(), p["precision"] == "int8" ? 0.01 : 1.0);
    EXPECT_NE(r.out.find(p["precision"] == "int8" ? "int8: calibrated on 4 tiles" : "int8 not used"), std::string::npos)
        << r.out;
    EXPECT_TRUE(fs::exists(maskFile));
    r = run("predict --checkpoint '" + ckpt + "' --image '" + image + "' --out '" + maskFile +
            "' --precision int8 --device cuda");
    EXPECT_EQ(r.exitCode, 2);
    // Models int8 does not cover, and unknown precisions, are one-line usage errors.
    r = run("eval --checkpoint '" + ckpt + "' --precision fp16");
    EXPECT_EQ(r.exitCode, 2);
    EXPECT_NE(r.err.find("--precision must be fp32, bf16 or int8"), std::string::npos) << r.err;
    const std::string minimal = (dir / "m.ckpt").string();
    ASSERT_EQ(run("train --model minimal --data synthetic:12:3 --size 32 --epochs 1 --out '" + minimal + "'").exitCode, 0);
    r = run("eval --checkpoint '" + minimal + "' --precision int8");
    EXPECT_EQ(r.exitCode, 2);
    EXPECT_NE(r.err.find("U-Nets only"), std::string::npos) << r.err;
}


TEST_F(Cli, PredictWritesAMaskOfTheImageSizeWhateverTheSize) {
    const std::string ckpt = (dir / "m.ckpt").string(), image = (dir / "cells.tif").string();
    ASSERT_EQ(run("train --model minimal --data synthetic:12:2 --size 32 --epochs 1 --quiet --out '" + ckpt + "'")
                  .exitCode,
              0);
    writeTiff(image, 150, 97);  // larger than the 32x32 training images, and no multiple of anything
    const std::string mask = (dir / "mask.png").string(), overlay = (dir / "overlay.png").string();
    Result r = run("predict --checkpoint '" + ckpt + "' --image '" + image + "' --out '" + mask + "' --overlay '" +
                   overlay + "' --overlap 0.5 --json");
    ASSERT_EQ(r.exitCode, 0) << r.err;
    const auto j = lastJsonLine(r.out);
    EXPECT_EQ(j["width"], 150);
    EXPECT_EQ(j["height"], 97);
    EXPECT_EQ(j["tile"], nlohmann::json({32, 32}));  // the training size
    EXPECT_GT(j["tiles_x"].get<int>() * j["tiles_y"].get<int>(), 20);
    EXPECT_EQ(j["classes"], nlohmann::json({"background", "cytoplasm", "nucleus"}));
    std::int64_t pixels = 0;
    for (const auto &[name, count] : j["class_pixels"].items()) pixels += count.get<std::int64_t>();
    EXPECT_EQ(pixels, 150 * 97);
    PngInfo m = pngInfo(slurp(mask)), o = pngInfo(slurp(overlay));
    EXPECT_TRUE(m.valid && m.width == 150 && m.height == 97 && m.colourType == 0) << slurp(mask).size();
    EXPECT_TRUE(o.valid && o.width == 150 && o.height == 97 && o.colourType == 2);
    EXPECT_NE(r.out.find("Mask:"), std::string::npos);

    r = run("predict --checkpoint '" + ckpt + "' --image '" + image + "' --out '" + mask +
            "' --mask-format colour --tile 0 --json");
    ASSERT_EQ(r.exitCode, 0) << r.err;
    EXPECT_EQ(lastJsonLine(r.out)["tiles_x"], 1);
    m = pngInfo(slurp(mask));
    EXPECT_TRUE(m.valid && m.width == 150 && m.colourType == 2);

    const std::pair<std::string, std::string> bad[] = {
        {"--overlap 0.95", "--overlap must be"},
        {"--mask-format jpeg", "unknown mask format 'jpeg'"},
        {"--mean 0.5", "--mean and --std go together"},
        {"--model small-unet", "--model and --activation are for PyTorch state dicts"},
    };
    for (const auto &[args, message] : bad) {
        r = run("predict --checkpoint '" + ckpt + "' --image '" + image + "' --out '" + mask + "' " + args);
        EXPECT_EQ(r.exitCode, 2) << args;
        EXPECT_EQ(lines(r.err), 1) << args << ": " << r.err;
        EXPECT_NE(r.err.find(message), std::string::npos) << args << ": " << r.err;
    }
    r = run("predict --checkpoint '" + ckpt + "' --image '" + (dir / "none.png").string() + "' --out '" + mask + "'");
    EXPECT_EQ(r.exitCode, 1);
    EXPECT_EQ(lines(r.err), 1) << r.err;
}

TEST_F(Cli, PredictAndInspectUseTheTrainedBf16WhereItIsFastAndEvalSaysWhatBf16Costs) {
    const std::string ckpt = (dir / "b.ckpt").string(), image = (dir / "cells.tif").string();
    ASSERT_EQ(run("train --model small-unet --base 8 --data synthetic:24:2 --size 48 --epochs 3 --batch 4 --lr 0.003 "
                  "--precision bf16 --quiet --out '" + ckpt + "'")
                  .exitCode,
              0);
    writeTiff(image, 90, 70);
    const std::string mask = (dir / "mask.png").string();
    auto predict = [&](const std::string &extra) {
        const Result r = run("predict --checkpoint '" + ckpt + "' --image '" + image + "' --out '" + mask +
                             "' --tile 32 --json " + extra);
        EXPECT_EQ(r.exitCode, 0) << extra << ": " << r.err;
        return std::make_pair(lastJsonLine(r.out), r.out);
    };
    // Trained in bf16: auto predicts in bf16 where the CPU has AVX512-BF16 or AMX, else in fp32.
    const auto [automatic, text] = predict("");
    const bool fastBf16 = lastJsonLine(run("info --json").out)["native_bf16"].get<bool>();
    const std::string expected = fastBf16 ? "bf16" : "fp32";
    EXPECT_EQ(automatic["precision"], expected);
    EXPECT_NE(text.find(", " + expected + ", "), std::string::npos) << text;  // "..., CPU, 2 threads, bf16, 0.1 s"
    EXPECT_EQ(predict("--precision fp32").first["precision"], "fp32");
    EXPECT_EQ(predict("--precision bf16").first["precision"], "bf16");  // forced: also where bf16 is slow
    // eval --precision bf16: the metrics in bf16 beside fp32's, and how many pixels change.
    Result e = run("eval --checkpoint '" + ckpt + "' --split all --precision bf16 --json");
    ASSERT_EQ(e.exitCode, 0) << e.err;
    const auto bf = lastJsonLine(e.out);
    EXPECT_EQ(bf["precision"], "bf16");
    EXPECT_TRUE(bf["int8"].is_null());
    const auto plain = lastJsonLine(run("eval --checkpoint '" + ckpt + "' --split all --json").out);
    EXPECT_EQ(plain["precision"], "fp32");
    EXPECT_TRUE(plain["bf16"].is_null());
    EXPECT_NEAR(bf["bf16"]["fp32_dice_mean"].get<double>(), plain["dice_mean"].get<double>(), 1e-9);
    EXPECT_NEAR(bf["dice_mean"].get<double>(), plain["dice_mean"].get<double>(), 0.02);
    EXPECT_LT(bf["bf16"]["pixels_changed"].get<double>(), 0.02);
    EXPECT_GT(bf["bf16"]["foreground_dice_bf16_vs_fp32"].get<double>(), 0.95);
    EXPECT_NE(e.out.find("bf16 vs fp32: "), std::string::npos) << e.out;
    // inspect draws the stages as the Inspect area does: in the same arithmetic.
    const Result inspected = run("inspect --checkpoint '" + ckpt + "' --index 0 --out '" + (dir / "in").string() +
                                 "' --split val --json");
    ASSERT_EQ(inspected.exitCode, 0) << inspected.err;
    EXPECT_EQ(lastJsonLine(inspected.out)["precision"], expected);
    // fp16 needs a GPU; unknown names are refused.
    for (const std::string &bad : {std::string("fp16 --device cpu"), std::string("half")}) {
        const Result r =
            run("predict --checkpoint '" + ckpt + "' --image '" + image + "' --out '" + mask + "' --precision " + bad);
        EXPECT_EQ(r.exitCode, 2) << bad;
        EXPECT_EQ(lines(r.err), 1) << r.err;
        EXPECT_NE(r.err.find(bad == "half" ? "--precision must be auto, fp32, bf16, fp16 or int8"
                                           : "--precision fp16 needs a CUDA GPU"),
                  std::string::npos)
            << r.err;
    }
}

TEST_F(Cli, ExportedStateDictPredictsLikeTheCheckpoint) {
    const std::string ckpt = (dir / "m.ckpt").string(), pt = (dir / "model.pt").string();
    ASSERT_EQ(run("train --model small-unet --base 4 --data synthetic:12:2 --size 32 --epochs 1 --quiet --out '" +
                  ckpt + "'")
                  .exitCode,
              0);
    Result r = run("export --checkpoint '" + ckpt + "' --out '" + pt + "' --json");
    ASSERT_EQ(r.exitCode, 0) << r.err;
    const auto j = lastJsonLine(r.out);
    EXPECT_EQ(j["format"], "pytorch");
    EXPECT_EQ(j["tensors"], 72);  // 5 blocks x (4 conv + 10 BatchNorm tensors) + head weight and bias
    EXPECT_EQ(j["python"].get<std::string>().rfind("UNet(in_channels=3, num_classes=3, levels=2, base=4", 0), 0u);
    EXPECT_NE(r.out.find("model.load_state_dict(torch.load("), std::string::npos);
    EXPECT_EQ(slurp(pt).rfind("PK\x03\x04", 0), 0u);  // torch.save's zip format

    // Same weights, input normalisation and tiles: the same mask from both files (a state dict
    // does not know the training size, so its tiles default to 256).
    const std::string image = (dir / "cells.tif").string();
    writeTiff(image, 80, 60);
    auto maskOf = [&](const std::string &checkpoint, const std::string &out) {
        const Result p = run("predict --checkpoint '" + checkpoint + "' --image '" + image + "' --out '" + out +
                             "' --mean 0.5,0.5,0.5 --std 0.25,0.25,0.25 --tile 32 --precision fp32 --json");
        EXPECT_EQ(p.exitCode, 0) << p.err;
        return slurp(out);
    };
    const std::string fromCheckpoint = maskOf(ckpt, (dir / "a.png").string());
    EXPECT_FALSE(fromCheckpoint.empty());
    EXPECT_TRUE(maskOf(pt, (dir / "b.png").string()) == fromCheckpoint);
    r = run("predict --checkpoint '" + pt + "' --image '" + image + "' --out '" + (dir / "c.png").string() +
            "' --json");
    ASSERT_EQ(r.exitCode, 0) << r.err;
    EXPECT_EQ(lastJsonLine(r.out)["origin"], "pytorch");

    // And back into a UNet Lab checkpoint.
    const std::string back = (dir / "back.ckpt").string();
    r = run("export --checkpoint '" + pt + "' --format unetlab --out '" + back + "' --mean 0.5,0.5,0.5 --std "
            "0.25,0.25,0.25");
    ASSERT_EQ(r.exitCode, 0) << r.err;
    // (It records no training precision, so it predicts in fp32 by default.)
    const Result p = run("predict --checkpoint '" + back + "' --image '" + image + "' --out '" +
                         (dir / "d.png").string() + "' --tile 32");
    ASSERT_EQ(p.exitCode, 0) << p.err;
    EXPECT_TRUE(slurp(dir / "d.png") == fromCheckpoint);  // (not EXPECT_EQ: no binary dump on failure)

    r = run("export --checkpoint '" + ckpt + "'");
    EXPECT_EQ(r.exitCode, 2);
    EXPECT_NE(r.err.find("export needs --out"), std::string::npos) << r.err;
}

TEST_F(Cli, TrainsAndEvaluatesTheBundledNucleiSample) {
    const std::string ckpt = (dir / "nuclei.ckpt").string();
    Result r = run("train --model minimal --data 'sample:nuclei;size=64' --epochs 1 --batch 8 --lr 0.01 "
                   "--augment flip,rot90 --preprocess clahe:per-image --json --out '" + ckpt + "'");
    ASSERT_EQ(r.exitCode, 0) << r.err;
    const auto j = lastJsonLine(r.out);
    EXPECT_EQ(j["data"], "sample:nuclei;size=64;policy=resize");
    ASSERT_EQ(j["val_dice"].size(), 2u);
    EXPECT_TRUE(j["val_dice"]["nucleus"].is_number());
    EXPECT_EQ(j["train_images"].get<int>() + j["val_images"].get<int>() + j["test_images"].get<int>(), 201);
    EXPECT_EQ(j["config"]["augmentation"]["flips"], true);
    EXPECT_EQ(j["config"]["preprocessing"]["equalisation"], "clahe");
    EXPECT_NE(r.err.find("Nuclei (DSB2018 sample)"), std::string::npos) << r.err;

    // eval reopens the stored spec and repeats the stored preprocessing: the same figure.
    r = run("eval --checkpoint '" + ckpt + "' --split val --json");
    ASSERT_EQ(r.exitCode, 0) << r.err;
    const auto e = lastJsonLine(r.out);
    EXPECT_EQ(e["data"], j["data"]);
    EXPECT_NEAR(e["dice_mean"].get<double>(), j["val_dice_mean"].get<double>(), 1e-9);
}

TEST_F(Cli, ARecipeSetsTheTrainingChoicesAndFlagsStillOverrideIt) {
    Result r = run("train --model minimal --data 'sample:nuclei;size=64' --recipe quick --epochs 1 --lr 0.01 "
                   "--autosave off --json");
    ASSERT_EQ(r.exitCode, 0) << r.err;
    const auto c = lastJsonLine(r.out)["config"];
    EXPECT_EQ(c["schedule"], "one-cycle");
    EXPECT_EQ(c["loss"]["kind"], "ce+dice");
    EXPECT_EQ(c["batch_size"], 4);
    EXPECT_EQ(c["preprocessing"]["mapping"], "otsu");
    EXPECT_EQ(c["preprocessing"]["scope"], "image");
    EXPECT_EQ(c["augmentation"]["flips"], true);
    EXPECT_EQ(c["augmentation"]["rotate90"], true);
    EXPECT_EQ(c["epochs"], 1);                             // given: overrides the recipe's 8
    EXPECT_DOUBLE_EQ(c["learning_rate"].get<double>(), 0.01);  // and its 2e-3

    r = run("train --model minimal --recipe fastest");
    EXPECT_EQ(r.exitCode, 2);
    EXPECT_NE(r.err.find("unknown recipe 'fastest'; expected one of: quick"), std::string::npos) << r.err;
}

TEST_F(Cli, UnusableFoldersAreOneLineErrors) {
    Result r = run("train --model minimal --data 'folder:" + (dir / "missing").string() + "'");
    EXPECT_EQ(r.exitCode, 1);
    EXPECT_EQ(lines(r.err), 1) << r.err;
    EXPECT_NE(r.err.find("does not exist"), std::string::npos) << r.err;
    fs::create_directories(dir / "data" / "images");
    fs::create_directories(dir / "data" / "masks");
    std::ofstream(dir / "data" / "images" / "a.png") << "not a picture";
    std::ofstream(dir / "data" / "masks" / "a.png") << "not a mask";
    r = run("train --model minimal --data 'folder:" + (dir / "data").string() + "'");
    EXPECT_EQ(r.exitCode, 1);
    EXPECT_EQ(lines(r.err), 1) << r.err;
    EXPECT_NE(r.err.find("images/a.png is a text file"), std::string::npos) << r.err;
}

TEST_F(Cli, InspectWritesEveryStageKernelsRankingWorstCasesAndNc) {
    const std::string ckpt = (dir / "m.ckpt").string(), out = (dir / "inspect").string();
    ASSERT_EQ(run("train --model small-unet --base 8 --data synthetic:24:3 --size 64 --epochs 1 --batch 4 --quiet "
                  "--out '" + ckpt + "'")
                  .exitCode,
              0);
    Result r = run("inspect --checkpoint '" + ckpt + "' --index 3 --out '" + out + "' --top-k 3 --json");
    ASSERT_EQ(r.exitCode, 0) << r.err;
    const auto j = lastJsonLine(r.out);
    const char *stages[] = {"enc1", "enc2", "bottleneck", "dec2", "dec1", "head"};
    const int channels[] = {8, 16, 32, 16, 8, 3}, sides[] = {64, 32, 16, 32, 64, 64};
    ASSERT_EQ(j["stages"].size(), 6u);
    for (int i = 0; i < 6; ++i) {
        EXPECT_EQ(j["stages"][i]["name"], stages[i]);
        EXPECT_EQ(j["stages"][i]["channels"], channels[i]);
        EXPECT_EQ(j["stages"][i]["height"], sides[i]);
        EXPECT_EQ(j["stages"][i]["top"].size(), 3u);
        const PngInfo png = pngInfo(slurp(dir / "inspect" / ("stage-0" + std::to_string(i + 1) + "-" + stages[i] + ".png")));
        EXPECT_TRUE(png.valid && png.colourType == 2) << stages[i];
    }
    EXPECT_EQ(j["image"]["source"], "data");
    EXPECT_EQ(j["image"]["index"], 3);
    EXPECT_TRUE(j["dice_mean"].is_number());
    EXPECT_EQ(j["kernels"]["layer"], "enc1.conv1");
    EXPECT_EQ(j["kernels"]["shape"], nlohmann::json({8, 3, 3, 3}));
    for (const char *file : {"kernels.png", "worst-cases.png"}) EXPECT_TRUE(pngInfo(slurp(dir / "inspect" / file)).valid);
    const std::string verdict = j["ranking"]["verdict"];
    EXPECT_TRUE(verdict == "upstream" || verdict == "downstream" || verdict == "healthy" || verdict == "undecided");
    EXPECT_NE(r.out.find("Verdict (" + verdict + "): "), std::string::npos);

    // ranking.csv: one row per channel of the five feature stages; nc.csv: one per test image.
    const std::string ranking = slurp(dir / "inspect" / "ranking.csv");
    EXPECT_EQ(ranking.rfind("stage,channel,class,variance,magnitude,magnitude_rank,correlation,correlation_rank,"
                            "correlation_images\n", 0),
              0u);
    EXPECT_EQ(lines(ranking), 1 + 8 + 16 + 32 + 16 + 8);
    EXPECT_NE(ranking.find("\nbottleneck,31,nucleus,"), std::string::npos);
    const std::string nc = slurp(dir / "inspect" / "nc.csv");
    EXPECT_EQ(nc.rfind("index,id,nc_true,nc_pred,abs_error,nuclei_true,nuclei_pred\n", 0), 0u);
    EXPECT_EQ(lines(nc), 1 + j["ranking"]["images"].get<int>());
    EXPECT_EQ(j["files"].size(), 10u);
    EXPECT_LE(j["worst"].size(), 4u);
    for (std::size_t i = 1; i < j["worst"].size(); ++i)
        EXPECT_LE(j["worst"][i - 1]["dice"].get<double>(), j["worst"][i]["dice"].get<double>());

    // One stage, ranked by correlation with a named class, kernels of a later layer too.
    r = run("inspect --checkpoint '" + ckpt + "' --index 0 --out '" + out + "2' --stage bottleneck --rank correlation "
            "--class cytoplasm --layer dec1.conv2 --split val --json");
    ASSERT_EQ(r.exitCode, 0) << r.err;
    const auto one = lastJsonLine(r.out);
    ASSERT_EQ(one["stages"].size(), 1u);
    EXPECT_EQ(one["class"], "cytoplasm");
    EXPECT_EQ(one["ranking"]["stages"].size(), 1u);
    EXPECT_TRUE(fs::exists(dir / "inspect2" / "stage-01-bottleneck.png"));
    EXPECT_TRUE(pngInfo(slurp(dir / "inspect2" / "kernels-dec1.conv2.png")).valid);
    EXPECT_EQ(lines(slurp(dir / "inspect2" / "ranking.csv")), 1 + 32);

    // Mistakes that need the checkpoint to be seen are still usage errors.
    const std::pair<std::string, std::string> bad[] = {
        {"--index 99", "--index must be between 0 and 23"},
        {"--index 0 --stage enc9", "unknown stage 'enc9' (stages: enc1, enc2, bottleneck, dec2, dec1, head)"},
        {"--index 0 --class nuclei", "unknown class 'nuclei'"},
        {"--index 0 --layer conv7", "unknown layer 'conv7'"},
    };
    for (const auto &[args, message] : bad) {
        r = run("inspect --checkpoint '" + ckpt + "' --out '" + out + "3' " + args);
        EXPECT_EQ(r.exitCode, 2) << args;
        EXPECT_EQ(lines(r.err), 1) << args << ": " << r.err;
        EXPECT_NE(r.err.find(message), std::string::npos) << args << ": " << r.err;
    }
}

TEST_F(Cli, InspectAnImageFileSaysHowItWasFitted) {
    const std::string ckpt = (dir / "m.ckpt").string(), image = (dir / "cells.tif").string();
    ASSERT_EQ(run("train --model small-unet --base 4 --data synthetic:12:2 --size 32 --epochs 1 --quiet --out '" +
                  ckpt + "'")
                  .exitCode,
              0);
    writeTiff(image, 62, 45);  // not multiples of the model's factor 4
    Result r = run("inspect --checkpoint '" + ckpt + "' --image '" + image + "' --out '" + (dir / "a").string() +
                   "' --json");
    ASSERT_EQ(r.exitCode, 0) << r.err;
    auto j = lastJsonLine(r.out);
    EXPECT_EQ(j["image"]["source"], "file");
    EXPECT_EQ(j["image"]["width"], 64);
    EXPECT_EQ(j["image"]["height"], 48);
    EXPECT_TRUE(j["dice_mean"].is_null());  // no truth for a file
    EXPECT_NE(r.out.find("centre-padded from 62x45 to 64x48"), std::string::npos) << r.out;
    EXPECT_EQ(j["stages"][0]["width"], 64);

    r = run("inspect --checkpoint '" + ckpt + "' --image '" + image + "' --fit resize --out '" + (dir / "b").string() +
            "' --json");
    ASSERT_EQ(r.exitCode, 0) << r.err;
    j = lastJsonLine(r.out);
    EXPECT_EQ(j["image"]["width"], 64);
    EXPECT_EQ(j["image"]["height"], 44);
    EXPECT_NE(j["image"]["fitted"].get<std::string>().find("resized from 62x45 to 64x44"), std::string::npos);

    std::ofstream(dir / "notes.png") << "not a picture";
    r = run("inspect --checkpoint '" + ckpt + "' --image '" + (dir / "notes.png").string() + "' --out '" +
            (dir / "c").string() + "'");
    EXPECT_EQ(r.exitCode, 1);
    EXPECT_EQ(lines(r.err), 1) << r.err;
    EXPECT_NE(r.err.find("cannot read image"), std::string::npos) << r.err;
}

TEST_F(Cli, InspectUsageErrorsAreOneLine) {
    const std::string ckpt = (dir / "none.ckpt").string(), out = (dir / "o").string();
    const std::pair<std::string, std::string> bad[] = {
        {"inspect --index 0 --out '" + out + "'", "inspect needs --checkpoint FILE"},
        {"inspect --checkpoint '" + ckpt + "' --index 0", "inspect needs --out DIR"},
        {"inspect --checkpoint '" + ckpt + "' --out '" + out + "'", "inspect needs --image FILE or --index I"},
        {"inspect --checkpoint '" + ckpt + "' --out '" + out + "' --index 0 --image x.png", "alternatives"},
        {"inspect --checkpoint '" + ckpt + "' --out '" + out + "' --index 0 --rank loudness",
         "unknown channel ranking 'loudness'"},
        {"inspect --checkpoint '" + ckpt + "' --out '" + out + "' --index 0 --top-k 0", "--top-k must be between 1"},
        {"inspect --checkpoint '" + ckpt + "' --out '" + out + "' --index 0 --split train", "--split must be test"},
        {"inspect --checkpoint '" + ckpt + "' --out '" + out + "' --index 0 --fit stretch", "unknown fit mode"},
    };
    for (const auto &[args, message] : bad) {
        const Result r = run(args);
        EXPECT_EQ(r.exitCode, 2) << args;
        EXPECT_EQ(lines(r.err), 1) << args << ": " << r.err;
        EXPECT_NE(r.err.find(message), std::string::npos) << args << ": " << r.err;
    }
    const Result missing = run("inspect --checkpoint '" + ckpt + "' --out '" + out + "' --index 0");
    EXPECT_EQ(missing.exitCode, 1);
    EXPECT_EQ(lines(missing.err), 1) << missing.err;
    EXPECT_NE(run("inspect --help").out.find("worst-cases.png"), std::string::npos);
}

// Nothing lost (issue #9): every epoch is autosaved; after kill -9 the run continues with
// --resume from its last finished epoch.
TEST_F(Cli, AKilledRunContinuesWithResume) {
    const fs::path runDir = dir / "run";
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        ::setenv("OMP_NUM_THREADS", "2", 1);
        const std::string log = (dir / "killed.err").string();
        if (!std::freopen(log.c_str(), "w", stderr)) ::_exit(126);
        ::execl(UNETLAB_CLI, UNETLAB_CLI, "train", "--model", "minimal", "--data", "synthetic:24:5", "--size", "64",
                "--epochs", "500", "--batch", "4", "--lr", "0.01", "--schedule", "cosine", "--autosave",
                runDir.c_str(), "--quiet", static_cast<char *>(nullptr));
        ::_exit(127);
    }
    // Kill it once two epochs are saved.
    const fs::path marker = runDir / "run.json";
    int done = 0;
    for (int i = 0; i < 1200 && done < 2; ++i) {
        ::usleep(50000);
        if (!fs::exists(marker)) continue;
        try {
            done = nlohmann::json::parse(slurp(marker)).value("epochs_done", 0);
        } catch (const std::exception &) {  // never half-written (atomic), but be safe
        }
    }
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << slurp(dir / "killed.err");
    ASSERT_GE(done, 2) << slurp(dir / "killed.err");
    const auto killed = nlohmann::json::parse(slurp(marker));
    EXPECT_EQ(killed["state"], "running");
    done = killed["epochs_done"];
    for (const char *f : {"state.bin", "last.ckpt", "best.ckpt", "metrics.csv"}) EXPECT_TRUE(fs::exists(runDir / f)) << f;

    // Other settings cannot change on resume; a folder without a run is one line.
    Result r = run("train --resume '" + runDir.string() + "' --lr 0.5");
    EXPECT_EQ(r.exitCode, 2);
    EXPECT_EQ(lines(r.err), 1) << r.err;
    EXPECT_NE(r.err.find("--lr cannot be given with --resume"), std::string::npos) << r.err;
    r = run("train --resume '" + (dir / "nothing").string() + "'");
    EXPECT_EQ(r.exitCode, 1);
    EXPECT_EQ(lines(r.err), 1) << r.err;
    EXPECT_NE(r.err.find("holds no saved run"), std::string::npos) << r.err;

    // Continue for two more epochs than were done.
    r = run("train --resume '" + runDir.string() + "' --epochs " + std::to_string(done + 2) + " --json");
    ASSERT_EQ(r.exitCode, 0) << r.err;
    EXPECT_NE(r.err.find("Continuing the run in"), std::string::npos) << r.err;
    const auto j = lastJsonLine(r.out);
    EXPECT_EQ(j["epochs_run"], done + 2);
    EXPECT_EQ(j["config"]["epochs"], done + 2);
    EXPECT_EQ(j["config"]["schedule"], "cosine");
    const auto finished = nlohmann::json::parse(slurp(marker));
    EXPECT_EQ(finished["state"], "finished");
    EXPECT_EQ(finished["epochs_done"], done + 2);
    // The metric history covers every epoch, before and after the kill.
    int csvLines = lines(slurp(runDir / "metrics.csv"));
    EXPECT_EQ(csvLines, done + 3);
    // A finished run has nothing left to continue.
    EXPECT_FALSE(fs::exists(runDir / "state.bin"));
    r = run("train --resume '" + runDir.string() + "'");
    EXPECT_EQ(r.exitCode, 1);
    EXPECT_EQ(lines(r.err), 1) << r.err;
    EXPECT_NE(r.err.find("the run finished"), std::string::npos) << r.err;
}

// Resource limits (issue #9): running out of memory is a message with advice, not a crash.
TEST_F(Cli, OutOfMemoryIsOneLineWithAdvice) {
    // 3 GB of address space: LibTorch loads, a batch of 64 SmallUNet images at 256² does not fit.
    const std::string cmd = "ulimit -v 3000000; OMP_NUM_THREADS=2 XDG_DATA_HOME='" + (dir / "data").string() +
                            "' exec '" + std::string(UNETLAB_CLI) +
                            "' train --model small-unet --data synthetic:64:1 --batch 64 --epochs 1 --quiet "
                            "--precision fp32 --memory-format channels-last --threads 2 2>'" +
                            (dir / "err").string() + "' >/dev/null";
    const int status = std::system(("sh -c \"" + cmd + "\"").c_str());
    ASSERT_TRUE(WIFEXITED(status)) << "crashed";
    EXPECT_EQ(WEXITSTATUS(status), 1);
    const std::string err = slurp(dir / "err");
    EXPECT_EQ(lines(err), 1) << err;
    EXPECT_NE(err.find("unetlab-cli: error: out of memory at batch size 64"), std::string::npos) << err;
    EXPECT_NE(err.find("try a smaller batch (e.g. 32)"), std::string::npos) << err;
}
