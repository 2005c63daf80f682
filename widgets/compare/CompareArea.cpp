#include "CompareArea.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QScrollArea>
#include <QSplitter>
#include <QStyle>
#include <QTabWidget>
#include <QToolButton>
#include <QVBoxLayout>

#include "CompareCharts.h"
#include "ComparePredictions.h"
#include "CompareSetup.h"
#include "CompareTables.h"
#include "PageScroll.h"
#include "PresentationMode.h"

CompareArea::CompareArea(QWidget *parent) : QWidget(parent) {
    setAccessibleName(tr("Compare area"));
    // Scrolls on a small screen rather than forcing the window larger than it.
    auto *outer = new QHBoxLayout(PageScroll::content(this, tr("Compare area")));
    outer->setContentsMargins(6, 6, 6, 6);
    m_setup = new CompareSetup;
    auto *scroll = new QScrollArea;
    scroll->setAccessibleName(tr("Models to compare"));
    scroll->setWidget(m_setup);
    scroll->setWidgetResizable(true);
    // Room for the model rows (swatch, preset, width, skips, parameters) beside the vertical
    // scroll bar: 370 cut the rows' right end off.
    PresentationMode::setFixedWidth(scroll, 392);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    outer->addWidget(scroll);
    m_setupPanel = scroll;

    auto *right = new QVBoxLayout;
    auto *controls = new QHBoxLayout;
    m_fold = new QToolButton;
    m_fold->setAutoRaise(true);
    m_fold->setAccessibleName(tr("Show or hide the comparison setup"));
    connect(m_fold, &QToolButton::clicked, this, [this] { setSetupShown(!setupShown()); });
    controls->addWidget(m_fold);
    m_start = new QPushButton(style()->standardIcon(QStyle::SP_MediaPlay), tr("Start comparison"));
    m_pause = new QPushButton(style()->standardIcon(QStyle::SP_MediaPause), tr("Pause"));
    m_stop = new QPushButton(style()->standardIcon(QStyle::SP_MediaStop), tr("Stop"));
    for (QPushButton *b : {m_start, m_pause, m_stop}) {
        b->setMinimumHeight(34);
        controls->addWidget(b);
    }
    m_progress = new QLabel(tr("Two models, the same data: press Start to train them side by side."));
    // Every model's result in one line would widen the page beyond the screen: it wraps.
    m_progress->setWordWrap(true);
    controls->addWidget(m_progress, 1);
    right->addLayout(controls);
    m_banner = new QLabel;
    m_banner->setWordWrap(true);
    m_banner->setVisible(false);
    right->addWidget(m_banner);

    auto *charts = new QWidget;
    auto *chartRow = new QHBoxLayout(charts);
    chartRow->setContentsMargins(0, 0, 0, 0);
    m_loss = new RunsChart(RunsChart::Metric::Loss);
    m_dice = new RunsChart(RunsChart::Metric::Dice);
    chartRow->addWidget(m_loss);
    chartRow->addWidget(m_dice);

    m_results = new QTabWidget;
    m_results->setAccessibleName(tr("Comparison results"));
    m_predictions = new ComparePredictions;
    m_numbers = new CompareNumbers;
    m_leaderboard = new Leaderboard;
    auto *predictionsScroll = new QScrollArea;
    predictionsScroll->setAccessibleName(tr("Predictions side by side"));
    predictionsScroll->setWidget(m_predictions);
    predictionsScroll->setWidgetResizable(true);
    m_results->addTab(predictionsScroll, tr("Same images, every model"));
    m_results->addTab(m_numbers, tr("Numbers"));
    m_results->addTab(m_leaderboard, tr("Leaderboard"));

    auto *split = new QSplitter(Qt::Vertical);
    split->addWidget(charts);
    split->addWidget(m_results);
    split->setStretchFactor(0, 2);
    split->setStretchFactor(1, 3);
    split->setChildrenCollapsible(false);
    right->addWidget(split, 1);
    outer->addLayout(right, 1);

    connect(m_start, &QPushButton::clicked, this, &CompareArea::start);
    connect(m_pause, &QPushButton::clicked, this, &CompareArea::pauseOrResume);
    connect(m_stop, &QPushButton::clicked, this, &CompareArea::stop);
    connect(m_setup, &CompareSetup::changed, this, [this] { m_runsShown = false; });
    setState(State::Idle);
    setSetupShown(true);
}

QString CompareArea::modelsSummary() const {
    if (!m_runsShown) return m_setup->modelsSummary();
    QStringList parts;
    for (const RunInfo &r : m_runs) parts << modelWithParameters(r.modelName, r.parameters);
    return parts.join(tr(" vs "));
}

bool CompareArea::setupShown() const { return !m_setupPanel->isHidden(); }

void CompareArea::setSetupShown(bool shown) {
    m_setupPanel->setHidden(!shown);
    m_fold->setText(shown ? QStringLiteral("◀") : tr("▶ Setup"));
    m_fold->setToolTip(shown ? tr("Hide the models and settings: the charts get the width (Ctrl+Shift+M)")
                             : tr("Show the models and settings (Ctrl+Shift+M)"));
    Q_EMIT setupShownChanged(shown);
}

void CompareArea::start() {
    if (m_state == State::Running || m_state == State::Preparing || m_state == State::Paused) return;
    const CompareRequest request = m_setup->request();
    try {
        for (const auto &model : request.models) {
            unetlab::TrainConfig c = request.shared.config;
            c.model = model;
            c.validate();
        }
    } catch (const std::exception &e) {
        onError(tr("These settings cannot train: %1").arg(QString::fromStdString(e.what())));
        return;
    }
    m_banner->setVisible(false);
    m_loss->setEpochs(request.shared.config.epochs);
    m_dice->setEpochs(request.shared.config.epochs);
    m_progress->setText(tr("Preparing %1 models…").arg(request.names.size()));
    setState(State::Preparing);
    // On a projector the charts and predictions get the width for the comparison and the talk
    // about its result; the setup comes back with the fold button.
    if (PresentationMode::instance()->isOn()) setSetupShown(false);
    Q_EMIT startRequested(request);
}

void CompareArea::pauseOrResume() {
    if (m_state == State::Running)
        Q_EMIT pauseRequested();
    else if (m_state == State::Paused)
        Q_EMIT resumeRequested();
}

void CompareArea::stop() {
    if (m_state == State::Running || m_state == State::Paused) Q_EMIT stopRequested();
}

void CompareArea::setState(State state) {
    m_state = state;
    const bool busy = state == State::Running || state == State::Preparing || state == State::Paused;
    m_start->setEnabled(!busy);
    m_pause->setEnabled(state == State::Running || state == State::Paused);
    m_pause->setText(state == State::Paused ? tr("Resume") : tr("Pause"));
    m_pause->setIcon(style()->standardIcon(state == State::Paused ? QStyle::SP_MediaPlay : QStyle::SP_MediaPause));
    m_stop->setEnabled(state == State::Running || state == State::Paused);
    m_setup->setLocked(busy);
}

void CompareArea::onStarted(const QVector<RunInfo> &runs) {
    m_runs = runs;
    m_runsShown = true;
    m_last = QVector<unetlab::BatchReport>(runs.size());
    m_epochsDone = QVector<int>(runs.size(), 0);
    QStringList labels;
    for (const RunInfo &r : runs) labels << modelWithParameters(r.modelName, r.parameters);
    m_loss->setRuns(labels);
    m_dice->setRuns(labels);
    if (!runs.isEmpty()) {
        m_loss->setEpochs(runs[0].epochs);
        m_dice->setEpochs(runs[0].epochs);
    }
    setState(State::Running);
    updateProgress();
}

void CompareArea::onBatches(int run, const QVector<unetlab::BatchReport> &batches) {
    if (run < 0 || run >= m_last.size() || batches.isEmpty()) return;
    m_last[run] = batches.back();
    updateProgress();
}

void CompareArea::onEpoch(int run, const unetlab::EpochReport &epoch) {
    if (run < 0 || run >= m_epochsDone.size()) return;
    m_epochsDone[run] = epoch.epoch;
    m_loss->addEpoch(run, epoch);
    m_dice->addEpoch(run, epoch);
    updateProgress();
    Q_EMIT epochFinished(run, epoch.epoch);
}

void CompareArea::onFinished(const CompareResult &result) {
    QStringList names;
    for (const CompareRunResult &r : result.runs) names << r.name;
    m_predictions->setResults(result.previews, names);
    m_numbers->setResult(result);
    m_leaderboard->addComparison(result);
    setState(State::Finished);
    QStringList summary;
    for (const CompareRunResult &r : result.runs)
        summary << tr("%1: test Dice %2, boundary F1 %3")
                       .arg(r.name)
                       .arg(r.testDiceMean, 0, 'f', 3)
                       .arg(r.testBoundaryF1Mean, 0, 'f', 3);
    m_progress->setText(tr("Finished on %1 test images. %2").arg(result.images.size()).arg(summary.join(QStringLiteral(" · "))));
    for (const CompareRunResult &r : result.runs)
        if (r.diverged) showMessage(tr("%1: %2").arg(r.name, r.stopReason), true);
    Q_EMIT comparisonFinished();
}

void CompareArea::onPaused(bool paused) {
    if (m_state != State::Running && m_state != State::Paused) return;
    setState(paused ? State::Paused : State::Running);
    updateProgress();
}

void CompareArea::onError(const QString &message) {
    if (m_state == State::Preparing) {
        setState(State::Idle);
        setSetupShown(true);  // the comparison never started: the setup is what to change
        m_progress->setText(tr("Not started (see the message below)."));
    }
    showMessage(message, true);
}

void CompareArea::showMessage(const QString &message, bool warning) {
    m_banner->setText(message);
    m_banner->setStyleSheet(warning ? QStringLiteral("background:#fdecea; color:#b71c1c; padding:6px; font-weight:bold;")
                                    : QStringLiteral("background:#e8f5e9; color:#1b5e20; padding:6px;"));
    m_banner->setVisible(true);
}

void CompareArea::updateProgress() {
    if (m_state == State::Finished) return;
    QStringList parts;
    for (int i = 0; i < m_runs.size(); ++i) {
        const unetlab::BatchReport &b = m_last[i];
        parts << tr("<b style='color:%1'>%2</b> epoch %3/%4, batch %5/%6")
                     .arg(RunsChart::runColour(i).name(), m_runs[i].modelName)
                     .arg(std::max(1, b.epoch))
                     .arg(m_runs[i].epochs)
                     .arg(b.batch)
                     .arg(m_runs[i].batchesPerEpoch);
    }
    m_progress->setText((m_state == State::Paused ? tr("Paused · ") : QString()) + parts.join(QStringLiteral(" · ")));
}

QString CompareArea::progressText() const { return m_progress->text(); }
QString CompareArea::bannerText() const { return m_banner->isHidden() ? QString() : m_banner->text(); }
