#pragma once
// The upsampling lesson (MISSION §4): a 4x4 input doubled to 8x8 by nearest or bilinear
// interpolation (as PyTorch's interpolate, align_corners=False), each output filling in
// with its contributing inputs outlined in orange and their weights shown; and
// transposed convolution, the learnable upsampling, with an editable kernel, stride,
// padding, output padding and dilation, and the output-size formula evaluated live.

#include "LessonWidget.h"
#include "ops/TransposedConv2d.h"
#include "ops/Upsample2d.h"

class QComboBox;
class QRadioButton;
class QSpinBox;

class UpsamplingWidget : public LessonWidget {
    Q_OBJECT
public:
    enum class Mode { Nearest, Bilinear, Transposed };

    explicit UpsamplingWidget(QWidget *parent = nullptr);

    GridEditor *inputEditor() const { return m_input; }
    GridEditor *kernelEditor() const { return m_kernel; }
    GridEditor *outputView() const { return m_output; }

    void setMode(Mode mode);
    Mode mode() const { return m_mode; }
    void loadScene(int index);  // an entry of ops::upsamplingScenes() (nearest and bilinear)
    void setTransposedOptions(const unetlab::ops::TransposedConvOptions &options);
    const unetlab::ops::TransposedConvOptions &transposedOptions() const { return m_options; }
    void setTransposedSizes(int inputSide, int kernelSide);

    bool hasResult() const { return !result().trace.empty(); }
    QString formulaText() const;

private:
    QWidget *buildTransposedControls();
    void recompute();
    void refreshAnimation() override;
    void refreshFormula();
    void refreshModeWidgets();
    QString stepCaption(const unetlab::ops::TraceStep &step) const;

    GridEditor *m_input = nullptr;
    GridEditor *m_kernel = nullptr;
    GridEditor *m_output = nullptr;
    QRadioButton *m_nearest = nullptr;
    QRadioButton *m_bilinear = nullptr;
    QRadioButton *m_transposed = nullptr;
    QComboBox *m_scenes = nullptr;
    QWidget *m_sceneRow = nullptr;
    QWidget *m_transposedControls = nullptr;
    QWidget *m_kernelBox = nullptr;
    QSpinBox *m_inputSide = nullptr;
    QSpinBox *m_kernelSide = nullptr;
    QSpinBox *m_stride = nullptr;
    QSpinBox *m_padding = nullptr;
    QSpinBox *m_outputPadding = nullptr;
    QSpinBox *m_dilation = nullptr;
    QLabel *m_inputTitle = nullptr;
    QLabel *m_outputTitle = nullptr;
    QLabel *m_formula = nullptr;
    QLabel *m_lessons = nullptr;

    Mode m_mode = Mode::Bilinear;
    unetlab::ops::TransposedConvOptions m_options;
    unetlab::ops::Grid m_sceneInput;       // the 4x4 input of nearest / bilinear
    unetlab::ops::Grid m_transposedInput;  // the input of the transposed convolution
};
