#pragma once
// An image with a gradient-magnitude map over it: pixels drawn large and sharp, zero
// gradient left see-through (outside the field nothing is painted), the chosen output
// pixel marked with a cross-hair, the measured extent boxed, and an optional square of
// a given side centred on the pixel for comparison. A click picks the output pixel.

#include <vector>

#include <QImage>
#include <QWidget>

class ReceptiveFieldView : public QWidget {
    Q_OBJECT
public:
    explicit ReceptiveFieldView(QWidget *parent = nullptr);

    void setImage(const QImage &image);
    const QImage &image() const { return m_image; }
    void setPixel(const QPoint &pixel);
    QPoint pixel() const { return m_pixel; }
    // `magnitude` is width*height of the image; an empty vector removes the map.
    void setMap(const std::vector<float> &magnitude, int width, int height);
    void clearMap();
    bool hasMap() const { return !m_heat.isNull(); }
    void setLogScale(bool logScale);
    void setOpacity(double opacity);
    // Side of a square drawn around the pixel (dashed), 0 for none.
    void setComparisonSide(int side);
    // Show only a `side` x `side` window of the image around the pixel (0: the whole image),
    // so a small field such as MinimalCNN's 5 x 5 is visible. The window centres on the
    // pixel when zooming or setPixel() moves it, not on clicks (the image stays still).
    void setZoomWindow(int side);
    QRect shownRegion() const;                    // image pixels on screen
    QRect measuredBox() const { return m_box; }  // image pixels; empty without a map
    QRectF imageRect() const;                    // where the image is drawn, widget coordinates

    QSize sizeHint() const override { return {560, 560}; }
    QSize minimumSizeHint() const override { return {256, 256}; }

    // The colour of a normalised magnitude t in (0, 1] (0 is never painted).
    static QColor heatColour(double t);

Q_SIGNALS:
    void pixelChosen(const QPoint &pixel);

protected:
    void paintEvent(QPaintEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;

private:
    void rebuildHeat();

    QImage m_image;
    QPoint m_pixel;
    std::vector<float> m_magnitude;
    int m_mapWidth = 0;
    int m_mapHeight = 0;
    QImage m_heat;
    QRect m_box;
    bool m_logScale = true;
    double m_opacity = 0.8;
    int m_comparisonSide = 0;
    int m_zoomSide = 0;
    QPoint m_zoomCentre;  // the zoom window stays put while the student clicks inside it
};
