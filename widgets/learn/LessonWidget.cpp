#include "LessonWidget.h"

#include <QLabel>

#include "AnimationBar.h"
#include "GridEditor.h"
#include "LearnStyle.h"
#include "StepAnimator.h"

using unetlab::ops::Grid;
using unetlab::ops::OpResult;

LessonWidget::LessonWidget(const QString &runText, int stepsPerSecond, QWidget *parent) : QWidget(parent) {
    m_animator = new StepAnimator(this);
    m_animator->setStepsPerSecond(stepsPerSecond);
    m_bar = new AnimationBar(m_animator, runText);
    m_caption = learn::captionLabel();
    learn::scaleFont(m_caption, 1.1);
    m_caption->setMinimumHeight(m_caption->fontMetrics().height() * 2 + 4);
    // refreshAnimation() is virtual: only call it once the derived lesson exists.
    connect(m_animator, &StepAnimator::changed, this, [this] { refreshAnimation(); });
}

QString LessonWidget::captionText() const { return m_caption->text(); }

void LessonWidget::setResult(OpResult result) {
    const bool sameSteps = result.trace.size() == m_result.trace.size();
    m_result = std::move(result);
    if (sameSteps)
        refreshAnimation();
    else
        m_animator->setStepCount(static_cast<int>(m_result.trace.size()));  // refreshes through changed()
}

Grid LessonWidget::shownOutput() const {
    return m_animator->isDone() ? m_result.output : replay(m_result, static_cast<std::size_t>(m_animator->position()));
}

void LessonWidget::seekOnClick(GridEditor *output) {
    connect(output, &GridEditor::cellActivated, this,
            [this](int row, int col) { m_animator->seek(row * m_result.output.cols() + col + 1); });
}

GridEditor *LessonWidget::makeInputGrid(const QString &name) {
    auto *grid = new GridEditor;
    grid->setGridName(name);
    grid->setColourMap(GridEditor::ColourMap::Grey);
    grid->setShowIndices(true);
    grid->setToolTip(
        tr("Click: +0.1 (1.0 wraps to 0.0) · Shift+click: −0.1 · Wheel: ±0.1 · "
           "Right-click or Enter: type a value"));
    return grid;
}

GridEditor *LessonWidget::makeKernelGrid(const QString &name) {
    auto *grid = new GridEditor;
    grid->setGridName(name);
    grid->setColourMap(GridEditor::ColourMap::Diverging);
    grid->setColourRange(-1.0, 1.0);
    grid->setValueSteps({-kWeightLimit, kWeightLimit, 0.1, false});
    grid->setToolTip(tr("Click: +0.1 · Shift+click: −0.1 · Wheel: ±0.1 · Right-click or Enter: type a weight"));
    return grid;
}

GridEditor *LessonWidget::makeOutputGrid(const QString &name, const QString &clickHint) {
    auto *grid = new GridEditor;
    grid->setGridName(name);
    grid->setEditable(false);
    grid->setShowIndices(true);
    grid->setToolTip(clickHint);
    return grid;
}
