#include "AugmentationPicker.h"

#include <QCheckBox>
#include <QGridLayout>

AugmentationPicker::AugmentationPicker(QWidget *parent) : QWidget(parent) {
    setAccessibleName(tr("Augmentation"));
    setAccessibleDescription(tr("Random changes each training image gets"));
    auto *grid = new QGridLayout(this);
    grid->setContentsMargins(0, 0, 0, 0);
    grid->setHorizontalSpacing(12);
    auto box = [this](const QString &text, const QString &tip) {
        auto *c = new QCheckBox(text);
        c->setToolTip(tip);
        connect(c, &QCheckBox::toggled, this, &AugmentationPicker::changed);
        return c;
    };
    m_flips = box(tr("Flips"), tr("Horizontal and vertical flips, each with probability ½"));
    m_rotate90 = box(tr("90° rotations"), tr("Rotations by 0, 90, 180 or 270 degrees"));
    m_rotate = box(tr("±15° rotation"), tr("A small rotation, uniform in ±15 degrees; borders are mirrored"));
    m_elastic = box(tr("Elastic"), tr("U-Net's elastic deformation: smooth random displacements"));
    m_intensity = box(tr("Brightness/contrast"), tr("Images only: random contrast, then brightness"));
    grid->addWidget(m_flips, 0, 0);
    grid->addWidget(m_rotate90, 0, 1);
    grid->addWidget(m_rotate, 1, 0);
    grid->addWidget(m_elastic, 1, 1);
    grid->addWidget(m_intensity, 2, 0, 1, 2);
}

unetlab::AugmentationConfig AugmentationPicker::config() const {
    unetlab::AugmentationConfig c = m_base;
    c.flips = m_flips->isChecked();
    c.rotate90 = m_rotate90->isChecked();
    c.rotate = m_rotate->isChecked();
    c.elastic = m_elastic->isChecked();
    c.intensity = m_intensity->isChecked();
    return c;
}

void AugmentationPicker::setConfig(const unetlab::AugmentationConfig &config) {
    m_base = config;
    const QSignalBlocker blockers[] = {QSignalBlocker(m_flips), QSignalBlocker(m_rotate90), QSignalBlocker(m_rotate),
                                       QSignalBlocker(m_elastic), QSignalBlocker(m_intensity)};
    m_flips->setChecked(config.flips);
    m_rotate90->setChecked(config.rotate90);
    m_rotate->setChecked(config.rotate);
    m_elastic->setChecked(config.elastic);
    m_intensity->setChecked(config.intensity);
    m_rotate->setText(tr("±%1° rotation").arg(config.maxDegrees));
    Q_EMIT changed();
}
