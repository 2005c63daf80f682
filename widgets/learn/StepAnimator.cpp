#include "StepAnimator.h"

#include <algorithm>
#include <cmath>

StepAnimator::StepAnimator(QObject *parent) : QObject(parent) {
    connect(&m_timer, &QTimer::timeout, this, &StepAnimator::advance);
    setStepsPerSecond(m_stepsPerSecond);
}

void StepAnimator::setStepCount(int count) {
    m_timer.stop();
    m_count = std::max(0, count);
    m_position = m_count;
    m_done = true;
    Q_EMIT changed();
}

void StepAnimator::setStepsPerSecond(double stepsPerSecond) {
    m_stepsPerSecond = std::clamp(stepsPerSecond, 0.25, 100.0);
    m_timer.setInterval(static_cast<int>(std::lround(1000.0 / m_stepsPerSecond)));
}

void StepAnimator::run() {
    m_position = 0;
    m_done = false;
    m_timer.start();
    Q_EMIT changed();
    advance();  // the first window appears at once, not after one interval
}

void StepAnimator::play() {
    if (m_done) return run();
    m_timer.start();
    Q_EMIT changed();
}

void StepAnimator::pause() {
    if (!m_timer.isActive()) return;
    m_timer.stop();
    Q_EMIT changed();
}

void StepAnimator::step() {
    m_timer.stop();
    if (m_done) {
        m_position = std::min(1, m_count);
        m_done = m_count == 0;
    } else if (m_position < m_count) {
        ++m_position;
    } else {
        m_done = true;
    }
    Q_EMIT changed();
}

void StepAnimator::finish() {
    m_timer.stop();
    m_position = m_count;
    m_done = true;
    Q_EMIT changed();
}

void StepAnimator::seek(int position) {
    m_timer.stop();
    m_position = std::clamp(position, 0, m_count);
    m_done = false;
    Q_EMIT changed();
}

void StepAnimator::advance() {
    if (m_position < m_count) {
        ++m_position;
    } else {
        m_done = true;
        m_timer.stop();
    }
    Q_EMIT changed();
}
