#include "gui/MainWindow.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QStatusBar>
#include <QToolBar>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include "core/BuildInfo.h"
#include "data/SyntheticCells.h"
#include "gui/ImageConvert.h"
#include "train/Metrics.h"

namespace unetlab::gui {
namespace {

GalleryBatch generateBatch(quint64 seed, int first, int count) {
    SyntheticOptions options;
    options.seed = seed;
    options.count = static_cast<std::size_t>(first + count);
    GalleryBatch batch;
    const SyntheticCells data(options);
    batch.datasetName = QString::fromStdString(data.name());
    for (const auto &name : data.classNames()) batch.classNames << QString::fromStdString(name);
    const QVector<QColor> colours = classColours(data.numClasses());
    for (int i = first; i < first + count; ++i) {
        const Sample s = SyntheticCells::generate(options, static_cast<std::size_t>(i));
        GalleryItem item;
        item.title = QString::fromStdString(s.id);
        const double nc = ncRatio(s.mask.data(), s.mask.size());
        item.caption = std::isnan(nc) ? QString() : QObject::tr("N/C %1").arg(nc, 0, 'f', 2);
        item.image = sampleImage(s);
        item.mask = maskImage(s.mask, s.width, s.height, colours);
        batch.items.push_back(item);
    }
    return batch;
}

}  // namespace

MainWindow::MainWindow(const QString &deviceDescription, QWidget *parent) : QMainWindow(parent) {
    setWindowTitle(tr("UNet Lab"));

    auto *central = new QWidget;
    auto *layout = new QVBoxLayout(central);
    auto *heading = new QLabel(tr("<h2>Synthetic cytology dataset</h2>"
                                  "<p>Stained cells on a pale background, each with an exact mask: "
                                  "<b>background</b>, <b>cytoplasm</b> and <b>nucleus</b>. "
                                  "These are the images the models in UNet Lab learn to segment. "
                                  "Every image is reproducible from its seed and index.</p>"));
    heading->setWordWrap(true);
    layout->addWidget(heading);

    auto *controls = new QHBoxLayout;
    m_seed = new QSpinBox;
    m_seed->setRange(0, 999999);
    m_seed->setAccessibleName(tr("Dataset seed"));
    m_first = new QSpinBox;
    m_first->setRange(0, 9999);
    m_first->setAccessibleName(tr("First image index"));
    m_count = new QSpinBox;
    m_count->setRange(1, 48);
    m_count->setAccessibleName(tr("Number of images shown"));
    auto *show = new QPushButton(tr("&Show"));
    auto *next = new QPushButton(tr("&Next page"));
    controls->addWidget(new QLabel(tr("Seed")));
    controls->addWidget(m_seed);
    controls->addSpacing(12);
    controls->addWidget(new QLabel(tr("From image")));
    controls->addWidget(m_first);
    controls->addSpacing(12);
    controls->addWidget(new QLabel(tr("Images")));
    controls->addWidget(m_count);
    controls->addSpacing(12);
    controls->addWidget(show);
    controls->addWidget(next);
    controls->addStretch(1);
    layout->addLayout(controls);

    m_gallery = new SampleGallery;
    layout->addWidget(m_gallery, 1);
    setCentralWidget(central);

    auto reload = [this] { loadSamples(static_cast<quint64>(m_seed->value()), m_first->value(), m_count->value()); };
    connect(show, &QPushButton::clicked, this, reload);
    connect(next, &QPushButton::clicked, this, [this, reload] {
        m_first->setValue(m_first->value() + m_count->value());
        reload();
    });
    connect(m_seed, &QSpinBox::editingFinished, this, [this, reload] {
        if (m_seed->value() != m_shownSeed) reload();
    });
    connect(&m_watcher, &QFutureWatcher<GalleryBatch>::finished, this, &MainWindow::showBatch);

    QMenu *file = menuBar()->addMenu(tr("&File"));
    QAction *shot = file->addAction(tr("Save &Screenshot…"), this, &MainWindow::saveScreenshot);
    shot->setShortcut(QKeySequence(tr("Ctrl+Shift+S")));
    file->addSeparator();
    QAction *quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);
    QMenu *view = menuBar()->addMenu(tr("&View"));
    QAction *masks = view->addAction(tr("Show &Mask Column"));
    masks->setCheckable(true);
    masks->setChecked(true);
    connect(masks, &QAction::toggled, m_gallery, &SampleGallery::setShowMaskColumn);
    QMenu *help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About UNet Lab"), this, &MainWindow::about);

    QToolBar *toolbar = addToolBar(tr("Main"));
    toolbar->setObjectName(QStringLiteral("mainToolbar"));
    toolbar->addAction(shot);
    toolbar->addAction(masks);

    m_datasetLabel = new QLabel;
    m_deviceLabel = new QLabel(tr("Device: %1").arg(deviceDescription));
    statusBar()->addWidget(m_datasetLabel, 1);
    statusBar()->addPermanentWidget(m_deviceLabel);

    QSettings settings;
    m_seed->setValue(settings.value(QStringLiteral("gallery/seed"), 1).toInt());
    m_count->setValue(settings.value(QStringLiteral("gallery/count"), 8).toInt());
    m_gallery->setOverlayOpacity(settings.value(QStringLiteral("gallery/opacity"), 45).toInt());
    if (!restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray())) resize(1440, 900);
    restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
}

MainWindow::~MainWindow() {
    // Child widgets emit focus signals while they are torn down; none may reach us then.
    m_seed->disconnect(this);
    m_watcher.disconnect(this);
    m_watcher.waitForFinished();
}

void MainWindow::loadSamples(quint64 seed, int first, int count) {
    m_seed->setValue(static_cast<int>(seed));
    m_shownSeed = static_cast<int>(seed);
    m_first->setValue(first);
    m_count->setValue(count);
    m_datasetLabel->setText(tr("Generating %n synthetic image(s)…", nullptr, count));
    if (m_watcher.isRunning()) m_watcher.waitForFinished();  // a few ms; keeps requests in order
    m_watcher.setFuture(QtConcurrent::run(generateBatch, seed, first, count));
}

void MainWindow::showBatch() {
    const GalleryBatch batch = m_watcher.result();
    QVector<GalleryClass> classes;
    const QVector<QColor> colours = classColours(batch.classNames.size());
    for (int c = 0; c < batch.classNames.size(); ++c) classes.push_back({batch.classNames[c], colours[c]});
    m_gallery->setClasses(classes);
    m_gallery->setItems(batch.items);
    m_datasetLabel->setText(tr("Dataset: synthetic cells, seed %1, images %2–%3 (256×256, 3 classes)")
                                .arg(m_seed->value())
                                .arg(m_first->value())
                                .arg(m_first->value() + batch.items.size() - 1));
    Q_EMIT loaded();
}

void MainWindow::saveScreenshot() {
    const QString path = QFileDialog::getSaveFileName(this, tr("Save Screenshot"), QStringLiteral("unetlab.png"),
                                                      tr("PNG images (*.png)"));
    if (path.isEmpty()) return;
    if (!grab().save(path)) QMessageBox::warning(this, tr("Save Screenshot"), tr("Could not write %1.").arg(path));
}

void MainWindow::about() {
    QMessageBox::about(this, tr("About UNet Lab"),
                       tr("<h3>UNet Lab %1</h3><p>Learn how convolutional networks and U-Net segment images, "
                          "by touching every piece.</p><p>Qt %2 · %3</p>")
                           .arg(QStringLiteral(UNETLAB_VERSION), QString::fromLatin1(qVersion()),
                                m_deviceLabel->text()));
}

void MainWindow::closeEvent(QCloseEvent *event) {
    QSettings settings;
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("window/state"), saveState());
    settings.setValue(QStringLiteral("gallery/seed"), m_seed->value());
    settings.setValue(QStringLiteral("gallery/count"), m_count->value());
    settings.setValue(QStringLiteral("gallery/opacity"), m_gallery->overlayOpacity());
    event->accept();
}

}  // namespace unetlab::gui
