// Metrics against hand-computed cases (MISSION §7) and the documented empty-mask rule.
#include <cmath>
#include <cstdint>

#include <gtest/gtest.h>

#include "train/BoundaryF1.h"
#include "train/Metrics.h"

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
