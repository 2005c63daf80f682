#pragma once
// Learned kernels (MISSION §8): the first layer's kernels as RGB tiles, each rescaled to
// [0, 1], so colour selectors and edge detectors can be told apart at a glance; every layer's
// weights per input channel on one diverging scale; and, beside them, the hand-designed
// Sobel, Gaussian and Laplacian kernels that learned ones come to resemble.

#include <QStringList>

#include "InspectTypes.h"
#include "InspectView.h"

class QCheckBox;
class QComboBox;
class QLabel;
class QPushButton;
class QScrollArea;
class QVBoxLayout;
class TileGrid;

class KernelViewer : public InspectView {
    Q_OBJECT
public:
    explicit KernelViewer(QWidget *parent = nullptr);

    KernelRequest currentRequest() const;  // the model is filled in by InspectArea
    bool followTraining() const;
    void setFollowTraining(bool on);
    bool hasResult() const override { return !m_kernels.weights.empty(); }
    const unetlab::KernelSet &kernels() const { return m_kernels; }

    // For tests and screenshots.
    TileGrid *rgbGrid() const { return m_rgb; }
    TileGrid *handGrid() const { return m_hand; }
    int weightGridCount() const { return m_weightGrids.size(); }
    QStringList layerChoices() const;
    void setLayer(const QString &layer);

public Q_SLOTS:
    void showKernels(const unetlab::KernelSet &kernels, const QString &stamp = QString());
    void request();

Q_SIGNALS:
    void requested(const KernelRequest &request);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void layoutTiles();

    QComboBox *m_layer = nullptr;
    QCheckBox *m_follow = nullptr;
    QPushButton *m_show = nullptr;
    QLabel *m_rgbTitle = nullptr;
    TileGrid *m_rgb = nullptr;
    QLabel *m_weightsTitle = nullptr;
    QVBoxLayout *m_weightsLayout = nullptr;
    QVector<QWidget *> m_weightGrids;
    QVector<TileGrid *> m_channelGrids;
    QLabel *m_rgbIndent = nullptr;
    QScrollArea *m_scroll = nullptr;
    TileGrid *m_hand = nullptr;
    QLabel *m_scale = nullptr;
    QLabel *m_status = nullptr;
    unetlab::KernelSet m_kernels;
};
