#include "AnimationBar.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSlider>
#include <QStyle>

#include <cmath>

#include "LearnStyle.h"
#include "StepAnimator.h"

namespace {

// Speed slider range, in steps per second.
constexpr int kSlowest = 1;
constexpr int kFastest = 30;

}  // namespace

AnimationBar::AnimationBar(StepAnimator *animator, const QString &runText, QWidget *parent)
    : QWidget(parent), m_animator(animator) {
    setAccessibleName(tr("Animation controls"));
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_run = new QPushButton(style()->standardIcon(QStyle::SP_MediaPlay), runText);
    m_run->setToolTip(tr("Animate from the first output cell"));
    learn::scaleFont(m_run, 1.1, true);
    m_playPause = new QPushButton;
    m_step = new QPushButton(style()->standardIcon(QStyle::SP_MediaSeekForward), tr("Step"));
    m_step->setToolTip(tr("Compute the next output cell"));
    m_finish = new QPushButton(style()->standardIcon(QStyle::SP_MediaSkipForward), tr("Show result"));
    m_finish->setToolTip(tr("Skip to the whole result"));
    for (QPushButton *b : {m_run, m_playPause, m_step, m_finish}) layout->addWidget(b);
    layout->addSpacing(16);
    auto *speedTitle = new QLabel(tr("Speed"));
    layout->addWidget(speedTitle);
    m_speed = new QSlider(Qt::Horizontal);
    m_speed->setRange(kSlowest, kFastest);
    m_speed->setValue(static_cast<int>(std::lround(animator->stepsPerSecond())));
    m_speed->setFixedWidth(160);
    m_speed->setAccessibleName(tr("Animation speed in steps per second"));
    layout->addWidget(m_speed);
    m_speedLabel = new QLabel;
    m_speedLabel->setMinimumWidth(m_speedLabel->fontMetrics().horizontalAdvance(tr("30 steps/s")) + 8);
    layout->addWidget(m_speedLabel);
    layout->addSpacing(16);
    m_progress = new QLabel;
    learn::scaleFont(m_progress, 1.1);
    layout->addWidget(m_progress);
    layout->addStretch(1);

    connect(m_run, &QPushButton::clicked, animator, &StepAnimator::run);
    connect(m_playPause, &QPushButton::clicked, this, [this] {
        if (m_animator->isPlaying())
            m_animator->pause();
        else
            m_animator->play();
    });
    connect(m_step, &QPushButton::clicked, animator, &StepAnimator::step);
    connect(m_finish, &QPushButton::clicked, animator, &StepAnimator::finish);
    connect(m_speed, &QSlider::valueChanged, this, [this](int v) {
        m_animator->setStepsPerSecond(v);
        refresh();
    });
    connect(animator, &StepAnimator::changed, this, &AnimationBar::refresh);
    refresh();
}

QString AnimationBar::progressText() const { return m_progress->text(); }

void AnimationBar::refresh() {
    const bool playing = m_animator->isPlaying();
    m_playPause->setIcon(style()->standardIcon(playing ? QStyle::SP_MediaPause : QStyle::SP_MediaPlay));
    m_playPause->setText(playing ? tr("Pause") : tr("Play"));
    m_speedLabel->setText(m_speed->value() == 1 ? tr("1 step/s") : tr("%1 steps/s").arg(m_speed->value()));
    const int count = m_animator->stepCount();
    if (m_animator->isDone())
        m_progress->setText(tr("Whole result: %1 output cells").arg(count));
    else if (m_animator->position() == 0)
        m_progress->setText(tr("Ready: %1 output cells to compute").arg(count));
    else
        m_progress->setText(tr("Step %1 of %2").arg(m_animator->position()).arg(count));
}
