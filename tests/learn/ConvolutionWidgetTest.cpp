// The convolution lesson: Dice follows every edit, presets and the threshold, the
// animation ends on the full op, and "Learn the kernel" beats every preset.
#include <QDoubleSpinBox>
#include <QLabel>
#include <QPushButton>
#include <QSignalSpy>
#include <QSlider>

#include <cmath>

#include <gtest/gtest.h>

#include "AnimationBar.h"
#include "ConvolutionWidget.h"
#include "GridEditor.h"
#include "LearnTestSupport.h"
#include "StepAnimator.h"
#include "ops/Conv2d.h"
#include "ops/Dice.h"
#include "ops/Scenes.h"

using namespace unetlab::ops;

namespace {

double expectedDice(const ConvolutionWidget &w) {
    const Grid truth = windowCentres(w.truthEditor()->grid(), 3, 3, w.options());
    return thresholdDice(conv2d(w.inputEditor()->grid(), w.kernelEditor()->grid(), w.options()).output, w.threshold(),
                         truth)
        .dice();
}

// The best Dice any fixed preset reaches on the widget's scene at any slider threshold.
double bestPresetDice(const ConvolutionWidget &w) {
    const Grid truth = windowCentres(w.truthEditor()->grid(), 3, 3, w.options());
    double best = 0;
    for (KernelPreset preset : kernelPresets()) {
        const Grid map = conv2d(w.inputEditor()->grid(), kernelPreset(preset), w.options()).output;
        for (int t = -500; t <= 500; ++t) {
            const DiceScore s = thresholdDice(map, t / 100.0, truth);
            if (s.defined()) best = std::max(best, s.dice());
        }
    }
    return best;
}

}  // namespace

TEST(ConvolutionWidget, StartsOnTheCellSceneWithLiveDice) {
    ConvolutionWidget w;
    showAtLectureSize(&w);
    EXPECT_EQ(w.inputEditor()->grid(), cellScene());
    EXPECT_EQ(w.truthEditor()->grid(), cellSceneTruth());
    EXPECT_EQ(w.kernelEditor()->grid(), kernelPreset(KernelPreset::Blur));
    EXPECT_EQ(w.featureMapView()->grid(), conv2d(cellScene(), kernelPreset(KernelPreset::Blur)).output);
    EXPECT_DOUBLE_EQ(w.dice().dice(), expectedDice(w));
    EXPECT_EQ(w.diceText(), QStringLiteral("Dice = %1").arg(expectedDice(w), 0, 'f', 2));
}

TEST(ConvolutionWidget, EdgeHAndTheThresholdChangeDiceLive) {
    ConvolutionWidget w;
    showAtLectureSize(&w);
    QSignalSpy diceChanged(&w, &ConvolutionWidget::diceChanged);
    QTest::mouseClick(w.presetButton(KernelPreset::EdgeH), Qt::LeftButton);
    EXPECT_EQ(w.kernelEditor()->grid(), kernelPreset(KernelPreset::EdgeH));
    EXPECT_GE(diceChanged.count(), 1);
    QSet<QString> shown;
    for (int v : {-250, -185, -100, 0, 100}) {
        w.thresholdSlider()->setValue(v);
        EXPECT_DOUBLE_EQ(w.threshold(), v / 100.0);
        EXPECT_DOUBLE_EQ(w.dice().dice(), expectedDice(w)) << v;
        shown.insert(w.diceText());
    }
    EXPECT_GE(shown.size(), 3);  // Dice really moves with the threshold
    EXPECT_GE(diceChanged.count(), 6);
}

TEST(ConvolutionWidget, ClicksOnTheInputAndTruthUpdateEverything) {
    ConvolutionWidget w;
    showAtLectureSize(&w);
    clickCell(w.inputEditor(), 4, 4);  // 0.05 -> 0.1
    EXPECT_DOUBLE_EQ(w.inputEditor()->value(4, 4), 0.1);
    EXPECT_EQ(w.featureMapView()->grid(), conv2d(w.inputEditor()->grid(), w.kernelEditor()->grid()).output);
    const double before = w.dice().dice();
    clickCell(w.truthEditor(), 1, 1);  // a bright cell the blur predicts becomes foreground
    EXPECT_EQ(w.truthEditor()->value(1, 1), 1.0);
    EXPECT_DOUBLE_EQ(w.dice().dice(), expectedDice(w));
    EXPECT_NE(w.dice().dice(), before);
}

TEST(ConvolutionWidget, AKnownEditGivesTheKnownDice) {
    ConvolutionWidget w;
    showAtLectureSize(&w);
    QTest::mouseClick(w.presetButton(KernelPreset::Identity), Qt::LeftButton);
    // Type -1 into the kernel's centre: the feature map becomes the negated image.
    w.kernelEditor()->setFocus();
    w.kernelEditor()->setCurrentCell(1, 1);
    QTest::keyClick(w.kernelEditor(), Qt::Key_Return);
    auto *box = w.kernelEditor()->findChild<QDoubleSpinBox *>();
    ASSERT_NE(box, nullptr);
    box->setValue(-1.0);
    QTest::keyClick(box, Qt::Key_Return);
    EXPECT_EQ(w.kernelEditor()->value(1, 1), -1.0);
    w.setThreshold(-0.5);
    EXPECT_EQ(w.dice().truePositives, 14);
    EXPECT_EQ(w.diceText(), QStringLiteral("Dice = 1.00"));
    // Six clicks take the nucleus centre from 0.05 to 0.6, brighter than the threshold:
    // one nucleus cell missed, Dice = 2*13 / (2*13 + 0 + 1) = 0.96.
    for (int i = 0; i < 6; ++i) clickCell(w.inputEditor(), 4, 4);
    EXPECT_DOUBLE_EQ(w.inputEditor()->value(4, 4), 0.6);
    EXPECT_EQ(w.dice().falseNegatives, 1);
    EXPECT_DOUBLE_EQ(w.dice().dice(), 26.0 / 27.0);
    EXPECT_EQ(w.diceText(), QStringLiteral("Dice = 0.96"));
}

TEST(ConvolutionWidget, TheAnimationEndsOnTheFullOp) {
    ConvolutionWidget w;
    showAtLectureSize(&w);
    QTest::mouseClick(w.presetButton(KernelPreset::Sharpen), Qt::LeftButton);
    w.animator()->setStepsPerSecond(100);
    QTest::mouseClick(w.animationBar()->runButton(), Qt::LeftButton);
    EXPECT_TRUE(w.animator()->isPlaying());
    EXPECT_TRUE(std::isnan(w.featureMapView()->value(9, 9)));  // not computed yet
    ASSERT_TRUE(waitFor([&] { return w.animator()->isDone(); }));
    EXPECT_EQ(w.featureMapView()->grid(), w.result().output);
    EXPECT_EQ(w.featureMapView()->grid(), conv2d(cellScene(), kernelPreset(KernelPreset::Sharpen)).output);
    EXPECT_TRUE(w.inputEditor()->highlights().isEmpty());
}

TEST(ConvolutionWidget, EachStepShowsItsWindowProductsAndSum) {
    ConvolutionWidget w;
    showAtLectureSize(&w);
    QTest::mouseClick(w.presetButton(KernelPreset::EdgeH), Qt::LeftButton);
    QTest::mouseClick(w.animationBar()->stepButton(), Qt::LeftButton);
    EXPECT_EQ(w.animator()->currentStep(), 0);
    // First window: rows -1..1, columns -1..1 (half of it in the zero padding).
    ASSERT_EQ(w.inputEditor()->highlights().size(), 1);
    EXPECT_EQ(w.inputEditor()->highlights()[0].row, -1);
    EXPECT_EQ(w.inputEditor()->highlights()[0].rows, 3);
    EXPECT_TRUE(w.captionText().contains(QStringLiteral("padding")));
    // Click output (3, 4): the animation jumps there.
    clickCell(w.featureMapView(), 3, 4);
    const TraceStep &step = w.result().trace[3 * 10 + 4];
    EXPECT_EQ(w.animator()->currentStep(), 34);
    for (const Term &t : step.terms)
        EXPECT_DOUBLE_EQ(w.productsView()->value(t.tap.row, t.tap.col), t.input * t.weight);
    EXPECT_TRUE(w.captionText().contains(QStringLiteral("<b>%1</b>").arg(step.value, 0, 'f', 2)))
        << w.captionText().toStdString();
    EXPECT_EQ(w.inputEditor()->highlights()[0].row, 2);
    EXPECT_EQ(w.inputEditor()->highlights()[0].col, 3);
    // The cells before it are filled, the rest not yet.
    EXPECT_DOUBLE_EQ(w.featureMapView()->value(3, 4), step.value);
    EXPECT_TRUE(std::isnan(w.featureMapView()->value(3, 5)));
}

TEST(ConvolutionWidget, PaddingAndStrideChangeTheOutputAsExplained) {
    ConvolutionWidget w;
    showAtLectureSize(&w);
    w.setOptions({Padding::None, 1});
    EXPECT_EQ(w.featureMapView()->grid().rows(), 8);
    EXPECT_EQ(w.predictionView()->grid().rows(), 8);
    EXPECT_EQ(w.featureMapView()->grid(), conv2d(cellScene(), w.kernelEditor()->grid(), {Padding::None, 1}).output);
    EXPECT_DOUBLE_EQ(w.dice().dice(), expectedDice(w));
    w.setOptions({Padding::Reflect, 2});
    EXPECT_EQ(w.featureMapView()->grid().rows(), 5);
    EXPECT_EQ(w.featureMapView()->grid(), conv2d(cellScene(), w.kernelEditor()->grid(), {Padding::Reflect, 2}).output);
    EXPECT_EQ(w.animator()->stepCount(), 25);
}

TEST(ConvolutionWidget, LearnTheKernelBeatsEveryPreset) {
    ConvolutionWidget w;
    showAtLectureSize(&w);
    const double best = bestPresetDice(w);
    QSignalSpy finished(&w, &ConvolutionWidget::learningFinished);
    QTest::mouseClick(w.learnButton(), Qt::LeftButton);
    EXPECT_TRUE(w.isLearning());
    EXPECT_EQ(w.learnButton()->text(), QStringLiteral("Stop learning"));
    ASSERT_TRUE(waitFor([&] { return finished.count() == 1; }, 30000));
    EXPECT_FALSE(w.isLearning());
    EXPECT_GT(w.dice().dice(), best);
    EXPECT_GE(w.dice().dice(), 0.95);
    // What the student sees reproduces the Dice: weights and threshold on the 0.01 grid.
    for (double v : w.kernelEditor()->grid().values()) EXPECT_NEAR(v * 100, std::round(v * 100), 1e-6);
    EXPECT_NEAR(w.threshold() * 100, std::round(w.threshold() * 100), 1e-6);
    EXPECT_DOUBLE_EQ(w.dice().dice(), expectedDice(w));
    EXPECT_TRUE(w.learnStatusText().contains(QStringLiteral("best preset")));
}

TEST(ConvolutionWidget, AnEditStopsLearning) {
    ConvolutionWidget w;
    showAtLectureSize(&w);
    w.startLearning();
    ASSERT_TRUE(w.isLearning());
    clickCell(w.inputEditor(), 0, 0);
    EXPECT_FALSE(w.isLearning());
    EXPECT_TRUE(w.learnStatusText().startsWith(QStringLiteral("Stopped")));
}
