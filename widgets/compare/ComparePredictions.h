#pragma once
// The same test images through every model: image, truth, each prediction and where the
// first two disagree; a flip view that switches between the first two predictions (by a
// slider, or blinking), and a zoom that shows a boundary region at pixel scale.

#include <QTimer>
#include <QVector>
#include <QWidget>

#include "CompareTypes.h"

class QCheckBox;
class QGridLayout;
class QLabel;
class QSlider;

// A square crop of one image at pixel scale with the class boundaries of the truth and of
// the first two predictions drawn over it.
class BoundaryZoom : public QWidget {
    Q_OBJECT
public:
    explicit BoundaryZoom(QWidget *parent = nullptr);
    void setPreview(const ComparePreview &preview, const QStringList &runNames, QPoint centre);
    QPoint centre() const { return m_centre; }
    static constexpr int kCropSide = 32;  // pixels of the image shown

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    ComparePreview m_preview;
    QStringList m_names;
    QPoint m_centre;
};

class ComparePredictions : public QWidget {
    Q_OBJECT
public:
    explicit ComparePredictions(QWidget *parent = nullptr);
    void setResults(const QVector<ComparePreview> &previews, const QStringList &runNames);
    int imageCount() const { return m_previews.size(); }
    int flipRun() const;  // which run the flip column shows now (0 or 1)
    BoundaryZoom *zoom() const { return m_zoom; }
    // Centres the zoom on (x, y) of image `index`.
    void zoomAt(int index, QPoint pixel);

private:
    void rebuild();
    void updateFlip();
    bool eventFilter(QObject *watched, QEvent *event) override;

    QVector<ComparePreview> m_previews;
    QStringList m_names;
    QGridLayout *m_grid = nullptr;
    QVector<QWidget *> m_cells;
    QVector<QLabel *> m_flipCells;
    QSlider *m_flip = nullptr;
    QCheckBox *m_blink = nullptr;
    QLabel *m_flipLabel = nullptr;
    QLabel *m_legend = nullptr;
    BoundaryZoom *m_zoom = nullptr;
    QTimer m_blinkTimer;
    int m_side = 150;
};
