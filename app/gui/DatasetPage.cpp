#include "gui/DatasetPage.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <cmath>

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

DatasetPage::DatasetPage(QWidget *parent) : QWidget(parent) {
    auto *layout = new QVBoxLayout(this);
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

    auto reload = [this] { loadSamples(static_cast<quint64>(m_seed->value()), m_first->value(), m_count->value()); };
    connect(show, &QPushButton::clicked, this, reload);
    connect(next, &QPushButton::clicked, this, [this, reload] {
        m_first->setValue(m_first->value() + m_count->value());
        reload();
    });
    connect(m_seed, &QSpinBox::editingFinished, this, [this, reload] {
        if (m_seed->value() != m_shownSeed) reload();
    });
    connect(&m_watcher, &QFutureWatcher<GalleryBatch>::finished, this, &DatasetPage::showBatch);

    QSettings settings;
    m_seed->setValue(settings.value(QStringLiteral("gallery/seed"), 1).toInt());
    m_count->setValue(settings.value(QStringLiteral("gallery/count"), 8).toInt());
    m_gallery->setOverlayOpacity(settings.value(QStringLiteral("gallery/opacity"), 45).toInt());
}

DatasetPage::~DatasetPage() {
    // Child widgets emit focus signals while they are torn down; none may reach us then.
    m_seed->disconnect(this);
    m_watcher.disconnect(this);
    m_watcher.waitForFinished();
}

void DatasetPage::loadSamples(quint64 seed, int first, int count) {
    m_seed->setValue(static_cast<int>(seed));
    m_shownSeed = static_cast<int>(seed);
    m_first->setValue(first);
    m_count->setValue(count);
    if (m_watcher.isRunning()) m_watcher.waitForFinished();  // a few ms; keeps requests in order
    m_watcher.setFuture(QtConcurrent::run(generateBatch, seed, first, count));
}

void DatasetPage::showBatch() {
    const GalleryBatch batch = m_watcher.result();
    QVector<GalleryClass> classes;
    const QVector<QColor> colours = classColours(static_cast<int>(batch.classNames.size()));
    for (int c = 0; c < batch.classNames.size(); ++c) classes.push_back({batch.classNames[c], colours[c]});
    m_gallery->setClasses(classes);
    m_gallery->setItems(batch.items);
    m_description = tr("synthetic cells, seed %1, images %2–%3 (256×256, 3 classes)")
                        .arg(m_seed->value())
                        .arg(m_first->value())
                        .arg(m_first->value() + batch.items.size() - 1);
    Q_EMIT loaded();
}

void DatasetPage::saveSettings() const {
    QSettings settings;
    settings.setValue(QStringLiteral("gallery/seed"), m_seed->value());
    settings.setValue(QStringLiteral("gallery/count"), m_count->value());
    settings.setValue(QStringLiteral("gallery/opacity"), m_gallery->overlayOpacity());
}

}  // namespace unetlab::gui
