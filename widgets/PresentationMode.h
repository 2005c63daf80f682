#pragma once
// Presentation mode: the whole app made readable from the back of a lecture hall on a
// projector. When on, the application font is 1.5× larger, the palette is high-contrast
// (black on white, strong blue selection), pale colours are darkened, and lines drawn by
// custom-painted widgets and charts are twice as thick. Widgets read penScale() and
// contrast() when they paint; charts follow through styleChart().
//
// One instance per application (instance()); View › Presentation Mode toggles it, the
// choice is remembered in QSettings ("view/presentation"), and `unetlab --presentation`
// turns it on for one session (screenshots) without remembering it.

#include <QColor>
#include <QFont>
#include <QObject>
#include <QPalette>

class QChart;
class QWidget;

class PresentationMode : public QObject {
    Q_OBJECT
public:
    // How much larger every font is when on.
    static constexpr double kFontScale = 1.5;
    // How much larger chart text is when on: less than the rest, the plot must keep its room.
    static constexpr double kChartFontScale = 1.25;
    // How much thicker lines are when on.
    static constexpr double kPenScale = 2.0;

    // The application's one instance (created on first use, owned by the application).
    static PresentationMode *instance();

    bool isOn() const { return m_on; }
    // Applies the mode to the application (font, palette, custom painting, charts) without
    // remembering it; setting the current state again does nothing.
    void apply(bool on);
    // Applies the mode and remembers it for the next session.
    void setOn(bool on);
    // The remembered choice (false when never set).
    static bool remembered();

    // 1 normally, kFontScale / kPenScale when on: for fonts and line widths that are not
    // derived from the application font or palette.
    static double fontScale();
    static double penScale();
    // `colour` as it should be drawn on a light background: unchanged normally; when on,
    // pale colours are darkened (same hue) so they survive a washed-out projector.
    static QColor contrast(const QColor &colour);

    // Gives `widget` a font `factor` times the application font (bold or not), kept
    // relative when the application font changes (a heading stays 1.3× the body text).
    static void setRelativeFont(QWidget *widget, double factor, bool bold = false);
    // Fixes `widget`'s width to `width` logical pixels times fontScale(), kept so when the mode
    // changes: a column of labelled knobs must grow with its text.
    static void setFixedWidth(QWidget *widget, int width);

    // Scales the chart's title and axis fonts (by kChartFontScale), series line widths, marker sizes and grid lines to the
    // mode, from their values at the first call (so it may be called again after adding
    // series); pale series colours follow contrast(). Every chart view in the application
    // is restyled when the mode changes.
    static void styleChart(QChart *chart);

Q_SIGNALS:
    void changed(bool on);

private:
    explicit PresentationMode(QObject *parent);
    static QPalette highContrastPalette();
    void refreshWidgets();

    bool m_on = false;
    bool m_haveBase = false;
    QFont m_baseFont;
    QPalette m_basePalette;
};
