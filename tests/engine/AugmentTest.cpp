// Augmentation (MISSION §6): image and mask move together — a checkerboard drawn into both
// survives every transform pixel for pixel — labels stay labels, and every variant is a pure
// function of its seed.
#include <cstdint>
#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "data/Augment.h"
#include "data/SyntheticCells.h"
#include "train/TrainConfig.h"

using namespace unetlab;

namespace {

// A grey checkerboard of `cell`-pixel squares: image 0/255, mask 0/1 on the same squares.
Sample checkerboard(int width, int height, int cell) {
    Sample s;
    s.id = "checker";
    s.width = width;
    s.height = height;
    s.channels = 1;
    for (int y = 0; y < height; ++y)
        for (int x = 0; x < width; ++x) {
            const std::uint8_t on = ((x / cell) + (y / cell)) % 2;
            s.mask.push_back(on);
            s.image.push_back(on ? 255 : 0);
        }
    return s;
}

AugmentationConfig only(bool AugmentationConfig::*kind) {
    AugmentationConfig c;
    c.*kind = true;
    c.smoothImages = false;  // nearest for images too, so alignment can be checked exactly
    return c;
}

}  // namespace

TEST(Augment, ACheckerboardSurvivesEveryTransformPixelForPixel) {
    const Sample board = checkerboard(64, 64, 8);
    AugmentationConfig all = parseAugmentation("flip,rot90,rotate,elastic");
    all.smoothImages = false;
    const std::vector<std::pair<std::string, AugmentationConfig>> configs = {
        {"flip", only(&AugmentationConfig::flips)},
        {"rot90", only(&AugmentationConfig::rotate90)},
        {"rotate", only(&AugmentationConfig::rotate)},
        {"elastic", only(&AugmentationConfig::elastic)},
        {"all geometric", all}};
    for (const auto &[name, config] : configs) {
        int changed = 0;
        for (std::uint64_t seed = 1; seed <= 12; ++seed) {
            const Sample out = augmentSample(board, config, seed);
            ASSERT_EQ(out.width, 64);
            ASSERT_EQ(out.mask.size(), 64u * 64);
            for (std::size_t p = 0; p < out.mask.size(); ++p)
                ASSERT_EQ(out.image[p], out.mask[p] * 255) << name << ", seed " << seed << ", pixel " << p;
            changed += out.mask != board.mask;
        }
        EXPECT_GT(changed, 0) << name << " never changed anything";
    }
    // Brightness and contrast leave the geometry alone and keep the two squares apart.
    const Sample lit = augmentSample(board, only(&AugmentationConfig::intensity), 5);
    EXPECT_EQ(lit.mask, board.mask);
    std::set<int> on, off;
    for (std::size_t p = 0; p < lit.mask.size(); ++p) (lit.mask[p] ? on : off).insert(lit.image[p]);
    ASSERT_EQ(on.size(), 1u);
    ASSERT_EQ(off.size(), 1u);
    EXPECT_GT(*on.begin(), *off.begin());
    EXPECT_NE(lit.image, board.image);
}

TEST(Augment, SmoothImagesStayAlignedWithTheirNearestMasks) {
    Sample board = checkerboard(96, 96, 12);
    // An RGB copy of the board, interpolated bilinearly: away from the square edges the
    // thresholded image still equals the mask.
    std::vector<std::uint8_t> rgb;
    for (std::uint8_t v : board.image) rgb.insert(rgb.end(), {v, v, v});
    board.image = rgb;
    board.channels = 3;
    const AugmentationConfig config = parseAugmentation("all");
    for (std::uint64_t seed = 1; seed <= 6; ++seed) {
        const Sample out = augmentSample(board, config, seed);
        std::size_t agree = 0;
        for (std::size_t p = 0; p < out.mask.size(); ++p) {
            EXPECT_LE(out.mask[p], 1);
            // Contrast and brightness move the levels, but the board stays two-toned about its mean.
            agree += (out.image[p * 3] > 127) == (out.mask[p] == 1);
        }
        EXPECT_GT(static_cast<double>(agree) / static_cast<double>(out.mask.size()), 0.9) << "seed " << seed;
    }
}

TEST(Augment, LabelsStayLabelsAndSizesStay) {
    SyntheticOptions o;
    o.size = 64;
    const Sample cells = SyntheticCells::generate(o, 3);
    const std::set<std::uint8_t> before(cells.mask.begin(), cells.mask.end());
    for (std::uint64_t seed = 0; seed < 8; ++seed) {
        const Sample out = augmentSample(cells, parseAugmentation("all"), seed);
        const std::set<std::uint8_t> after(out.mask.begin(), out.mask.end());
        for (std::uint8_t v : after) EXPECT_TRUE(before.count(v)) << int(v);
        EXPECT_EQ(out.id, cells.id);
        EXPECT_EQ(out.channels, 3);
    }
    // A non-square sample keeps its shape under 90-degree turns (0 or 180 only).
    const Sample wide = checkerboard(64, 32, 8);
    for (std::uint64_t seed = 0; seed < 8; ++seed) {
        const Sample out = augmentSample(wide, only(&AugmentationConfig::rotate90), seed);
        EXPECT_EQ(out.width, 64);
        EXPECT_EQ(out.height, 32);
    }
    Sample broken = wide;
    broken.mask.pop_back();
    EXPECT_THROW(augmentSample(broken, parseAugmentation("flip"), 1), std::invalid_argument);
}

TEST(Augment, VariantsArePureFunctionsOfTheSeed) {
    SyntheticOptions o;
    o.size = 64;
    const Sample cells = SyntheticCells::generate(o, 1);
    const AugmentationConfig config = parseAugmentation("all");
    const Sample a = augmentSample(cells, config, 42), b = augmentSample(cells, config, 42);
    EXPECT_EQ(a.image, b.image);
    EXPECT_EQ(a.mask, b.mask);
    EXPECT_NE(augmentSample(cells, config, 43).image, a.image);
    EXPECT_NE(augmentationSeed(1, 1, 0), augmentationSeed(1, 2, 0));
    EXPECT_NE(augmentationSeed(1, 1, 0), augmentationSeed(1, 1, 1));
    EXPECT_NE(augmentationSeed(1, 1, 0), augmentationSeed(2, 1, 0));
    // Off means untouched.
    EXPECT_EQ(augmentSample(cells, AugmentationConfig{}, 7).image, cells.image);

    // The preview grid: distinct variants, the same ones for the same seed.
    const auto grid = augmentedExamples(cells, config, 6, 9);
    ASSERT_EQ(grid.size(), 6u);
    EXPECT_NE(grid[0].image, grid[1].image);
    EXPECT_EQ(augmentedExamples(cells, config, 6, 9)[5].mask, grid[5].mask);
    // Switching one kind off does not change what the others draw.
    AugmentationConfig noFlip = only(&AugmentationConfig::rotate90);
    AugmentationConfig both = noFlip;
    both.flips = true;
    int same = 0;
    for (std::uint64_t seed = 0; seed < 16; ++seed) {
        const Sample turned = augmentSample(cells, noFlip, seed);
        const Sample flipped = augmentSample(cells, both, seed);
        same += turned.mask == flipped.mask;  // equal exactly when neither flip was drawn
    }
    EXPECT_GT(same, 0);
    EXPECT_LT(same, 16);
}

TEST(Augment, CommandLineAndJsonForms) {
    EXPECT_FALSE(parseAugmentation("none").any());
    const AugmentationConfig all = parseAugmentation("all");
    EXPECT_TRUE(all.flips && all.rotate90 && all.rotate && all.elastic && all.intensity);
    EXPECT_EQ(toString(all), "all");
    EXPECT_EQ(toString(AugmentationConfig{}), "none");
    for (const char *text : {"flip", "rot90", "flip,rot90", "rotate,elastic,intensity", "flip,rot90,rotate,elastic"})
        EXPECT_EQ(toString(parseAugmentation(text)), text);
    EXPECT_EQ(toString(parseAugmentation("rot90,flip")), "flip,rot90");
    for (const char *bad : {"", "twirl", "flip,", "flip,,rot90", "all,flip"})
        EXPECT_THROW(parseAugmentation(bad), std::invalid_argument) << bad;
    AugmentationConfig c = parseAugmentation("rotate,elastic");
    c.maxDegrees = 10;
    c.elasticSigma = 4;
    EXPECT_EQ(augmentationFromJson(toJson(c)), c);
    EXPECT_THROW(augmentationFromJson(nlohmann::json::object()), std::invalid_argument);
    c.maxDegrees = 500;
    EXPECT_THROW(c.validate(), std::invalid_argument);
}

TEST(Augment, TrainConfigCarriesPreprocessingAndAugmentation) {
    TrainConfig c;
    c.model = presetConfig("small-unet");
    c.preprocessing = parsePreprocessing("clahe+minmax:per-image");
    c.augmentation = parseAugmentation("flip,elastic");
    const TrainConfig back = trainConfigFromJson(toJson(c));
    EXPECT_EQ(back.preprocessing, c.preprocessing);
    EXPECT_EQ(back.augmentation, c.augmentation);
    // Settings written before these choices existed read as the old behaviour.
    nlohmann::json old = toJson(c);
    old.erase("preprocessing");
    old.erase("augmentation");
    const TrainConfig before = trainConfigFromJson(old);
    EXPECT_EQ(before.preprocessing, Preprocessing{});
    EXPECT_FALSE(before.augmentation.any());
}
