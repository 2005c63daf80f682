#include "AtomicSave.h"
#include "gui/MainWindow.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QFileDialog>
#include <QInputDialog>
#include <QLabel>
#include <QLocale>
#include <QMenuBar>
#include <QPushButton>
#include <QMessageBox>
#include <QScreen>
#include <QSettings>
#include <QStyle>
#include <QStandardPaths>
#include <QStatusBar>

#include <algorithm>
#include <functional>
#include <QTabBar>
#include <QTabWidget>
#include <QToolBar>

#include "CompareArea.h"
#include "CompareSetup.h"
#include "CompareTables.h"
#include "InspectArea.h"
#include "core/Device.h"
#include "data/ImageDecode.h"
#include "LearnArea.h"
#include "ElidingLabel.h"
#include "PresentationMode.h"
#include "ReceptiveFieldPanel.h"
#include "TrainingDashboard.h"
#include "TrainingSettings.h"
#include "core/BuildInfo.h"
#include "gui/DatasetPage.h"
#include "gui/EngineThread.h"
#include "gui/EngineWorker.h"
#include "train/RunFolder.h"

namespace unetlab::gui {

QSize MainWindow::firstRunSize(const QRect &available) {
    return {std::min(1600, available.width() * 92 / 100), std::min(950, available.height() * 92 / 100)};
}

QRect MainWindow::fitToScreen(const QRect &geometry, const QRect &available, int titleBar) {
    // The frame's title bar sits above the geometry; the rest of the frame is thin.
    const QRect room = available.adjusted(0, titleBar, 0, 0);
    QRect fitted(geometry.topLeft(), geometry.size().boundedTo(room.size()));
    fitted.moveLeft(std::clamp(fitted.left(), room.left(), room.right() + 1 - fitted.width()));
    fitted.moveTop(std::clamp(fitted.top(), room.top(), room.bottom() + 1 - fitted.height()));
    return fitted;
}

void MainWindow::placeOnScreen(bool restored) {
    const QScreen *s = screen() ? screen() : QGuiApplication::primaryScreen();
    if (!s) return;
    const QRect available = s->availableGeometry();
    const int titleBar = style()->pixelMetric(QStyle::PM_TitleBarHeight);
    if (!restored) {
        // First run: most of the screen, centred (a 1280×800 projector gets 1177×736).
        QRect r(QPoint(), firstRunSize(available));
        r.moveCenter(available.center());
        r.translate(0, titleBar / 2);
        setGeometry(fitToScreen(r, available, titleBar));
        return;
    }
    // A geometry saved on a larger screen (or another monitor) comes back inside this one.
    if (isMaximized() || isFullScreen()) return;
    const QRect fitted = fitToScreen(geometry(), available, titleBar);
    if (fitted != geometry()) setGeometry(fitted);
}

MainWindow::MainWindow(QWidget *parent) : QMainWindow(parent) {
    setWindowTitle(tr("UNet Lab"));
    m_autosaveRoot =
        QDir(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation)).filePath(QStringLiteral("runs"));
    m_engine = new EngineThread(m_autosaveRoot, this);

    m_tabs = new QTabWidget;
    m_tabs->setDocumentMode(true);
    m_learn = new LearnArea;
    m_dataset = new DatasetPage;
    m_dashboard = new TrainingDashboard;
    m_tabs->addTab(m_learn, tr("&Learn"));
    m_tabs->addTab(m_dataset, tr("&Data"));
    m_tabs->addTab(m_dashboard, tr("&Train"));
    m_compare = new CompareArea;
    m_inspect = new InspectArea;
    m_tabs->addTab(m_inspect, tr("&Inspect"));
    m_tabs->addTab(m_compare, tr("&Compare"));
    m_tabs->setAccessibleName(tr("Areas"));
    m_tabs->tabBar()->setAccessibleName(tr("Areas"));
    setCentralWidget(m_tabs);

    // Long model, data and device descriptions are cut with "…" rather than widening the window.
    m_deviceLabel = new ElidingLabel(tr("Device: starting…"));
    m_modelLabel = new ElidingLabel;
    m_dataLabel = new ElidingLabel;
    statusBar()->addWidget(m_modelLabel);
    statusBar()->addWidget(m_dataLabel, 1);
    statusBar()->addPermanentWidget(m_deviceLabel);

    buildMenus();
    connectEngine();
    m_engine->start();

    auto describeSettings = [this] {
        const RunRequest r = m_dashboard->settings()->request();
        m_trainModelText = tr("Model: %1 (%2 parameters)")
                               .arg(r.modelName, QLocale().toString(m_dashboard->settings()->parameterCount()));
        m_trainDataText = tr("Data: %1").arg(m_dashboard->settings()->dataDescription());
        describeArea();
    };
    connect(m_dashboard->settings(), &TrainingSettings::changed, this, describeSettings);
    connect(m_tabs, &QTabWidget::currentChanged, this, &MainWindow::describeArea);
    connect(m_inspect, &InspectArea::subjectChanged, this, &MainWindow::describeArea);
    connect(m_compare->setup(), &CompareSetup::changed, this, &MainWindow::describeArea);

    QSettings settings;
    m_dashboard->settings()->restoreSettings();
    describeSettings();
    placeOnScreen(restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray()));
    restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
    m_tabs->setCurrentIndex(settings.value(QStringLiteral("window/tab"), 0).toInt());
    m_dataset->restoreLastSource();
}

MainWindow::~MainWindow() { m_engine->shutdown(); }

QString MainWindow::deviceText() const { return m_deviceLabel->text(); }
QString MainWindow::statusModelText() const { return m_modelLabel->text(); }
QString MainWindow::statusDataText() const { return m_dataLabel->text(); }

void MainWindow::describeArea() {
    QString model = m_trainModelText, data = m_trainDataText;
    if (m_tabs->currentWidget() == m_inspect) {
        model = tr("Inspecting: %1").arg(m_inspect->subjectModel());
        data = tr("Data: %1").arg(m_inspect->subjectData().isEmpty() ? tr("none yet") : m_inspect->subjectData());
    } else if (m_tabs->currentWidget() == m_compare) {
        model = tr("Comparing: %1").arg(m_compare->modelsSummary());
        data = tr("Data: %1").arg(m_compare->setup()->shared()->dataDescription());
    }
    m_modelLabel->setText(model);
    m_modelLabel->setToolTip(model);
    m_dataLabel->setText(data);
    m_dataLabel->setToolTip(data);
}

QStringList MainWindow::areaNames() const {
    return {QStringLiteral("learn"), QStringLiteral("data"), QStringLiteral("train"), QStringLiteral("inspect"),
            QStringLiteral("compare")};
}

bool MainWindow::showArea(const QString &name) {
    const int index = static_cast<int>(areaNames().indexOf(name.toLower()));
    if (index < 0) return false;
    m_tabs->setCurrentIndex(index);
    return true;
}

void MainWindow::connectEngine() {
    EngineWorker *w = m_engine->worker();
    TrainingDashboard *d = m_dashboard;
    // Commands: dashboard -> engine thread (queued, since the worker lives there).
    connect(d, &TrainingDashboard::startRequested, w, &EngineWorker::start);
    connect(d, &TrainingDashboard::pauseRequested, w, &EngineWorker::pause);
    connect(d, &TrainingDashboard::resumeRequested, w, &EngineWorker::resume);
    connect(d, &TrainingDashboard::stepRequested, w, &EngineWorker::stepOnce);
    connect(d, &TrainingDashboard::stopRequested, w, &EngineWorker::stop);
    connect(d, &TrainingDashboard::learningRateChanged, w, &EngineWorker::setLearningRate);
    connect(d, &TrainingDashboard::saveCheckpointRequested, w, &EngineWorker::saveCheckpoint);
    // Events: engine thread -> dashboard.
    connect(w, &EngineWorker::runStarted, d, &TrainingDashboard::onRunStarted);
    connect(w, &EngineWorker::batchesDone, d, &TrainingDashboard::onBatches);
    connect(w, &EngineWorker::restoredBatches, d, &TrainingDashboard::onRestoredBatches);
    connect(w, &EngineWorker::validationProgress, d, &TrainingDashboard::onValidationProgress);
    connect(w, &EngineWorker::epochDone, d, &TrainingDashboard::onEpoch);
    connect(w, &EngineWorker::previewReady, d, &TrainingDashboard::onPreview);
    connect(w, &EngineWorker::pausedChanged, d, &TrainingDashboard::onPaused);
    connect(w, &EngineWorker::runFinished, d, &TrainingDashboard::onRunFinished);
    connect(w, &EngineWorker::errorOccurred, d, &TrainingDashboard::onError);
    connect(w, &EngineWorker::checkpointSaved, d,
            [d](const QString &path) { d->showMessage(tr("Saved the best weights to %1").arg(path)); });
    connect(w, &EngineWorker::checkpointLoaded, this, [this](const QString &description) {
        m_dashboard->showMessage(tr("Opened %1. The preview shows its predictions on validation images.").arg(description));
        // Opened from the Inspect area: stay there.
        if (m_tabs->currentWidget() != m_inspect) showArea(QStringLiteral("train"));
    });
    // Inspect: every request is answered on the engine thread, on the model it names.
    InspectArea *in = m_inspect;
    connect(in, &InspectArea::featureMapsRequested, w, &EngineWorker::inspectFeatureMaps);
    connect(in, &InspectArea::kernelsRequested, w, &EngineWorker::inspectKernels);
    connect(in, &InspectArea::rankingRequested, w, &EngineWorker::inspectRanking);
    connect(in, &InspectArea::reviewRequested, w, &EngineWorker::inspectReview);
    connect(in, &InspectArea::largeImageRequested, w, &EngineWorker::inspectLargeImage);
    connect(in, &InspectArea::checkpointChosen, this, &MainWindow::openCheckpointFile);
    connect(w, &EngineWorker::featureMapsReady, in, &InspectArea::showFeatureMaps);
    connect(w, &EngineWorker::kernelsReady, in, &InspectArea::showKernels);
    connect(w, &EngineWorker::rankingReady, in, &InspectArea::showRanking);
    connect(w, &EngineWorker::reviewReady, in, &InspectArea::showReview);
    connect(w, &EngineWorker::largeImageReady, in, &InspectArea::showLargeImage);
    connect(w, &EngineWorker::inspectError, in, &InspectArea::showError);
    connect(w, &EngineWorker::inspectDataset, in, &InspectArea::setDataset);
    connect(w, &EngineWorker::inspectDataset, m_dashboard,
            [this](const QString &, int, const QStringList &classes) { m_dashboard->setDataClasses(classes); });
    connect(w, &EngineWorker::checkpointOpened, in, &InspectArea::setCheckpointModel);
    // A checkpoint that cannot be opened from the Inspect area is reported there too.
    connect(w, &EngineWorker::errorOccurred, in, [this](const QString &message) {
        if (m_tabs->currentWidget() == m_inspect) m_inspect->showError(message);
    });
    connect(w, &EngineWorker::runStarted, in, [in](const RunInfo &info) {
        in->setTrainingModel(tr("%1, %2 parameters (run %3)")
                                 .arg(info.modelName, QLocale().toString(info.parameters))
                                 .arg(info.runId));
    });
    connect(w, &EngineWorker::epochDone, in, [in](const unetlab::EpochReport &e) { in->onEpochFinished(e.epoch); });
    // Compare: two or more runs side by side; the leaderboard also lists the Train area's runs.
    CompareArea *c = m_compare;
    connect(c, &CompareArea::startRequested, w, &EngineWorker::startComparison);
    connect(c, &CompareArea::pauseRequested, w, &EngineWorker::pause);
    connect(c, &CompareArea::resumeRequested, w, &EngineWorker::resume);
    connect(c, &CompareArea::stopRequested, w, &EngineWorker::stop);
    connect(w, &EngineWorker::comparisonStarted, c, &CompareArea::onStarted);
    connect(w, &EngineWorker::comparisonStarted, this, &MainWindow::describeArea);
    connect(w, &EngineWorker::comparisonBatches, c, &CompareArea::onBatches);
    connect(w, &EngineWorker::comparisonEpoch, c, &CompareArea::onEpoch);
    connect(w, &EngineWorker::comparisonFinished, c, &CompareArea::onFinished);
    connect(w, &EngineWorker::comparisonError, c, &CompareArea::onError);
    connect(w, &EngineWorker::pausedChanged, c, &CompareArea::onPaused);
    connect(d, &TrainingDashboard::runFinished, c->leaderboard(), &Leaderboard::addRun);

    // The Learn area's empirical receptive field is computed on the engine thread too.
    ReceptiveFieldPanel *rf = m_learn->receptiveField();
    rf->setClassNames({tr("background"), tr("cytoplasm"), tr("nucleus")});
    connect(rf, &ReceptiveFieldPanel::mapRequested, w, &EngineWorker::receptiveField);
    connect(w, &EngineWorker::receptiveFieldReady, rf, &ReceptiveFieldPanel::showResult);
    connect(w, &EngineWorker::trainedModelsChanged, rf, &ReceptiveFieldPanel::setTrainedPresets);
    // "Train on this dataset": the Train area's data becomes the Data area's.
    connect(m_dataset, &DatasetPage::useForTraining, this, [this](const unetlab::DataSpec &spec) {
        m_dashboard->settings()->setDataSpec(spec);
        m_dashboard->showMessage(tr("Training data: %1.").arg(m_dashboard->settings()->dataDescription()));
        showArea(QStringLiteral("train"));
    });
    connect(m_dataset, &DatasetPage::loaded, this, [this] {
        if (m_dataset->gallery()->itemCount() == 0) return;  // nothing opened: keep the images
        QVector<QImage> images;
        QStringList names;
        for (const GalleryItem &item : m_dataset->gallery()->items()) {
            images.push_back(item.image);
            names << item.title;
        }
        m_learn->receptiveField()->setImages(images, names);
    });
    connect(w, &EngineWorker::deviceReady, this,
            [this](const QString &device) { m_deviceLabel->setText(tr("Device: %1").arg(device)); });
    // "CPU · bf16 autocast, channels-last, 2 threads": the device, then the plan on it.
    auto showPlan = [this](const RunInfo &info) {
        m_deviceLabel->setText(tr("Device: %1 · %2")
                                   .arg(info.device.section(QStringLiteral(", "), 0, 0),
                                        info.plan.section(QStringLiteral(" ("), 0, 0)));
        m_deviceLabel->setToolTip(tr("Execution plan: %1").arg(info.plan));
    };
    connect(w, &EngineWorker::runStarted, this, [this, showPlan](const RunInfo &info) {
        m_trainModelText = tr("Model: %1 (%2 parameters)").arg(info.modelName, QLocale().toString(info.parameters));
        m_trainDataText = tr("Data: %1").arg(info.datasetName);
        describeArea();
        showPlan(info);
    });
    connect(w, &EngineWorker::comparisonStarted, this, [showPlan](const QVector<RunInfo> &runs) {
        if (!runs.isEmpty()) showPlan(runs.front());
    });
    // Measuring the execution plan (first run of a model on this machine) takes some seconds.
    connect(w, &EngineWorker::planProgress, this, [this](const QString &line) {
        statusBar()->showMessage(line, 10000);
        m_dashboard->showMessage(line);
    });
}

void MainWindow::buildMenus() {
    QMenu *file = menuBar()->addMenu(tr("&File"));
    QAction *open = file->addAction(tr("&Open Checkpoint…"), this, &MainWindow::openCheckpoint);
    open->setShortcut(QKeySequence::Open);
    file->addAction(tr("&Restore Interrupted Run…"), this, &MainWindow::chooseInterruptedRun);
    QAction *save = file->addAction(tr("&Save Weights…"), this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, tr("Save weights"), QStringLiteral("model.ckpt"),
                                                          tr("UNet Lab checkpoints (*.ckpt)"));
        if (!path.isEmpty()) QMetaObject::invokeMethod(m_engine->worker(), "saveCheckpoint", Q_ARG(QString, path));
    });
    save->setShortcut(QKeySequence::Save);
    QAction *shot = file->addAction(tr("Save Sc&reenshot…"), this, &MainWindow::saveScreenshot);
    shot->setShortcut(QKeySequence(tr("Ctrl+Shift+S")));
    file->addSeparator();
    QAction *quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);

    QMenu *training = menuBar()->addMenu(tr("&Training"));
    training->addAction(tr("&Start"), QKeySequence(tr("Ctrl+R")), m_dashboard, &TrainingDashboard::start);
    training->addAction(tr("&Pause / Resume"), QKeySequence(tr("Ctrl+P")), m_dashboard,
                        &TrainingDashboard::pauseOrResume);
    training->addAction(tr("Step &One Batch"), QKeySequence(tr("Ctrl+.")), m_dashboard, &TrainingDashboard::step);
    training->addAction(tr("S&top"), QKeySequence(tr("Ctrl+Shift+R")), m_dashboard, &TrainingDashboard::stop);
    training->addSeparator();
    QMenu *presets = training->addMenu(tr("Chapter &Presets"));
    for (const QString &name : TrainingSettings::chapterPresets())
        presets->addAction(name, this, [this, name] {
            m_dashboard->settings()->applyChapterPreset(name);
            showArea(QStringLiteral("train"));
        });

    QMenu *view = menuBar()->addMenu(tr("&View"));
    for (int i = 0; i < m_tabs->count(); ++i) {
        QAction *a = view->addAction(m_tabs->tabText(i).remove(QLatin1Char('&')), this, [this, i] { m_tabs->setCurrentIndex(i); });
        a->setShortcut(QKeySequence(Qt::ALT | static_cast<Qt::Key>(Qt::Key_1 + i)));
    }
    QAction *panel = view->addAction(tr("Training &Settings"));
    panel->setCheckable(true);
    panel->setChecked(m_dashboard->settingsShown());
    panel->setShortcut(QKeySequence(tr("Ctrl+Shift+H")));
    connect(panel, &QAction::toggled, m_dashboard, &TrainingDashboard::setSettingsShown);
    connect(m_dashboard, &TrainingDashboard::settingsShownChanged, panel, &QAction::setChecked);
    QAction *setup = view->addAction(tr("Co&mparison Setup"));
    setup->setCheckable(true);
    setup->setChecked(m_compare->setupShown());
    setup->setShortcut(QKeySequence(tr("Ctrl+Shift+M")));
    connect(setup, &QAction::toggled, m_compare, &CompareArea::setSetupShown);
    connect(m_compare, &CompareArea::setupShownChanged, setup, &QAction::setChecked);
    QAction *full = view->addAction(tr("&Full Screen"), this, [this] { isFullScreen() ? showNormal() : showFullScreen(); });
    full->setShortcut(QKeySequence(Qt::Key_F11));  // QKeySequence::FullScreen is empty on some desktops
    // Larger fonts, high contrast and thick lines for a projector; F5 starts a slide show elsewhere.
    PresentationMode *presentation = PresentationMode::instance();
    if (PresentationMode::remembered()) presentation->apply(true);
    QAction *present = view->addAction(tr("&Presentation Mode"));
    present->setCheckable(true);
    present->setChecked(presentation->isOn());
    present->setShortcut(QKeySequence(Qt::Key_F5));
    connect(present, &QAction::toggled, presentation, &PresentationMode::setOn);
    connect(presentation, &PresentationMode::changed, present, &QAction::setChecked);

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    QAction *keys = help->addAction(tr("&Keyboard Shortcuts"), this, &MainWindow::showShortcuts);
    keys->setShortcut(QKeySequence::HelpContents);
    help->addAction(tr("&About UNet Lab"), this, &MainWindow::about);

    QToolBar *toolbar = addToolBar(tr("Main"));
    toolbar->setObjectName(QStringLiteral("mainToolbar"));
    toolbar->addAction(open);
    toolbar->addAction(save);
    toolbar->addAction(shot);
}

void MainWindow::openCheckpoint() {
    const QString path =
        QFileDialog::getOpenFileName(this, tr("Open checkpoint"), QString(), tr("Checkpoints (*.ckpt *.pt *.pth);;All files (*)"));
    if (!path.isEmpty()) openCheckpointFile(path);
}

void MainWindow::openCheckpointFile(const QString &path) {
    // A state dict from Python names no data: the engine tries the data chosen in the settings.
    const QString spec = QString::fromStdString(m_dashboard->settings()->request().data.toString());
    EngineWorker *w = m_engine->worker();
    QMetaObject::invokeMethod(w, [w, spec, path] {
        w->setPreferredData(spec);
        w->loadCheckpoint(path);
    }, Qt::QueuedConnection);
}

QMessageBox::StandardButton MainWindow::offerInterruptedRun() {
    const std::vector<SavedRun> runs = findInterruptedRuns(m_autosaveRoot.toStdString());
    if (runs.empty()) return QMessageBox::NoButton;
    const SavedRun &run = runs.front();
    const QString text =
        tr("A training run did not finish: %1.\n\nRestore it? Its weights, curves and settings come back, paused "
           "after the last finished epoch; Resume continues the training.")
            .arg(QString::fromStdString(run.describe()));
    QMessageBox::StandardButton answer;
    if (m_restoreAnswer) {
        answer = m_restoreAnswer(text);
    } else {
        QMessageBox box(QMessageBox::Question, tr("Restore the interrupted run?"), text, QMessageBox::NoButton, this);
        QPushButton *restore = box.addButton(tr("&Restore"), QMessageBox::AcceptRole);
        QPushButton *discard = box.addButton(tr("&Discard"), QMessageBox::DestructiveRole);
        box.addButton(tr("&Later"), QMessageBox::RejectRole);
        box.setDefaultButton(restore);
        box.setInformativeText(tr("Saved in %1").arg(QString::fromStdString(run.dir)));
        box.exec();
        answer = box.clickedButton() == restore   ? QMessageBox::Yes
                 : box.clickedButton() == discard ? QMessageBox::Discard
                                                  : QMessageBox::Cancel;
    }
    if (answer == QMessageBox::Yes) {
        restoreRun(QString::fromStdString(run.dir));
    } else if (answer == QMessageBox::Discard) {
        try {
            setRunState(run.dir, "discarded", "the user chose not to restore it");
        } catch (const std::exception &e) {
            m_dashboard->onError(tr("Cannot mark the run as discarded: %1").arg(QString::fromStdString(e.what())));
        }
    }
    return answer;
}

void MainWindow::chooseInterruptedRun() {
    const std::vector<SavedRun> runs = findInterruptedRuns(m_autosaveRoot.toStdString());
    if (runs.empty()) {
        QMessageBox::information(this, tr("Restore Interrupted Run"),
                                 tr("No interrupted run was found in %1.").arg(m_autosaveRoot));
        return;
    }
    QStringList items;
    for (const SavedRun &r : runs) items << QString::fromStdString(r.describe());
    bool ok = false;
    const QString item = QInputDialog::getItem(this, tr("Restore Interrupted Run"),
                                               tr("Runs that stopped without finishing:"), items, 0, false, &ok);
    if (!ok) return;
    restoreRun(QString::fromStdString(runs[static_cast<std::size_t>(items.indexOf(item))].dir));
}

void MainWindow::restoreRun(const QString &dir) {
    EngineWorker *w = m_engine->worker();
    QMetaObject::invokeMethod(w, [w, dir] { w->restoreRun(dir); }, Qt::QueuedConnection);
    showArea(QStringLiteral("train"));
}

void MainWindow::saveScreenshot() {
    const QString path = QFileDialog::getSaveFileName(this, tr("Save Screenshot"), QStringLiteral("unetlab.png"),
                                                      tr("PNG images (*.png)"));
    if (path.isEmpty()) return;
    if (!saveImageAtomically(grab().toImage(), path)) QMessageBox::warning(this, tr("Save Screenshot"), tr("Could not write %1.").arg(path));
}

void MainWindow::about() {
    QMessageBox::about(this, tr("About UNet Lab"),
                       tr("<h3>UNet Lab %1</h3><p>Learn how convolutional networks and U-Net segment images, "
                          "by touching every piece.</p>"
                          "<table><tr><td>Qt</td><td>%2</td></tr><tr><td>LibTorch</td><td>%3</td></tr>"
                          "<tr><td>OpenCV</td><td>%4</td></tr><tr><td>Device</td><td>%5</td></tr></table>"
                          "<p>Sample data: 2018 Data Science Bowl nuclei (CC0).</p>")
                           .arg(QStringLiteral(UNETLAB_VERSION), QString::fromLatin1(qVersion()),
                                QString::fromStdString(torchVersion()), QString::fromStdString(opencvVersion()),
                                m_deviceLabel->text().section(QStringLiteral(": "), 1).toHtmlEscaped()));
}

QString MainWindow::shortcutsText() const {
    // Every menu action that has a shortcut, read from the menus themselves.
    QString rows;
    for (QAction *menu : menuBar()->actions()) {
        if (!menu->menu()) continue;
        std::function<void(QMenu *, const QString &)> walk = [&](QMenu *m, const QString &path) {
            for (QAction *a : m->actions()) {
                if (a->menu()) {
                    walk(a->menu(), path + a->text().remove(QLatin1Char('&')) + QStringLiteral(" › "));
                    continue;
                }
                if (a->shortcut().isEmpty()) continue;
                rows += QStringLiteral("<tr><td><b>%1</b></td><td>%2%3</td></tr>")
                            .arg(a->shortcut().toString(QKeySequence::NativeText).toHtmlEscaped(), path.toHtmlEscaped(),
                                 a->text().remove(QLatin1Char('&')).toHtmlEscaped());
            }
        };
        walk(menu->menu(), menu->text().remove(QLatin1Char('&')) + QStringLiteral(" › "));
    }
    return QStringLiteral("<table cellspacing='6'>%1</table>").arg(rows);
}

void MainWindow::showShortcuts() {
    QMessageBox box(QMessageBox::NoIcon, tr("Keyboard Shortcuts"), shortcutsText(), QMessageBox::Close, this);
    box.setTextFormat(Qt::RichText);
    box.exec();
}

bool MainWindow::runGoing() const {
    const auto d = m_dashboard->state();
    const auto c = m_compare->state();
    return d == TrainingDashboard::State::Running || d == TrainingDashboard::State::Paused ||
           d == TrainingDashboard::State::Preparing || c == CompareArea::State::Running ||
           c == CompareArea::State::Paused || c == CompareArea::State::Preparing;
}

void MainWindow::closeEvent(QCloseEvent *event) {
    // Closing mid-run asks first: an instructor's click must not end a 20-minute run.
    if (runGoing()) {
        const QMessageBox::StandardButton answer =
            m_closeAnswer ? m_closeAnswer()
                          : QMessageBox::question(
                                this, tr("Training is running"),
                                tr("A run is still training. Stop it and quit? The finished epochs are saved "
                                   "(last.ckpt, best.ckpt and metrics.csv in the run's autosave folder)."),
                                QMessageBox::Yes | QMessageBox::No, QMessageBox::No);
        if (answer != QMessageBox::Yes) {
            event->ignore();
            statusBar()->showMessage(tr("Still training: the window stays open."), 5000);
            return;
        }
    }
    QSettings settings;
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("window/state"), saveState());
    settings.setValue(QStringLiteral("window/tab"), m_tabs->currentIndex());
    m_dataset->saveSettings();
    m_dashboard->settings()->saveSettings();
    // Stops a run after its current batch; finished epochs are already autosaved.
    m_engine->shutdown();
    event->accept();
}

}  // namespace unetlab::gui
