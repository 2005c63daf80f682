#pragma once
// The convolution lesson (MISSION §2): an input image, its ground truth, a 3x3 kernel and
// the feature map; Run Convolution slides the kernel over the input one position at a
// time, showing the window, its nine products and their sum; a threshold turns the
// feature map into a prediction whose Dice against the truth updates on every edit; and
// "Learn the kernel" fits the weights and threshold by gradient descent, live.

#include <cstdint>
#include <memory>

#include <QTimer>

#include "LessonWidget.h"
#include "ops/Conv2d.h"
#include "ops/Dice.h"
#include "ops/KernelFitter.h"
#include "ops/Scenes.h"

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QPushButton;
class QSlider;
class QVBoxLayout;

class ConvolutionWidget : public LessonWidget {
    Q_OBJECT
public:
    explicit ConvolutionWidget(QWidget *parent = nullptr);
    ~ConvolutionWidget() override;

    GridEditor *inputEditor() const { return m_input; }
    GridEditor *truthEditor() const { return m_truth; }
    GridEditor *kernelEditor() const { return m_kernel; }
    GridEditor *featureMapView() const { return m_featureMap; }
    GridEditor *productsView() const { return m_products; }
    GridEditor *predictionView() const { return m_prediction; }
    QSlider *thresholdSlider() const { return m_thresholdSlider; }
    QPushButton *learnButton() const { return m_learnButton; }
    QLabel *diceFormulaLabel() const { return m_diceFormula; }
    QPushButton *presetButton(unetlab::ops::KernelPreset preset) const;

    void loadKernelPreset(unetlab::ops::KernelPreset preset);
    void setThreshold(double threshold);  // rounded to 0.01, within [-5, 5]
    double threshold() const { return m_threshold; }
    void setOptions(const unetlab::ops::ConvOptions &options);
    const unetlab::ops::ConvOptions &options() const { return m_options; }
    void resetScene();  // the default cell scene and its nucleus truth

    const unetlab::ops::DiceScore &dice() const { return m_dice; }
    QString diceText() const;
    QString learnStatusText() const;

    void startLearning();
    void stopLearning();
    bool isLearning() const { return m_fitter != nullptr; }

Q_SIGNALS:
    void diceChanged(double dice);  // NaN when undefined
    void learningFinished();

private:
    QWidget *buildToolbar();
    // Adds the threshold, the Dice and its formula to `column`, item by item: when the column
    // is short, its largest items (the grids) shrink first and the text keeps its lines.
    void buildThresholdPanel(QVBoxLayout *column);
    void userEdited();  // any edit by the student: stop learning, recompute
    void recompute();
    void updateDice();
    void refreshAnimation() override;
    void refreshSizeExplanation();
    void learnStep();
    void finishLearning(const QString &why);
    double bestPresetDice() const;

    GridEditor *m_input = nullptr;
    GridEditor *m_truth = nullptr;
    GridEditor *m_kernel = nullptr;
    GridEditor *m_featureMap = nullptr;
    GridEditor *m_products = nullptr;
    GridEditor *m_prediction = nullptr;
    QComboBox *m_padding = nullptr;
    QComboBox *m_stride = nullptr;
    QVector<QPushButton *> m_presetButtons;
    QSlider *m_thresholdSlider = nullptr;
    QDoubleSpinBox *m_thresholdSpin = nullptr;
    QLabel *m_sizeLabel = nullptr;
    QLabel *m_sumLabel = nullptr;
    QLabel *m_kernelLabel = nullptr;
    QLabel *m_diceLabel = nullptr;
    QLabel *m_diceFormula = nullptr;
    QLabel *m_alignmentNote = nullptr;
    QLabel *m_learnStatus = nullptr;
    QPushButton *m_learnButton = nullptr;
    QTimer m_learnTimer;
    std::unique_ptr<unetlab::ops::KernelFitter> m_fitter;

    unetlab::ops::ConvOptions m_options;
    unetlab::ops::DiceScore m_dice;
    double m_threshold = 0.5;
    std::uint64_t m_randomSeed = 0;
};
