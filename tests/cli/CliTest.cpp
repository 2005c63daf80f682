// unetlab-cli as a user meets it: exit codes, one-line errors on stderr, JSON on stdout.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

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

class Cli : public ::testing::Test {
protected:
    void SetUp() override {
        dir = fs::temp_directory_path() / ("unetlab-cli-" + std::to_string(::getpid()) + "-" +
                                           ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::create_directories(dir);
    }
    void TearDown() override { fs::remove_all(dir); }

    Result run(const std::string &args) const {
        const fs::path out = dir / "stdout", err = dir / "stderr";
        const std::string cmd = "OMP_NUM_THREADS=2 '" + std::string(UNETLAB_CLI) + "' " + args + " >'" +
                                out.string() + "' 2>'" + err.string() + "'";
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
        {"train --model minimal --data folder:/nope", "unknown data 'folder:/nope'"},
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
}

TEST_F(Cli, InfoNamesTheDeviceAndThreads) {
    const Result r = run("info --json");
    ASSERT_EQ(r.exitCode, 0) << r.err;
    const auto j = lastJsonLine(r.out);
    EXPECT_EQ(j["threads"], 2);  // OMP_NUM_THREADS above
    EXPECT_TRUE(j["device"] == "cpu" || j["device"].get<std::string>().rfind("cuda", 0) == 0);
    EXPECT_FALSE(j["libtorch_version"].get<std::string>().empty());
}

TEST_F(Cli, AskingForCudaWithoutAGpuIsAOneLineError) {
    const auto info = lastJsonLine(run("info --json").out);
    if (!info["gpus"].empty()) GTEST_SKIP() << "this machine has a GPU";
    const Result r = run("train --model minimal --data synthetic:12 --size 32 --epochs 1 --device cuda");
    EXPECT_EQ(r.exitCode, 1);
    EXPECT_EQ(lines(r.err), 1) << r.err;
    EXPECT_NE(r.err.find("CUDA was requested"), std::string::npos) << r.err;
}

TEST_F(Cli, BenchPrintsFiguresForBothModels) {
    const Result r = run("bench --steps 1 --runs 1 --size 64 --json");
    ASSERT_EQ(r.exitCode, 0) << r.err;
    const auto j = lastJsonLine(r.out);
    ASSERT_EQ(j["results"].size(), 3u);
    for (const auto &row : j["results"]) EXPECT_GT(row["seconds_median"].get<double>(), 0);
    EXPECT_EQ(j["results"][2]["task"], "inference");
    // The PyTorch peer ran the same three measurements and the ratios are reported.
    ASSERT_TRUE(j["pytorch_peer"].is_object()) << r.out;
    ASSERT_EQ(j["pytorch_peer"]["results"].size(), 3u);
    for (const auto &row : j["pytorch_peer"]["results"]) EXPECT_GT(row["engine_time_ratio"].get<double>(), 0);
    EXPECT_NE(r.out.find("engine / PyTorch"), std::string::npos);
}

TEST_F(Cli, HelpListsEveryTrainFlag) {
    const Result r = run("train --help");
    ASSERT_EQ(r.exitCode, 0);
    for (const char *flag : {"--model", "--data", "--size", "--epochs", "--batch", "--lr", "--optimizer", "--loss",
                             "--seed", "--device", "--out", "--log", "--json"})
        EXPECT_NE(r.out.find(flag), std::string::npos) << flag;
}
