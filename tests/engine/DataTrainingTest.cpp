// Real data through training (issue #7): prepareInput applies exactly the preprocessing the
// torch-free previews compute, the Trainer follows the data's channels and classes,
// augmented and patched training is reproducible from the seed, and checkpoints carry the
// preprocessing so inference repeats it.
#include <unistd.h>

#include <cstdint>
#include <filesystem>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "../RemoveTree.h"
#include "data/ImageFolder.h"
#include "data/SyntheticCells.h"
#include "train/Batch.h"
#include "train/Checkpoint.h"
#include "train/Evaluate.h"
#include "train/Trainer.h"

using namespace unetlab;
namespace fs = std::filesystem;

namespace {

std::vector<Sample> someCells(int count, int size) {
    SyntheticOptions o;
    o.size = size;
    std::vector<Sample> out;
    for (int i = 0; i < count; ++i) out.push_back(SyntheticCells::generate(o, static_cast<std::size_t>(i)));
    return out;
}

// A folder of grey images with bright blobs and 0/255 masks of the blobs.
fs::path blobFolder(int count, int side) {
    const fs::path root = fs::temp_directory_path() / ("unetlab-blobs-" + std::to_string(::getpid()) + "-" +
                                                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    unetlab::testing::removeTree(root);
    fs::create_directories(root / "images");
    fs::create_directories(root / "masks");
    cv::RNG rng(7);
    for (int i = 0; i < count; ++i) {
        cv::Mat image(side, side, CV_8UC1), mask = cv::Mat::zeros(side, side, CV_8UC1);
        cv::randu(image, cv::Scalar(20), cv::Scalar(90));
        for (int b = 0; b < 3; ++b) {
            const cv::Point c(rng.uniform(8, side - 8), rng.uniform(8, side - 8));
            const int r = rng.uniform(4, 9);
            cv::circle(image, c, r, cv::Scalar(200), cv::FILLED);
            cv::circle(mask, c, r, cv::Scalar(255), cv::FILLED);
        }
        cv::imwrite((root / "images" / (std::to_string(i) + ".png")).string(), image);
        cv::imwrite((root / "masks" / (std::to_string(i) + ".png")).string(), mask);
    }
    return root;
}

TrainConfig quickConfig() {
    TrainConfig c;
    c.model = presetConfig("minimal");
    c.epochs = 2;
    c.batchSize = 4;
    c.learningRate = 1e-2;
    c.valFraction = 0.2;
    c.testFraction = 0.1;
    return c;
}

std::vector<double> trainLosses(Trainer &t) {
    std::vector<double> losses;
    while (!t.finished()) {
        const StepResult r = t.step();
        if (r.kind == StepResult::Kind::TrainBatch) losses.push_back(r.batch.loss);
    }
    return losses;
}

}  // namespace

TEST(PrepareInput, AppliesExactlyWhatThePreviewsCompute) {
    const std::vector<Sample> batch = someCells(3, 32);
    const torch::Tensor images = stackImages(batch);
    std::vector<Normalisation> cases = {
        Normalisation{},
        Normalisation({0.6, 0.5, 0.7}, {0.2, 0.25, 0.1}),
        Normalisation({0.1, 0.2, 0.3}, {0.5, 0.5, 0.4}, parsePreprocessing("percentile")),
        Normalisation({}, {}, parsePreprocessing("minmax:per-image")),
        Normalisation({}, {}, parsePreprocessing("percentile:per-image:2-98")),
        Normalisation({}, {}, parsePreprocessing("clahe+zscore:per-image")),
        Normalisation({0.5, 0.5, 0.5}, {0.3, 0.3, 0.3}, parsePreprocessing("histeq")),
        Normalisation({0.2, 0.1, 0.3}, {0.25, 0.5, 0.2}, parsePreprocessing("otsu")),
        Normalisation({0.2, 0.1, 0.3}, {0.25, 0.5, 0.2}, parsePreprocessing("clahe+otsu")),
    };
    for (const Normalisation &n : cases) {
        for (bool channelsLast : {false, true}) {
            const torch::Tensor x = prepareInput(images, torch::kCPU, channelsLast, n).contiguous();
            for (std::size_t i = 0; i < batch.size(); ++i) {
                const std::vector<float> expected = preprocessSample(batch[i], n);
                const torch::Tensor e = torch::from_blob(const_cast<float *>(expected.data()), {3, 32, 32});
                EXPECT_LE((x[static_cast<int64_t>(i)] - e).abs().max().item<float>(), 1e-6f) << toJson(n).dump();
            }
            if (n.clips() && !n.standardisesAfterClipping()) {
                EXPECT_GE(x.min().item<float>(), 0.0f);
                EXPECT_LE(x.max().item<float>(), 1.0f);
            }
        }
    }
    // The uint8 input is left as it was (equalisation works on a copy).
    EXPECT_TRUE(torch::equal(images, stackImages(batch)));
}

TEST(TrainerOnFolders, ModelFollowsTheDataAndPreprocessingReachesTheCheckpoint) {
    const fs::path root = blobFolder(12, 32);
    ImageDatasetOptions o;
    o.size = 32;
    o.classNames = {"background", "blob"};
    auto data = std::make_shared<ImageFolder>(root.string(), o);
    TrainConfig c = quickConfig();
    c.preprocessing = parsePreprocessing("clahe+percentile:per-image");
    c.augmentation = parseAugmentation("flip,rot90,intensity");
    Trainer t(c, data);
    EXPECT_EQ(t.config().model.inChannels, 1);
    EXPECT_EQ(t.config().model.numClasses, 2);
    EXPECT_EQ(t.normalisation().method, c.preprocessing);
    trainLosses(t);

    const fs::path ckpt = root / "m.ckpt";
    t.saveCheckpoint(ckpt.string(), "folder:" + root.string() + ";size=32;policy=resize;classes=background,blob");
    const LoadedCheckpoint loaded = loadCheckpoint(ckpt.string());
    EXPECT_EQ(loaded.normalisation.method, c.preprocessing);
    EXPECT_EQ(trainConfigFromJson(loaded.header["train"]).augmentation, c.augmentation);
    // Inference from the checkpoint repeats training's preprocessing: the same predictions.
    std::vector<Sample> samples;
    for (std::size_t i = 0; i < 4; ++i) samples.push_back(data->get(i));
    EXPECT_EQ(predictMasks(*loaded.model, samples, loaded.normalisation, "cpu"), t.predict(samples));
    unetlab::testing::removeTree(root);
}

TEST(TrainerOnFolders, AugmentedPatchTrainingIsReproducibleFromTheSeed) {
    const fs::path root = blobFolder(10, 48);
    ImageDatasetOptions o;
    o.size = 32;
    o.policy = SizePolicy::Patch;
    auto data = std::make_shared<ImageFolder>(root.string(), o);
    TrainConfig c = quickConfig();
    c.augmentation = parseAugmentation("all");
    Trainer a(c, data), b(c, data);
    const std::vector<double> first = trainLosses(a), second = trainLosses(b);
    EXPECT_EQ(first, second);
    c.seed = 2;
    Trainer other(c, data);
    EXPECT_NE(trainLosses(other), first);
    // Without augmentation or patches the fast path is unchanged.
    auto fixed = std::make_shared<ImageFolder>(root.string(), ImageDatasetOptions{});
    Trainer plain(quickConfig(), fixed);
    EXPECT_EQ(trainLosses(plain).size(), 2u * ((plain.split().train.size() + 3) / 4));
    unetlab::testing::removeTree(root);
}

// Issue #9: a folder over the memory budget is streamed from disk; training on it reads every
// batch from the files and gives exactly the history it gives in memory.
TEST(TrainerOnFolders, StreamedFolderTrainsExactlyAsInMemory) {
    const fs::path root = blobFolder(12, 40);
    ImageDatasetOptions o;
    o.size = 32;
    auto memory = std::make_shared<ImageFolder>(root.string(), o);
    ::setenv("UNETLAB_DATA_MEMORY_MB", "0", 1);
    auto streamed = std::make_shared<ImageFolder>(root.string(), o);
    ::unsetenv("UNETLAB_DATA_MEMORY_MB");
    ASSERT_FALSE(memory->streamed());
    ASSERT_TRUE(streamed->streamed());
    for (const std::string augmentation : {"", "flip,rot90,intensity"}) {
        SCOPED_TRACE(augmentation);
        TrainConfig c = quickConfig();
        c.epochs = 1;
        if (!augmentation.empty()) c.augmentation = parseAugmentation(augmentation);
        Trainer a(c, memory), b(c, streamed);
        const std::vector<double> la = trainLosses(a), lb = trainLosses(b);
        EXPECT_EQ(la, lb);
        ASSERT_EQ(a.history().size(), 1u);
        ASSERT_EQ(b.history().size(), 1u);
        const EpochReport &x = a.history()[0], &y = b.history()[0];
        EXPECT_EQ(x.trainLoss, y.trainLoss);
        EXPECT_EQ(x.valLoss, y.valLoss);
        EXPECT_EQ(x.valDice, y.valDice);
        EXPECT_EQ(x.valDiceMean, y.valDiceMean);
        EXPECT_EQ(x.valIoU, y.valIoU);
        EXPECT_EQ(x.valPixelAccuracy, y.valPixelAccuracy);
    }
    // The weighted cross-entropy takes its class counts from the dataset's summary.
    TrainConfig w = quickConfig();
    w.epochs = 1;
    w.loss.kind = LossKind::WeightedCrossEntropy;
    Trainer weighted(w, streamed);
    ASSERT_EQ(weighted.config().loss.classWeights.size(), 2u);
    EXPECT_GT(weighted.config().loss.classWeights[1], weighted.config().loss.classWeights[0]);
    trainLosses(weighted);
    // A file gone during training: a one-line error naming it, no crash.
    Trainer late(quickConfig(), streamed);
    for (const auto &e : fs::directory_iterator(root / "images")) fs::remove(e.path());
    try {
        trainLosses(late);
        ADD_FAILURE() << "training went on without its files";
    } catch (const std::runtime_error &e) {
        EXPECT_NE(std::string(e.what()).find("images/"), std::string::npos) << e.what();
        EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
    }
    unetlab::testing::removeTree(root);
}
