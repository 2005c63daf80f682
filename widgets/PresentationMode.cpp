#include "PresentationMode.h"

#include <QAbstractAxis>
#include <QAbstractBarSeries>
#include <QApplication>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QLegend>
#include <QScatterSeries>
#include <QSettings>
#include <QWidget>
#include <QXYSeries>

#include <algorithm>

namespace {

// Where the remembered choice lives.
const char *const kSettingsKey = "view/presentation";
// Dynamic properties: a widget's font factor relative to the application font, and the
// base (normal-mode) value of a chart element, recorded on its first styling.
const char *const kFontFactor = "unetlab_fontFactor";
const char *const kFontBold = "unetlab_fontBold";
const char *const kFixedWidth = "unetlab_fixedWidth";
const char *const kBaseFont = "unetlab_baseFont";
const char *const kBaseTitleFont = "unetlab_baseTitleFont";
const char *const kBasePen = "unetlab_basePen";
const char *const kBaseGridPen = "unetlab_baseGridPen";
const char *const kBaseLinePen = "unetlab_baseLinePen";
const char *const kBaseSize = "unetlab_baseSize";
const char *const kBaseColour = "unetlab_baseColour";
const char *const kBaseBorder = "unetlab_baseBorder";
const char *const kBaseLabelColour = "unetlab_baseLabelColour";
const char *const kBaseTitleBrush = "unetlab_baseTitleBrush";
// Colours lighter than this (HSL lightness, 0-255) are darkened to it when on.
constexpr int kMaxLightness = 115;

// `value` recorded as the base of `object` under `name` on first use; the base afterwards.
template <typename T>
T base(QObject *object, const char *name, const T &value) {
    const QVariant recorded = object->property(name);
    if (recorded.isValid()) return recorded.value<T>();
    object->setProperty(name, QVariant::fromValue(value));
    return value;
}

QFont scaled(QFont font, double factor) {
    if (font.pointSizeF() > 0)
        font.setPointSizeF(font.pointSizeF() * factor);
    else
        font.setPixelSize(std::max(1, static_cast<int>(font.pixelSize() * factor + 0.5)));
    return font;
}

// A chart's fonts come from the application font: one recorded while the mode is on was
// already enlarged by kFontScale, and its base is the font without that.
QFont baseFont(QObject *object, const char *name, const QFont &current) {
    const QVariant recorded = object->property(name);
    if (recorded.isValid()) return recorded.value<QFont>();
    const QFont font =
        PresentationMode::instance()->isOn() ? scaled(current, 1.0 / PresentationMode::kFontScale) : current;
    object->setProperty(name, QVariant::fromValue(font));
    return font;
}

QPen thicker(QPen pen) {
    pen.setWidthF(std::max<qreal>(1.0, pen.widthF()) * PresentationMode::penScale());
    pen.setColor(PresentationMode::contrast(pen.color()));
    return pen;
}

}  // namespace

PresentationMode::PresentationMode(QObject *parent) : QObject(parent) {}

PresentationMode *PresentationMode::instance() {
    static PresentationMode *mode = nullptr;
    if (!mode) mode = new PresentationMode(QCoreApplication::instance());
    return mode;
}

bool PresentationMode::remembered() { return QSettings().value(QLatin1String(kSettingsKey), false).toBool(); }

double PresentationMode::fontScale() { return instance()->isOn() ? kFontScale : 1.0; }

double PresentationMode::penScale() { return instance()->isOn() ? kPenScale : 1.0; }

QColor PresentationMode::contrast(const QColor &colour) {
    if (!instance()->isOn() || !colour.isValid()) return colour;
    const QColor hsl = colour.toHsl();
    if (hsl.lightness() <= kMaxLightness) return colour;
    return QColor::fromHsl(hsl.hslHue(), hsl.hslSaturation(), kMaxLightness, colour.alpha());
}

QPalette PresentationMode::highContrastPalette() {
    // Black on white, a strong blue for selection and links: legible when a projector washes
    // colours out, and the colours the teaching figures were designed against.
    const QColor black(0, 0, 0), white(255, 255, 255), blue(0, 51, 204);
    QPalette p(black, white);
    for (QPalette::ColorGroup g : {QPalette::Active, QPalette::Inactive}) {
        p.setColor(g, QPalette::Window, white);
        p.setColor(g, QPalette::WindowText, black);
        p.setColor(g, QPalette::Base, white);
        p.setColor(g, QPalette::AlternateBase, QColor(235, 235, 235));
        p.setColor(g, QPalette::Text, black);
        p.setColor(g, QPalette::Button, QColor(240, 240, 240));
        p.setColor(g, QPalette::ButtonText, black);
        p.setColor(g, QPalette::BrightText, white);
        p.setColor(g, QPalette::Highlight, blue);
        p.setColor(g, QPalette::HighlightedText, white);
        p.setColor(g, QPalette::Link, blue);
        p.setColor(g, QPalette::ToolTipBase, QColor(255, 255, 220));
        p.setColor(g, QPalette::ToolTipText, black);
        p.setColor(g, QPalette::PlaceholderText, QColor(60, 60, 60));
        p.setColor(g, QPalette::Light, white);
        p.setColor(g, QPalette::Midlight, QColor(200, 200, 200));
        p.setColor(g, QPalette::Mid, QColor(90, 90, 90));
        p.setColor(g, QPalette::Dark, QColor(40, 40, 40));
        p.setColor(g, QPalette::Shadow, black);
    }
    // Disabled text stays readable: dark grey, not the usual pale grey.
    p.setColor(QPalette::Disabled, QPalette::WindowText, QColor(90, 90, 90));
    p.setColor(QPalette::Disabled, QPalette::Text, QColor(90, 90, 90));
    p.setColor(QPalette::Disabled, QPalette::ButtonText, QColor(90, 90, 90));
    p.setColor(QPalette::Disabled, QPalette::Window, white);
    p.setColor(QPalette::Disabled, QPalette::Base, QColor(245, 245, 245));
    p.setColor(QPalette::Disabled, QPalette::Button, QColor(240, 240, 240));
    return p;
}

void PresentationMode::apply(bool on) {
    if (on == m_on) return;
    if (!m_haveBase) {
        m_baseFont = QApplication::font();
        m_basePalette = QApplication::palette();
        m_haveBase = true;
    }
    // The flag first: widgets repainting for the font and palette changes read it.
    m_on = on;
    QApplication::setFont(on ? scaled(m_baseFont, kFontScale) : m_baseFont);
    QApplication::setPalette(on ? highContrastPalette() : m_basePalette);
    refreshWidgets();
    Q_EMIT changed(on);
}

void PresentationMode::setOn(bool on) {
    QSettings().setValue(QLatin1String(kSettingsKey), on);
    apply(on);
}

void PresentationMode::setRelativeFont(QWidget *widget, double factor, bool bold) {
    widget->setProperty(kFontFactor, factor);
    widget->setProperty(kFontBold, bold);
    QFont font = scaled(QApplication::font(widget), factor);
    font.setBold(bold);
    widget->setFont(font);
}

void PresentationMode::setFixedWidth(QWidget *widget, int width) {
    widget->setProperty(kFixedWidth, width);
    widget->setFixedWidth(static_cast<int>(width * fontScale() + 0.5));
}

void PresentationMode::refreshWidgets() {
    const QWidgetList widgets = QApplication::allWidgets();
    for (QWidget *w : widgets) {
        const QVariant factor = w->property(kFontFactor);
        if (factor.isValid()) setRelativeFont(w, factor.toDouble(), w->property(kFontBold).toBool());
        if (const QVariant width = w->property(kFixedWidth); width.isValid()) setFixedWidth(w, width.toInt());
        if (auto *view = qobject_cast<QChartView *>(w); view && view->chart()) styleChart(view->chart());
        w->update();
    }
}

void PresentationMode::styleChart(QChart *chart) {
    if (!chart) return;
    const double fonts = instance()->isOn() ? kChartFontScale : 1.0;
    chart->setTitleFont(scaled(baseFont(chart, kBaseTitleFont, chart->titleFont()), fonts));
    // The legend keeps its size: larger, its entries are cut to "batc…" in a chart a third of
    // the window wide. Its markers and the lines they name are thicker instead.
    QLegend *legend = chart->legend();
    legend->setFont(baseFont(legend, kBaseFont, legend->font()));
    for (QAbstractAxis *axis : chart->axes()) {
        axis->setLabelsFont(scaled(baseFont(axis, kBaseFont, axis->labelsFont()), fonts));
        axis->setTitleFont(scaled(baseFont(axis, kBaseTitleFont, axis->titleFont()), fonts));
        axis->setGridLinePen(thicker(base(axis, kBaseGridPen, axis->gridLinePen())));
        axis->setLinePen(thicker(base(axis, kBaseLinePen, axis->linePen())));
        // Axis text black when on (the theme's is grey).
        const QColor labels = base(axis, kBaseLabelColour, axis->labelsColor());
        const QBrush title = base(axis, kBaseTitleBrush, axis->titleBrush());
        axis->setLabelsColor(instance()->isOn() ? QColor(Qt::black) : labels);
        axis->setTitleBrush(instance()->isOn() ? QBrush(Qt::black) : title);
    }
    for (QAbstractSeries *series : chart->series()) {
        if (auto *scatter = qobject_cast<QScatterSeries *>(series)) {
            scatter->setMarkerSize(base(scatter, kBaseSize, scatter->markerSize()) * std::min(fonts, 1.6));
            scatter->setColor(contrast(base(scatter, kBaseColour, scatter->color())));
            scatter->setBorderColor(contrast(base(scatter, kBaseBorder, scatter->borderColor())));
        } else if (auto *xy = qobject_cast<QXYSeries *>(series)) {
            xy->setPen(thicker(base(xy, kBasePen, xy->pen())));
        } else if (auto *bars = qobject_cast<QAbstractBarSeries *>(series)) {
            for (QBarSet *set : bars->barSets()) {
                set->setColor(contrast(base(set, kBaseColour, set->color())));
                set->setLabelFont(scaled(baseFont(set, kBaseFont, set->labelFont()), fonts));
            }
        }
    }
}
