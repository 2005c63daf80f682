#include "gui/DatasetPage.h"

#include <QCheckBox>
#include <QComboBox>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QLocale>
#include <QPushButton>
#include <QRegularExpression>
#include <QScrollArea>
#include <QSettings>
#include <QSpinBox>
#include <QSplitter>
#include <QStyle>
#include <QTabWidget>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "AugmentationPicker.h"
#include "DataSourceForm.h"
#include "PageScroll.h"
#include "PresentationMode.h"
#include "WrappingRow.h"
#include "gui/ImageConvert.h"
#include "train/Metrics.h"

namespace unetlab::gui {
namespace {

// Images per page and augmented variants shown, at most.
constexpr int kMaxPerPage = 48;
constexpr int kMaxVariants = 24;
// Longest sample id shown whole in a tile's title.
constexpr int kMaxTitle = 20;
// Width of the column with the source, its options and the summary.
constexpr int kColumnWidth = 390;

QString text(const std::string &s) { return QString::fromStdString(s); }

// Engine wording for people, with typographic arrows and times signs.
QString prose(const std::string &s) {
    QString t = text(s);
    t.replace(QStringLiteral("->"), QStringLiteral("→"));
    static const QRegularExpression kSize(QStringLiteral("(\\d)x(\\d)"));
    t.replace(kSize, QStringLiteral("\\1×\\2"));
    return t;
}

// "1 file", "4 files".
QString files(std::size_t n) { return n == 1 ? QObject::tr("1 file") : QObject::tr("%1 files").arg(n); }

std::string keyOf(const DataSpec &spec) { return spec.toString() + "@" + std::to_string(spec.size); }

QVector<GalleryClass> galleryClasses(const Dataset &data) {
    const std::vector<std::string> names = data.classNames();
    const std::vector<ClassColour> own = data.classColours();
    QVector<QColor> colours = classColours(static_cast<int>(names.size()));
    // The data's own colours where it has them; class 0 stays clear so the overlay shows the image.
    for (std::size_t c = 1; c < names.size() && c < own.size(); ++c)
        colours[static_cast<int>(c)] = QColor(own[c].r, own[c].g, own[c].b);
    QVector<GalleryClass> classes;
    for (std::size_t c = 0; c < names.size(); ++c) classes.push_back({text(names[c]), colours[static_cast<int>(c)]});
    return classes;
}

QVector<QColor> coloursOf(const QVector<GalleryClass> &classes) {
    QVector<QColor> colours;
    for (const GalleryClass &c : classes) colours.push_back(c.colour);
    return colours;
}

// The caption of one sample: the N/C ratio where `nc` names the nucleus and cytoplasm classes
// (the synthetic cells), else how much of the image each foreground class covers.
QString captionOf(const Sample &s, const QVector<GalleryClass> &classes, CellClasses nc) {
    if (nc.nucleus >= 0 && nc.cytoplasm >= 0) {
        const double ratio = ncRatio(s.mask.data(), s.mask.size(), nc.nucleus, nc.cytoplasm);
        return std::isnan(ratio) ? QString() : QObject::tr("N/C %1").arg(ratio, 0, 'f', 2);
    }
    std::vector<std::size_t> counts(static_cast<std::size_t>(classes.size()), 0);
    for (std::uint8_t v : s.mask)
        if (v < counts.size()) ++counts[v];
    QStringList parts;
    for (int c = 1; c < classes.size() && parts.size() < 2; ++c)
        parts << QObject::tr("%1 %2 %")
                     .arg(classes[c].name)
                     .arg(100.0 * static_cast<double>(counts[static_cast<std::size_t>(c)]) /
                              static_cast<double>(std::max<std::size_t>(1, s.mask.size())),
                          0, 'f', 1);
    return parts.join(QStringLiteral(" · "));
}

// Sample ids as titles; long ones (e.g. the hashes of DSB2018) shortened to fit a tile.
QString shortId(const std::string &id) {
    const QString t = text(id);
    return t.size() > kMaxTitle ? t.left(kMaxTitle - 4) + QStringLiteral("…") : t;
}

GalleryItem itemOf(const Sample &s, const QString &title, const QString &caption, const QVector<QColor> &colours) {
    GalleryItem item;
    item.title = title;
    item.caption = caption;
    item.image = sampleImage(s);
    item.mask = maskImage(s.mask, s.width, s.height, colours);
    return item;
}

// Runs on a worker thread: opens the data unless `opened` already holds it, then makes the page.
PageResult makePage(PageJob job, OpenedData opened) {
    PageResult r;
    r.job = job;
    if (!opened.data || opened.key != job.key || job.reopen) {
        opened = {};
        opened.key = job.key;
        try {
            opened.data = openDataset(job.spec);
            opened.summary = opened.data->summary();
            opened.problems = opened.data->problems();
            opened.classes = galleryClasses(*opened.data);
        } catch (const DataError &e) {
            opened.data.reset();
            r.error = text(e.what());
            opened.problems = e.problems();
        } catch (const std::exception &e) {
            opened.data.reset();
            r.error = text(e.what());
        }
    }
    r.opened = opened;
    if (!opened.data) return r;
    const Dataset &data = *opened.data;
    const int size = static_cast<int>(data.size());
    r.job.first = std::clamp(job.first, 0, std::max(0, size - 1));
    const int end = std::min(size, r.job.first + job.count);
    const QVector<QColor> colours = coloursOf(opened.classes);
    // N/C under the synthetic cells, by their class names.
    const CellClasses nc = job.spec.kind == "synthetic" ? cellClassesOf(data.classNames()) : CellClasses{};
    try {
        for (int i = r.job.first; i < end; ++i) {
            Sample s = data.get(static_cast<std::size_t>(i));
            r.items.push_back(itemOf(s, shortId(s.id), captionOf(s, opened.classes, nc), colours));
            r.samples.push_back(std::move(s));
        }
    } catch (const std::exception &e) {
        r.error = QObject::tr("Could not read image %1: %2").arg(r.job.first + r.items.size()).arg(text(e.what()));
    }
    return r;
}

QVector<GalleryItem> makeVariants(Sample sample, AugmentationConfig config, int count, std::uint64_t seed,
                                  QVector<GalleryClass> classes) {
    QVector<GalleryItem> items;
    const QVector<QColor> colours = coloursOf(classes);
    try {
        const std::vector<Sample> variants = augmentedExamples(sample, config, count, seed);
        for (std::size_t i = 0; i < variants.size(); ++i)
            items.push_back(itemOf(variants[i], QObject::tr("variant %1").arg(i + 1), QString(), colours));
    } catch (const std::exception &) {
        // An impossible sample (size mismatch) leaves the preview empty; the page shows its data anyway.
    }
    return items;
}

}  // namespace

DatasetPage::DatasetPage(QWidget *parent) : QWidget(parent) {
    setAccessibleName(tr("Data area"));
    // Scrolls on a small screen rather than forcing the window larger than it.
    auto *outer = new QHBoxLayout(PageScroll::content(this, tr("Data area")));
    outer->setContentsMargins(6, 6, 6, 6);
    auto *column = new QScrollArea;
    column->setAccessibleName(tr("Data source and summary"));
    column->setWidget(buildSourceColumn());
    column->setWidgetResizable(true);
    PresentationMode::setFixedWidth(column, kColumnWidth);  // grows with presentation mode's fonts
    column->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    column->setFrameShape(QFrame::NoFrame);
    outer->addWidget(column);

    auto *right = new QVBoxLayout;
    m_status = new QLabel;
    m_status->setWordWrap(true);
    m_status->setAccessibleName(tr("Data status"));
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    right->addWidget(m_status);

    auto *split = new QSplitter(Qt::Vertical);
    m_views = new QTabWidget;
    m_views->setAccessibleName(tr("Data views"));
    m_views->addTab(buildSamplesView(), tr("Images and masks"));
    m_views->addTab(buildAugmentationView(), tr("Augmentation preview"));
    split->addWidget(m_views);

    m_problemsBox = new QGroupBox;
    auto *pv = new QVBoxLayout(m_problemsBox);
    m_problems = new QListWidget;
    m_problems->setAccessibleName(tr("Problems"));
    m_problems->setWordWrap(true);
    m_problems->setAlternatingRowColors(true);
    m_problems->setIconSize(QSize(16, 16));
    m_problems->setSelectionMode(QAbstractItemView::ExtendedSelection);
    pv->addWidget(m_problems);
    split->addWidget(m_problemsBox);
    split->setStretchFactor(0, 4);
    split->setStretchFactor(1, 1);
    split->setChildrenCollapsible(false);
    m_problemsBox->setVisible(false);
    right->addWidget(split, 1);
    outer->addLayout(right, 1);

    connect(&m_pageWatcher, &QFutureWatcher<PageResult>::finished, this, &DatasetPage::pageFinished);
    connect(&m_augmentWatcher, &QFutureWatcher<QVector<GalleryItem>>::finished, this,
            &DatasetPage::augmentationFinished);

    QSettings settings;
    m_count->setValue(settings.value(QStringLiteral("gallery/count"), 8).toInt());
    m_gallery->setOverlayOpacity(settings.value(QStringLiteral("gallery/opacity"), 45).toInt());
    m_augmentGallery->setOverlayOpacity(settings.value(QStringLiteral("gallery/opacity"), 45).toInt());
    m_variants->setValue(settings.value(QStringLiteral("data/variants"), 8).toInt());
    m_maskColumn->setChecked(settings.value(QStringLiteral("data/maskColumn"), false).toBool());
    m_gallery->setShowMaskColumn(m_maskColumn->isChecked());
    m_views->setCurrentIndex(settings.value(QStringLiteral("data/view"), 0).toInt());
    try {
        m_augment->setConfig(
            parseAugmentation(settings.value(QStringLiteral("data/augmentation"), QStringLiteral("flip,rot90,elastic"))
                                  .toString()
                                  .toStdString()));
    } catch (const std::exception &) {
    }
    updateButtons();
}

DatasetPage::~DatasetPage() {
    // Child widgets emit signals while they are torn down; none may reach us then.
    m_form->disconnect(this);
    m_augment->disconnect(this);
    m_pageWatcher.disconnect(this);
    m_augmentWatcher.disconnect(this);
    m_pendingPage.reset();
    m_pendingAugment.reset();
    m_pageWatcher.waitForFinished();
    m_augmentWatcher.waitForFinished();
}

QWidget *DatasetPage::buildSourceColumn() {
    auto *column = new QWidget;
    auto *layout = new QVBoxLayout(column);
    layout->setContentsMargins(0, 0, 6, 0);
    auto *intro =
        new QLabel(tr("<b>Open a dataset</b> to see what a model will learn from: the images with "
                      "their masks, what had to be skipped and why, and how augmentation varies them."));
    intro->setWordWrap(true);
    layout->addWidget(intro);

    auto *source = new QGroupBox(tr("Dataset"));
    auto *sv = new QVBoxLayout(source);
    auto *openButtons = new QHBoxLayout;
    auto *openFolder = new QPushButton(tr("Open &folder…"));
    openFolder->setToolTip(tr("A folder with images/ and masks/ (or image/ and label/), matched by file name"));
    auto *openTiff = new QPushButton(tr("Open &TIFF stack…"));
    openTiff->setToolTip(tr("A multi-page TIFF of images, then the TIFF of their labels"));
    openButtons->addWidget(openFolder);
    openButtons->addWidget(openTiff);
    sv->addLayout(openButtons);
    m_form = new DataSourceForm;
    sv->addWidget(m_form);
    m_open = new QPushButton(tr("&Open with these options"));
    m_open->setToolTip(tr("Open the data as set above (Return in a text field does the same)"));
    sv->addWidget(m_open);
    layout->addWidget(source);

    auto *summary = new QGroupBox(tr("Summary"));
    auto *mv = new QVBoxLayout(summary);
    m_summary = new QLabel;
    m_summary->setWordWrap(true);
    m_summary->setTextFormat(Qt::RichText);
    m_summary->setAccessibleName(tr("Dataset summary"));
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_summary->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    mv->addWidget(m_summary);
    layout->addWidget(summary);

    m_train = new QPushButton(tr("Train on this dataset"));
    m_train->setToolTip(tr("Use this data, with these options, in the Train area"));
    m_train->setIcon(style()->standardIcon(QStyle::SP_ArrowForward));
    layout->addWidget(m_train);
    layout->addStretch(1);

    connect(openFolder, &QPushButton::clicked, this, [this] {
        if (m_form->browseFolder()) openFromForm();
    });
    connect(openTiff, &QPushButton::clicked, this, [this] {
        if (m_form->browseTiff()) openFromForm();
    });
    connect(m_open, &QPushButton::clicked, this, &DatasetPage::openFromForm);
    connect(m_form, &DataSourceForm::submitted, this, &DatasetPage::openFromForm);
    connect(m_form, &DataSourceForm::sourceChosen, this, &DatasetPage::openFromForm);
    connect(m_form, &DataSourceForm::changed, this, &DatasetPage::updateButtons);
    connect(m_train, &QPushButton::clicked, this, [this] {
        if (isOpen()) Q_EMIT useForTraining(m_shown.job.spec);
    });
    return column;
}

QWidget *DatasetPage::buildSamplesView() {
    auto *view = new QWidget;
    auto *v = new QVBoxLayout(view);
    // Paging, then what is shown: one row, or two where the page is narrow (lecture-size fonts).
    auto *pagingGroup = new QWidget;
    auto *paging = new QHBoxLayout(pagingGroup);
    paging->setContentsMargins(0, 0, 0, 0);
    m_previous = new QPushButton(tr("◀ &Previous"));
    m_next = new QPushButton(tr("&Next ▶"));
    m_first = new QSpinBox;
    m_first->setRange(0, 0);
    m_first->setAccessibleName(tr("First image index"));
    m_count = new QSpinBox;
    m_count->setRange(1, kMaxPerPage);
    m_count->setAccessibleName(tr("Number of images shown"));
    m_range = new QLabel;
    m_range->setAccessibleName(tr("Images shown"));
    paging->addWidget(m_previous);
    paging->addWidget(m_next);
    paging->addSpacing(12);
    paging->addWidget(new QLabel(tr("From image")));
    paging->addWidget(m_first);
    paging->addSpacing(12);
    paging->addWidget(new QLabel(tr("Per page")));
    paging->addWidget(m_count);
    auto *shownGroup = new QWidget;
    auto *shown = new QHBoxLayout(shownGroup);
    shown->setContentsMargins(0, 0, 0, 0);
    shown->addWidget(m_range);
    shown->addStretch(1);
    m_maskColumn = new QCheckBox(tr("Mask beside each image"));
    m_maskColumn->setToolTip(tr("Show the mask on its own next to the image and the overlay"));
    shown->addWidget(m_maskColumn);
    v->addWidget(new WrappingRow(pagingGroup, shownGroup, tr("Paging")));
    m_gallery = new SampleGallery;
    v->addWidget(m_gallery, 1);

    connect(m_maskColumn, &QCheckBox::toggled, m_gallery, &SampleGallery::setShowMaskColumn);
    connect(m_previous, &QPushButton::clicked, this,
            [this] { showPage(std::max(0, m_first->value() - m_count->value())); });
    connect(m_next, &QPushButton::clicked, this, [this] { showPage(m_first->value() + m_count->value()); });
    connect(m_first, &QSpinBox::editingFinished, this, [this] {
        if (m_first->value() != m_shown.job.first) showPage(m_first->value());
    });
    connect(m_count, &QSpinBox::editingFinished, this, [this] {
        if (m_count->value() != m_shown.items.size()) showPage(m_first->value());
    });
    return view;
}

QWidget *DatasetPage::buildAugmentationView() {
    auto *view = new QWidget;
    auto *v = new QVBoxLayout(view);
    // The sample and its draws, then the augmentations: side by side, or the second under the
    // first where the page is narrow (lecture-size fonts).
    auto *drawGroup = new QWidget;
    auto *row = new QHBoxLayout(drawGroup);
    row->setContentsMargins(0, 0, 0, 0);
    m_augmentSample = new QComboBox;
    m_augmentSample->setAccessibleName(tr("Sample to augment"));
    m_augmentSample->setMinimumContentsLength(12);
    m_augmentSample->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_variants = new QSpinBox;
    m_variants->setRange(1, kMaxVariants);
    m_variants->setValue(8);
    m_variants->setAccessibleName(tr("Number of variants"));
    auto *redraw = new QPushButton(tr("New &draw"));
    redraw->setToolTip(tr("Other random variants of the same sample"));
    row->addWidget(new QLabel(tr("Sample")));
    row->addWidget(m_augmentSample);
    row->addSpacing(12);
    row->addWidget(new QLabel(tr("Variants")));
    row->addWidget(m_variants);
    row->addWidget(redraw);
    auto *pickerGroup = new QWidget;
    auto *picker = new QHBoxLayout(pickerGroup);
    picker->setContentsMargins(0, 0, 0, 0);
    picker->addSpacing(10);
    m_augment = new AugmentationPicker;
    picker->addWidget(m_augment);
    picker->addStretch(1);
    v->addWidget(new WrappingRow(drawGroup, pickerGroup, tr("Augmentation choices")));
    m_augmentHint = new QLabel;
    m_augmentHint->setWordWrap(true);
    v->addWidget(m_augmentHint);
    m_augmentGallery = new SampleGallery;
    m_augmentGallery->setShowMaskColumn(false);
    v->addWidget(m_augmentGallery, 1);

    connect(m_augment, &AugmentationPicker::changed, this, &DatasetPage::refreshAugmentation);
    connect(m_augmentSample, &QComboBox::currentIndexChanged, this, &DatasetPage::refreshAugmentation);
    connect(m_variants, &QSpinBox::valueChanged, this, &DatasetPage::refreshAugmentation);
    connect(redraw, &QPushButton::clicked, this, [this] {
        ++m_augmentSeed;
        refreshAugmentation();
    });
    return view;
}

void DatasetPage::showView(int view) { m_views->setCurrentIndex(view); }

void DatasetPage::setAugmentationVariants(int count) { m_variants->setValue(count); }

bool DatasetPage::isBusy() const { return m_pageWatcher.isRunning() || m_pendingPage.has_value(); }

QStringList DatasetPage::classNames() const {
    QStringList names;
    for (const GalleryClass &c : m_shown.opened.classes) names << c.name;
    return names;
}

QStringList DatasetPage::problemTexts() const {
    QStringList list;
    for (const DataProblem &p : m_shown.opened.problems)
        list << QStringLiteral("%1: %2").arg(text(p.file), text(p.reason));
    return list;
}

void DatasetPage::loadSamples(quint64 seed, int first, int count) {
    DataSpec spec = m_form->spec();
    const std::size_t shownCount = spec.kind == "synthetic" ? spec.count : 200;
    spec = {};
    spec.kind = "synthetic";
    spec.seed = seed;
    spec.count = std::max<std::size_t>(shownCount, static_cast<std::size_t>(first + count));
    spec.size = m_form->spec().size;
    m_form->setSpec(spec);
    m_count->setValue(std::clamp(count, 1, kMaxPerPage));
    request(spec, first);
}

void DatasetPage::openData(const DataSpec &spec, int first) {
    m_form->setSpec(spec);
    request(spec, first);
}

void DatasetPage::restoreLastSource() {
    QSettings settings;
    DataSpec spec;
    spec.kind = "synthetic";
    spec.seed = static_cast<std::uint64_t>(std::max(0, settings.value(QStringLiteral("gallery/seed"), 1).toInt()));
    const QString saved = settings.value(QStringLiteral("data/spec")).toString();
    const int size = std::clamp(settings.value(QStringLiteral("data/size"), 256).toInt(), 32, 4096);
    try {
        if (!saved.isEmpty()) spec = parseDataSpec(saved.toStdString(), size);
    } catch (const std::exception &) {
        // A spec from another version: the synthetic cells instead.
    }
    openData(spec, std::max(0, settings.value(QStringLiteral("data/first"), 0).toInt()));
}

void DatasetPage::showPage(int first) {
    if (!isOpen() && !isBusy()) return;
    request(isBusy() && m_pendingPage ? m_pendingPage->spec : m_shown.job.spec, first);
}

void DatasetPage::openFromForm() {
    const QString problem = m_form->problem();
    if (!problem.isEmpty()) {
        showStatus(problem, QStringLiteral("#b26a00"));
        return;
    }
    request(m_form->spec(), 0, true);  // read the files again: they may have changed
}

void DatasetPage::request(const DataSpec &spec, int first, bool reopen) {
    PageJob job;
    job.spec = spec;
    job.key = keyOf(spec);
    job.first = std::max(0, first);
    job.count = m_count->value();
    job.reopen = reopen;
    if (reopen || job.key != m_opened.key || !m_opened.data)
        showStatus(tr("Opening %1…").arg(DataSourceForm::describe(spec)), QStringLiteral("#555"));
    if (m_pageWatcher.isRunning()) {
        m_pendingPage = job;  // the latest request wins; it starts when the running one ends
        updateButtons();
        return;
    }
    startPage(job);
}

void DatasetPage::startPage(const PageJob &job) {
    m_pageWatcher.setFuture(QtConcurrent::run(makePage, job, m_opened));
    updateButtons();
}

void DatasetPage::pageFinished() {
    PageResult result = m_pageWatcher.result();
    if (result.opened.data) m_opened = result.opened;  // reused by the next page of the same data
    if (m_pendingPage) {
        const PageJob next = *m_pendingPage;
        m_pendingPage.reset();
        startPage(next);
        return;
    }
    display(std::move(result));
}

void DatasetPage::display(PageResult result) {
    m_shown = std::move(result);
    m_error = m_shown.opened.data ? QString() : m_shown.error;
    const int count = sampleCount();
    {
        const QSignalBlocker blocker(m_first);
        m_first->setRange(0, std::max(0, count - 1));
        m_first->setValue(m_shown.job.first);
    }
    m_gallery->setClasses(m_shown.opened.classes);
    m_gallery->setItems(m_shown.items);
    m_augmentGallery->setClasses(m_shown.opened.classes);
    {
        const QSignalBlocker blocker(m_augmentSample);
        const QString was = m_augmentSample->currentText();
        m_augmentSample->clear();
        for (const GalleryItem &item : m_shown.items) m_augmentSample->addItem(item.title);
        const int at = m_augmentSample->findText(was);
        m_augmentSample->setCurrentIndex(std::max(0, at));
    }
    const DataSpec &spec = m_shown.job.spec;
    const int last = m_shown.job.first + static_cast<int>(m_shown.items.size()) - 1;
    if (isOpen()) {
        m_range->setText(m_shown.items.isEmpty()
                             ? tr("no images")
                             : tr("images %1–%2 of %3").arg(m_shown.job.first).arg(last).arg(count));
        const DatasetSummary &s = m_shown.opened.summary;
        if (spec.kind == "synthetic")
            m_description = tr("synthetic cells, seed %1, images %2–%3 (%4×%5, %6 classes)")
                                .arg(spec.seed)
                                .arg(m_shown.job.first)
                                .arg(last)
                                .arg(s.width)
                                .arg(s.height)
                                .arg(s.classNames.size());
        else
            m_description = tr("%1, images %2–%3 of %4 (%5×%6, %7 classes)")
                                .arg(text(s.name))
                                .arg(m_shown.job.first)
                                .arg(last)
                                .arg(count)
                                .arg(s.width)
                                .arg(s.height)
                                .arg(s.classNames.size());
        const std::size_t skipped = m_shown.opened.problems.size();
        if (!m_shown.error.isEmpty())
            showStatus(m_shown.error, QStringLiteral("#c62828"));
        else if (skipped > 0)
            showStatus(tr("⚠ %1 could not be used and %2 skipped (listed below); the other %3 fine.")
                           .arg(files(skipped), skipped == 1 ? tr("was") : tr("were"),
                                count == 1 ? tr("sample is") : tr("%1 samples are").arg(count)),
                       QStringLiteral("#b26a00"));
        else if (spec.kind != "synthetic")
            showStatus(
                tr("✓ Every file was usable: %1.").arg(count == 1 ? tr("1 sample") : tr("%1 samples").arg(count)),
                QStringLiteral("#2e7d32"));
        else
            showStatus(QString(), QString());
    } else {
        m_range->clear();
        m_description = tr("nothing opened: %1").arg(m_error);
        showStatus(tr("✖ Nothing could be opened: %1").arg(m_error), QStringLiteral("#c62828"));
    }
    showSummary();
    showProblems();
    updateButtons();
    refreshAugmentation();
    Q_EMIT loaded();
}

void DatasetPage::showStatus(const QString &message, const QString &colour) {
    m_status->setVisible(!message.isEmpty());
    m_status->setText(message);
    m_status->setStyleSheet(colour.isEmpty() ? QString() : QStringLiteral("color:%1; font-weight:bold;").arg(colour));
}

void DatasetPage::showSummary() {
    if (!isOpen()) {
        m_summary->setText(tr("<i>Nothing is open.</i>"));
        m_summaryPlain.clear();
        return;
    }
    const DatasetSummary &s = m_shown.opened.summary;
    QStringList plain;
    QString html = QStringLiteral("<p style='font-size:large'><b>%1</b></p><table cellspacing='0' cellpadding='2'>")
                       .arg(text(s.name).toHtmlEscaped());
    plain << text(s.name);
    const auto row = [&](const QString &label, const QString &value, const QString &valueHtml = QString()) {
        html += QStringLiteral("<tr><td style='color:#666; padding-right:8px' valign='top'>%1</td><td>%2</td></tr>")
                    .arg(label.toHtmlEscaped(), valueHtml.isEmpty() ? value.toHtmlEscaped() : valueHtml);
        plain << QStringLiteral("%1: %2").arg(label, value);
    };
    row(tr("Samples"), QLocale().toString(static_cast<qulonglong>(s.count)));
    row(tr("Size"), tr("%1×%2 px, %3")
                        .arg(s.width)
                        .arg(s.height)
                        .arg(s.channels == 1 ? tr("grey (1 channel)") : tr("RGB (3 channels)")));
    if (m_shown.job.spec.kind != "synthetic" && !s.sourceSizes.empty()) {
        QStringList sizes;
        for (std::size_t i = 0; i < s.sourceSizes.size() && i < 3; ++i)
            sizes << tr("%1×%2 (%3)")
                         .arg(s.sourceSizes[i].width)
                         .arg(s.sourceSizes[i].height)
                         .arg(s.sourceSizes[i].count);
        if (s.sourceSizes.size() > 3) sizes << tr("%1 more").arg(s.sourceSizes.size() - 3);
        row(tr("Stored as"), sizes.join(QStringLiteral(", ")));
    }
    row(tr("Sizing"), prose(s.sizePolicy));
    row(tr("Masks"), prose(s.mapping));
    // Too large for memory: every epoch reads the files again, so training is slower.
    if (!s.storage.empty()) row(tr("Memory"), prose(s.storage));
    QStringList classes, classesHtml;
    for (std::size_t c = 0; c < s.classNames.size(); ++c) {
        const double fraction = c < s.classFractions.size() ? 100.0 * s.classFractions[c] : 0.0;
        const QString name = text(s.classNames[c]);
        classes << tr("%1 %2 %").arg(name).arg(fraction, 0, 'f', 1);
        const QColor colour = static_cast<int>(c) < m_shown.opened.classes.size()
                                  ? m_shown.opened.classes[static_cast<int>(c)].colour
                                  : QColor();
        classesHtml << QStringLiteral("<span style='color:%1'>&#9632;</span> %2 <b>%3 %</b>")
                           .arg(colour.alpha() == 0 ? QStringLiteral("#777") : colour.name(), name.toHtmlEscaped())
                           .arg(fraction, 0, 'f', 1);
    }
    row(tr("Classes"), classes.join(QStringLiteral(", ")), classesHtml.join(QStringLiteral("<br>")));
    if (!m_shown.opened.problems.empty())
        row(tr("Skipped"), tr("%1, listed under Problems").arg(files(m_shown.opened.problems.size())));
    html += QStringLiteral("</table>");
    m_summary->setText(html);
    m_summaryPlain = plain.join(QLatin1Char('\n'));
}

void DatasetPage::showProblems() {
    m_problems->clear();
    const auto &problems = m_shown.opened.problems;
    const QIcon warning = style()->standardIcon(QStyle::SP_MessageBoxWarning);
    for (const DataProblem &p : problems) {
        auto *item = new QListWidgetItem(warning, QStringLiteral("%1 — %2").arg(text(p.file), text(p.reason)));
        item->setToolTip(text(p.file));
        m_problems->addItem(item);
    }
    m_problemsBox->setTitle(isOpen() ? tr("Problems: %1 skipped").arg(files(problems.size()))
                                     : tr("Problems: why nothing could be used"));
    m_problemsBox->setVisible(!problems.empty());
}

void DatasetPage::updateButtons() {
    m_train->setEnabled(isOpen() && !isBusy());
    // Options changed but not applied yet: the button says so.
    const bool changed =
        m_form->spec().toString() != m_shown.job.spec.toString() || m_form->spec().size != m_shown.job.spec.size;
    m_open->setStyleSheet(changed && !isBusy() ? QStringLiteral("font-weight:bold;") : QString());
    m_previous->setEnabled(isOpen() && m_shown.job.first > 0);
    m_next->setEnabled(isOpen() && m_shown.job.first + static_cast<int>(m_shown.items.size()) < sampleCount());
}

void DatasetPage::refreshAugmentation() {
    const int index = m_augmentSample->currentIndex();
    if (!isOpen() || index < 0 || index >= static_cast<int>(m_shown.samples.size())) {
        m_augmentGallery->setItems({});
        m_augmentHint->setText(tr("<i>Open a dataset to preview augmentation.</i>"));
        return;
    }
    AugmentJob job;
    job.sample = m_shown.samples[static_cast<std::size_t>(index)];
    job.config = m_augment->config();
    job.count = m_variants->value();
    job.seed = m_augmentSeed;
    job.classes = m_shown.opened.classes;
    m_augmentHint->setText(
        job.config.any()
            ? tr("Each variant moves the image and its mask together (the mask by nearest neighbour, "
                 "so labels stay labels); borders are mirrored. Training draws fresh variants every epoch.")
            : tr("<i>No augmentation is ticked: every variant is the sample itself.</i>"));
    m_pendingAugment = std::move(job);
    if (!m_augmentWatcher.isRunning()) startAugmentation();
}

void DatasetPage::startAugmentation() {
    if (!m_pendingAugment) return;
    AugmentJob job = std::move(*m_pendingAugment);
    m_pendingAugment.reset();
    m_augmentWatcher.setFuture(QtConcurrent::run(makeVariants, std::move(job.sample), job.config, job.count, job.seed,
                                                 std::move(job.classes)));
}

void DatasetPage::augmentationFinished() {
    if (m_pendingAugment) {  // the boxes changed meanwhile: only the latest counts
        startAugmentation();
        return;
    }
    m_augmentGallery->setItems(m_augmentWatcher.result());
    Q_EMIT augmentationShown();
}

void DatasetPage::saveSettings() const {
    QSettings settings;
    const DataSpec spec = isOpen() ? m_shown.job.spec : m_form->spec();
    if (m_form->problem().isEmpty() || isOpen()) {
        settings.setValue(QStringLiteral("data/spec"), QString::fromStdString(spec.toString()));
        settings.setValue(QStringLiteral("data/size"), spec.size);
        settings.setValue(QStringLiteral("data/first"), isOpen() ? m_shown.job.first : 0);
    }
    if (spec.kind == "synthetic") settings.setValue(QStringLiteral("gallery/seed"), static_cast<int>(spec.seed));
    settings.setValue(QStringLiteral("gallery/count"), m_count->value());
    settings.setValue(QStringLiteral("gallery/opacity"), m_gallery->overlayOpacity());
    settings.setValue(QStringLiteral("data/augmentation"), QString::fromStdString(toString(m_augment->config())));
    settings.setValue(QStringLiteral("data/variants"), m_variants->value());
    settings.setValue(QStringLiteral("data/maskColumn"), m_maskColumn->isChecked());
    settings.setValue(QStringLiteral("data/view"), m_views->currentIndex());
}

}  // namespace unetlab::gui
