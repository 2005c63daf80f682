// The empirical receptive field (engine/inspect) on real models: exactly 5x5 for a fresh
// MinimalCNN, inside the exact reach for SmallUNet, the normalisation in the derivative,
// and the model left as it was.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "data/SyntheticCells.h"
#include "inspect/ReceptiveFieldMap.h"
#include "models/Networks.h"
#include "ops/Reach.h"
#include "train/Batch.h"

using namespace unetlab;

namespace {

Sample cellImage(int size) {
    SyntheticOptions options;
    options.size = size;
    return SyntheticCells::generate(options, 3);
}

int exactOutputReach(const std::string &preset) {
    std::vector<ops::ReachLayer> layers;
    for (const auto &row : receptiveField(presetConfig(preset))) layers.push_back(ops::reachLayerFromName(row.layer));
    return ops::exactReach(layers).back();
}

}  // namespace

TEST(EmpiricalReceptiveField, MinimalCnnIsExactlyFiveByFive) {
    torch::manual_seed(1);
    auto model = buildModel(presetConfig("minimal"));
    const Sample sample = cellImage(48);
    for (auto [x, y] : {std::pair{20, 24}, std::pair{31, 9}}) {
        const EmpiricalReceptiveField field = empiricalReceptiveField(*model, sample, Normalisation{}, x, y);
        ASSERT_EQ(field.magnitude.size(), 48u * 48u);
        for (int r = 0; r < 48; ++r)
            for (int c = 0; c < 48; ++c) {
                const bool inside = std::abs(r - y) <= 2 && std::abs(c - x) <= 2;
                EXPECT_EQ(field.magnitude[r * 48 + c] > 0.0f, inside) << "(" << c << ", " << r << ")";
            }
        EXPECT_EQ(field.extentX(), 5);
        EXPECT_EQ(field.extentY(), 5);
        EXPECT_EQ(field.left, x - 2);
        EXPECT_EQ(field.top, y - 2);
    }
}

TEST(EmpiricalReceptiveField, SmallUNetStaysWithinTheExactReach) {
    torch::manual_seed(2);
    auto model = buildModel(presetConfig("small-unet"));
    const int bound = exactOutputReach("small-unet");
    const Sample sample = cellImage(96);
    for (auto [x, y] : {std::pair{48, 48}, std::pair{45, 50}}) {
        const EmpiricalReceptiveField field = empiricalReceptiveField(*model, sample, Normalisation{}, x, y);
        EXPECT_LE(field.extentX(), bound);
        EXPECT_LE(field.extentY(), bound);
        // Far more than MinimalCNN's 5 and than the bottleneck's 32: the decoder adds context.
        EXPECT_GT(field.extentX(), 32);
        EXPECT_GT(field.extentY(), 32);
        EXPECT_GE(x - field.left, 0);
        EXPECT_LE(field.left, x);
        EXPECT_GE(field.right, x);
    }
}

TEST(EmpiricalReceptiveField, CountsTheNormalisationAndOneClass) {
    torch::manual_seed(3);
    auto model = buildModel(presetConfig("minimal"));
    const Sample sample = cellImage(32);
    const Normalisation n{{0.6, 0.5, 0.7}, {0.2, 0.25, 0.1}};
    const int x = 12, y = 17, cls = 2;
    const EmpiricalReceptiveField field = empiricalReceptiveField(*model, sample, n, x, y, cls);

    // The same derivative, taken by autograd through the normalisation itself.
    model->eval();
    torch::Tensor pixels = stackImages({sample}).to(torch::kFloat).div(255.0).requires_grad_(true);
    const torch::Tensor mean = torch::tensor(n.mean, torch::kDouble).to(torch::kFloat).view({1, 3, 1, 1});
    const torch::Tensor std = torch::tensor(n.std, torch::kDouble).to(torch::kFloat).view({1, 3, 1, 1});
    model->forward((pixels - mean) / std).index({0, cls, y, x}).backward();
    const torch::Tensor expected = pixels.grad().abs().sum(1)[0];
    for (int r = 0; r < 32; ++r)
        for (int c = 0; c < 32; ++c)
            EXPECT_NEAR(field.magnitude[r * 32 + c], expected[r][c].item<float>(),
                        1e-5f * std::max(1.0f, field.maxMagnitude));
    EXPECT_GT(field.maxMagnitude, 0.0f);
    EXPECT_EQ(field.classIndex, cls);
}

TEST(EmpiricalReceptiveField, LeavesTheModelAsItWas) {
    torch::manual_seed(4);
    auto model = buildModel(presetConfig("small-unet"));
    model->train();
    const Sample sample = cellImage(32);
    empiricalReceptiveField(*model, sample, Normalisation{}, 5, 6);
    EXPECT_TRUE(model->is_training());
    for (const auto &p : model->parameters()) EXPECT_FALSE(p.grad().defined());
    EXPECT_THROW(empiricalReceptiveField(*model, sample, Normalisation{}, 32, 0), std::invalid_argument);
    EXPECT_THROW(empiricalReceptiveField(*model, sample, Normalisation{}, 0, 0, 3), std::invalid_argument);
    EXPECT_THROW(empiricalReceptiveField(*model, cellImage(34), Normalisation{}, 0, 0), std::invalid_argument);
}
