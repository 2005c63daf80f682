// Tests for the built-in synthetic cytology generator (MISSION §9).

#include "data/SyntheticCells.h"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <thread>
#include <vector>

using unetlab::Sample;
using unetlab::SyntheticCells;
using unetlab::SyntheticOptions;

namespace {

SyntheticOptions options(std::size_t count, int size, std::uint64_t seed) {
    SyntheticOptions o;
    o.count = count;
    o.size = size;
    o.seed = seed;
    return o;
}

std::array<double, 3> classFractions(const Sample &s) {
    std::array<double, 3> counts{};
    for (std::uint8_t v : s.mask)
        if (v < 3) counts[v] += 1;
    for (double &c : counts) c /= static_cast<double>(s.mask.size());
    return counts;
}

struct Component {
    int area = 0;
    bool touchesBorder = false;
};

// 8-connected components of the pixels equal to `value` (plain flood fill, so the
// test needs nothing beyond the header under test).
std::vector<Component> components(const Sample &s, std::uint8_t value) {
    const int w = s.width, h = s.height;
    std::vector<char> seen(s.mask.size(), 0);
    std::vector<Component> out;
    std::vector<int> stack;
    for (int start = 0; start < w * h; ++start) {
        if (seen[static_cast<std::size_t>(start)] || s.mask[static_cast<std::size_t>(start)] != value) continue;
        Component c;
        stack.push_back(start);
        seen[static_cast<std::size_t>(start)] = 1;
        while (!stack.empty()) {
            const int p = stack.back();
            stack.pop_back();
            ++c.area;
            const int x = p % w, y = p / w;
            if (x == 0 || y == 0 || x == w - 1 || y == h - 1) c.touchesBorder = true;
            for (int dy = -1; dy <= 1; ++dy)
                for (int dx = -1; dx <= 1; ++dx) {
                    const int nx = x + dx, ny = y + dy;
                    if (nx < 0 || ny < 0 || nx >= w || ny >= h) continue;
                    const auto q = static_cast<std::size_t>(ny * w + nx);
                    if (seen[q] || s.mask[q] != value) continue;
                    seen[q] = 1;
                    stack.push_back(static_cast<int>(q));
                }
        }
        out.push_back(c);
    }
    return out;
}

}  // namespace

TEST(SyntheticCells, SameSeedAndIndexGiveIdenticalBytes) {
    const SyntheticOptions o = options(10, 256, 7);
    for (std::size_t index : {0u, 3u, 9u}) {
        const Sample a = SyntheticCells::generate(o, index);
        const Sample b = SyntheticCells::generate(o, index);
        EXPECT_EQ(a.id, b.id);
        EXPECT_EQ(a.image, b.image) << "index " << index;
        EXPECT_EQ(a.mask, b.mask) << "index " << index;
    }
}

TEST(SyntheticCells, DifferentSeedOrIndexGivesDifferentImages) {
    const Sample a = SyntheticCells::generate(options(10, 128, 1), 0);
    const Sample b = SyntheticCells::generate(options(10, 128, 2), 0);
    const Sample c = SyntheticCells::generate(options(10, 128, 1), 1);
    EXPECT_NE(a.image, b.image);
    EXPECT_NE(a.mask, b.mask);
    EXPECT_NE(a.image, c.image);
    EXPECT_NE(a.mask, c.mask);
}

TEST(SyntheticCells, ImageAndMaskSizes) {
    for (int size : {32, 64, 256}) {
        const Sample s = SyntheticCells::generate(options(5, size, 1), 4);
        EXPECT_EQ(s.id, "synthetic-0004");
        EXPECT_EQ(s.width, size);
        EXPECT_EQ(s.height, size);
        EXPECT_EQ(s.channels, 3);
        EXPECT_EQ(s.pixelCount(), static_cast<std::size_t>(size) * size);
        EXPECT_EQ(s.image.size(), static_cast<std::size_t>(size) * size * 3);
        EXPECT_EQ(s.mask.size(), static_cast<std::size_t>(size) * size);
    }
    const SyntheticCells ds(options(3, 64, 1));
    EXPECT_EQ(ds.size(), 3u);
    EXPECT_EQ(ds.width(), 64);
    EXPECT_EQ(ds.height(), 64);
    EXPECT_EQ(ds.inChannels(), 3);
}

TEST(SyntheticCells, IdsAreZeroPadded) {
    EXPECT_EQ(SyntheticCells::generate(options(200, 32, 1), 0).id, "synthetic-0000");
    EXPECT_EQ(SyntheticCells::generate(options(200, 32, 1), 123).id, "synthetic-0123");
}

TEST(SyntheticCells, MaskHoldsOnlyTheThreeClassesAndAllAppear) {
    const SyntheticOptions o = options(40, 256, 1);
    int allPresent = 0;
    for (std::size_t i = 0; i < o.count; ++i) {
        const Sample s = SyntheticCells::generate(o, i);
        std::array<int, 3> seen{};
        for (std::uint8_t v : s.mask) {
            ASSERT_LE(v, 2) << "image " << i;
            seen[v] = 1;
        }
        if (seen[0] && seen[1] && seen[2]) ++allPresent;
    }
    EXPECT_GE(allPresent, 38) << "every class should be present in nearly every image";
}

TEST(SyntheticCells, ClassFractionsAreSane) {
    const SyntheticOptions o = options(50, 256, 1);
    std::array<double, 3> mean{};
    for (std::size_t i = 0; i < o.count; ++i) {
        const auto f = classFractions(SyntheticCells::generate(o, i));
        EXPECT_GT(f[0], 0.2) << "image " << i << ": background should not vanish";
        EXPECT_LT(f[2], 0.35) << "image " << i;
        for (int c = 0; c < 3; ++c) mean[static_cast<std::size_t>(c)] += f[static_cast<std::size_t>(c)] / o.count;
    }
    EXPECT_GT(mean[0], 0.45);
    EXPECT_LT(mean[0], 0.80);
    EXPECT_GT(mean[1], 0.15);
    EXPECT_LT(mean[1], 0.45);
    EXPECT_GT(mean[2], 0.04);
    EXPECT_LT(mean[2], 0.16);
}

TEST(SyntheticCells, NucleiAreThirtyToSixtyPixelsAcross) {
    // Equivalent diameter sqrt(4A/π) of each nucleus fully inside the image. Two
    // touching nuclei merge into one larger component, hence the tolerance.
    const SyntheticOptions o = options(40, 256, 3);
    int total = 0, inRange = 0;
    for (std::size_t i = 0; i < o.count; ++i) {
        for (const Component &c : components(SyntheticCells::generate(o, i), 2)) {
            if (c.touchesBorder) continue;
            const double diameter = std::sqrt(4.0 * c.area / 3.14159265358979);
            ++total;
            if (diameter >= 24.0 && diameter <= 70.0) ++inRange;
        }
    }
    ASSERT_GT(total, 60);
    EXPECT_GE(inRange, static_cast<int>(0.9 * total)) << inRange << " of " << total << " nuclei in [24, 70] px";
}

TEST(SyntheticCells, GeometryScalesWithSize) {
    // The same scene at 64² has about the same class fractions as at 256².
    for (std::size_t i = 0; i < 5; ++i) {
        const auto big = classFractions(SyntheticCells::generate(options(5, 256, 1), i));
        const auto small = classFractions(SyntheticCells::generate(options(5, 64, 1), i));
        for (std::size_t c = 0; c < 3; ++c) EXPECT_NEAR(big[c], small[c], 0.015) << "image " << i << " class " << c;
    }
}

TEST(SyntheticCells, InvalidOptionsThrow) {
    EXPECT_THROW(SyntheticCells(options(0, 256, 1)), std::invalid_argument);
    EXPECT_THROW(SyntheticCells(options(10, 31, 1)), std::invalid_argument);
    EXPECT_THROW(SyntheticCells(options(10, 4097, 1)), std::invalid_argument);
    EXPECT_THROW(SyntheticCells(options(10, -5, 1)), std::invalid_argument);
    EXPECT_NO_THROW(SyntheticCells(options(1, 32, 0)));
}

TEST(SyntheticCells, OutOfRangeIndexThrows) {
    const SyntheticCells ds(options(3, 32, 1));
    EXPECT_NO_THROW(ds.get(2));
    EXPECT_THROW(ds.get(3), std::out_of_range);
    EXPECT_THROW(ds.get(1000), std::out_of_range);
}

TEST(SyntheticCells, GetMatchesGenerateAndIsCached) {
    const SyntheticOptions o = options(4, 64, 11);
    const SyntheticCells ds(o);
    for (std::size_t i = 0; i < o.count; ++i) {
        const Sample fromGet = ds.get(i);
        const Sample fresh = SyntheticCells::generate(o, i);
        EXPECT_EQ(fromGet.id, fresh.id);
        EXPECT_EQ(fromGet.image, fresh.image);
        EXPECT_EQ(fromGet.mask, fresh.mask);
        const Sample again = ds.get(i);
        EXPECT_EQ(again.image, fromGet.image);
        EXPECT_EQ(again.mask, fromGet.mask);
    }
}

TEST(SyntheticCells, ConcurrentGetIsConsistent) {
    const SyntheticOptions o = options(6, 64, 5);
    const SyntheticCells ds(o);
    std::vector<std::vector<Sample>> results(4);
    std::vector<std::thread> threads;
    for (std::size_t t = 0; t < results.size(); ++t)
        threads.emplace_back([&ds, &o, &results, t] {
            for (std::size_t i = 0; i < o.count; ++i) results[t].push_back(ds.get((i + t) % o.count));
        });
    for (std::thread &th : threads) th.join();
    for (std::size_t t = 0; t < results.size(); ++t)
        for (std::size_t i = 0; i < o.count; ++i) {
            const Sample expected = SyntheticCells::generate(o, (i + t) % o.count);
            EXPECT_EQ(results[t][i].image, expected.image);
            EXPECT_EQ(results[t][i].mask, expected.mask);
        }
}

TEST(SyntheticCells, NameAndClasses) {
    const SyntheticCells ds(options(200, 256, 1));
    EXPECT_EQ(ds.name(), "Synthetic cells (200 \u00d7 256\u00b2, seed 1)");
    EXPECT_EQ(ds.classNames(), (std::vector<std::string>{"background", "cytoplasm", "nucleus"}));
    EXPECT_EQ(ds.numClasses(), 3);
}

TEST(SyntheticCells, ImagesLookLikeStainedCells) {
    // Coarse colour sanity: background is pale, nuclei are the darkest class and
    // bluish (blue above red), cytoplasm lies in between.
    const SyntheticOptions o = options(20, 256, 1);
    std::array<std::array<double, 3>, 3> sum{};
    std::array<double, 3> count{};
    for (std::size_t i = 0; i < o.count; ++i) {
        const Sample s = SyntheticCells::generate(o, i);
        for (std::size_t p = 0; p < s.mask.size(); ++p) {
            const std::uint8_t c = s.mask[p];
            for (std::size_t ch = 0; ch < 3; ++ch) sum[c][ch] += s.image[p * 3 + ch];
            count[c] += 1;
        }
    }
    std::array<double, 3> brightness{};
    for (std::size_t c = 0; c < 3; ++c) {
        ASSERT_GT(count[c], 0);
        brightness[c] = (sum[c][0] + sum[c][1] + sum[c][2]) / (3.0 * count[c]);
    }
    EXPECT_GT(brightness[0], 190.0);
    EXPECT_GT(brightness[0], brightness[1]);
    EXPECT_GT(brightness[1], brightness[2]);
    EXPECT_GT(sum[2][2] / count[2], sum[2][0] / count[2]);
}
