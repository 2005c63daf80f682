#pragma once
// Plays an op's trace one output cell at a time on a QTimer, so the GUI never blocks:
// play, pause, step, speed, replay. The widgets draw from position() and isDone().
//
// States: `position` steps have been computed (0..count); while not done, step
// position-1 is the one being shown (its window outlined). Playing past the last step,
// or finish(), makes the animator done: the whole result, no window.

#include <QObject>
#include <QTimer>

class StepAnimator : public QObject {
    Q_OBJECT
public:
    explicit StepAnimator(QObject *parent = nullptr);

    // A new trace of `count` steps: stops and shows the whole result.
    void setStepCount(int count);
    int stepCount() const { return m_count; }
    int position() const { return m_position; }
    bool isDone() const { return m_done; }
    bool isPlaying() const { return m_timer.isActive(); }
    // The step being shown, or -1 when done or before the first step.
    int currentStep() const { return !m_done && m_position > 0 ? m_position - 1 : -1; }

    void setStepsPerSecond(double stepsPerSecond);
    double stepsPerSecond() const { return m_stepsPerSecond; }

public Q_SLOTS:
    void run();   // from the first step, playing (replays a finished animation)
    void play();  // continue; from the first step when done
    void pause();
    void step();              // one step forward, paused; from the first step when done
    void finish();            // the whole result at once
    void seek(int position);  // show step position-1, paused

Q_SIGNALS:
    void changed();  // position, done or playing changed

private:
    void advance();

    QTimer m_timer;
    int m_count = 0;
    int m_position = 0;
    bool m_done = true;
    double m_stepsPerSecond = 4.0;
};
