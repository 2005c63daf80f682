#pragma once
// The pooling lesson (MISSION §3): an 8x8 input, max or average pooling with a 2x2 window
// and stride 2 filling a 4x4 output; the animation outlines each window, the winning cell
// of a max-pool in red, and says in one line what just happened.

#include "LessonWidget.h"
#include "ops/Pool2d.h"

class QComboBox;
class QRadioButton;

class PoolingWidget : public LessonWidget {
    Q_OBJECT
public:
    explicit PoolingWidget(QWidget *parent = nullptr);

    GridEditor *inputEditor() const { return m_input; }
    GridEditor *outputView() const { return m_output; }
    QComboBox *sceneBox() const { return m_scenes; }

    void setMode(unetlab::ops::PoolMode mode);
    unetlab::ops::PoolMode mode() const { return m_mode; }
    void loadScene(int index);  // an entry of ops::poolingScenes()

private:
    void recompute();
    void refreshAnimation() override;
    QString stepCaption(const unetlab::ops::TraceStep &step) const;

    GridEditor *m_input = nullptr;
    GridEditor *m_output = nullptr;
    QComboBox *m_scenes = nullptr;
    QRadioButton *m_max = nullptr;
    QRadioButton *m_average = nullptr;
    unetlab::ops::PoolMode m_mode = unetlab::ops::PoolMode::Max;
};
