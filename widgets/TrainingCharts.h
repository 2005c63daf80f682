#pragma once
// The dashboard's live charts. Each keeps its series and appends points as reports arrive
// (never rebuilt per batch); axes grow to fit. x is in epochs: batch b of epoch e sits at
// e - 1 + b / batches, an epoch's figures at x = e.

#include <QChartView>
#include <QColor>
#include <QVector>

#include "train/TrainEvents.h"

class QLineSeries;
class QScatterSeries;
class QValueAxis;
class QLogValueAxis;
class QXYSeries;

// A chart view with an x axis in epochs and helpers to append while keeping axes fitted.
class LiveChart : public QChartView {
    Q_OBJECT
public:
    explicit LiveChart(const QString &title, const QString &yTitle, bool logY, QWidget *parent = nullptr);
    virtual void clear();
    void setEpochs(int epochs);
    // Point counts per series, for tests and exports.
    QVector<int> pointCounts() const;
    // Ticks on the epoch axis: up to 11 (every epoch up to 10 epochs), fewer when the plot is
    // too narrow for their labels, always on whole epochs.
    int epochTickCount() const;
    // Writes the chart as PNG (by extension .png) or SVG (.svg); false on failure.
    bool exportTo(const QString &path);

protected:
    QLineSeries *addLine(const QString &name, const QColor &colour, qreal width, Qt::PenStyle style = Qt::SolidLine);
    QScatterSeries *addMarkers(const QString &name, const QColor &colour, qreal size,
                               int shape = 0 /* QScatterSeries::MarkerShapeCircle */);
    void append(QXYSeries *series, double x, double y);
    void fitY(double y);
    // 240×180: three charts beside the settings fit a 1280-pixel screen. 1.5× that in
    // presentation mode, whose larger text needs the room (the page scrolls instead).
    void updateMinimumSize();
    // The most epoch ticks whose labels fit the plot's width, on whole epochs.
    void fitEpochTicks();

    QValueAxis *m_x = nullptr;
    QValueAxis *m_y = nullptr;
    QLogValueAxis *m_logY = nullptr;
    QVector<QXYSeries *> m_series;
    double m_yMin = 0, m_yMax = 0;
    bool m_hasY = false;
    bool m_fixedY = false;  // the y range never changes (Dice)
    int m_epochs = 1;
};

// Training loss per batch (raw and smoothed), per epoch, and validation loss.
class LossChart : public LiveChart {
    Q_OBJECT
public:
    explicit LossChart(QWidget *parent = nullptr);
    void addBatches(const QVector<unetlab::BatchReport> &batches);
    void addEpoch(const unetlab::EpochReport &epoch);
    void clear() override;
    double smoothedLoss() const { return m_smoothed; }

private:
    QLineSeries *m_raw, *m_smooth, *m_train, *m_val;
    QScatterSeries *m_trainDots, *m_valDots;
    double m_smoothed = 0;
    bool m_hasSmoothed = false;
};

// Validation Dice per class and mean, per epoch; the best epoch marked.
class DiceChart : public LiveChart {
    Q_OBJECT
public:
    explicit DiceChart(QWidget *parent = nullptr);
    void setClasses(const QStringList &classes);
    void addEpoch(const unetlab::EpochReport &epoch);
    void clear() override;
    int bestEpoch() const { return m_bestEpoch; }

private:
    QVector<QLineSeries *> m_perClass;
    QLineSeries *m_mean = nullptr;
    QScatterSeries *m_best = nullptr;
    int m_bestEpoch = 0;
};

// The learning rate of every batch (log scale), so schedules and live changes are visible.
class LearningRateChart : public LiveChart {
    Q_OBJECT
public:
    explicit LearningRateChart(QWidget *parent = nullptr);
    void addBatches(const QVector<unetlab::BatchReport> &batches);
    void clear() override;

private:
    QLineSeries *m_rate;
};
