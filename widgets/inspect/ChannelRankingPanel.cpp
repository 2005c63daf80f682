#include "ChannelRankingPanel.h"

#include <QBarCategoryAxis>
#include <QBarSeries>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QFontMetrics>
#include <QFrame>
#include <QHBoxLayout>
#include <QLabel>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QPushButton>
#include <QStackedBarSeries>
#include <QStackedWidget>
#include <QTimer>
#include <QVBoxLayout>
#include <QValueAxis>

#include <algorithm>
#include <cmath>

#include "InspectStyle.h"
#include "PresentationMode.h"

namespace {

constexpr int kMaxBars = 16;  // the most channels a chart shows; fewer where their labels would not fit
constexpr int kMinBars = 4;
// Qt Charts gives each category label its share of the plot (one more share than labels) less
// 2 x 5 px of padding, and cuts to "…" a label wider than that with its text item's margins.
constexpr qreal kLabelRoom = 2 * 5 + 4;
const QColor kMagnitudeColour(25, 118, 210);
const QColor kPositiveColour(216, 27, 96);
const QColor kNegativeColour(0, 137, 123);
const QColor kStageColour(120, 144, 156);
const QColor kVerdictStageColour(255, 160, 0);
const QColor kThresholdColour(60, 60, 60);

struct VerdictLook {
    QString headline;
    QColor colour;
};

VerdictLook lookOf(unetlab::RankingVerdict v) {
    switch (v) {
        case unetlab::RankingVerdict::Upstream:
            return {QObject::tr("Upstream: the features are missing (capacity)"), QColor(230, 81, 0)};
        case unetlab::RankingVerdict::Downstream:
            return {QObject::tr("Downstream: the 1×1 head does not use the features"), QColor(21, 101, 192)};
        case unetlab::RankingVerdict::Healthy:
            return {QObject::tr("Healthy: the features are there and the head uses them"), QColor(46, 125, 50)};
        case unetlab::RankingVerdict::Undecided:
            break;
    }
    return {QObject::tr("Undecided"), QColor(97, 97, 97)};
}

QChart *newChart(const QString &title) {
    auto *chart = new QChart;
    chart->setTitle(title);
    QFont f = chart->titleFont();
    f.setPointSizeF(f.pointSizeF() * 1.2);
    f.setBold(true);
    chart->setTitleFont(f);
    chart->setMargins(QMargins(4, 4, 4, 4));
    chart->setBackgroundRoundness(0);
    chart->legend()->setAlignment(Qt::AlignBottom);
    return chart;
}

QChartView *newView() {
    auto *view = new QChartView(newChart(QString()));
    view->setRenderHint(QPainter::Antialiasing);
    view->setMinimumSize(300, 260);
    return view;
}

// Whether every label fits side by side under its bar in a plot `width` wide.
bool labelsFitAcross(QBarCategoryAxis *x, qreal width) {  // categories() is not const
    const QStringList labels = x->categories();
    if (labels.isEmpty()) return true;
    const QFontMetricsF metrics(x->labelsFont());
    qreal widest = 0;
    for (const QString &l : labels) widest = std::max(widest, metrics.horizontalAdvance(l));
    return widest + kLabelRoom <= width / (labels.size() + 1);
}

// Categorical x axis with one label per bar, the labels turned upright when they do not fit side
// by side (many bars, lecture-size fonts) rather than cut to "…".
QBarCategoryAxis *categoryAxis(QChart *chart, const QStringList &labels, const QString &title) {
    auto *x = new QBarCategoryAxis;
    x->append(labels);
    x->setTitleText(title);
    // A slightly smaller label font keeps every name readable instead of elided.
    QFont f = x->labelsFont();
    f.setPointSizeF(f.pointSizeF() * 0.85);
    x->setLabelsFont(f);
    chart->addAxis(x, Qt::AlignBottom);
    const auto turn = [x, chart] {
        const int angle = labelsFitAcross(x, chart->plotArea().width()) ? 0 : -90;
        if (x->labelsAngle() != angle) x->setLabelsAngle(angle);  // changes the plot's height, not its width
    };
    // Checked again when the plot is laid out and when lecture-size fonts are set.
    QObject::connect(chart, &QChart::plotAreaChanged, x, turn);
    QObject::connect(x, &QAbstractAxis::labelsFontChanged, x, turn);
    return x;
}

QValueAxis *valueAxis(QChart *chart, double lo, double hi, const QString &title) {
    auto *y = new QValueAxis;
    y->setRange(lo, hi);
    y->setTitleText(title);
    y->setLabelFormat(QStringLiteral("%.2g"));
    chart->addAxis(y, Qt::AlignLeft);
    return y;
}

// A dashed horizontal line at `value` across a categorical chart of `bars` bars.
void thresholdLine(QChart *chart, QValueAxis *y, int bars, double value, const QString &name) {
    auto *x = new QValueAxis;
    x->setRange(-0.5, bars - 0.5);
    x->setVisible(false);
    chart->addAxis(x, Qt::AlignBottom);
    auto *line = new QLineSeries;
    line->setName(name);
    line->setPen(QPen(kThresholdColour, 1.5, Qt::DashLine));
    line->append(-0.5, value);
    line->append(bars - 0.5, value);
    chart->addSeries(line);
    line->attachAxis(x);
    line->attachAxis(y);
}

void replaceChart(QChartView *view, QChart *chart) {
    QChart *old = view->chart();
    PresentationMode::styleChart(chart);
    view->setChart(chart);
    delete old;
}

}  // namespace

ChannelRankingPanel::ChannelRankingPanel(QWidget *parent) : InspectView(parent) {
    setAccessibleName(tr("Channel ranking"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    auto *bar = new QHBoxLayout;
    bar->addWidget(new QLabel(tr("Correlate with")));
    m_class = new QComboBox;
    m_class->setAccessibleName(tr("Correlate with"));
    bar->addWidget(m_class);
    bar->addWidget(new QLabel(tr("over")));
    m_split = new QComboBox;
    m_split->setAccessibleName(tr("Images"));
    m_split->addItem(tr("validation images"), QStringLiteral("val"));
    m_split->addItem(tr("test images"), QStringLiteral("test"));
    bar->addWidget(m_split);
    bar->addWidget(new QLabel(tr("at")));
    m_stageChoice = new QComboBox;
    m_stageChoice->setAccessibleName(tr("Stage to rank"));
    m_stageChoice->addItem(tr("every stage"), QString());
    m_stageChoice->setMinimumContentsLength(12);
    bar->addWidget(m_stageChoice);
    bar->addStretch(1);
    m_rank = new QPushButton(tr("Rank channels"));
    bar->addWidget(m_rank);
    layout->addLayout(bar);
    connect(m_rank, &QPushButton::clicked, this, &ChannelRankingPanel::request);
    setActionButton(m_rank);

    auto *content = new QWidget;
    auto *v = new QVBoxLayout(content);
    v->setContentsMargins(0, 0, 0, 0);
    auto *showRow = new QHBoxLayout;
    showRow->addWidget(new QLabel(tr("Sorted channels of")));
    m_shownStage = new QComboBox;
    m_shownStage->setAccessibleName(tr("Sorted channels of"));
    m_shownStage->setMinimumContentsLength(12);
    showRow->addWidget(m_shownStage);
    showRow->addStretch(1);
    v->addLayout(showRow);
    connect(m_shownStage, qOverload<int>(&QComboBox::currentIndexChanged), this, [this] { drawStageCharts(); });
    auto *charts = new QHBoxLayout;
    m_stages = newView();
    m_stages->setAccessibleName(tr("Stages chart"));
    m_magnitude = newView();
    m_magnitude->setAccessibleName(tr("Channel magnitude chart"));
    m_correlation = newView();
    m_correlation->setAccessibleName(tr("Channel correlation chart"));
    charts->addWidget(m_stages, 3);
    charts->addWidget(m_magnitude, 4);
    charts->addWidget(m_correlation, 4);
    v->addLayout(charts, 1);

    m_verdict = new QFrame;
    m_verdict->setObjectName(QStringLiteral("verdict"));
    auto *verdictLayout = new QVBoxLayout(m_verdict);
    m_verdictHeadline = new QLabel;
    inspectstyle::scaleFont(m_verdictHeadline, 1.4, true);
    m_verdictText = new QLabel;
    m_verdictText->setWordWrap(true);
    inspectstyle::scaleFont(m_verdictText, 1.25);
    verdictLayout->addWidget(m_verdictHeadline);
    verdictLayout->addWidget(m_verdictText);
    v->addWidget(m_verdict);
    layout->addWidget(
        createStack(content,
                    tr("Press Rank channels.\nStrategy 1 orders each stage's channels by how strongly they fire; "
                       "Strategy 2 by how well they follow the nucleus mask. From both comes a verdict: are the "
                       "features missing (upstream), or does the head not use them (downstream)?"),
                    tr("Running held-out images through the network and ranking every channel…")),
        1);
    m_status = inspectstyle::captionLabel(QString());
    layout->addWidget(m_status);
}

void ChannelRankingPanel::setDataset(int, const QStringList &classNames) {
    m_classes = classNames;
    inspectstyle::fillClassChoice(m_class, classNames, tr("the %1 mask"));
}

RankingRequest ChannelRankingPanel::currentRequest() const {
    RankingRequest r;
    r.classIndex = std::max(0, m_class->currentIndex());
    r.split = m_split->currentData().toString();
    r.stage = m_stageChoice->currentData().toString();
    return r;
}

void ChannelRankingPanel::request() {
    if (!modelAvailable()) return;
    Q_EMIT requested(currentRequest());
}

QString ChannelRankingPanel::shownStage() const { return m_shownStage->currentText(); }

void ChannelRankingPanel::showStage(const QString &stage) {
    const int i = m_shownStage->findText(stage);
    if (i >= 0) m_shownStage->setCurrentIndex(i);
}

QString ChannelRankingPanel::verdictHeadline() const { return m_verdictHeadline->text(); }
QString ChannelRankingPanel::verdictText() const { return m_verdictText->text(); }

void ChannelRankingPanel::showReport(const unetlab::RankingReport &report) {
    m_report = report;
    // Stage pickers follow the model that answered.
    const QString asked = m_stageChoice->currentData().toString();
    m_stageChoice->blockSignals(true);
    m_shownStage->blockSignals(true);
    if (asked.isEmpty()) {
        m_stageChoice->clear();
        m_stageChoice->addItem(tr("every stage"), QString());
        for (const auto &s : report.stages)
            m_stageChoice->addItem(QString::fromStdString(s.name), QString::fromStdString(s.name));
    }
    m_shownStage->clear();
    for (const auto &s : report.stages) m_shownStage->addItem(QString::fromStdString(s.name));
    m_shownStage->setCurrentIndex(std::max(0, m_shownStage->findText(QString::fromStdString(report.facts.stage))));
    m_stageChoice->blockSignals(false);
    m_shownStage->blockSignals(false);

    const VerdictLook look = lookOf(report.verdict);
    m_verdictHeadline->setText(tr("Verdict — %1").arg(look.headline));
    m_verdictHeadline->setStyleSheet(QStringLiteral("color: %1;").arg(look.colour.name()));
    m_verdictText->setText(QString::fromStdString(report.verdictText));
    QColor tint = look.colour;
    tint.setAlpha(28);  // a hint of the verdict's colour behind dark text
    m_verdict->setStyleSheet(
        QStringLiteral("QFrame#verdict { border-left: 8px solid %1; background: rgba(%2, %3, %4, %5); }")
            .arg(look.colour.name())
            .arg(tint.red())
            .arg(tint.green())
            .arg(tint.blue())
            .arg(tint.alpha()));
    m_status->setText(tr("%1 images, %2 class Dice %3 · %4 s")
                          .arg(report.images)
                          .arg(QString::fromStdString(report.className), inspectstyle::fixed(report.classDice, 3))
                          .arg(report.seconds, 0, 'f', 1));
    drawStagesOverview();
    drawStageCharts();
    setPending(false);
}

void ChannelRankingPanel::drawStagesOverview() {
    QChart *chart = newChart(
        tr("Best |r| with the %1 mask<br>per stage").arg(QString::fromStdString(m_report.className).toHtmlEscaped()));
    auto *series = new QStackedBarSeries;
    auto *plain = new QBarSet(tr("best |r|"));
    auto *read = new QBarSet(tr("verdict stage"));
    plain->setColor(kStageColour);
    read->setColor(kVerdictStageColour);
    QStringList names;
    for (const auto &s : m_report.stages) {
        names << QString::fromStdString(s.name);
        const double r = s.byCorrelation.empty() ? NAN : std::abs(s.byCorrelation.front().correlation);
        const bool verdictStage = s.name == m_report.facts.stage;
        *plain << (verdictStage || std::isnan(r) ? 0.0 : r);
        *read << (verdictStage && !std::isnan(r) ? r : 0.0);
    }
    series->append(plain);
    series->append(read);
    chart->addSeries(series);
    QBarCategoryAxis *x = categoryAxis(chart, names, tr("stage"));
    QValueAxis *y = valueAxis(chart, 0, 1, tr("|r|"));
    series->attachAxis(x);
    series->attachAxis(y);
    thresholdLine(chart, y, static_cast<int>(names.size()), unetlab::kStrongCorrelation,
                  tr("|r| = %1").arg(unetlab::kStrongCorrelation));
    connect(series, &QStackedBarSeries::clicked, this, [this](int index) {
        if (index >= 0 && index < static_cast<int>(m_report.stages.size()))
            showStage(QString::fromStdString(m_report.stages[static_cast<std::size_t>(index)].name));
    });
    replaceChart(m_stages, chart);
}

void ChannelRankingPanel::drawStageCharts() {
    const int i = m_shownStage->currentIndex();
    if (i < 0 || i >= static_cast<int>(m_report.stages.size())) return;
    const unetlab::StageRanking &s = m_report.stages[static_cast<std::size_t>(i)];
    const QString stage = QString::fromStdString(s.name);
    m_fittingChannels = s.channels;
    const int bars = std::min<int>(m_fittingBars, s.channels);
    const QString shown = bars < s.channels ? tr("top %1 of %2 channels").arg(bars).arg(s.channels)
                                            : tr("all %1 channels").arg(s.channels);

    // Strategy 1: mean |activation|, largest first.
    QChart *magnitude = newChart(tr("Strategy 1 · %1: mean |activation|<br>%2").arg(stage.toHtmlEscaped(), shown));
    auto *mSeries = new QBarSeries;
    auto *mSet = new QBarSet(tr("mean |activation| over %1 images").arg(m_report.images));
    mSet->setColor(kMagnitudeColour);
    QStringList mNames;
    double mMax = 0;
    for (int b = 0; b < bars; ++b) {
        const unetlab::ChannelScore &c = s.byMagnitude[static_cast<std::size_t>(b)];
        mNames << QString::number(c.channel);
        *mSet << (std::isnan(c.magnitude) ? 0.0 : c.magnitude);
        if (!std::isnan(c.magnitude)) mMax = std::max(mMax, c.magnitude);
    }
    mSeries->append(mSet);
    mSeries->setBarWidth(0.8);
    magnitude->addSeries(mSeries);
    QBarCategoryAxis *mx = categoryAxis(magnitude, mNames, tr("channel"));
    QValueAxis *my = valueAxis(magnitude, 0, mMax > 0 ? mMax * 1.05 : 1, tr("mean |a|"));
    my->applyNiceNumbers();
    mSeries->attachAxis(mx);
    mSeries->attachAxis(my);
    m_magnitudeBars = bars;
    replaceChart(m_magnitude, magnitude);
    connect(magnitude, &QChart::plotAreaChanged, this, [this] { fitBars(); });

    // Strategy 2: r with the class mask, strongest |r| first; the sign in colour.
    QChart *correlation =
        newChart(tr("Strategy 2 · %1: r with the %2 mask<br>%3")
                     .arg(stage.toHtmlEscaped(), QString::fromStdString(m_report.className).toHtmlEscaped(), shown));
    auto *cSeries = new QStackedBarSeries;
    // Legend labels are rich text: no angle brackets.
    auto *positive = new QBarSet(tr("positive r: on %1").arg(QString::fromStdString(m_report.className)));
    auto *negative = new QBarSet(tr("negative r: off it"));
    positive->setColor(kPositiveColour);
    negative->setColor(kNegativeColour);
    QStringList cNames;
    int defined = 0;
    for (int b = 0; b < bars; ++b) {
        const unetlab::ChannelScore &c = s.byCorrelation[static_cast<std::size_t>(b)];
        cNames << QString::number(c.channel);
        const double r = std::isnan(c.correlation) ? 0.0 : c.correlation;
        defined += !std::isnan(c.correlation);
        *positive << std::max(0.0, r);
        *negative << std::min(0.0, r);
    }
    cSeries->append(positive);
    cSeries->append(negative);
    cSeries->setBarWidth(0.8);
    correlation->addSeries(cSeries);
    QBarCategoryAxis *cx = categoryAxis(correlation, cNames, tr("channel"));
    QValueAxis *cy = valueAxis(correlation, -1, 1, tr("r"));
    cSeries->attachAxis(cx);
    cSeries->attachAxis(cy);
    thresholdLine(correlation, cy, bars, unetlab::kStrongCorrelation, tr("|r| = %1").arg(unetlab::kStrongCorrelation));
    thresholdLine(correlation, cy, bars, -unetlab::kStrongCorrelation, QString());
    correlation->legend()->markers().last()->setVisible(false);
    m_correlationBars = defined > 0 ? bars : 0;
    replaceChart(m_correlation, correlation);
    connect(correlation, &QChart::plotAreaChanged, this, [this] { fitBars(); });
}

// As many channels as their numbers fit under the bars of the narrower chart (fewer with
// lecture-size fonts in a narrow window); redrawn when a new plot width changes that.
void ChannelRankingPanel::fitBars() {
    const qreal width = std::min(m_magnitude->chart()->plotArea().width(), m_correlation->chart()->plotArea().width());
    const QAbstractAxis *labels = nullptr;
    for (const QAbstractAxis *axis : m_magnitude->chart()->axes(Qt::Horizontal))
        if (qobject_cast<const QBarCategoryAxis *>(axis)) labels = axis;
    if (width <= 0 || !labels) return;
    const QFontMetricsF metrics(labels->labelsFont());
    const qreal slot = metrics.horizontalAdvance(QString::number(std::max(10, m_fittingChannels - 1))) + kLabelRoom;
    const int fit = std::clamp(static_cast<int>(width / slot) - 1, kMinBars, kMaxBars);
    if (fit == m_fittingBars) return;
    m_fittingBars = fit;
    QTimer::singleShot(0, this, [this] { drawStageCharts(); });  // not while a chart lays itself out
}
