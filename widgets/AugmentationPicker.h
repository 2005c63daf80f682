#pragma once
// The kinds of data augmentation as five checkboxes (flips, 90° rotations, a small rotation,
// elastic deformation, brightness/contrast), editing a unetlab::AugmentationConfig. Shared by
// the training settings and the Data area's augmentation preview.

#include <QWidget>

#include "data/Augment.h"

class QCheckBox;

class AugmentationPicker : public QWidget {
    Q_OBJECT
public:
    explicit AugmentationPicker(QWidget *parent = nullptr);

    // The checked kinds; the strengths (angle, elastic sigma, ...) are those last set.
    unetlab::AugmentationConfig config() const;
    void setConfig(const unetlab::AugmentationConfig &config);

Q_SIGNALS:
    void changed();

private:
    unetlab::AugmentationConfig m_base;
    QCheckBox *m_flips, *m_rotate90, *m_rotate, *m_elastic, *m_intensity;
};
