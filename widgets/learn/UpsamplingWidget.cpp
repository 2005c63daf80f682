#include "UpsamplingWidget.h"

#include <QComboBox>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QRadioButton>
#include <QSpinBox>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

#include "AnimationBar.h"
#include "GridEditor.h"
#include "LearnStyle.h"
#include "PageScroll.h"
#include "StepAnimator.h"
#include "ops/Scenes.h"

using namespace unetlab::ops;

namespace {

// Interpolation weights are products of 1/4 and 3/4: four decimals write them exactly.
QString weightText(double w) {
    QString text = QString::number(w, 'f', 4);
    while (text.endsWith(QLatin1Char('0')) && text.indexOf(QLatin1Char('.')) < text.size() - 3) text.chop(1);
    return text;
}

// The grid resized to rows x cols, keeping the values that still fit; new cells are `fill`.
Grid resized(const Grid &grid, int rows, int cols, double fill) {
    Grid out(rows, cols, fill);
    for (int r = 0; r < std::min(rows, grid.rows()); ++r)
        for (int c = 0; c < std::min(cols, grid.cols()); ++c) out.at(r, c) = grid.at(r, c);
    return out;
}

QSpinBox *spinBox(int lo, int hi, int value, const QString &name) {
    auto *box = new QSpinBox;
    box->setRange(lo, hi);
    box->setValue(value);
    box->setAccessibleName(name);
    learn::scaleFont(box, 1.1);
    box->setMinimumWidth(box->fontMetrics().horizontalAdvance(QStringLiteral("00")) * 3);
    return box;
}

}  // namespace

UpsamplingWidget::UpsamplingWidget(QWidget *parent) : LessonWidget(tr("Run Upsampling"), 3, parent) {
    setAccessibleName(tr("Upsampling lesson"));
    m_input = makeInputGrid(tr("Upsampling input"));
    m_input->setCellSizeLimits(30, 80);
    m_kernel = makeKernelGrid(tr("Transposed-convolution kernel"));
    m_kernel->setCellSizeLimits(30, 72);
    m_kernel->setShowIndices(true);
    m_output = makeOutputGrid(tr("Upsampling output"), tr("Click an output cell to see where its value came from"));
    m_output->setCellSizeLimits(18, 80);
    m_formula = learn::captionLabel();
    learn::scaleFont(m_formula, 1.1);

    auto *toolbar = new QHBoxLayout;
    toolbar->addWidget(learn::titleLabel(tr("Mode:")));
    m_nearest = new QRadioButton(tr("Nearest"));
    m_bilinear = new QRadioButton(tr("Bilinear"));
    m_transposed = new QRadioButton(tr("Transposed convolution"));
    for (QRadioButton *b : {m_nearest, m_bilinear, m_transposed}) {
        learn::scaleFont(b, 1.15);
        toolbar->addWidget(b);
    }
    m_bilinear->setChecked(true);
    toolbar->addSpacing(24);
    m_sceneRow = new QWidget;
    auto *sceneLayout = new QHBoxLayout(m_sceneRow);
    sceneLayout->setContentsMargins(0, 0, 0, 0);
    sceneLayout->addWidget(learn::titleLabel(tr("Scene:")));
    m_scenes = new QComboBox;
    for (const NamedGrid &scene : upsamplingScenes()) m_scenes->addItem(QString::fromStdString(scene.name));
    m_scenes->setAccessibleName(tr("Scene"));
    sceneLayout->addWidget(m_scenes);
    toolbar->addWidget(m_sceneRow);
    toolbar->addStretch(1);

    auto *inputBox = new QVBoxLayout;
    m_inputTitle = learn::titleLabel(QString());
    inputBox->addWidget(m_inputTitle);
    inputBox->addWidget(m_input, 1);
    m_kernelBox = new QWidget;
    auto *kernelLayout = new QVBoxLayout(m_kernelBox);
    kernelLayout->setContentsMargins(0, 0, 0, 0);
    kernelLayout->addWidget(learn::titleLabel(tr("Kernel (learnable)")));
    kernelLayout->addWidget(m_kernel, 1);
    inputBox->addWidget(m_kernelBox, 1);
    auto *outputBox = new QVBoxLayout;
    m_outputTitle = learn::titleLabel(QString());
    outputBox->addWidget(m_outputTitle);
    outputBox->addWidget(m_output, 1);
    m_lessons = learn::captionLabel();
    m_lessons->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    m_lessons->setMinimumWidth(280);
    auto *side = new QVBoxLayout;
    side->addWidget(buildTransposedControls());
    side->addWidget(m_lessons, 1);
    auto *grids = new QHBoxLayout;
    grids->setSpacing(32);
    grids->addLayout(inputBox, 4);
    grids->addLayout(outputBox, 8);
    grids->addLayout(side, 4);

    // Scrolls on a small screen (or in presentation mode) rather than forcing the window larger.
    auto *layout = new QVBoxLayout(PageScroll::content(this, tr("Upsampling lesson")));
    layout->addLayout(toolbar);
    layout->addLayout(grids, 1);
    layout->addWidget(m_formula);
    layout->addWidget(caption());
    layout->addWidget(animationBar());

    m_options = {2, 0, 0, 1};
    m_transposedInput = Grid(3, 3, 1.0);
    m_kernel->setGrid(Grid(3, 3, 1.0));
    connect(m_scenes, qOverload<int>(&QComboBox::currentIndexChanged), this, &UpsamplingWidget::loadScene);
    for (QRadioButton *b : {m_nearest, m_bilinear, m_transposed})
        connect(b, &QRadioButton::toggled, this, [this, b](bool on) {
            if (!on) return;
            setMode(b == m_nearest ? Mode::Nearest : b == m_bilinear ? Mode::Bilinear : Mode::Transposed);
        });
    connect(m_input, &GridEditor::valueEdited, this, [this] {
        (m_mode == Mode::Transposed ? m_transposedInput : m_sceneInput) = m_input->grid();
        recompute();
    });
    connect(m_kernel, &GridEditor::valueEdited, this, &UpsamplingWidget::recompute);
    seekOnClick(m_output);
    m_sceneInput = upsamplingScenes().front().grid;
    setMode(Mode::Bilinear);
}

QWidget *UpsamplingWidget::buildTransposedControls() {
    m_transposedControls = new QWidget;
    auto *form = new QGridLayout(m_transposedControls);
    form->setContentsMargins(0, 0, 0, 0);
    m_inputSide = spinBox(1, 5, 3, tr("Input side"));
    m_kernelSide = spinBox(1, 4, 3, tr("Kernel side"));
    m_stride = spinBox(1, 3, 2, tr("Stride"));
    m_padding = spinBox(0, 2, 0, tr("Padding"));
    m_outputPadding = spinBox(0, 2, 0, tr("Output padding"));
    m_dilation = spinBox(1, 2, 1, tr("Dilation"));
    const std::pair<QString, QSpinBox *> rows[] = {
        {tr("Input side H_in"), m_inputSide}, {tr("Kernel side k"), m_kernelSide},     {tr("Stride"), m_stride},
        {tr("Padding"), m_padding},           {tr("Output padding"), m_outputPadding}, {tr("Dilation"), m_dilation},
    };
    int row = 0;
    for (const auto &[label, box] : rows) {
        auto *name = new QLabel(label);
        learn::scaleFont(name, 1.1);
        form->addWidget(name, row, 0);
        form->addWidget(box, row, 1);
        ++row;
    }
    form->setColumnStretch(2, 1);
    auto sizesChanged = [this] { setTransposedSizes(m_inputSide->value(), m_kernelSide->value()); };
    connect(m_inputSide, qOverload<int>(&QSpinBox::valueChanged), this, sizesChanged);
    connect(m_kernelSide, qOverload<int>(&QSpinBox::valueChanged), this, sizesChanged);
    for (QSpinBox *box : {m_stride, m_padding, m_outputPadding, m_dilation})
        connect(box, qOverload<int>(&QSpinBox::valueChanged), this, [this] {
            setTransposedOptions(
                {m_stride->value(), m_padding->value(), m_outputPadding->value(), m_dilation->value()});
        });
    return m_transposedControls;
}

void UpsamplingWidget::setMode(Mode mode) {
    m_mode = mode;
    QRadioButton *button = mode == Mode::Nearest ? m_nearest : mode == Mode::Bilinear ? m_bilinear : m_transposed;
    if (!button->isChecked()) button->setChecked(true);
    m_input->setGrid(mode == Mode::Transposed ? m_transposedInput : m_sceneInput);
    refreshModeWidgets();
    recompute();
}

void UpsamplingWidget::refreshModeWidgets() {
    const bool transposed = m_mode == Mode::Transposed;
    m_sceneRow->setVisible(!transposed);
    m_transposedControls->setVisible(transposed);
    m_kernelBox->setVisible(transposed);
    m_formula->setVisible(transposed);
    m_input->setColourMap(GridEditor::ColourMap::Grey);
    m_output->setColourMap(transposed ? GridEditor::ColourMap::Diverging : GridEditor::ColourMap::Grey);
    if (!transposed) m_output->setColourRange(0.0, 1.0);
    m_output->setBlockSize(transposed ? 0 : 2);  // each 2x2 tile sits over one input cell
    m_inputTitle->setText(transposed ? tr("Input %1 × %1").arg(m_transposedInput.rows()) : tr("Input 4 × 4"));
    if (transposed)
        m_lessons->setText(
            tr("<b>Transposed convolution</b><ul>"
               "<li>Each input cell stamps the kernel, scaled by its value, onto the output; the stamps are "
               "<i>stride</i> cells apart and add up where they overlap.</li>"
               "<li>The kernel is <b>learned</b>, so the network decides how to fill in (the classic U-Net "
               "uses 2×2, stride 2).</li>"
               "<li>With all ones, the output counts the overlapping stamps: a kernel wider than the stride "
               "overlaps unevenly, the root of checkerboard artefacts.</li></ul>"));
    else
        m_lessons->setText(
            tr("<b>What upsampling teaches</b><ul>"
               "<li><b>Nearest</b> copies one input cell: exact values, blocky edges.</li>"
               "<li><b>Bilinear</b> blends up to four neighbours: on the sharp edge it invents values that were "
               "never there (0.25, 0.75).</li>"
               "<li>Neither recovers what pooling threw away: the lost detail must come from elsewhere — the "
               "<b>skip connections</b> of a U-Net.</li></ul>"));
}

void UpsamplingWidget::loadScene(int index) {
    const auto scenes = upsamplingScenes();
    if (index < 0 || index >= static_cast<int>(scenes.size())) return;
    if (m_scenes->currentIndex() != index) {
        m_scenes->setCurrentIndex(index);  // the combo box's signal loads it
        return;
    }
    m_sceneInput = scenes[static_cast<std::size_t>(index)].grid;
    if (m_mode != Mode::Transposed) m_input->setGrid(m_sceneInput);
    recompute();
}

void UpsamplingWidget::setTransposedOptions(const TransposedConvOptions &options) {
    m_options = options;
    const std::pair<QSpinBox *, int> values[] = {{m_stride, options.stride},
                                                 {m_padding, options.padding},
                                                 {m_outputPadding, options.outputPadding},
                                                 {m_dilation, options.dilation}};
    for (const auto &[box, value] : values) {
        const QSignalBlocker block(box);
        box->setValue(value);
    }
    recompute();
}

void UpsamplingWidget::setTransposedSizes(int inputSide, int kernelSide) {
    for (const auto &[box, value] : {std::pair{m_inputSide, inputSide}, std::pair{m_kernelSide, kernelSide}}) {
        const QSignalBlocker block(box);
        box->setValue(value);
    }
    m_transposedInput = resized(m_transposedInput, inputSide, inputSide, 0.0);
    m_kernel->setGrid(resized(m_kernel->grid(), kernelSide, kernelSide, 0.0));
    if (m_mode == Mode::Transposed) m_input->setGrid(m_transposedInput);
    refreshModeWidgets();
    recompute();
}

QString UpsamplingWidget::formulaText() const { return m_formula->text(); }

void UpsamplingWidget::refreshFormula() {
    const TransposedConvOptions &o = m_options;
    const int n = m_transposedInput.rows(), k = m_kernel->grid().rows();
    const QString problem = QString::fromUtf8(transposedConvProblem(n, n, k, k, o));
    QString text =
        tr("<b>Output size:</b> H_out = (H_in − 1)·stride − 2·padding + dilation·(k − 1) + output_padding + 1<br>"
           "= (%1 − 1)·%2 − 2·%3 + %4·(%5 − 1) + %6 + 1 = <b>%7</b>")
            .arg(n)
            .arg(o.stride)
            .arg(o.padding)
            .arg(o.dilation)
            .arg(k)
            .arg(o.outputPadding)
            .arg(transposedOutputSide(n, k, o));
    if (!problem.isEmpty())
        text += QStringLiteral(" — <span style='color:%1'><b>%2</b></span>")
                    .arg(learn::kTruthRed.name(), tr("not allowed: %1").arg(problem));
    m_formula->setText(text);
}

void UpsamplingWidget::recompute() {
    OpResult result;
    if (m_mode == Mode::Transposed) {
        refreshFormula();
        const Grid &kernel = m_kernel->grid();
        if (!*transposedConvProblem(m_transposedInput.rows(), m_transposedInput.cols(), kernel.rows(), kernel.cols(),
                                    m_options))
            result = transposedConv2d(m_transposedInput, kernel, m_options);
        double largest = 1e-9;
        for (double v : result.output.values()) largest = std::max(largest, std::abs(v));
        m_output->setColourRange(-largest, largest);
        m_outputTitle->setText(result.output.empty()
                                   ? tr("Output: none")
                                   : tr("Output %1 × %2").arg(result.output.rows()).arg(result.output.cols()));
    } else {
        result = upsample2d(m_sceneInput, m_mode == Mode::Nearest ? UpsampleMode::Nearest : UpsampleMode::Bilinear);
        m_outputTitle->setText(
            tr("Output 8 × 8 (%1 ×2)").arg(m_mode == Mode::Nearest ? tr("nearest") : tr("bilinear")));
    }
    setResult(std::move(result));
}

QString UpsamplingWidget::stepCaption(const TraceStep &step) const {
    const QString out = tr("Output (%1, %2)").arg(step.out.row).arg(step.out.col);
    const QString value = learn::formatNumber(step.value, 2);
    if (m_mode == Mode::Nearest) {
        const Term &t = step.terms.front();
        return tr("%1 copies input (%2, %3) = <b>%4</b>: nearest keeps the exact value.")
            .arg(out)
            .arg(t.row)
            .arg(t.col)
            .arg(value);
    }
    QStringList weighted, numbers;
    if (m_mode == Mode::Bilinear) {
        for (const Term &t : step.terms) {
            weighted << tr("%1·in(%2, %3)").arg(weightText(t.weight)).arg(t.row).arg(t.col);
            numbers << tr("%1·%2").arg(weightText(t.weight), learn::formatNumber(t.input, 2));
        }
        const double row = bilinearSourceIndex(step.out.row), col = bilinearSourceIndex(step.out.col);
        const int last = m_sceneInput.rows() - 1;
        const QString edge =
            row > last || col > last ? tr(" (past the last cell, the edge cell stands in)") : QString();
        return tr("%1 samples the input at row %2, column %3%4: %5 = %6 = <b>%7</b>")
            .arg(out, weightText(row), weightText(col), edge, weighted.join(QStringLiteral(" + ")),
                 numbers.join(QStringLiteral(" + ")), value);
    }
    if (step.terms.empty()) return tr("%1: no kernel tap lands here, so it stays <b>0</b>.").arg(out);
    for (const Term &t : step.terms) {
        weighted << tr("in(%1, %2)·k(%3, %4)").arg(t.row).arg(t.col).arg(t.tap.row).arg(t.tap.col);
        numbers << tr("%1·%2").arg(learn::formatNumber(t.input, 2), learn::formatNumber(t.weight, 2));
    }
    return tr("%1 = %2 = %3 = <b>%4</b> (%5 stamp%6 overlap here)")
        .arg(out, weighted.join(QStringLiteral(" + ")), numbers.join(QStringLiteral(" + ")), value)
        .arg(step.terms.size())
        .arg(step.terms.size() == 1 ? QString() : QStringLiteral("s"));
}

void UpsamplingWidget::refreshAnimation() {
    if (result().trace.empty()) {
        m_output->setGrid(Grid());
        m_input->setHighlights({});
        m_kernel->setHighlights({});
        caption()->setText(tr("Change the settings: these give no output."));
        return;
    }
    m_output->setGrid(shownOutput());
    const int current = animator()->currentStep();
    if (current < 0) {
        m_input->setHighlights({});
        m_kernel->setHighlights({});
        m_output->setHighlights({});
        caption()->setText(animator()->isDone()
                               ? tr("All %1 outputs are filled in. Press <b>Run Upsampling</b> to watch each one, "
                                    "or click an output cell to see where it came from.")
                                     .arg(result().trace.size())
                               : tr("Ready: the outputs fill in row by row."));
        return;
    }
    const TraceStep &step = result().trace[static_cast<std::size_t>(current)];
    QVector<GridEditor::Highlight> inputs, taps;
    for (const Term &t : step.terms) {
        // Interpolation: the cell's weight; transposed: which kernel tap it is multiplied by.
        const QString badge = m_mode == Mode::Transposed ? tr("×k(%1, %2)").arg(t.tap.row).arg(t.tap.col)
                                                         : QStringLiteral("×") + weightText(t.weight);
        inputs.push_back({t.row, t.col, 1, 1, learn::kContributorOrange, 5, false, badge});
        if (t.tap.valid()) taps.push_back({t.tap.row, t.tap.col, 1, 1, learn::kContributorOrange, 5, false, {}});
    }
    m_input->setHighlights(inputs);
    m_kernel->setHighlights(taps);
    m_output->setHighlights({{step.out.row, step.out.col, 1, 1, learn::kWindowBlue, 4, false, {}}});
    caption()->setText(stepCaption(step));
}
