// Presentation mode: larger fonts, a high-contrast palette and thicker chart lines, on and
// off again, remembered between sessions; and its place in the View menu.
#include <QAction>
#include <QApplication>
#include <QLabel>
#include <QLineSeries>
#include <QMenuBar>
#include <QSettings>
#include <QValueAxis>

#include <gtest/gtest.h>

#include "PresentationMode.h"
#include "TrainingCharts.h"
#include "gui/MainWindow.h"

namespace {

// Every test leaves the application as it found it: the mode off and nothing remembered.
struct ModeOff {
    ~ModeOff() {
        PresentationMode::instance()->setOn(false);
        QSettings().remove(QStringLiteral("view/presentation"));
    }
};

qreal widestLine(const LiveChart &chart) {
    qreal widest = 0;
    for (QAbstractSeries *s : chart.chart()->series())
        if (auto *line = qobject_cast<QLineSeries *>(s)) widest = std::max(widest, line->pen().widthF());
    return widest;
}

qreal gridWidth(const LiveChart &chart) {
    return chart.chart()->axes(Qt::Horizontal).first()->gridLinePen().widthF();
}

QAction *presentationAction(unetlab::gui::MainWindow &w) {
    for (QAction *menu : w.menuBar()->actions())
        if (menu->menu())
            for (QAction *a : menu->menu()->actions())
                if (a->text().remove(QLatin1Char('&')) == QLatin1String("Presentation Mode")) return a;
    return nullptr;
}

}  // namespace

TEST(PresentationMode, EnlargesFontsThickensChartLinesAndComesBack) {
    ModeOff off;
    PresentationMode *mode = PresentationMode::instance();
    ASSERT_FALSE(mode->isOn());
    const qreal body = QApplication::font().pointSizeF();
    const QPalette palette = QApplication::palette();
    LossChart chart;
    QLabel heading(QStringLiteral("Heading"));
    PresentationMode::setRelativeFont(&heading, 1.3, true);
    const qreal headingSize = heading.font().pointSizeF();
    QWidget column;  // a column of labelled knobs
    PresentationMode::setFixedWidth(&column, 350);
    ASSERT_EQ(column.width(), 350);
    const qreal line = widestLine(chart), grid = gridWidth(chart);
    const qreal title = chart.chart()->titleFont().pointSizeF();
    ASSERT_GT(line, 0);

    mode->apply(true);
    EXPECT_TRUE(mode->isOn());
    EXPECT_DOUBLE_EQ(QApplication::font().pointSizeF(), body * PresentationMode::kFontScale);
    EXPECT_DOUBLE_EQ(heading.font().pointSizeF(), headingSize * PresentationMode::kFontScale);
    EXPECT_TRUE(heading.font().bold());
    EXPECT_EQ(column.width(), 525);
    EXPECT_DOUBLE_EQ(widestLine(chart), line * PresentationMode::kPenScale);
    EXPECT_GT(gridWidth(chart), grid);
    EXPECT_DOUBLE_EQ(chart.chart()->titleFont().pointSizeF(), title * PresentationMode::kChartFontScale);
    EXPECT_DOUBLE_EQ(PresentationMode::penScale(), PresentationMode::kPenScale);
    EXPECT_EQ(QApplication::palette().color(QPalette::Window), QColor(Qt::white));
    EXPECT_EQ(QApplication::palette().color(QPalette::WindowText), QColor(Qt::black));
    // A pale colour is darkened, a dark one kept.
    EXPECT_LT(PresentationMode::contrast(QColor(255, 193, 7)).lightness(), QColor(255, 193, 7).lightness());
    EXPECT_EQ(PresentationMode::contrast(QColor(13, 71, 161)), QColor(13, 71, 161));
    // A chart built while the mode is on is styled too, and restyling is not cumulative.
    DiceChart late;
    late.setClasses({QStringLiteral("background"), QStringLiteral("nucleus")});
    const qreal lateLine = widestLine(late);
    PresentationMode::styleChart(late.chart());
    EXPECT_DOUBLE_EQ(widestLine(late), lateLine);
    // Its text is as large as that of a chart that was there before the mode came on (built
    // from the enlarged application font, it must not be enlarged twice).
    EXPECT_DOUBLE_EQ(late.chart()->titleFont().pointSizeF(), chart.chart()->titleFont().pointSizeF());
    EXPECT_DOUBLE_EQ(late.chart()->axes(Qt::Horizontal).first()->labelsFont().pointSizeF(),
                     chart.chart()->axes(Qt::Horizontal).first()->labelsFont().pointSizeF());
    EXPECT_DOUBLE_EQ(late.chart()->legend()->font().pointSizeF(), chart.chart()->legend()->font().pointSizeF());
    // apply() is for one session: nothing is remembered.
    EXPECT_FALSE(PresentationMode::remembered());

    mode->apply(false);
    EXPECT_FALSE(mode->isOn());
    EXPECT_DOUBLE_EQ(QApplication::font().pointSizeF(), body);
    EXPECT_DOUBLE_EQ(heading.font().pointSizeF(), headingSize);
    EXPECT_EQ(column.width(), 350);
    EXPECT_DOUBLE_EQ(widestLine(chart), line);
    EXPECT_DOUBLE_EQ(gridWidth(chart), grid);
    EXPECT_DOUBLE_EQ(chart.chart()->titleFont().pointSizeF(), title);
    EXPECT_DOUBLE_EQ(widestLine(late), lateLine / PresentationMode::kPenScale);
    EXPECT_DOUBLE_EQ(late.chart()->titleFont().pointSizeF(), title);
    EXPECT_EQ(QApplication::palette(), palette);
}

TEST(PresentationMode, TheViewMenuTogglesItAndTheChoiceIsRemembered) {
    ModeOff off;
    unetlab::gui::MainWindow w;
    QAction *toggle = presentationAction(w);
    ASSERT_NE(toggle, nullptr);
    EXPECT_TRUE(toggle->isCheckable());
    EXPECT_FALSE(toggle->isChecked());
    ASSERT_FALSE(toggle->shortcut().isEmpty());
    EXPECT_TRUE(w.shortcutsText().contains(QStringLiteral("View › Presentation Mode")));
    const qreal body = QApplication::font().pointSizeF();

    toggle->trigger();
    EXPECT_TRUE(PresentationMode::instance()->isOn());
    EXPECT_DOUBLE_EQ(QApplication::font().pointSizeF(), body * PresentationMode::kFontScale);
    EXPECT_TRUE(PresentationMode::remembered());
    EXPECT_TRUE(QSettings().value(QStringLiteral("view/presentation")).toBool());
    toggle->trigger();
    EXPECT_FALSE(PresentationMode::instance()->isOn());
    EXPECT_FALSE(PresentationMode::remembered());
    EXPECT_DOUBLE_EQ(QApplication::font().pointSizeF(), body);

    // The next session: a window opened with the choice remembered starts in the mode.
    QSettings().setValue(QStringLiteral("view/presentation"), true);
    unetlab::gui::MainWindow next;
    EXPECT_TRUE(PresentationMode::instance()->isOn());
    QAction *again = presentationAction(next);
    ASSERT_NE(again, nullptr);
    EXPECT_TRUE(again->isChecked());
    EXPECT_DOUBLE_EQ(QApplication::font().pointSizeF(), body * PresentationMode::kFontScale);
    // Turned off from anywhere, every window's action follows.
    PresentationMode::instance()->setOn(false);
    EXPECT_FALSE(again->isChecked());
    EXPECT_FALSE(toggle->isChecked());
}
