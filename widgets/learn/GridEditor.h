#pragma once
// A grid of numbers a student edits by clicking (MISSION §2-§4), shared by the
// convolution, pooling and upsampling widgets.
//
// Editing: a click steps a value forward on its step grid (0.0 -> 0.1 -> ... -> 1.0 -> 0.0),
// shift-click steps back; the mouse wheel and +/- step up and down without wrapping;
// arrow keys move the keyboard cell and space steps it (shift+space back); Enter, F2 or
// a right-click types an exact value. Read-only grids report clicks instead
// (cellActivated), e.g. to show how an output cell was computed.
//
// Drawing: each cell in a grey, diverging (negative blue, positive green) or mask (red
// foreground) colour, its value written inside, optional row/column indices, an optional
// ghost ring (the padding a convolution reads) and outlined highlights with small badges.
// Cells not computed yet (NaN) are drawn empty. Edges fall on device pixels, so the grid
// is crisp at any device pixel ratio.

#include <QColor>
#include <QString>
#include <QVector>
#include <QWidget>

#include "ops/Grid.h"

class QDoubleSpinBox;

class GridEditor : public QWidget {
    Q_OBJECT
public:
    enum class ColourMap {
        Grey,       // low = black, high = white
        Diverging,  // negative blue, zero white, positive green; symmetric around zero
        Mask,       // 0 = background (pale), 1 = foreground (red)
    };

    // What editing does to a value.
    struct ValueSteps {
        double minimum = 0.0;
        double maximum = 1.0;
        double step = 0.1;
        bool wrap = true;  // a click past the maximum starts again at the minimum
    };

    // An outline around cells (grid coordinates; may lie in the ghost ring).
    struct Highlight {
        int row = 0;
        int col = 0;
        int rows = 1;
        int cols = 1;
        QColor colour;
        qreal width = 3.0;  // logical pixels
        bool dashed = false;
        QString badge;       // short text on a tab at the bottom of the first cell, e.g. "×0.56"
        bool cross = false;  // a cross through the cells instead of an outline ("wrong")
    };

    explicit GridEditor(QWidget *parent = nullptr);

    void setGrid(const unetlab::ops::Grid &grid);
    const unetlab::ops::Grid &grid() const { return m_grid; }
    double value(int row, int col) const { return m_grid.at(row, col); }

    void setEditable(bool editable);
    bool isEditable() const { return m_editable; }
    void setValueSteps(const ValueSteps &steps);
    const ValueSteps &valueSteps() const { return m_steps; }
    // The value one step forward (+1) or back (-1) from `value` on the step grid; wraps
    // or clamps at the ends as the steps say.
    double steppedValue(double value, int direction, bool wrap) const;

    void setColourMap(ColourMap map);
    // Values mapped to the ends of the colour map (Diverging uses +-max(|low|, |high|)).
    void setColourRange(double low, double high);
    QColor cellColour(double value) const;
    void setDecimals(int decimals);
    void setShowValues(bool show);
    void setShowIndices(bool show);
    // `padded` is the grid with `width` extra cells on every side; only the ring is drawn.
    void setGhostRing(const unetlab::ops::Grid &padded, int width);
    void clearGhostRing();
    void setHighlights(const QVector<Highlight> &highlights);
    const QVector<Highlight> &highlights() const { return m_highlights; }
    // Cell side limits in logical pixels; the grid grows to fill the widget between them.
    void setCellSizeLimits(int minimum, int maximum);
    // Darker lines every `cells` cells (0 = none), e.g. the 2x2 tiles of a pooling input.
    void setBlockSize(int cells);
    // Where the grid sits when the widget is larger than it (default: top, centred across).
    void setAlignment(Qt::Alignment alignment);
    // Spoken name of the grid, e.g. "Input image" (accessible name and descriptions).
    void setGridName(const QString &name);

    unetlab::ops::Cell currentCell() const { return m_current; }
    void setCurrentCell(int row, int col);
    // A cell's rectangle in widget coordinates (ring cells have negative or large indices).
    QRectF cellRect(int row, int col) const;
    qreal cellSide() const { return m_cell; }

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;
    // Square cells: a grid as wide as `width` needs this height (labels under it stay close).
    bool hasHeightForWidth() const override { return true; }
    int heightForWidth(int width) const override;

Q_SIGNALS:
    void valueEdited(int row, int col, double value);  // the user changed a cell
    void cellActivated(int row, int col);              // the user clicked or pressed Enter on a read-only cell

protected:
    void paintEvent(QPaintEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;
    void wheelEvent(QWheelEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;
    void focusInEvent(QFocusEvent *event) override;
    void focusOutEvent(QFocusEvent *event) override;

private:
    void relayout();
    int ring() const { return m_ringWidth; }
    int shownRows() const { return m_grid.rows() + 2 * ring(); }
    int shownCols() const { return m_grid.cols() + 2 * ring(); }
    qreal indexMargin() const;
    unetlab::ops::Cell cellAt(const QPointF &pos) const;
    void edit(int row, int col, double value);
    void stepCell(int row, int col, int direction, bool wrap);
    void openEditor(int row, int col);
    void closeEditor(bool accept);
    void announceCurrentCell();
    QString cellText(double value) const;
    // `raised`: the value moves up to leave room for a badge under it.
    void paintCell(QPainter &p, int row, int col, double value, bool inRing, bool raised) const;
    void paintHighlight(QPainter &p, const Highlight &h) const;
    void paintIndices(QPainter &p) const;
    void paintBlocks(QPainter &p) const;

    unetlab::ops::Grid m_grid;
    unetlab::ops::Grid m_padded;
    int m_ringWidth = 0;
    bool m_editable = true;
    ValueSteps m_steps;
    ColourMap m_map = ColourMap::Grey;
    double m_low = 0.0;
    double m_high = 1.0;
    int m_decimals = 2;
    bool m_showValues = true;
    bool m_showIndices = false;
    QVector<Highlight> m_highlights;
    int m_minCell = 24;
    int m_maxCell = 88;
    QString m_name;
    Qt::Alignment m_alignment = Qt::AlignHCenter | Qt::AlignTop;
    int m_blockSize = 0;
    unetlab::ops::Cell m_current{0, 0};
    QDoubleSpinBox *m_editor = nullptr;
    unetlab::ops::Cell m_editorCell;
    // Geometry in logical pixels, snapped to device pixels by relayout().
    qreal m_cell = 0;
    QPointF m_origin;  // top-left of the first shown cell (ring included)
};
