#pragma once
// One activation map enlarged (MISSION §8 feature maps): the map with a colour bar of its
// range, and the value under the cursor, optionally laid over the input image so one sees
// where in the cell a channel fires.

#include <QImage>
#include <QWidget>

#include <optional>

#include "inspect/Inspect.h"

class QCheckBox;
class QLabel;

class MapDetail : public QWidget {
    Q_OBJECT
public:
    explicit MapDetail(QWidget *parent = nullptr);

    // `title` names the map ("enc1 · channel 23"); `scoreText` says how it ranked; `input` is
    // the image the map was computed from (for the overlay).
    void setMap(const QString &title, const unetlab::ActivationMap &map, const QString &scoreText, const QImage &input);
    void clear(const QString &hint);
    bool hasMap() const { return !m_map.values.empty(); }
    const unetlab::ActivationMap &map() const { return m_map; }

    // The map's value under a point of the canvas (canvas coordinates), and the cell it is in.
    std::optional<float> valueAt(const QPoint &canvasPos, QPoint *cell = nullptr) const;
    QRect mapRect() const;  // where the map is drawn, canvas coordinates
    QWidget *canvas() const { return m_canvas; }
    QString readout() const;
    bool explanationShown() const;  // "x 120, y 45: 0.734", or the hint when the cursor is elsewhere
    void setOverlay(bool on);

protected:
    void resizeEvent(QResizeEvent *event) override;

private:
    friend class MapCanvas;
    void paintCanvas(QPainter &p);
    void hover(const QPoint &canvasPos);
    void fitToHeight();

    unetlab::ActivationMap m_map;
    QImage m_image, m_input;
    QLabel *m_title = nullptr;
    QLabel *m_score = nullptr;
    QLabel *m_readout = nullptr;
    QLabel *m_explain = nullptr;  // how to read a map; gives way first in a short window
    QCheckBox *m_overlay = nullptr;
    QWidget *m_canvas = nullptr;
    QString m_hint;
    QPoint m_cell{-1, -1};
};
