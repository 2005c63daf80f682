#include "ConvolutionWidget.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSignalBlocker>
#include <QSlider>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <limits>

#include "AnimationBar.h"
#include "GridEditor.h"
#include "LearnStyle.h"
#include "PageScroll.h"
#include "StepAnimator.h"
#include "WrappingRow.h"

using namespace unetlab::ops;

namespace {

// The threshold slider's range and resolution (the fitter stays inside the range too).
constexpr double kThresholdLimit = 5.0;
constexpr int kThresholdScale = 100;  // slider units per 1.0
// Milliseconds between two gradient-descent steps of "Learn the kernel".
constexpr int kLearnInterval = 40;
// The kernel of the lesson.
constexpr int kKernelSide = 3;

QVBoxLayout *titled(const QString &title, QWidget *content, QLabel **titleOut = nullptr) {
    auto *box = new QVBoxLayout;
    box->setSpacing(4);
    QLabel *label = learn::titleLabel(title);
    box->addWidget(label);
    box->addWidget(content);
    if (titleOut) *titleOut = label;
    return box;
}

QString cellName(Cell c) { return QStringLiteral("(%1, %2)").arg(c.row).arg(c.col); }

double roundTo(double value, double unit) { return std::round(value / unit) * unit; }

}  // namespace

ConvolutionWidget::ConvolutionWidget(QWidget *parent) : LessonWidget(tr("Run Convolution"), 4, parent) {
    setAccessibleName(tr("Convolution lesson"));
    m_input = makeInputGrid(tr("Input image"));

    m_truth = new GridEditor;
    m_truth->setGridName(tr("Ground truth"));
    m_truth->setColourMap(GridEditor::ColourMap::Mask);
    m_truth->setValueSteps({0.0, 1.0, 1.0, true});
    m_truth->setShowValues(false);
    // 11 px cells at the least: the lesson then fits a 1280×800 screen without scrolling.
    m_truth->setCellSizeLimits(11, 30);
    m_truth->setToolTip(tr("Click a cell to toggle foreground (red) and background"));

    m_kernel = makeKernelGrid(tr("Kernel"));
    m_kernel->setCellSizeLimits(40, 84);

    m_featureMap = makeOutputGrid(tr("Feature map"), tr("Click an output cell to see how it was computed"));
    m_featureMap->setColourMap(GridEditor::ColourMap::Diverging);

    m_products = new GridEditor;
    m_products->setGridName(tr("Products of the current window"));
    m_products->setEditable(false);
    m_products->setColourMap(GridEditor::ColourMap::Diverging);
    m_products->setColourRange(-1.0, 1.0);
    m_products->setCellSizeLimits(40, 84);

    m_prediction = new GridEditor;
    m_prediction->setGridName(tr("Prediction"));
    m_prediction->setEditable(false);
    m_prediction->setColourMap(GridEditor::ColourMap::Mask);
    m_prediction->setShowValues(false);
    m_prediction->setCellSizeLimits(11, 30);

    m_sumLabel = learn::titleLabel(QString());
    m_sumLabel->setAlignment(Qt::AlignCenter);
    m_sizeLabel = learn::captionLabel();
    m_learnStatus = learn::captionLabel();

    // Four columns, each top-aligned so every label sits right under its grid.
    auto *inputColumn = titled(tr("Input image"), m_input);
    inputColumn->addStretch(1);
    auto *kernelColumn = titled(tr("Kernel 3×3"), m_kernel, &m_kernelLabel);
    kernelColumn->addSpacing(16);
    kernelColumn->addWidget(learn::titleLabel(tr("Window × kernel")));
    kernelColumn->addWidget(m_products);
    kernelColumn->addWidget(m_sumLabel);
    kernelColumn->addStretch(1);
    auto *featureColumn = titled(tr("Feature map"), m_featureMap);
    featureColumn->addWidget(m_sizeLabel);
    featureColumn->addStretch(1);
    auto *truthColumn = titled(tr("Ground truth"), m_truth);
    truthColumn->addWidget(learn::titleLabel(tr("Prediction")));
    truthColumn->addWidget(m_prediction);
    buildThresholdPanel(truthColumn);
    truthColumn->addStretch(1);
    auto *grids = new QHBoxLayout;
    grids->setSpacing(28);
    grids->addLayout(inputColumn, 12);
    grids->addLayout(kernelColumn, 5);
    grids->addLayout(featureColumn, 11);
    grids->addLayout(truthColumn, 6);

    // Scrolls on a small screen (or in presentation mode) rather than forcing the window larger.
    auto *layout = new QVBoxLayout(PageScroll::content(this, tr("Convolution lesson")));
    layout->addWidget(buildToolbar());
    layout->addLayout(grids, 1);
    layout->addWidget(caption());
    layout->addWidget(animationBar());
    layout->addWidget(m_learnStatus);

    connect(m_input, &GridEditor::valueEdited, this, &ConvolutionWidget::userEdited);
    connect(m_kernel, &GridEditor::valueEdited, this, [this] {
        userEdited();
        m_kernelLabel->setText(tr("Kernel 3×3 (edited)"));
    });
    connect(m_truth, &GridEditor::valueEdited, this, [this] {
        stopLearning();
        updateDice();
    });
    seekOnClick(m_featureMap);
    connect(&m_learnTimer, &QTimer::timeout, this, &ConvolutionWidget::learnStep);

    resetScene();
    loadKernelPreset(KernelPreset::Blur);
    m_learnStatus->setText(
        tr("Finding the kernel and threshold with the best Dice by hand is what training "
           "does automatically: press <b>Learn the kernel</b> to watch gradient descent do it."));
}

ConvolutionWidget::~ConvolutionWidget() = default;

QWidget *ConvolutionWidget::buildToolbar() {
    // The kernel presets, then the options and actions: one row, or two where the page is narrow.
    auto *presets = new QWidget;
    auto *row = new QHBoxLayout(presets);
    row->setContentsMargins(0, 0, 0, 0);
    row->addWidget(learn::titleLabel(tr("Kernel:")));
    for (KernelPreset preset : kernelPresets()) {
        auto *button = new QPushButton(QString::fromStdString(kernelPresetName(preset)));
        button->setToolTip(preset == KernelPreset::Random ? tr("Random weights in [−1, 1]; each click a new seed")
                                                          : tr("Load the %1 kernel").arg(button->text()));
        connect(button, &QPushButton::clicked, this, [this, preset] { loadKernelPreset(preset); });
        row->addWidget(button);
        m_presetButtons.push_back(button);
    }
    auto *options = new QWidget;
    row = new QHBoxLayout(options);
    row->setContentsMargins(0, 0, 0, 0);
    row->addSpacing(16);
    row->addWidget(learn::titleLabel(tr("Padding:")));
    m_padding = new QComboBox;
    m_padding->addItem(tr("None (valid)"), static_cast<int>(Padding::None));
    m_padding->addItem(tr("Zero (same)"), static_cast<int>(Padding::Zero));
    m_padding->addItem(tr("Replicate"), static_cast<int>(Padding::Replicate));
    m_padding->addItem(tr("Reflect"), static_cast<int>(Padding::Reflect));
    m_padding->setAccessibleName(tr("Padding"));
    row->addWidget(m_padding);
    row->addWidget(learn::titleLabel(tr("Stride:")));
    m_stride = new QComboBox;
    m_stride->addItem(QStringLiteral("1"), 1);
    m_stride->addItem(QStringLiteral("2"), 2);
    m_stride->setAccessibleName(tr("Stride"));
    row->addWidget(m_stride);
    row->addStretch(1);
    auto *reset = new QPushButton(tr("Reset scene"));
    reset->setToolTip(tr("The default cell: dark nucleus, cytoplasm ring, bright background"));
    connect(reset, &QPushButton::clicked, this, [this] {
        stopLearning();
        resetScene();
    });
    row->addWidget(reset);
    m_learnButton = new QPushButton(tr("Learn the kernel"));
    learn::scaleFont(m_learnButton, 1.1, true);
    m_learnButton->setToolTip(tr("Fit the nine weights and the threshold by gradient descent on this grid"));
    connect(m_learnButton, &QPushButton::clicked, this, [this] {
        if (isLearning())
            stopLearning();
        else
            startLearning();
    });
    row->addWidget(m_learnButton);

    m_padding->setCurrentIndex(1);  // PyTorch's default: zero padding 1, "same"
    auto optionsChanged = [this] {
        setOptions({static_cast<Padding>(m_padding->currentData().toInt()), m_stride->currentData().toInt()});
    };
    connect(m_padding, qOverload<int>(&QComboBox::currentIndexChanged), this, optionsChanged);
    connect(m_stride, qOverload<int>(&QComboBox::currentIndexChanged), this, optionsChanged);
    return new WrappingRow(presets, options, tr("Convolution toolbar"));
}

void ConvolutionWidget::buildThresholdPanel(QVBoxLayout *box) {
    box->addSpacing(8);
    auto *row = new QHBoxLayout;
    row->addWidget(learn::titleLabel(tr("Threshold")));
    m_thresholdSpin = new QDoubleSpinBox;
    m_thresholdSpin->setRange(-kThresholdLimit, kThresholdLimit);
    m_thresholdSpin->setDecimals(2);
    m_thresholdSpin->setSingleStep(0.05);
    m_thresholdSpin->setAccessibleName(tr("Threshold"));
    learn::scaleFont(m_thresholdSpin, 1.15);
    row->addWidget(m_thresholdSpin);
    row->addStretch(1);
    box->addLayout(row);
    m_thresholdSlider = new QSlider(Qt::Horizontal);
    m_thresholdSlider->setRange(static_cast<int>(-kThresholdLimit * kThresholdScale),
                                static_cast<int>(kThresholdLimit * kThresholdScale));
    m_thresholdSlider->setSingleStep(5);
    m_thresholdSlider->setPageStep(50);
    m_thresholdSlider->setAccessibleName(tr("Threshold slider"));
    box->addWidget(m_thresholdSlider);
    m_diceLabel = learn::titleLabel(QString());
    learn::scaleFont(m_diceLabel, 1.3, true);
    box->addWidget(m_diceLabel);
    m_diceFormula = learn::wholeCaptionLabel();
    box->addWidget(m_diceFormula);
    m_alignmentNote = learn::wholeCaptionLabel();
    learn::scaleFont(m_alignmentNote, 0.85);
    box->addWidget(m_alignmentNote);

    connect(m_thresholdSlider, &QSlider::valueChanged, this, [this](int v) {
        stopLearning();
        setThreshold(double(v) / kThresholdScale);
    });
    connect(m_thresholdSpin, qOverload<double>(&QDoubleSpinBox::valueChanged), this, [this](double v) {
        stopLearning();
        setThreshold(v);
    });
}

QPushButton *ConvolutionWidget::presetButton(KernelPreset preset) const {
    const auto presets = kernelPresets();
    const auto it = std::find(presets.begin(), presets.end(), preset);
    return it == presets.end() ? nullptr : m_presetButtons.value(static_cast<int>(it - presets.begin()));
}

void ConvolutionWidget::resetScene() {
    m_input->setGrid(cellScene());
    m_truth->setGrid(cellSceneTruth());
    recompute();
}

void ConvolutionWidget::loadKernelPreset(KernelPreset preset) {
    stopLearning();
    if (preset == KernelPreset::Random) ++m_randomSeed;
    m_kernel->setGrid(kernelPreset(preset, m_randomSeed));
    QString name = QString::fromStdString(kernelPresetName(preset));
    if (preset == KernelPreset::Random) name += tr(", seed %1").arg(m_randomSeed);
    m_kernelLabel->setText(tr("Kernel 3×3: %1").arg(name));
    recompute();
}

void ConvolutionWidget::setThreshold(double threshold) {
    m_threshold = std::clamp(roundTo(threshold, 1.0 / kThresholdScale), -kThresholdLimit, kThresholdLimit);
    {
        const QSignalBlocker blockSlider(m_thresholdSlider);
        const QSignalBlocker blockSpin(m_thresholdSpin);
        m_thresholdSlider->setValue(static_cast<int>(std::lround(m_threshold * kThresholdScale)));
        m_thresholdSpin->setValue(m_threshold);
    }
    updateDice();
}

void ConvolutionWidget::setOptions(const ConvOptions &options) {
    stopLearning();
    m_options = options;
    const QSignalBlocker blockPadding(m_padding);
    const QSignalBlocker blockStride(m_stride);
    m_padding->setCurrentIndex(m_padding->findData(static_cast<int>(options.padding)));
    m_stride->setCurrentIndex(m_stride->findData(options.stride));
    recompute();
}

void ConvolutionWidget::userEdited() {
    stopLearning();
    recompute();
}

void ConvolutionWidget::recompute() {
    const Grid &input = m_input->grid();
    const Grid &kernel = m_kernel->grid();
    if (input.empty() || kernel.empty()) return;
    OpResult result = conv2d(input, kernel, m_options);
    if (m_options.padding == Padding::None)
        m_input->clearGhostRing();
    else
        m_input->setGhostRing(pad(input, kKernelSide / 2, m_options.padding), kKernelSide / 2);
    double largest = 1e-9;
    for (double v : result.output.values()) largest = std::max(largest, std::abs(v));
    m_featureMap->setColourRange(-largest, largest);
    setResult(std::move(result));
    refreshSizeExplanation();
    updateDice();
}

void ConvolutionWidget::refreshSizeExplanation() {
    const int n = m_input->grid().rows();
    const int p = padWidth(kKernelSide, m_options.padding);
    const int out = result().output.rows();
    m_sizeLabel->setText(tr("Output %1 × %1: (%2 + 2·%3 − %4) / %5 + 1 = %1")
                             .arg(out)
                             .arg(n)
                             .arg(p)
                             .arg(kKernelSide)
                             .arg(m_options.stride) +
                         (m_options.stride > 1 ? tr(" (rounded down)") : QString()));
    m_sizeLabel->setToolTip(tr("Output side = (input + 2·padding − kernel) / stride + 1"));
}

void ConvolutionWidget::updateDice() {
    if (result().output.empty()) return;
    const Grid truth = windowCentres(m_truth->grid(), kKernelSide, kKernelSide, m_options);
    const Grid prediction = thresholdMap(result().output, m_threshold);
    m_dice = diceScore(prediction, truth);
    m_prediction->setGrid(prediction);
    QVector<GridEditor::Highlight> marks;
    for (int r = 0; r < prediction.rows(); ++r)
        for (int c = 0; c < prediction.cols(); ++c) {
            const bool p = prediction.at(r, c) > 0.5, t = truth.at(r, c) > 0.5;
            if (p && !t) marks.push_back({r, c, 1, 1, learn::kFalseAlarmInk, 2, false, {}, true});
            if (!p && t) marks.push_back({r, c, 1, 1, learn::kTruthRed, 3, true, {}});
        }
    m_prediction->setHighlights(marks);
    const DiceScore &s = m_dice;
    m_diceLabel->setText(diceText());
    // No-break spaces inside the brackets: a narrow column wraps at the fraction bar, not in a sum.
    m_diceFormula->setText(s.defined() ? tr("2·TP / (2·TP&nbsp;+&nbsp;FP&nbsp;+&nbsp;FN)<br>= 2·%1 / "
                                            "(2·%1&nbsp;+&nbsp;%2&nbsp;+&nbsp;%3)")
                                             .arg(s.truePositives)
                                             .arg(s.falsePositives)
                                             .arg(s.falseNegatives)
                                       : tr("No foreground in the truth or the prediction."));
    m_alignmentNote->setText(tr("Red: foreground · ✕: false alarm (FP) · dashed red: missed (FN)") +
                             (truth.sameShape(m_truth->grid())
                                  ? QString()
                                  : tr("<br>The feature map is smaller than the image: each output cell is "
                                       "compared with the truth under its window's centre.")));
    Q_EMIT diceChanged(s.dice());
}

QString ConvolutionWidget::diceText() const {
    return m_dice.defined() ? tr("Dice = %1").arg(learn::formatNumber(m_dice.dice(), 2)) : tr("Dice undefined");
}

QString ConvolutionWidget::learnStatusText() const { return m_learnStatus->text(); }

void ConvolutionWidget::refreshAnimation() {
    if (result().trace.empty()) return;
    const int current = animator()->currentStep();
    m_featureMap->setGrid(shownOutput());
    if (current < 0) {
        m_input->setHighlights({});
        m_featureMap->setHighlights({});
        m_products->setGrid(Grid(kKernelSide, kKernelSide, std::numeric_limits<double>::quiet_NaN()));
        m_sumLabel->setText(tr("Sum = …"));
        caption()->setText(animator()->isDone()
                               ? tr("The feature map holds all %1 outputs. Press <b>Run Convolution</b> to watch the "
                                    "kernel slide, or click an output cell to see how it was computed.")
                                     .arg(result().trace.size())
                               : tr("Ready: the kernel starts at the top-left corner."));
        return;
    }
    const TraceStep &step = result().trace[static_cast<std::size_t>(current)];
    const Term &first = step.terms.front();
    m_input->setHighlights({{first.row, first.col, kKernelSide, kKernelSide, learn::kWindowBlue, 4, false, {}}});
    m_featureMap->setHighlights({{step.out.row, step.out.col, 1, 1, learn::kWindowBlue, 4, false, {}}});
    Grid products(kKernelSide, kKernelSide);
    int padded = 0;
    for (const Term &t : step.terms) {
        products.at(t.tap.row, t.tap.col) = t.input * t.weight;
        if (!m_input->grid().contains(t.row, t.col)) ++padded;
    }
    m_products->setGrid(products);
    m_sumLabel->setText(tr("Sum = %1").arg(learn::formatNumber(step.value, 2)));
    QString where = tr("Output %1: the window covers input rows %2–%3, columns %4–%5")
                        .arg(cellName(step.out))
                        .arg(first.row)
                        .arg(first.row + kKernelSide - 1)
                        .arg(first.col)
                        .arg(first.col + kKernelSide - 1);
    if (padded > 0) {
        const QString mode = m_options.padding == Padding::Zero        ? tr("zeros")
                             : m_options.padding == Padding::Replicate ? tr("copies of the nearest edge cell")
                                                                       : tr("mirror images of the cells inside");
        where += tr(" (%1 of them in the padding: %2)").arg(padded).arg(mode);
    }
    QString sum;
    for (const Term &t : step.terms) {
        const double product = t.input * t.weight;
        const QString shown = learn::formatNumber(std::abs(product), 2);
        sum += sum.isEmpty() ? learn::formatNumber(product, 2)
                             : (product < 0 ? QStringLiteral(" − ") : QStringLiteral(" + ")) + shown;
    }
    caption()->setText(where + tr(".<br>Each input × its weight, the nine products summed: %1 = <b>%2</b>")
                                   .arg(sum, learn::formatNumber(step.value, 2)));
}

void ConvolutionWidget::startLearning() {
    if (isLearning()) return;
    animator()->finish();
    m_fitter = std::make_unique<KernelFitter>(m_input->grid(), m_truth->grid(), m_options, m_kernel->grid(),
                                              m_threshold, FitSettings{});
    m_learnButton->setText(tr("Stop learning"));
    m_kernelLabel->setText(tr("Kernel 3×3: learning…"));
    m_learnTimer.start(kLearnInterval);
}

void ConvolutionWidget::stopLearning() {
    if (isLearning()) finishLearning(tr("Stopped"));
}

void ConvolutionWidget::learnStep() {
    if (!m_fitter) return;
    const FitState &s = m_fitter->step();
    m_kernel->setGrid(s.kernel);
    m_threshold = s.threshold;  // exact while learning; rounded to the slider's 0.01 at the end
    {
        const QSignalBlocker blockSlider(m_thresholdSlider);
        const QSignalBlocker blockSpin(m_thresholdSpin);
        m_thresholdSlider->setValue(static_cast<int>(std::lround(s.threshold * kThresholdScale)));
        m_thresholdSpin->setValue(s.threshold);
    }
    recompute();
    m_learnStatus->setText(tr("Gradient descent, step %1: loss %2, soft Dice %3 → Dice %4")
                               .arg(s.step)
                               .arg(learn::formatNumber(s.loss, 3))
                               .arg(learn::formatNumber(s.softDice, 3))
                               .arg(s.dice.defined() ? learn::formatNumber(s.dice.dice(), 2) : tr("undefined")));
    if (m_fitter->finished()) finishLearning(tr("Learned"));
}

void ConvolutionWidget::finishLearning(const QString &why) {
    m_learnTimer.stop();
    const int steps = m_fitter->state().step;
    m_fitter.reset();
    m_learnButton->setText(tr("Learn the kernel"));
    // Round to what the editors show, so every number on screen reproduces the Dice.
    Grid kernel = m_kernel->grid();
    for (double &w : kernel.values()) w = roundTo(w, 0.01);
    m_kernel->setGrid(kernel);
    m_kernelLabel->setText(tr("Kernel 3×3: learned"));
    recompute();
    setThreshold(m_threshold);
    m_learnStatus->setText(tr("%1 after %2 gradient-descent steps: %3 (weights and threshold rounded to 0.01). "
                              "The best preset kernel at its best threshold reaches %4.")
                               .arg(why)
                               .arg(steps)
                               .arg(diceText())
                               .arg(learn::formatNumber(bestPresetDice(), 2)));
    Q_EMIT learningFinished();
}

double ConvolutionWidget::bestPresetDice() const {
    const Grid truth = windowCentres(m_truth->grid(), kKernelSide, kKernelSide, m_options);
    double best = 0;
    for (KernelPreset preset : kernelPresets()) {
        if (preset == KernelPreset::Random) continue;
        const Grid map = conv2d(m_input->grid(), kernelPreset(preset), m_options).output;
        for (int t = m_thresholdSlider->minimum(); t <= m_thresholdSlider->maximum(); ++t) {
            const DiceScore s = thresholdDice(map, double(t) / kThresholdScale, truth);
            if (s.defined()) best = std::max(best, s.dice());
        }
    }
    return best;
}
