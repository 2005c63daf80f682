// GridEditor: clicks, shift-clicks, the wheel and the keyboard change values as the
// lessons promise; read-only grids report clicks; screen readers get names.
#include <QDoubleSpinBox>
#include <QSignalSpy>
#include <QTest>
#include <QWheelEvent>

#include <gtest/gtest.h>

#include "GridEditor.h"
#include "LearnTestSupport.h"
#include "StepAnimator.h"

using unetlab::ops::Grid;

namespace {

struct ShownGrid {
    GridEditor editor;
    explicit ShownGrid(const Grid &g) {
        editor.setGrid(g);
        editor.resize(400, 400);
        editor.show();
        QCoreApplication::processEvents();
    }
};

void wheel(GridEditor *grid, int row, int col, int delta) {
    const QPointF pos = grid->cellRect(row, col).center();
    QWheelEvent event(pos, grid->mapToGlobal(pos), QPoint(), QPoint(0, delta), Qt::NoButton, Qt::NoModifier,
                      Qt::NoScrollPhase, false);
    QCoreApplication::sendEvent(grid, &event);
}

}  // namespace

TEST(GridEditor, ClickCyclesUpInTenthsAndWraps) {
    ShownGrid s(Grid(2, 2, 0.0));
    QSignalSpy edited(&s.editor, &GridEditor::valueEdited);
    clickCell(&s.editor, 1, 0);
    EXPECT_DOUBLE_EQ(s.editor.value(1, 0), 0.1);
    ASSERT_EQ(edited.count(), 1);
    EXPECT_EQ(edited.front().at(0).toInt(), 1);
    EXPECT_EQ(edited.front().at(1).toInt(), 0);
    for (int i = 0; i < 9; ++i) clickCell(&s.editor, 1, 0);
    EXPECT_DOUBLE_EQ(s.editor.value(1, 0), 1.0);
    clickCell(&s.editor, 1, 0);
    EXPECT_DOUBLE_EQ(s.editor.value(1, 0), 0.0);  // 1.0 wraps to 0.0
    clickCell(&s.editor, 1, 0, Qt::ShiftModifier);
    EXPECT_DOUBLE_EQ(s.editor.value(1, 0), 1.0);  // and back
    clickCell(&s.editor, 1, 0, Qt::ShiftModifier);
    EXPECT_DOUBLE_EQ(s.editor.value(1, 0), 0.9);
    EXPECT_DOUBLE_EQ(s.editor.value(0, 0), 0.0);  // other cells untouched
}

TEST(GridEditor, OffGridValuesSnapToTheNextTenth) {
    ShownGrid s(Grid::fromRows({{0.05, 0.95}}));
    clickCell(&s.editor, 0, 0);
    EXPECT_DOUBLE_EQ(s.editor.value(0, 0), 0.1);
    clickCell(&s.editor, 0, 1, Qt::ShiftModifier);
    EXPECT_DOUBLE_EQ(s.editor.value(0, 1), 0.9);
}

TEST(GridEditor, WheelStepsWithoutWrapping) {
    ShownGrid s(Grid(1, 2, 0.9));
    wheel(&s.editor, 0, 1, 120);
    EXPECT_DOUBLE_EQ(s.editor.value(0, 1), 1.0);
    wheel(&s.editor, 0, 1, 120);
    EXPECT_DOUBLE_EQ(s.editor.value(0, 1), 1.0);  // stays at the maximum
    wheel(&s.editor, 0, 1, -120);
    EXPECT_DOUBLE_EQ(s.editor.value(0, 1), 0.9);
}

TEST(GridEditor, KeyboardMovesAndEdits) {
    ShownGrid s(Grid(3, 3, 0.5));
    s.editor.setFocus();
    QTest::keyClick(&s.editor, Qt::Key_Right);
    QTest::keyClick(&s.editor, Qt::Key_Down);
    EXPECT_EQ(s.editor.currentCell(), (unetlab::ops::Cell{1, 1}));
    QTest::keyClick(&s.editor, Qt::Key_Space);
    EXPECT_DOUBLE_EQ(s.editor.value(1, 1), 0.6);
    QTest::keyClick(&s.editor, Qt::Key_Space, Qt::ShiftModifier);
    QTest::keyClick(&s.editor, Qt::Key_Space, Qt::ShiftModifier);
    EXPECT_DOUBLE_EQ(s.editor.value(1, 1), 0.4);
    QTest::keyClick(&s.editor, Qt::Key_Plus);
    EXPECT_DOUBLE_EQ(s.editor.value(1, 1), 0.5);
    QTest::keyClick(&s.editor, Qt::Key_Up);
    QTest::keyClick(&s.editor, Qt::Key_Up);  // stops at the edge
    EXPECT_EQ(s.editor.currentCell(), (unetlab::ops::Cell{0, 1}));
    // Enter types an exact value.
    QTest::keyClick(&s.editor, Qt::Key_Return);
    auto *box = s.editor.findChild<QDoubleSpinBox *>();
    ASSERT_NE(box, nullptr);
    box->setValue(0.37);
    QTest::keyClick(box, Qt::Key_Return);
    EXPECT_DOUBLE_EQ(s.editor.value(0, 1), 0.37);
    EXPECT_TRUE(s.editor.accessibleDescription().contains(QStringLiteral("row 0, column 1: 0.37")))
        << s.editor.accessibleDescription().toStdString();
}

TEST(GridEditor, MaskCellsToggle) {
    ShownGrid s(Grid(2, 2, 0.0));
    s.editor.setColourMap(GridEditor::ColourMap::Mask);
    s.editor.setValueSteps({0.0, 1.0, 1.0, true});
    clickCell(&s.editor, 0, 1);
    EXPECT_EQ(s.editor.value(0, 1), 1.0);
    EXPECT_EQ(s.editor.cellColour(1.0), QColor(214, 39, 40));  // ground-truth red
    clickCell(&s.editor, 0, 1);
    EXPECT_EQ(s.editor.value(0, 1), 0.0);
}

TEST(GridEditor, ReadOnlyGridsReportClicksInstead) {
    ShownGrid s(Grid(2, 3, 0.2));
    s.editor.setEditable(false);
    QSignalSpy activated(&s.editor, &GridEditor::cellActivated);
    QSignalSpy edited(&s.editor, &GridEditor::valueEdited);
    clickCell(&s.editor, 1, 2);
    EXPECT_EQ(edited.count(), 0);
    EXPECT_DOUBLE_EQ(s.editor.value(1, 2), 0.2);
    ASSERT_EQ(activated.count(), 1);
    EXPECT_EQ(activated.front().at(0).toInt(), 1);
    EXPECT_EQ(activated.front().at(1).toInt(), 2);
}

TEST(GridEditor, NamesAndColoursForReadersAndProjectors) {
    ShownGrid s(Grid(2, 2, 0.0));
    s.editor.setGridName(QStringLiteral("Input image"));
    EXPECT_EQ(s.editor.accessibleName(), QStringLiteral("Input image"));
    EXPECT_TRUE(s.editor.accessibleDescription().startsWith(QStringLiteral("2 by 2 grid")));
    EXPECT_EQ(s.editor.cellColour(0.0), QColor(Qt::black));
    EXPECT_EQ(s.editor.cellColour(1.0), QColor(Qt::white));
    s.editor.setColourMap(GridEditor::ColourMap::Diverging);
    s.editor.setColourRange(-2, 2);
    EXPECT_GT(s.editor.cellColour(-2).blue(), s.editor.cellColour(-2).green());
    EXPECT_GT(s.editor.cellColour(2).green(), s.editor.cellColour(2).red());
}

TEST(GridEditor, CellsLandOnDevicePixels) {
    ShownGrid s(Grid(3, 4, 0.5));
    s.editor.resize(333, 251);
    QCoreApplication::processEvents();
    const qreal dpr = s.editor.devicePixelRatioF();
    const QRectF r = s.editor.cellRect(1, 2);
    for (qreal edge : {r.left(), r.top(), r.width()}) EXPECT_DOUBLE_EQ(edge * dpr, std::round(edge * dpr));
}

TEST(StepAnimator, StepsPlaysAndReplays) {
    StepAnimator a;
    a.setStepCount(3);
    EXPECT_TRUE(a.isDone());  // a new trace shows the whole result
    EXPECT_EQ(a.currentStep(), -1);
    a.step();
    EXPECT_EQ(a.position(), 1);
    EXPECT_EQ(a.currentStep(), 0);
    a.step();
    a.step();
    EXPECT_EQ(a.currentStep(), 2);  // the last window stays visible for one step
    EXPECT_FALSE(a.isDone());
    a.step();
    EXPECT_TRUE(a.isDone());
    a.step();  // stepping a finished animation starts it again
    EXPECT_EQ(a.currentStep(), 0);
    a.seek(2);
    EXPECT_EQ(a.currentStep(), 1);
    a.finish();
    EXPECT_TRUE(a.isDone());
    EXPECT_EQ(a.position(), 3);
    a.setStepsPerSecond(100);
    a.run();
    EXPECT_TRUE(a.isPlaying());
    EXPECT_EQ(a.currentStep(), 0);  // the first window appears at once
    ASSERT_TRUE(waitFor([&] { return a.isDone(); }, 2000));
    EXPECT_FALSE(a.isPlaying());
}
