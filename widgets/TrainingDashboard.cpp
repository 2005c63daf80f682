#include "TrainingDashboard.h"

#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QMenu>
#include <QMessageBox>
#include <QPainter>
#include <QProgressBar>
#include <QPushButton>
#include <QSaveFile>

#include "AtomicSave.h"
#include <QScrollArea>
#include <QSplitter>
#include <QStyle>
#include <QToolButton>
#include <QSvgGenerator>
#include <QVBoxLayout>

#include <cmath>

#include "DataSourceForm.h"
#include "PageScroll.h"
#include "PresentationMode.h"
#include "PreviewStrip.h"
#include "RunHistory.h"
#include "TrainingCharts.h"
#include "TrainingSettings.h"
#include "train/History.h"

namespace {

QString duration(double seconds) {
    if (!std::isfinite(seconds) || seconds < 0) return QStringLiteral("–");
    const int t = static_cast<int>(std::lround(seconds));
    if (t < 60) return QStringLiteral("%1 s").arg(t);
    if (t < 3600) return QStringLiteral("%1m%2s").arg(t / 60).arg(t % 60, 2, 10, QLatin1Char('0'));
    return QStringLiteral("%1h%2m").arg(t / 3600).arg((t / 60) % 60, 2, 10, QLatin1Char('0'));
}

QPushButton *button(const QString &text, const QString &tip, QStyle::StandardPixmap icon = QStyle::SP_CustomBase) {
    auto *b = new QPushButton(text);
    if (icon != QStyle::SP_CustomBase) b->setIcon(b->style()->standardIcon(icon));
    b->setToolTip(tip);
    b->setMinimumHeight(34);
    return b;
}

bool writeText(const QString &path, const QString &text) {
    QSaveFile file(path);  // atomic: a temporary file renamed into place
    if (!file.open(QIODevice::WriteOnly | QIODevice::Text)) return false;
    file.write(text.toUtf8());
    return file.commit();
}

}  // namespace

TrainingDashboard::TrainingDashboard(QWidget *parent) : QWidget(parent) {
    setAccessibleName(tr("Train area"));
    // Scrolls on a small screen rather than forcing the window larger than it.
    auto *outer = new QHBoxLayout(PageScroll::content(this, tr("Train area")));
    outer->setContentsMargins(6, 6, 6, 6);

    m_settings = new TrainingSettings;
    auto *scroll = new QScrollArea;
    scroll->setAccessibleName(tr("Training settings"));
    scroll->setWidget(m_settings);
    scroll->setWidgetResizable(true);
    PresentationMode::setFixedWidth(scroll, 350);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    outer->addWidget(scroll);
    m_settingsPanel = scroll;

    auto *right = new QVBoxLayout;
    right->addWidget(buildControls());

    m_banner = new QLabel;
    m_banner->setWordWrap(true);
    m_banner->setVisible(false);
    right->addWidget(m_banner);

    m_loss = new LossChart;
    m_dice = new DiceChart;
    m_rate = new LearningRateChart;
    m_preview = new PreviewStrip;
    auto *charts = new QWidget;
    auto *grid = new QGridLayout(charts);
    grid->setContentsMargins(0, 0, 0, 0);
    grid->setSpacing(6);
    grid->addWidget(m_loss, 0, 0);
    grid->addWidget(m_dice, 0, 1);
    grid->addWidget(m_rate, 0, 2);
    grid->addWidget(m_preview, 1, 0, 1, 3);
    grid->setRowStretch(0, 1);
    grid->setColumnStretch(0, 4);
    grid->setColumnStretch(1, 4);
    grid->setColumnStretch(2, 3);

    m_history = new RunHistory;
    auto *split = new QSplitter(Qt::Vertical);
    split->addWidget(charts);
    split->addWidget(m_history);
    split->setStretchFactor(0, 5);
    split->setStretchFactor(1, 1);
    split->setChildrenCollapsible(false);
    right->addWidget(split, 1);
    outer->addLayout(right, 1);

    // Until the first run starts, the Dice legend names the classes of the data chosen.
    auto legendFollowsData = [this] {
        if (m_state != State::Idle) return;
        const QStringList classes = m_settings->expectedClassNames();
        if (classes != m_legendClasses) m_dice->setClasses(m_legendClasses = classes);
    };
    m_dice->setClasses(m_legendClasses = m_settings->expectedClassNames());
    connect(m_settings, &TrainingSettings::changed, this, legendFollowsData);
    setState(State::Idle);
    // Between runs the live rate shows the rate the next run starts with; from Start on it is
    // the run's (what Apply sends), and the settings' edits leave it alone.
    auto followSettings = [this] {
        if (m_state == State::Idle || m_state == State::Finished)
            m_liveRate->setValue(m_settings->request().config.learningRate);
    };
    connect(m_settings, &TrainingSettings::changed, this, followSettings);
    followSettings();
    setSettingsShown(true);
}

QWidget *TrainingDashboard::buildControls() {
    auto *box = new QWidget;
    auto *v = new QVBoxLayout(box);
    v->setContentsMargins(0, 0, 0, 0);
    auto *row = new QHBoxLayout;
    m_fold = new QToolButton;
    m_fold->setAutoRaise(true);
    m_fold->setAccessibleName(tr("Show or hide the training settings"));
    connect(m_fold, &QToolButton::clicked, this, [this] { setSettingsShown(!settingsShown()); });
    row->addWidget(m_fold);
    m_start = button(tr("Start"), tr("Start training with these settings (Ctrl+R)"), QStyle::SP_MediaPlay);
    m_pause = button(tr("Pause"), tr("Pause after the current batch (Ctrl+P)"), QStyle::SP_MediaPause);
    m_resume = button(tr("Resume"), tr("Continue training (Ctrl+P)"), QStyle::SP_MediaPlay);
    m_step = button(tr("Step"), tr("Run one more training batch while paused (Ctrl+.)"), QStyle::SP_MediaSkipForward);
    m_stop = button(tr("Stop"), tr("Stop now and keep the best weights so far (Ctrl+Shift+R)"), QStyle::SP_MediaStop);
    for (QPushButton *b : {m_start, m_pause, m_resume, m_step, m_stop}) row->addWidget(b);
    row->addSpacing(6);
    // Wraps onto two lines (within the buttons' height) rather than widening the window.
    auto *rateTitle = new QLabel(tr("Learning rate now"));
    rateTitle->setWordWrap(true);
    row->addWidget(rateTitle);
    m_liveRate = new QDoubleSpinBox;
    m_liveRate->setDecimals(6);
    m_liveRate->setRange(1e-6, 1.0);
    m_liveRate->setStepType(QAbstractSpinBox::AdaptiveDecimalStepType);
    m_liveRate->setValue(1e-3);
    m_liveRate->setAccessibleName(tr("Learning rate while training"));
    m_applyRate = button(tr("Apply"), tr("Change the learning rate from the next batch on"));
    row->addWidget(m_liveRate);
    row->addWidget(m_applyRate);
    row->addStretch(1);
    m_save = button(tr("Save weights…"), tr("Save the best weights so far as a checkpoint"));
    m_export = button(tr("Export…"), tr("Charts as PNG or SVG, metrics and run history as CSV"));
    row->addWidget(m_save);
    row->addWidget(m_export);
    v->addLayout(row);

    auto *progress = new QGridLayout;
    m_runLabel = new QLabel(tr("No run yet: pick a preset or set the knobs, then press Start."));
    m_runLabel->setWordWrap(true);  // a long model or data name wraps rather than widening the window
    m_bestLabel = new QLabel;
    m_epochBar = new QProgressBar;
    m_epochBar->setFormat(tr("epoch %v of %m"));
    m_batchBar = new QProgressBar;
    m_batchBar->setFormat(tr("batch %v of %m"));
    m_progress = new QLabel;
    progress->addWidget(m_runLabel, 0, 0, 1, 2);
    progress->addWidget(m_bestLabel, 0, 2);
    progress->addWidget(m_epochBar, 1, 0);
    progress->addWidget(m_batchBar, 1, 1);
    progress->addWidget(m_progress, 1, 2);
    progress->setColumnStretch(0, 2);
    progress->setColumnStretch(1, 2);
    progress->setColumnStretch(2, 3);
    v->addLayout(progress);

    connect(m_start, &QPushButton::clicked, this, &TrainingDashboard::start);
    connect(m_pause, &QPushButton::clicked, this, &TrainingDashboard::pauseOrResume);
    connect(m_resume, &QPushButton::clicked, this, &TrainingDashboard::pauseOrResume);
    connect(m_step, &QPushButton::clicked, this, &TrainingDashboard::step);
    connect(m_stop, &QPushButton::clicked, this, &TrainingDashboard::stop);
    connect(m_applyRate, &QPushButton::clicked, this, [this] {
        Q_EMIT learningRateChanged(m_liveRate->value());
        showMessage(tr("Learning rate set to %1 from the next batch on.").arg(m_liveRate->value()));
    });
    connect(m_save, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, tr("Save weights"), m_info.modelName + QStringLiteral(".ckpt"),
                                                          tr("UNet Lab checkpoints (*.ckpt)"));
        if (!path.isEmpty()) Q_EMIT saveCheckpointRequested(path);
    });
    connect(m_export, &QPushButton::clicked, this, &TrainingDashboard::exportMenu);
    return box;
}

void TrainingDashboard::start() {
    if (m_state == State::Running || m_state == State::Preparing || m_state == State::Paused) return;
    const RunRequest request = m_settings->request();
    try {
        request.config.validate();
    } catch (const std::exception &e) {
        onError(tr("These settings cannot train: %1").arg(QString::fromStdString(e.what())));
        return;
    }
    m_loss->clear();
    m_rate->clear();
    m_epochs.clear();
    m_batchesDone = 0;
    m_bestLabel->clear();
    m_banner->setVisible(false);
    m_liveRate->setValue(request.config.learningRate);
    m_loss->setEpochs(request.config.epochs);
    m_dice->setEpochs(request.config.epochs);
    m_rate->setEpochs(request.config.epochs);
    m_starting = tr("%1 on %2").arg(request.modelName, DataSourceForm::describe(request.data));
    m_runLabel->setText(tr("Preparing %1…").arg(m_starting));
    setState(State::Preparing);
    m_settings->saveSettings();
    // On a projector the charts get the width for the run and for the talk about its result
    // after it; the knobs come back with the fold button.
    if (PresentationMode::instance()->isOn()) setSettingsShown(false);
    Q_EMIT startRequested(request);
}

void TrainingDashboard::pauseOrResume() {
    if (m_state == State::Running)
        Q_EMIT pauseRequested();
    else if (m_state == State::Paused)
        Q_EMIT resumeRequested();
}

void TrainingDashboard::step() {
    if (m_state == State::Paused) Q_EMIT stepRequested();
}

void TrainingDashboard::stop() {
    if (m_state == State::Running || m_state == State::Paused) Q_EMIT stopRequested();
}

bool TrainingDashboard::settingsShown() const { return !m_settingsPanel->isHidden(); }

void TrainingDashboard::setSettingsShown(bool shown) {
    m_settingsPanel->setHidden(!shown);
    m_fold->setText(shown ? QStringLiteral("◀") : tr("▶ Settings"));
    m_fold->setToolTip(shown ? tr("Hide the training settings: the charts get the width (Ctrl+Shift+H)")
                             : tr("Show the training settings (Ctrl+Shift+H)"));
    Q_EMIT settingsShownChanged(shown);
}

void TrainingDashboard::setState(State state) {
    m_state = state;
    const bool busy = state == State::Running || state == State::Preparing || state == State::Paused;
    m_start->setEnabled(!busy);
    m_pause->setEnabled(state == State::Running);
    m_resume->setEnabled(state == State::Paused);
    m_step->setEnabled(state == State::Paused);
    m_stop->setEnabled(state == State::Running || state == State::Paused);
    m_applyRate->setEnabled(state == State::Running || state == State::Paused);
    m_save->setEnabled(m_info.runId > 0 && state != State::Preparing);
    m_pause->setVisible(state != State::Paused);
    m_resume->setVisible(state == State::Paused);
    m_settings->setLocked(busy);
}

void TrainingDashboard::onRunStarted(const RunInfo &info) {
    m_info = info;
    m_dice->setClasses(info.classNames);
    m_epochBar->setRange(0, info.epochs);
    m_epochBar->setValue(0);
    m_batchBar->setRange(0, info.batchesPerEpoch);
    m_batchBar->setValue(0);
    m_runLabel->setText(tr("<b>Run %1</b>: %2 · %3 parameters · %4 · %5 train / %6 val images · %7")
                            .arg(info.runId)
                            .arg(info.modelName, QLocale().toString(info.parameters), info.datasetName)
                            .arg(info.trainImages)
                            .arg(info.valImages)
                            .arg(info.device));
    m_runLabel->setToolTip(info.settings + QStringLiteral("\n") + tr("Autosaved to %1").arg(info.autosaveDir));
    m_clock.start();
    m_engineElapsed = 0;
    if (info.restoredEpochs > 0) {
        // A run restored from its autosave: its settings and, from the engine next, its
        // curves up to the saved epoch; it waits paused.
        m_settings->setRequest(info.restoredRequest);
        m_loss->clear();
        m_rate->clear();
        m_epochs.clear();
        m_bestLabel->clear();
        m_loss->setEpochs(info.epochs);
        m_dice->setEpochs(info.epochs);
        m_rate->setEpochs(info.epochs);
        m_liveRate->setValue(info.restoredRequest.config.learningRate);
        m_batchesDone = info.restoredEpochs * info.batchesPerEpoch;
        showMessage(tr("Restored %1 after epoch %2 of %3 from its autosave. Press Resume to continue training, "
                       "or Stop to keep it as it is.")
                        .arg(info.modelName)
                        .arg(info.restoredEpochs)
                        .arg(info.epochs));
        m_restoredNote = true;
    }
    setState(State::Running);
    updateProgress();
}

void TrainingDashboard::onBatches(const QVector<unetlab::BatchReport> &batches) {
    if (batches.isEmpty()) return;
    m_loss->addBatches(batches);
    m_rate->addBatches(batches);
    const unetlab::BatchReport &last = batches.back();
    m_batchesDone += static_cast<int>(batches.size());
    m_lastImagesPerSecond = last.imagesPerSecond;
    m_engineElapsed = last.elapsedSeconds;
    m_epochBar->setValue(last.epoch - 1);
    m_batchBar->setRange(0, last.batchesPerEpoch);
    m_batchBar->setValue(last.batch);
    m_batchBar->setFormat(tr("batch %v of %m"));
    updateProgress();
}

void TrainingDashboard::onRestoredBatches(const QVector<unetlab::BatchReport> &batches) {
    m_loss->addBatches(batches);
    m_rate->addBatches(batches);
}

void TrainingDashboard::onValidationProgress(int done, int total) {
    m_batchBar->setRange(0, total);
    m_batchBar->setValue(done);
    m_batchBar->setFormat(tr("validating %v of %m"));
}

void TrainingDashboard::onEpoch(const unetlab::EpochReport &epoch) {
    m_epochs.push_back(epoch);
    m_loss->addEpoch(epoch);
    m_dice->addEpoch(epoch);
    m_epochBar->setValue(epoch.epoch);
    m_lastImagesPerSecond = epoch.imagesPerSecond;
    m_engineElapsed = epoch.elapsedSeconds;
    if (epoch.best)
        m_bestLabel->setText(tr("Best so far: epoch %1, validation Dice %2")
                                 .arg(epoch.epoch)
                                 .arg(epoch.valDiceMean, 0, 'f', 3));
    updateProgress();
    Q_EMIT epochFinished(epoch.epoch);
}

void TrainingDashboard::onPreview(const QVector<PreviewItem> &items, int epoch) {
    m_preview->setItems(items,
                        epoch > 0 ? tr("<b>Validation preview</b> after epoch %1").arg(epoch)
                                  : tr("<b>Validation preview</b> before training"),
                        m_info.classNames);
}

void TrainingDashboard::setDataClasses(const QStringList &classNames) { m_info.classNames = classNames; }

void TrainingDashboard::onRunFinished(const RunSummary &summary) {
    m_history->addRun(summary);
    m_info = summary.info;
    setState(State::Finished);
    const bool completed = summary.epochsRun == summary.info.epochs && !summary.diverged;
    m_batchBar->setFormat(completed ? tr("done") : tr("stopped"));
    if (summary.diverged)
        showMessage(summary.stopReason, true);
    else if (summary.epochsRun == 0 || summary.bestEpoch == 0)
        showMessage(tr("Run %1 ended before its first epoch finished (%2); there are no weights to keep.")
                        .arg(summary.info.runId)
                        .arg(summary.stopReason));
    else
        showMessage(tr("Run %1 finished: %2. Best validation Dice %3 at epoch %4; weights in %5")
                        .arg(summary.info.runId)
                        .arg(summary.stopReason)
                        .arg(summary.bestValDiceMean, 0, 'f', 3)
                        .arg(summary.bestEpoch)
                        .arg(summary.checkpoint));
    updateProgress();
    Q_EMIT runFinished(summary);
}

void TrainingDashboard::onPaused(bool paused) {
    if (m_state != State::Running && m_state != State::Paused) return;
    if (!paused && m_restoredNote) {  // the restored run goes on: its "press Resume" note is done
        m_banner->setVisible(false);
        m_restoredNote = false;
    }
    setState(paused ? State::Paused : State::Running);
    updateProgress();
}

void TrainingDashboard::onError(const QString &message) {
    if (m_state == State::Preparing) {
        setState(m_epochs.isEmpty() && m_info.runId == 0 ? State::Idle : State::Finished);
        setSettingsShown(true);  // the run never started: the knobs are what to change
        m_runLabel->setText(tr("Not started: %1 (see the message below).").arg(m_starting));
    }
    showMessage(message, true);
}

void TrainingDashboard::showMessage(const QString &message, bool warning) {
    m_restoredNote = false;
    m_banner->setText(message);
    m_banner->setStyleSheet(warning ? QStringLiteral("background:#fdecea; color:#b71c1c; padding:6px; font-weight:bold;")
                                    : QStringLiteral("background:#e8f5e9; color:#1b5e20; padding:6px;"));
    m_banner->setVisible(true);
}

void TrainingDashboard::updateProgress() {
    const int total = m_info.epochs * m_info.batchesPerEpoch;
    double elapsed = m_engineElapsed;
    if (m_state == State::Running && m_clock.isValid()) elapsed = std::max(elapsed, m_clock.elapsed() / 1000.0);
    const double eta = m_batchesDone > 0 && total > 0 ? elapsed / m_batchesDone * (total - m_batchesDone) : NAN;
    QString state;
    switch (m_state) {
    case State::Paused: state = tr("paused · "); break;
    case State::Finished: state = tr("finished · "); break;
    default: break;
    }
    m_progress->setText(tr("%1%2 images/s · elapsed %3 · ETA %4")
                            .arg(state)
                            .arg(m_lastImagesPerSecond, 0, 'f', 1)
                            .arg(duration(elapsed), m_state == State::Finished ? QStringLiteral("–") : duration(eta)));
}

QString TrainingDashboard::progressText() const { return m_progress->text(); }
QString TrainingDashboard::runText() const { return m_runLabel->text(); }
QString TrainingDashboard::bannerText() const { return m_banner->isHidden() ? QString() : m_banner->text(); }
int TrainingDashboard::epochProgress() const { return m_epochBar->value(); }
int TrainingDashboard::batchProgress() const { return m_batchBar->value(); }

QString TrainingDashboard::metricsCsv() const {
    std::vector<std::string> classes;
    for (const QString &c : m_info.classNames) classes.push_back(c.toStdString());
    return QString::fromStdString(
        unetlab::historyCsv(classes, std::vector<unetlab::EpochReport>(m_epochs.begin(), m_epochs.end())));
}

bool TrainingDashboard::exportCharts(const QString &path) {
    const QList<LiveChart *> charts = {m_loss, m_dice, m_rate};
    QSize size(0, 0);
    for (LiveChart *c : charts) size = QSize(size.width() + c->width(), std::max(size.height(), c->height()));
    auto paint = [&](QPainter &p) {
        int x = 0;
        for (LiveChart *c : charts) {
            c->render(&p, QRectF(x, 0, c->width(), c->height()));
            x += c->width();
        }
    };
    if (path.endsWith(QStringLiteral(".svg"), Qt::CaseInsensitive)) {
        QSaveFile file(path);
        if (!file.open(QIODevice::WriteOnly)) return false;
        QSvgGenerator svg;
        svg.setOutputDevice(&file);
        svg.setSize(size);
        svg.setViewBox(QRect(QPoint(0, 0), size));
        QPainter p;
        if (!p.begin(&svg)) return false;
        paint(p);
        return p.end() && file.commit();
    }
    QImage image(size * devicePixelRatioF(), QImage::Format_ARGB32_Premultiplied);
    image.setDevicePixelRatio(devicePixelRatioF());
    image.fill(Qt::white);
    QPainter p(&image);
    paint(p);
    p.end();
    return saveImageAtomically(image, path);
}

void TrainingDashboard::exportMenu() {
    QMenu menu;
    QAction *png = menu.addAction(tr("Charts as PNG…"));
    QAction *svg = menu.addAction(tr("Charts as SVG…"));
    QAction *metrics = menu.addAction(tr("This run's metrics as CSV…"));
    QAction *history = menu.addAction(tr("Run history as CSV…"));
    metrics->setEnabled(!m_epochs.isEmpty());
    history->setEnabled(m_history->runCount() > 0);
    QAction *chosen = menu.exec(m_export->mapToGlobal(QPoint(0, m_export->height())));
    if (!chosen) return;
    const bool isPng = chosen == png, isSvg = chosen == svg;
    const QString filter = isPng ? tr("PNG images (*.png)") : isSvg ? tr("SVG drawings (*.svg)") : tr("CSV files (*.csv)");
    const QString suggested = isPng ? QStringLiteral("charts.png") : isSvg ? QStringLiteral("charts.svg")
                              : chosen == metrics ? QStringLiteral("metrics.csv") : QStringLiteral("runs.csv");
    const QString path = QFileDialog::getSaveFileName(this, chosen->text(), suggested, filter);
    if (path.isEmpty()) return;
    bool ok = false;
    if (isPng || isSvg)
        ok = exportCharts(path);
    else
        ok = writeText(path, chosen == metrics ? metricsCsv() : m_history->csv());
    if (ok)
        showMessage(tr("Wrote %1").arg(path));
    else
        showMessage(tr("Could not write %1").arg(path), true);
}
