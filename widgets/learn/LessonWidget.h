#pragma once
// The frame the three op lessons share: an op's result and trace, the animator that
// replays it, the control bar under it, the one-line "what just happened" caption, and
// the input and output grids set up alike.

#include <QWidget>

#include "ops/Trace.h"

class AnimationBar;
class GridEditor;
class QLabel;
class StepAnimator;

class LessonWidget : public QWidget {
    Q_OBJECT
public:
    StepAnimator *animator() const { return m_animator; }
    AnimationBar *animationBar() const { return m_bar; }
    const unetlab::ops::OpResult &result() const { return m_result; }
    QString captionText() const;

protected:
    // Kernel weights the editors allow (Sharpen needs 5).
    static constexpr double kWeightLimit = 5.0;

    // `runText` names the op's run button; `stepsPerSecond` is the starting speed.
    LessonWidget(const QString &runText, int stepsPerSecond, QWidget *parent);

    // Shows what the animator says: called whenever it moves and after setResult().
    virtual void refreshAnimation() = 0;

    // A new result of the op. A different number of steps stops the animation on the
    // whole result; the same number keeps its place (an edit while it plays).
    void setResult(unetlab::ops::OpResult result);
    // The output as far as the animation has got: the whole result when done, NaN (not
    // computed yet) after the current step.
    unetlab::ops::Grid shownOutput() const;
    // Clicking a cell of `output` jumps the animation to the step that computes it.
    void seekOnClick(GridEditor *output);

    // An editable grid of values in [0, 1] (click +0.1 ...) with row and column numbers.
    static GridEditor *makeInputGrid(const QString &name);
    // An editable kernel: weights in [-kWeightLimit, kWeightLimit], diverging colours.
    static GridEditor *makeKernelGrid(const QString &name);
    // A read-only grid that replays the op, with row and column numbers.
    static GridEditor *makeOutputGrid(const QString &name, const QString &clickHint);

    QLabel *caption() const { return m_caption; }

private:
    StepAnimator *m_animator = nullptr;
    AnimationBar *m_bar = nullptr;
    QLabel *m_caption = nullptr;
    unetlab::ops::OpResult m_result;
};
