// The pooling and upsampling lessons: edits recompute, animations end on the full op,
// the max-pool winner is outlined red, the upsampling contributors orange with weights,
// and the transposed-convolution formula is evaluated live.
#include <QLabel>
#include <QPushButton>

#include <cmath>

#include <gtest/gtest.h>

#include "AnimationBar.h"
#include "GridEditor.h"
#include "LearnStyle.h"
#include "LearnTestSupport.h"
#include "PoolingWidget.h"
#include "StepAnimator.h"
#include "UpsamplingWidget.h"
#include "ops/Pool2d.h"
#include "ops/Scenes.h"
#include "ops/TransposedConv2d.h"
#include "ops/Upsample2d.h"

using namespace unetlab::ops;

TEST(PoolingWidget, ClicksRecomputeAndTheAnimationEndsOnTheFullOp) {
    PoolingWidget w;
    showAtLectureSize(&w);
    EXPECT_EQ(w.outputView()->grid(), pool2d(poolingScenes().front().grid, PoolMode::Max).output);
    clickCell(w.inputEditor(), 3, 3);  // 0.1 -> 0.2
    EXPECT_DOUBLE_EQ(w.inputEditor()->value(3, 3), 0.2);
    EXPECT_EQ(w.outputView()->grid(), pool2d(w.inputEditor()->grid(), PoolMode::Max).output);
    w.animator()->setStepsPerSecond(100);
    QTest::mouseClick(w.animationBar()->runButton(), Qt::LeftButton);
    ASSERT_TRUE(waitFor([&] { return w.animator()->isDone(); }));
    EXPECT_EQ(w.outputView()->grid(), pool2d(w.inputEditor()->grid(), PoolMode::Max).output);
    w.setMode(PoolMode::Average);
    EXPECT_EQ(w.outputView()->grid(), pool2d(w.inputEditor()->grid(), PoolMode::Average).output);
}

TEST(PoolingWidget, TheWinnerIsOutlinedInRed) {
    PoolingWidget w;
    showAtLectureSize(&w);
    w.loadScene(1);  // bright dots: one bright cell per window
    clickCell(w.outputView(), 1, 2);
    const TraceStep &step = w.result().trace[1 * 4 + 2];
    const Term &winner = step.terms[static_cast<std::size_t>(step.winner)];
    EXPECT_EQ(winner.input, 1.0);
    const auto marks = w.inputEditor()->highlights();
    ASSERT_EQ(marks.size(), 2);
    EXPECT_EQ(marks[0].colour, learn::kWindowBlue);
    EXPECT_EQ(marks[0].rows, 2);
    EXPECT_EQ(marks[1].colour, learn::kTruthRed);
    EXPECT_EQ(marks[1].row, winner.row);
    EXPECT_EQ(marks[1].col, winner.col);
    EXPECT_TRUE(w.captionText().contains(QStringLiteral("max(")));
    w.setMode(PoolMode::Average);
    EXPECT_EQ(w.inputEditor()->highlights().size(), 1);  // no winner in an average
    EXPECT_TRUE(w.captionText().contains(QStringLiteral("/ 4")));
}

TEST(UpsamplingWidget, BilinearStepsOutlineTheirContributorsInOrange) {
    UpsamplingWidget w;
    showAtLectureSize(&w);
    EXPECT_EQ(w.mode(), UpsamplingWidget::Mode::Bilinear);
    const Grid edge = upsamplingScenes().front().grid;
    EXPECT_EQ(w.outputView()->grid(), upsample2d(edge, UpsampleMode::Bilinear).output);
    clickCell(w.outputView(), 0, 0);
    EXPECT_EQ(w.inputEditor()->highlights().size(), 1);  // a corner copies one cell
    clickCell(w.outputView(), 3, 3);
    const auto marks = w.inputEditor()->highlights();
    ASSERT_EQ(marks.size(), 4);
    for (const auto &m : marks) EXPECT_EQ(m.colour, learn::kContributorOrange);
    EXPECT_EQ(marks[0].badge, QStringLiteral("×0.5625"));
    EXPECT_TRUE(w.captionText().contains(QStringLiteral("row 1.25, column 1.25"))) << w.captionText().toStdString();
    EXPECT_TRUE(w.captionText().contains(QStringLiteral("<b>0.25</b>")));
    w.animator()->setStepsPerSecond(100);
    QTest::mouseClick(w.animationBar()->runButton(), Qt::LeftButton);
    ASSERT_TRUE(waitFor([&] { return w.animator()->isDone(); }));
    EXPECT_EQ(w.outputView()->grid(), upsample2d(edge, UpsampleMode::Bilinear).output);
}

TEST(UpsamplingWidget, NearestCopiesExactlyOneCell) {
    UpsamplingWidget w;
    showAtLectureSize(&w);
    w.setMode(UpsamplingWidget::Mode::Nearest);
    clickCell(w.inputEditor(), 0, 0);  // 0 -> 0.1
    EXPECT_EQ(w.outputView()->grid(), upsample2d(w.inputEditor()->grid(), UpsampleMode::Nearest).output);
    clickCell(w.outputView(), 5, 2);
    ASSERT_EQ(w.inputEditor()->highlights().size(), 1);
    EXPECT_EQ(w.inputEditor()->highlights()[0].row, 2);
    EXPECT_EQ(w.inputEditor()->highlights()[0].col, 1);
}

TEST(UpsamplingWidget, TransposedConvolutionShowsItsFormulaLive) {
    UpsamplingWidget w;
    showAtLectureSize(&w);
    w.setMode(UpsamplingWidget::Mode::Transposed);
    EXPECT_TRUE(w.formulaText().contains(QStringLiteral("(3 − 1)·2 − 2·0 + 1·(3 − 1) + 0 + 1 = <b>7</b>")))
        << w.formulaText().toStdString();
    EXPECT_EQ(w.outputView()->grid().rows(), 7);
    EXPECT_EQ(w.outputView()->grid(), transposedConv2d(Grid(3, 3, 1.0), Grid(3, 3, 1.0), {2, 0, 0, 1}).output);
    w.setTransposedSizes(5, 3);
    EXPECT_TRUE(w.formulaText().contains(QStringLiteral("= <b>11</b>")));
    EXPECT_EQ(w.outputView()->grid().rows(), 11);
    w.setTransposedOptions({2, 1, 1, 1});
    EXPECT_TRUE(w.formulaText().contains(QStringLiteral("(5 − 1)·2 − 2·1 + 1·(3 − 1) + 1 + 1 = <b>10</b>")));
    EXPECT_EQ(w.outputView()->grid(),
              transposedConv2d(w.inputEditor()->grid(), w.kernelEditor()->grid(), {2, 1, 1, 1}).output);
    clickCell(w.kernelEditor(), 0, 0);  // 1.0 -> 1.1
    EXPECT_EQ(w.outputView()->grid(),
              transposedConv2d(w.inputEditor()->grid(), w.kernelEditor()->grid(), {2, 1, 1, 1}).output);
    // An output cell where two stamps overlap lists both, with their kernel taps outlined.
    clickCell(w.outputView(), 1, 1);
    const TraceStep &step = w.result().trace[1 * 10 + 1];
    EXPECT_EQ(w.inputEditor()->highlights().size(), static_cast<int>(step.terms.size()));
    EXPECT_EQ(w.kernelEditor()->highlights().size(), static_cast<int>(step.terms.size()));
    w.setTransposedOptions({2, 0, 2, 1});  // output padding must stay below the stride
    EXPECT_TRUE(w.formulaText().contains(QStringLiteral("not allowed")));
    EXPECT_FALSE(w.hasResult());
    w.animator()->setStepsPerSecond(100);
    w.setTransposedOptions({3, 0, 0, 1});
    QTest::mouseClick(w.animationBar()->runButton(), Qt::LeftButton);
    ASSERT_TRUE(waitFor([&] { return w.animator()->isDone(); }));
    EXPECT_EQ(w.outputView()->grid(),
              transposedConv2d(w.inputEditor()->grid(), w.kernelEditor()->grid(), {3, 0, 0, 1}).output);
}
