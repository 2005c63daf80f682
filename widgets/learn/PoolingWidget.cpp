#include "PoolingWidget.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QRadioButton>
#include <QVBoxLayout>

#include "AnimationBar.h"
#include "GridEditor.h"
#include "LearnStyle.h"
#include "PageScroll.h"
#include "StepAnimator.h"
#include "ops/Scenes.h"

using namespace unetlab::ops;

namespace {

QStringList values(const TraceStep &step) {
    QStringList list;
    for (const Term &t : step.terms) list << learn::formatNumber(t.input, 2);
    return list;
}

}  // namespace

PoolingWidget::PoolingWidget(QWidget *parent) : LessonWidget(tr("Run Pooling"), 2, parent) {
    setAccessibleName(tr("Pooling lesson"));
    m_input = makeInputGrid(tr("Pooling input"));
    m_input->setCellSizeLimits(30, 80);
    m_input->setBlockSize(2);  // the pooling windows
    m_output = makeOutputGrid(tr("Pooling output"), tr("Click an output cell to see which window made it"));
    m_output->setCellSizeLimits(30, 80);

    auto *toolbar = new QHBoxLayout;
    toolbar->addWidget(learn::titleLabel(tr("Scene:")));
    m_scenes = new QComboBox;
    for (const NamedGrid &scene : poolingScenes()) m_scenes->addItem(QString::fromStdString(scene.name));
    m_scenes->setAccessibleName(tr("Scene"));
    toolbar->addWidget(m_scenes);
    toolbar->addSpacing(24);
    toolbar->addWidget(learn::titleLabel(tr("Pooling:")));
    m_max = new QRadioButton(tr("Max"));
    m_average = new QRadioButton(tr("Average"));
    m_max->setChecked(true);
    for (QRadioButton *b : {m_max, m_average}) {
        learn::scaleFont(b, 1.15);
        toolbar->addWidget(b);
    }
    toolbar->addStretch(1);

    auto *inputBox = new QVBoxLayout;
    inputBox->addWidget(learn::titleLabel(tr("Input 8 × 8")));
    inputBox->addWidget(m_input, 1);
    auto *outputBox = new QVBoxLayout;
    outputBox->addWidget(learn::titleLabel(tr("Output 4 × 4 (2×2 window, stride 2)")));
    outputBox->addWidget(m_output, 1);
    auto *lessons = learn::captionLabel();
    lessons->setText(
        tr("<b>What pooling teaches</b><ul>"
           "<li><b>No learnable parameters:</b> the rule is fixed; training never changes it.</li>"
           "<li><b>Destructive:</b> max-pooling keeps the largest value and forgets where in the "
           "window it was; the other three are gone.</li>"
           "<li><b>Cheap context:</b> each output cell covers 2×2 inputs, so every layer after it "
           "sees twice as far for the same kernel size: the receptive field grows.</li></ul>"));
    lessons->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    lessons->setMinimumWidth(280);
    auto *grids = new QHBoxLayout;
    grids->setSpacing(32);
    grids->addLayout(inputBox, 2);
    grids->addLayout(outputBox, 1);
    grids->addWidget(lessons, 1);

    // Scrolls on a small screen (or in presentation mode) rather than forcing the window larger.
    auto *layout = new QVBoxLayout(PageScroll::content(this, tr("Pooling lesson")));
    layout->addLayout(toolbar);
    layout->addLayout(grids, 1);
    layout->addWidget(caption());
    layout->addWidget(animationBar());

    connect(m_scenes, qOverload<int>(&QComboBox::currentIndexChanged), this, &PoolingWidget::loadScene);
    connect(m_max, &QRadioButton::toggled, this, [this](bool on) { setMode(on ? PoolMode::Max : PoolMode::Average); });
    connect(m_input, &GridEditor::valueEdited, this, &PoolingWidget::recompute);
    seekOnClick(m_output);
    loadScene(0);
}

void PoolingWidget::setMode(PoolMode mode) {
    m_mode = mode;
    (mode == PoolMode::Max ? m_max : m_average)->setChecked(true);
    recompute();
}

void PoolingWidget::loadScene(int index) {
    const auto scenes = poolingScenes();
    if (index < 0 || index >= static_cast<int>(scenes.size())) return;
    if (m_scenes->currentIndex() != index) {
        m_scenes->setCurrentIndex(index);  // the combo box's signal loads it
        return;
    }
    m_input->setGrid(scenes[static_cast<std::size_t>(index)].grid);
    recompute();
}

void PoolingWidget::recompute() { setResult(pool2d(m_input->grid(), m_mode)); }

QString PoolingWidget::stepCaption(const TraceStep &step) const {
    const Term &first = step.terms.front();
    const QString window =
        tr("Window rows %1–%2, columns %3–%4").arg(first.row).arg(first.row + 1).arg(first.col).arg(first.col + 1);
    const QString result = learn::formatNumber(step.value, 2);
    if (m_mode == PoolMode::Average)
        return tr("%1: (%2) / 4 = <b>%3</b> → output (%4, %5). Every input counts a quarter.")
            .arg(window, values(step).join(QStringLiteral(" + ")), result)
            .arg(step.out.row)
            .arg(step.out.col);
    const Term &winner = step.terms[static_cast<std::size_t>(step.winner)];
    return tr("%1: max(%2) = <b>%3</b> → output (%4, %5). The red cell (%6, %7) won; the other three are "
              "dropped, and the output no longer says where the maximum was.")
        .arg(window, values(step).join(QStringLiteral(", ")), result)
        .arg(step.out.row)
        .arg(step.out.col)
        .arg(winner.row)
        .arg(winner.col);
}

void PoolingWidget::refreshAnimation() {
    m_output->setGrid(shownOutput());
    const int current = animator()->currentStep();
    if (current < 0) {
        m_input->setHighlights({});
        m_output->setHighlights({});
        caption()->setText(animator()->isDone()
                               ? tr("%1-pooling turned 64 inputs into 16 outputs. Press <b>Run Pooling</b> to watch "
                                    "each 2×2 window, or click an output cell.")
                                     .arg(m_mode == PoolMode::Max ? tr("Max") : tr("Average"))
                               : tr("Ready: the 2×2 window starts at the top-left corner."));
        return;
    }
    const TraceStep &step = result().trace[static_cast<std::size_t>(current)];
    const Term &first = step.terms.front();
    QVector<GridEditor::Highlight> marks{{first.row, first.col, 2, 2, learn::kWindowBlue, 4, false, {}}};
    if (step.winner >= 0) {
        const Term &w = step.terms[static_cast<std::size_t>(step.winner)];
        marks.push_back({w.row, w.col, 1, 1, learn::kTruthRed, 5, false, tr("max")});
    }
    m_input->setHighlights(marks);
    m_output->setHighlights({{step.out.row, step.out.col, 1, 1, learn::kWindowBlue, 4, false, {}}});
    caption()->setText(stepCaption(step));
}
