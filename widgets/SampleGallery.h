#pragma once
// A grid of dataset samples: each tile shows the image, its mask in class colours, and
// the mask laid over the image with adjustable opacity. Plain QImages in, no engine types.

#include <QColor>
#include <QImage>
#include <QString>
#include <QVector>
#include <QWidget>

class QGridLayout;
class QLabel;
class QSlider;
class QScrollArea;

struct GalleryItem {
    QString title;   // e.g. "synthetic-0007"
    QString caption; // e.g. "N/C 0.41"
    QImage image;    // RGB
    QImage mask;     // class colours (ARGB, background transparent)
};

struct GalleryClass {
    QString name;
    QColor colour;
};

class SampleGallery : public QWidget {
    Q_OBJECT
public:
    explicit SampleGallery(QWidget *parent = nullptr);

    void setClasses(const QVector<GalleryClass> &classes);
    void setItems(const QVector<GalleryItem> &items);
    int itemCount() const { return m_items.size(); }
    const QVector<GalleryItem> &items() const { return m_items; }
    void setOverlayOpacity(int percent);
    int overlayOpacity() const;
    void setShowMaskColumn(bool show);

    // The image with the mask blended over it (what the overlay tile shows).
    static QImage overlay(const QImage &image, const QImage &mask, double opacity);

private:
    void rebuild();
    void relayout();
    bool chooseGeometry();  // true when the columns or the image side change
    void resizeEvent(QResizeEvent *event) override;

    QVector<GalleryItem> m_items;
    QVector<GalleryClass> m_classes;
    QWidget *m_legend = nullptr;
    QSlider *m_opacity = nullptr;
    QLabel *m_opacityLabel = nullptr;
    QScrollArea *m_scroll = nullptr;
    QWidget *m_grid = nullptr;
    QGridLayout *m_gridLayout = nullptr;
    QVector<QWidget *> m_tiles;
    bool m_showMask = true;
    int m_columns = 0;        // columns laid out now
    int m_wantedColumns = 1;  // columns that fit the width
    int m_side = 200;         // side of one shown image
};
