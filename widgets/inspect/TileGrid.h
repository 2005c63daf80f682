#pragma once
// A grid of small pictures with captions, painted in one widget: stage maps, kernels. Small
// pictures are enlarged without smoothing, so a 64 x 64 bottleneck map or a 3 x 3 kernel
// shows its cells. Clicking a tile selects it and emits tileClicked.

#include <QImage>
#include <QString>
#include <QVector>
#include <QWidget>

class TileGrid : public QWidget {
    Q_OBJECT
public:
    struct Tile {
        QImage image;     // null: an empty frame with `caption` inside (e.g. "no truth")
        QString caption;  // drawn under the tile, elided to its width
        QString toolTip;
    };

    explicit TileGrid(QWidget *parent = nullptr);

    void setTiles(const QVector<Tile> &tiles);
    const QVector<Tile> &tiles() const { return m_tiles; }
    void setTileSize(int side);  // pixels on the longer side of each picture
    int tileSize() const { return m_side; }
    void setColumns(int columns);         // 0: as many as fit the width
    void setCaptionLines(int lines);      // lines reserved under each tile (0: none)
    void setSelectable(bool selectable);  // clickable, with the selection outlined
    void setSmooth(bool smooth);          // smooth scaling (photos) instead of nearest (maps, kernels)
    void setSelected(int index);          // -1: none
    int selected() const { return m_selected; }
    int columns() const;
    QRect tileRect(int index) const;  // the picture's rectangle, widget coordinates

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;
    bool hasHeightForWidth() const override { return m_columns == 0; }
    int heightForWidth(int width) const override;

Q_SIGNALS:
    void tileClicked(int index);

protected:
    void paintEvent(QPaintEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;
    void leaveEvent(QEvent *event) override;

private:
    int columnsFor(int width) const;
    int cellHeight() const;
    int indexAt(const QPoint &pos) const;
    QString tileText(int index) const;
    void describe();  // the accessible description: every tile, then the selected one

    QVector<Tile> m_tiles;
    int m_side = 96;
    int m_columns = 0;
    int m_captionLines = 1;
    bool m_selectable = false;
    bool m_smooth = false;
    int m_selected = -1;
    int m_hover = -1;
};
