#pragma once
// The controls under every animation: Run (from the start), Play/Pause, Step, Show
// result, a speed slider and where the animation is ("Step 12 of 100").

#include <QWidget>

class QLabel;
class QPushButton;
class QSlider;
class StepAnimator;

class AnimationBar : public QWidget {
    Q_OBJECT
public:
    // `runText` names the op, e.g. "Run Convolution". The animator's speed should be a
    // whole number of steps per second (the slider's unit).
    AnimationBar(StepAnimator *animator, const QString &runText, QWidget *parent = nullptr);

    QPushButton *runButton() const { return m_run; }
    QPushButton *playPauseButton() const { return m_playPause; }
    QPushButton *stepButton() const { return m_step; }
    QPushButton *finishButton() const { return m_finish; }
    QSlider *speedSlider() const { return m_speed; }
    QString progressText() const;

private:
    void refresh();

    StepAnimator *m_animator;
    QPushButton *m_run = nullptr;
    QPushButton *m_playPause = nullptr;
    QPushButton *m_step = nullptr;
    QPushButton *m_finish = nullptr;
    QSlider *m_speed = nullptr;
    QLabel *m_speedLabel = nullptr;
    QLabel *m_progress = nullptr;
};
