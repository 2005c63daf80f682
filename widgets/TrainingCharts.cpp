#include "TrainingCharts.h"

#include "AtomicSave.h"

#include <QChart>
#include <QFileInfo>
#include <QFontMetrics>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QLogValueAxis>
#include <QPainter>
#include <QScatterSeries>
#include <QSvgGenerator>
#include <QValueAxis>

#include "PresentationMode.h"

#include <algorithm>
#include <cmath>

namespace {

// Class colours match the mask overlays: background grey, cytoplasm green, nucleus magenta.
const QColor kClassColours[] = {QColor(110, 110, 110), QColor(67, 160, 71), QColor(216, 27, 96),
                                QColor(30, 136, 229),  QColor(255, 160, 0), QColor(142, 36, 170)};
constexpr double kSmoothing = 0.1;  // weight of the newest batch in the smoothed loss

double batchX(const unetlab::BatchReport &b) {
    return (b.epoch - 1) + static_cast<double>(b.batch) / std::max(1, b.batchesPerEpoch);
}

}  // namespace

LiveChart::LiveChart(const QString &title, const QString &yTitle, bool logY, QWidget *parent)
    : QChartView(parent) {
    setAccessibleName(tr("%1 chart").arg(title));
    setAccessibleDescription(tr("%1 against epoch").arg(yTitle));
    auto *chart = new QChart;
    chart->setTitle(title);
    QFont titleFont = chart->titleFont();
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.2);
    titleFont.setBold(true);
    chart->setTitleFont(titleFont);
    chart->legend()->setAlignment(Qt::AlignBottom);
    chart->setMargins(QMargins(4, 4, 4, 4));
    chart->setBackgroundRoundness(0);
    m_x = new QValueAxis;
    m_x->setTitleText(tr("epoch"));
    m_x->setRange(0, 1);
    m_x->setTickCount(2);  // whole epochs only: "0 0 1 1 1" with the default five ticks
    m_x->setLabelFormat(QStringLiteral("%.0f"));
    chart->addAxis(m_x, Qt::AlignBottom);
    if (logY) {
        m_logY = new QLogValueAxis;
        m_logY->setTitleText(yTitle);
        m_logY->setLabelFormat(QStringLiteral("%.0e"));
        m_logY->setBase(10);
        m_logY->setRange(1e-4, 1e-2);
        chart->addAxis(m_logY, Qt::AlignLeft);
    } else {
        m_y = new QValueAxis;
        m_y->setTitleText(yTitle);
        m_y->setRange(0, 1);
        chart->addAxis(m_y, Qt::AlignLeft);
    }
    setChart(chart);
    PresentationMode::styleChart(chart);
    setRenderHint(QPainter::Antialiasing);
    updateMinimumSize();
    connect(PresentationMode::instance(), &PresentationMode::changed, this, &LiveChart::updateMinimumSize);
    connect(chart, &QChart::plotAreaChanged, this, &LiveChart::fitEpochTicks);
}

void LiveChart::updateMinimumSize() {
    setMinimumSize(QSize(240, 180) * PresentationMode::fontScale());
}

QLineSeries *LiveChart::addLine(const QString &name, const QColor &colour, qreal width, Qt::PenStyle style) {
    auto *s = new QLineSeries;
    s->setName(name);
    QPen pen(colour, width);
    pen.setStyle(style);
    s->setPen(pen);
    chart()->addSeries(s);
    s->attachAxis(m_x);
    s->attachAxis(m_logY ? static_cast<QAbstractAxis *>(m_logY) : m_y);
    m_series.push_back(s);
    PresentationMode::styleChart(chart());
    return s;
}

QScatterSeries *LiveChart::addMarkers(const QString &name, const QColor &colour, qreal size, int shape) {
    auto *s = new QScatterSeries;
    s->setName(name);
    s->setColor(colour);
    s->setBorderColor(colour.darker(130));
    s->setMarkerSize(size);
    s->setMarkerShape(static_cast<QScatterSeries::MarkerShape>(shape));
    chart()->addSeries(s);
    s->attachAxis(m_x);
    s->attachAxis(m_logY ? static_cast<QAbstractAxis *>(m_logY) : m_y);
    m_series.push_back(s);
    PresentationMode::styleChart(chart());
    return s;
}

void LiveChart::setEpochs(int epochs) {
    m_epochs = std::max(1, epochs);
    m_x->setRange(0, m_epochs);
    fitEpochTicks();
}

int LiveChart::epochTickCount() const { return m_x->tickCount(); }

void LiveChart::fitEpochTicks() {
    // Each label needs its width and some air between it and the next (Qt elides labels
    // that do not fit their share to "...").
    const QFontMetrics metrics(m_x->labelsFont());
    const double needed = metrics.horizontalAdvance(QString::number(m_epochs)) + metrics.averageCharWidth();
    const double width = chart()->plotArea().width();
    int intervals = std::min(m_epochs, 10);
    while (intervals > 1 && (m_epochs % intervals != 0 || (width > 0 && width / intervals < needed))) --intervals;
    if (m_x->tickCount() != intervals + 1) m_x->setTickCount(intervals + 1);
}

void LiveChart::fitY(double y) {
    if (!std::isfinite(y)) return;
    if (!m_hasY) {
        m_yMin = m_yMax = y;
        m_hasY = true;
    }
    m_yMin = std::min(m_yMin, y);
    m_yMax = std::max(m_yMax, y);
    if (m_logY) {
        if (y <= 0) return;
        // Whole decades with some room on both sides, so a constant rate is not on an edge.
        const double lo = std::pow(10.0, std::floor(std::log10(m_yMin) - 0.3));
        const double hi = std::pow(10.0, std::ceil(std::log10(m_yMax) + 0.3));
        m_logY->setRange(lo * 0.999, hi * 1.001);  // so both decades get a label
    } else if (m_y && !m_fixedY) {
        const double top = m_yMax <= 0 ? 1.0 : m_yMax * 1.05;
        if (top > m_y->max() || m_y->max() > 2 * top) {
            m_y->setRange(std::min(0.0, m_yMin), top);
            m_y->applyNiceNumbers();
        }
    }
}

void LiveChart::append(QXYSeries *series, double x, double y) {
    if (!std::isfinite(y)) return;
    if (m_logY && y <= 0) return;
    series->append(x, y);
    fitY(y);
    if (x > m_x->max()) m_x->setRange(0, std::ceil(x));
}

void LiveChart::clear() {
    for (QXYSeries *s : m_series) s->clear();
    m_hasY = false;
    if (m_y && !m_fixedY) m_y->setRange(0, 1);
}

QVector<int> LiveChart::pointCounts() const {
    QVector<int> counts;
    for (const QXYSeries *s : m_series) counts.push_back(s->count());
    return counts;
}

bool LiveChart::exportTo(const QString &path) {
    if (QFileInfo(path).suffix().compare(QStringLiteral("svg"), Qt::CaseInsensitive) == 0) {
        QSaveFile file(path);
        if (!file.open(QIODevice::WriteOnly)) return false;
        QSvgGenerator svg;
        svg.setOutputDevice(&file);
        svg.setSize(size());
        svg.setViewBox(rect());
        svg.setTitle(chart()->title());
        QPainter painter;
        if (!painter.begin(&svg)) return false;
        render(&painter);
        return painter.end() && file.commit();
    }
    return saveImageAtomically(grab().toImage(), path);
}

// ------------------------------------------------------------------------------ loss
LossChart::LossChart(QWidget *parent) : LiveChart(tr("Loss"), tr("loss"), false, parent) {
    m_raw = addLine(tr("batch"), QColor(144, 164, 174), 1.0);
    m_smooth = addLine(tr("batch, smoothed"), QColor(25, 118, 210), 2.5);
    m_train = addLine(tr("train (epoch mean)"), QColor(13, 71, 161), 2.0, Qt::DashLine);
    m_val = addLine(tr("validation"), QColor(230, 81, 0), 3.0);
    m_trainDots = addMarkers(tr("train (epoch mean)"), QColor(13, 71, 161), 9);
    m_valDots = addMarkers(tr("validation"), QColor(230, 81, 0), 11);
    // One legend entry per quantity: the dot series share their line's name.
    chart()->legend()->markers(m_trainDots).first()->setVisible(false);
    chart()->legend()->markers(m_valDots).first()->setVisible(false);
}

void LossChart::addBatches(const QVector<unetlab::BatchReport> &batches) {
    for (const auto &b : batches) {
        const double x = batchX(b);
        append(m_raw, x, b.loss);
        if (std::isfinite(b.loss)) {
            m_smoothed = m_hasSmoothed ? (1 - kSmoothing) * m_smoothed + kSmoothing * b.loss : b.loss;
            m_hasSmoothed = true;
            append(m_smooth, x, m_smoothed);
        }
    }
}

void LossChart::addEpoch(const unetlab::EpochReport &e) {
    append(m_train, e.epoch, e.trainLoss);
    append(m_trainDots, e.epoch, e.trainLoss);
    append(m_val, e.epoch, e.valLoss);
    append(m_valDots, e.epoch, e.valLoss);
}

void LossChart::clear() {
    LiveChart::clear();
    m_hasSmoothed = false;
}

// ------------------------------------------------------------------------------ dice
DiceChart::DiceChart(QWidget *parent) : LiveChart(tr("Validation Dice"), tr("Dice"), false, parent) {
    m_fixedY = true;  // Dice lives in [0, 1]; a fixed axis makes epochs comparable at a glance
    m_y->setRange(0, 1);
    m_y->setTickCount(6);
}

void DiceChart::setClasses(const QStringList &classes) {
    for (QXYSeries *s : m_series) {
        chart()->removeSeries(s);
        delete s;
    }
    m_series.clear();
    m_perClass.clear();
    for (int c = 0; c < classes.size(); ++c)
        m_perClass.push_back(addLine(classes[c], kClassColours[c % 6], 2.0));
    m_mean = addLine(tr("mean"), QColor(33, 33, 33), 3.5);
    m_best = addMarkers(tr("best epoch"), QColor(255, 193, 7), 18, QScatterSeries::MarkerShapeStar);
    m_bestEpoch = 0;
}

void DiceChart::addEpoch(const unetlab::EpochReport &e) {
    for (int c = 0; c < m_perClass.size() && c < static_cast<int>(e.valDice.size()); ++c)
        append(m_perClass[c], e.epoch, e.valDice[static_cast<std::size_t>(c)]);
    if (m_mean) append(m_mean, e.epoch, e.valDiceMean);
    if (e.best && m_best && std::isfinite(e.valDiceMean)) {
        m_best->clear();
        m_best->append(e.epoch, e.valDiceMean);
        m_bestEpoch = e.epoch;
    }
}

void DiceChart::clear() {
    LiveChart::clear();
    m_bestEpoch = 0;
}

// ----------------------------------------------------------------------- learning rate
LearningRateChart::LearningRateChart(QWidget *parent)
    : LiveChart(tr("Learning rate"), tr("learning rate"), true, parent) {
    m_rate = addLine(tr("learning rate"), QColor(123, 31, 162), 2.5);
    chart()->legend()->hide();
}

void LearningRateChart::addBatches(const QVector<unetlab::BatchReport> &batches) {
    for (const auto &b : batches) append(m_rate, batchX(b), b.learningRate);
}

void LearningRateChart::clear() { LiveChart::clear(); }
