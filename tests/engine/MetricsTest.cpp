// Metrics against hand-computed cases (MISSION §7) and the documented empty-mask rule.
#include <cmath>
#include <cstdint>
#include <stdexcept>

#include <gtest/gtest.h>

#include "train/BoundaryF1.h"
#include "train/Metrics.h"
#include "train/OutlineOffset.h"

using namespace unetlab;

namespace {
std::vector<std::uint8_t> mask(std::initializer_list<int> v) { return {v.begin(), v.end()}; }
}  // namespace

TEST(ConfusionMatrix, CountsMatchAHandExample) {
    // truth: 0 0 1 1 2 2 2 1 ; pred: 0 1 1 1 2 0 2 2
    const auto t = mask({0, 0, 1, 1, 2, 2, 2, 1});
    const auto p = mask({0, 1, 1, 1, 2, 0, 2, 2});
    ConfusionMatrix cm(3);
    cm.add(t.data(), p.data(), t.size());
    EXPECT_EQ(cm.at(0, 0), 1);
    EXPECT_EQ(cm.at(0, 1), 1);
    EXPECT_EQ(cm.at(1, 1), 2);
    EXPECT_EQ(cm.at(1, 2), 1);
    EXPECT_EQ(cm.at(2, 2), 2);
    EXPECT_EQ(cm.at(2, 0), 1);
    EXPECT_EQ(cm.total(), 8);
    // class 1: TP 2, FP 1 (truth 0), FN 1 (pred 2) -> Dice 4/6, IoU 2/4
    EXPECT_DOUBLE_EQ(cm.dice(1), 4.0 / 6.0);
    EXPECT_DOUBLE_EQ(cm.iou(1), 0.5);
    // class 2: TP 2, FP 1, FN 1 -> same; class 0: TP 1, FP 1, FN 1 -> 2/4
    EXPECT_DOUBLE_EQ(cm.dice(0), 0.5);
    EXPECT_DOUBLE_EQ(cm.iou(0), 1.0 / 3.0);
    EXPECT_DOUBLE_EQ(cm.pixelAccuracy(), 5.0 / 8.0);
}

TEST(ConfusionMatrix, IoUNeverExceedsDice) {
    const auto t = mask({0, 1, 1, 0, 1, 1, 0, 0, 1});
    const auto p = mask({1, 1, 0, 0, 1, 1, 1, 0, 0});
    ConfusionMatrix cm(2);
    cm.add(t.data(), p.data(), t.size());
    for (int c = 0; c < 2; ++c) {
        EXPECT_LE(cm.iou(c), cm.dice(c));
        // Dice = 2 IoU / (1 + IoU)
        EXPECT_NEAR(cm.dice(c), 2 * cm.iou(c) / (1 + cm.iou(c)), 1e-12);
    }
}

TEST(ConfusionMatrix, RejectsLabelsOutsideTheClasses) {
    const auto t = mask({0, 3});
    const auto p = mask({0, 0});
    ConfusionMatrix cm(3);
    EXPECT_THROW(cm.add(t.data(), p.data(), t.size()), std::out_of_range);
}

TEST(EmptyMaskRule, AbsentInTruthAndPredictionIsUndefinedAndSkipped) {
    // Image A: classes 0 and 1 only, perfectly predicted; class 2 absent in both.
    // Image B: class 2 present and half found.
    MetricsAccumulator acc(3);
    const auto ta = mask({0, 0, 1, 1});
    acc.addImage("a", ta.data(), ta.data(), ta.size());
    const auto tb = mask({0, 2, 2, 0});
    const auto pb = mask({0, 2, 0, 0});
    const ImageScores &b = acc.addImage("b", tb.data(), pb.data(), tb.size());
    EXPECT_DOUBLE_EQ(b.dice[2], 2.0 / 3.0);
    EXPECT_TRUE(std::isnan(b.dice[1]));  // class 1 absent from both in B
    const SplitMetrics m = acc.finish();
    // Class 2 averages only over image B; class 1 only over image A.
    EXPECT_DOUBLE_EQ(m.dice[2], 2.0 / 3.0);
    EXPECT_DOUBLE_EQ(m.dice[1], 1.0);
    // Class 0: A = 1; B: TP 2, FP 1, FN 0 -> 4/5
    EXPECT_DOUBLE_EQ(m.dice[0], (1.0 + 0.8) / 2);
    EXPECT_DOUBLE_EQ(m.diceMean, (m.dice[0] + m.dice[1] + m.dice[2]) / 3);
}

TEST(EmptyMaskRule, PredictedButAbsentInTruthScoresZero) {
    MetricsAccumulator acc(2);
    const auto t = mask({0, 0, 0, 0});
    const auto p = mask({0, 1, 0, 0});
    const ImageScores &s = acc.addImage("x", t.data(), p.data(), t.size());
    EXPECT_DOUBLE_EQ(s.dice[1], 0.0);
    EXPECT_DOUBLE_EQ(s.iou[1], 0.0);
}

TEST(EmptyMaskRule, MissedWhenPresentInTruthScoresZero) {
    MetricsAccumulator acc(2);
    const auto t = mask({0, 1, 0, 0});
    const auto p = mask({0, 0, 0, 0});
    EXPECT_DOUBLE_EQ(acc.addImage("x", t.data(), p.data(), t.size()).dice[1], 0.0);
}

TEST(EmptyMaskRule, NoClassDefinedGivesUndefinedMean) {
    MetricsAccumulator acc(2);
    EXPECT_TRUE(std::isnan(acc.finish().diceMean));
}

TEST(NcRatio, IsNucleusOverCytoplasmPixels) {
    const auto m = mask({0, 1, 1, 1, 1, 2, 2, 0});
    EXPECT_DOUBLE_EQ(ncRatio(m.data(), m.size(), 2, 1), 0.5);
    const auto noCytoplasm = mask({0, 2, 2});
    EXPECT_TRUE(std::isnan(ncRatio(noCytoplasm.data(), noCytoplasm.size(), 2, 1)));
}

TEST(NcRatio, SplitErrorAveragesAbsoluteDifferencesWhereDefined) {
    MetricsAccumulator acc(3, CellClasses{2, 1});
    const auto t1 = mask({1, 1, 1, 1, 2, 2, 0, 0});  // 0.5
    const auto p1 = mask({1, 1, 1, 1, 2, 0, 0, 0});  // 0.25
    acc.addImage("1", t1.data(), p1.data(), t1.size());
    const auto t2 = mask({1, 1, 2, 2});  // 1.0
    const auto p2 = mask({1, 2, 2, 2});  // 3.0
    acc.addImage("2", t2.data(), p2.data(), t2.size());
    const auto t3 = mask({1, 1, 2, 2});  // 1.0
    const auto p3 = mask({2, 2, 2, 2});  // undefined: no cytoplasm predicted
    acc.addImage("3", t3.data(), p3.data(), t3.size());
    const SplitMetrics m = acc.finish();
    EXPECT_EQ(m.ncImages, 2);
    EXPECT_DOUBLE_EQ(m.ncMeanAbsError, (0.25 + 2.0) / 2);
}

TEST(NcRatio, ReadFromTheClassesNamedNucleusAndCytoplasm) {
    EXPECT_EQ(cellClassesOf({"background", "cytoplasm", "nucleus"}).nucleus, 2);
    EXPECT_EQ(cellClassesOf({"background", "cytoplasm", "nucleus"}).cytoplasm, 1);
    // Named the other way round: the names decide, not the indices.
    const CellClasses swapped = cellClassesOf({"background", "nucleus", "cytoplasm"});
    EXPECT_EQ(swapped.nucleus, 1);
    EXPECT_EQ(swapped.cytoplasm, 2);
    MetricsAccumulator acc(3, swapped);
    const auto t = mask({2, 2, 2, 1, 0, 0});  // 1 nucleus pixel over 3 of cytoplasm
    EXPECT_DOUBLE_EQ(acc.addImage("1", t.data(), t.data(), t.size()).ncTrue, 1.0 / 3.0);
    // The nuclei sample's classes, or a folder's defaults: no N/C.
    EXPECT_EQ(cellClassesOf({"background", "nucleus"}).cytoplasm, -1);
    const CellClasses unnamed = cellClassesOf({"background", "class 1", "class 2"});
    EXPECT_EQ(unnamed.nucleus, -1);
    MetricsAccumulator none(3, unnamed);
    EXPECT_TRUE(std::isnan(none.addImage("1", t.data(), t.data(), t.size()).ncTrue));
    // Nor without classes given (a per-image Dice in a preview, Inspect's single image).
    MetricsAccumulator plain(3);
    EXPECT_TRUE(std::isnan(plain.addImage("1", t.data(), t.data(), t.size()).ncTrue));
}

TEST(SplitMetrics, PixelAccuracyIsPerImageThenAveraged) {
    MetricsAccumulator acc(2);
    const auto t1 = mask({0, 1});
    const auto p1 = mask({0, 1});  // 1.0
    acc.addImage("1", t1.data(), p1.data(), t1.size());
    const auto t2 = mask({0, 1, 1, 1});
    const auto p2 = mask({1, 1, 1, 1});  // 0.75
    acc.addImage("2", t2.data(), p2.data(), t2.size());
    const SplitMetrics m = acc.finish();
    EXPECT_DOUBLE_EQ(m.pixelAccuracy, 0.875);
    EXPECT_EQ(m.confusion.total(), 6);
    EXPECT_EQ(m.images, 2);
}

namespace {
// A w x h mask with a filled square of class 1 at (x0, y0), side s.
std::vector<std::uint8_t> square(int w, int h, int x0, int y0, int s) {
    std::vector<std::uint8_t> m(static_cast<std::size_t>(w) * h, 0);
    for (int y = y0; y < y0 + s; ++y)
        for (int x = x0; x < x0 + s; ++x) m[static_cast<std::size_t>(y) * w + x] = 1;
    return m;
}
}  // namespace

TEST(BoundaryF1, IdenticalMasksScoreOne) {
    const auto m = square(40, 40, 10, 10, 15);
    const auto f = boundaryF1(m.data(), m.data(), 40, 40, 2);
    EXPECT_DOUBLE_EQ(f[1], 1.0);
    EXPECT_DOUBLE_EQ(f[0], 1.0);
}

TEST(BoundaryF1, OnePixelShiftIsWithinTheTolerance) {
    const auto t = square(40, 40, 10, 10, 15);
    const auto p = square(40, 40, 11, 10, 15);
    EXPECT_DOUBLE_EQ(boundaryF1(t.data(), p.data(), 40, 40, 2)[1], 1.0);
}

TEST(BoundaryF1, FourPixelShiftFallsBelowOne) {
    const auto t = square(40, 40, 10, 10, 15);
    const auto p = square(40, 40, 14, 10, 15);
    const double f = boundaryF1(t.data(), p.data(), 40, 40, 2)[1];
    EXPECT_LT(f, 1.0);
    EXPECT_GT(f, 0.0);  // the top and bottom edges still overlap
    // By hand: the square's boundary has 4*15-4 = 56 pixels. Shifted right by 4, the left and
    // right columns (13 interior pixels each + corners) move 4 px away; the top/bottom rows
    // overlap on 11 of 15 pixels and the rest are within 2 px only near the ends.
    const auto tb = classBoundary(t.data(), 40, 40, 1);
    std::size_t n = 0;
    for (auto v : tb) n += v;
    EXPECT_EQ(n, 56u);
}

TEST(BoundaryF1, EmptyInBothIsUndefinedAndOneSidedIsZero) {
    const std::vector<std::uint8_t> empty(400, 0);
    const auto some = square(20, 20, 5, 5, 6);
    EXPECT_TRUE(std::isnan(boundaryF1(empty.data(), empty.data(), 20, 20, 2)[1]));
    EXPECT_DOUBLE_EQ(boundaryF1(empty.data(), some.data(), 20, 20, 2)[1], 0.0);
    EXPECT_DOUBLE_EQ(boundaryF1(some.data(), empty.data(), 20, 20, 2)[1], 0.0);
}

TEST(BoundaryF1, AccumulatorAveragesForegroundClasses) {
    MetricsAccumulator acc(2);
    const auto t = square(40, 40, 10, 10, 15);
    const auto p = square(40, 40, 11, 10, 15);
    const ImageScores &s = acc.addImage("a", t.data(), p.data(), 40, 40);
    ASSERT_EQ(s.boundaryF1.size(), 2u);
    EXPECT_DOUBLE_EQ(s.boundaryF1Mean, 1.0);  // class 1 only
    const SplitMetrics m = acc.finish();
    EXPECT_DOUBLE_EQ(m.boundaryF1Mean, 1.0);
    EXPECT_NEAR(m.dice[1], 2.0 * 14 * 15 / (2 * 225), 1e-12);  // the Dice drop of the same shift
}

// The outline offset (issue #8's analysis): how far the truth's outline lies outside (+) or
// inside (-) the prediction's, found by growing or shrinking the prediction with the 3x3 cross.
TEST(OutlineOffset, FindsHowFarTheAnnotatedOutlineLiesOutsideOrInsideThePrediction) {
    const auto small = square(40, 40, 12, 12, 12), large = square(40, 40, 10, 10, 16);
    // The 12-px square grown twice by the cross is the 16-px square less 3 pixels at each
    // corner (those with dx + dy > 2): 256 - 12 = 244 pixels, all inside the truth, so
    // Dice = 2 * 244 / (256 + 244). Once (192 px) or three times (300 px) matches worse.
    const OutlineOffset grow = outlineOffset(large.data(), small.data(), 40, 40, 1);
    ASSERT_TRUE(grow.defined);
    EXPECT_EQ(grow.pixels, 2);
    EXPECT_DOUBLE_EQ(grow.dice, 2.0 * 244 / 500);
    // The other way round: the 16-px square shrunk twice is exactly the 12-px one.
    const OutlineOffset shrink = outlineOffset(small.data(), large.data(), 40, 40, 1);
    EXPECT_EQ(shrink.pixels, -2);
    EXPECT_DOUBLE_EQ(shrink.dice, 1.0);
    // The background's outline moves the other way.
    EXPECT_EQ(outlineOffset(large.data(), small.data(), 40, 40, 0).pixels, -2);
    const OutlineOffset same = outlineOffset(small.data(), small.data(), 40, 40, 1);
    EXPECT_EQ(same.pixels, 0);
    EXPECT_DOUBLE_EQ(same.dice, 1.0);
    // Limited to maxShift: the best within it.
    EXPECT_EQ(outlineOffset(large.data(), small.data(), 40, 40, 1, 1).pixels, 1);
}

TEST(OutlineOffset, AMissedObjectGainsFromNoMoveAndEmptyMasksHaveNoOffset) {
    const auto here = square(40, 40, 2, 2, 8), there = square(40, 40, 28, 28, 8);
    const OutlineOffset apart = outlineOffset(here.data(), there.data(), 40, 40, 1);
    ASSERT_TRUE(apart.defined);
    EXPECT_EQ(apart.pixels, 0);  // every move gives Dice 0: ties keep 0
    EXPECT_DOUBLE_EQ(apart.dice, 0.0);
    const std::vector<std::uint8_t> empty(1600, 0);
    EXPECT_FALSE(outlineOffset(empty.data(), here.data(), 40, 40, 1).defined);
    EXPECT_FALSE(outlineOffset(here.data(), empty.data(), 40, 40, 1).defined);
    EXPECT_THROW(outlineOffset(here.data(), here.data(), 0, 40, 1), std::invalid_argument);
}

TEST(OutlineOffset, TheImageBorderIsNotAnOutline) {
    // Bands touching the top, left and bottom borders: only their right edges are outlines,
    // so shrinking or growing by 2 moves that edge alone and matches exactly.
    auto band = [](int columns) {
        std::vector<std::uint8_t> m(400, 0);
        for (int y = 0; y < 20; ++y)
            for (int x = 0; x < columns; ++x) m[static_cast<std::size_t>(y) * 20 + x] = 1;
        return m;
    };
    const auto narrow = band(8), wide = band(10);
    const OutlineOffset in = outlineOffset(narrow.data(), wide.data(), 20, 20, 1);
    EXPECT_EQ(in.pixels, -2);
    EXPECT_DOUBLE_EQ(in.dice, 1.0);
    const OutlineOffset out = outlineOffset(wide.data(), narrow.data(), 20, 20, 1);
    EXPECT_EQ(out.pixels, 2);
    EXPECT_DOUBLE_EQ(out.dice, 1.0);
}

TEST(OutlineOffset, TheAccumulatorGivesEachClassItsOffsetWhenItKnowsTheShape) {
    MetricsAccumulator acc(2);
    const auto t = square(40, 40, 10, 10, 16), p = square(40, 40, 11, 11, 14);
    const ImageScores &s = acc.addImage("a", t.data(), p.data(), 40, 40);
    ASSERT_EQ(s.outline.size(), 2u);
    EXPECT_EQ(s.outline[1].pixels, 1);
    EXPECT_EQ(s.outline[0].pixels, -1);
    EXPECT_TRUE(acc.addImage("b", t.data(), p.data(), t.size()).outline.empty());  // no shape: not computed
}
