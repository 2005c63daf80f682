#include "DataSourceForm.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QSpinBox>
#include <QToolButton>

#include <cstdint>
#include <stdexcept>

using namespace unetlab;

namespace {

const char *kSynthetic = "synthetic";
const char *kFolder = "folder";
const char *kTiff = "tiff";
const char *kSamplePrefix = "sample:";

// A path as typed, made absolute ("~" is the home folder), like parseDataSpec does.
std::string absolutePath(const QString &typed) {
    QString path = typed.trimmed();
    if (path.isEmpty()) return {};
    if (path == QLatin1String("~") || path.startsWith(QLatin1String("~/"))) path = QDir::homePath() + path.mid(1);
    return QDir::cleanPath(QFileInfo(path).absoluteFilePath()).toStdString();
}

const BundledSample *findSample(const std::string &name) {
    for (const BundledSample &s : bundledSamples())
        if (s.name == name) return &s;
    return nullptr;
}

// What a source means when no option says otherwise (DataSpec's defaults).
ImageDatasetOptions defaultsFor(const std::string &kind, const std::string &path) {
    ImageDatasetOptions o;
    if (kind == "sample")
        if (const BundledSample *sample = findSample(path)) {
            o.classNames = sample->classNames;
            o.mapping = sample->mapping;
            o.name = sample->title;
        }
    return o;
}

QString joined(const std::vector<std::string> &names) {
    QStringList list;
    for (const auto &n : names) list << QString::fromStdString(n);
    return list.join(QStringLiteral(", "));
}

void selectData(QComboBox *combo, const QString &data) {
    const int index = combo->findData(data);
    if (index >= 0) combo->setCurrentIndex(index);
}

}  // namespace

DataSourceForm::DataSourceForm(QWidget *parent) : QWidget(parent) {
    setAccessibleName(tr("Data source"));
    m_form = new QFormLayout(this);
    m_form->setContentsMargins(0, 0, 0, 0);
    m_form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);

    m_kind = new QComboBox;
    m_kind->setAccessibleName(tr("Data source"));
    m_kind->addItem(tr("Synthetic cells"), QString::fromLatin1(kSynthetic));
    m_kind->setItemData(0, tr("Generated cytology images with exact masks: background, cytoplasm, nucleus"),
                        Qt::ToolTipRole);
    for (const BundledSample &s : bundledSamples()) {
        m_kind->addItem(QString::fromStdString(s.title),
                        QString::fromLatin1(kSamplePrefix) + QString::fromStdString(s.name));
        m_kind->setItemData(m_kind->count() - 1,
                            tr("Real images that ship with UNet Lab (classes: %1)").arg(joined(s.classNames)),
                            Qt::ToolTipRole);
    }
    m_kind->addItem(tr("Image folder…"), QString::fromLatin1(kFolder));
    m_kind->setItemData(m_kind->count() - 1,
                        tr("A folder with images/ and masks/ (or image/ and label/), matched by file name"),
                        Qt::ToolTipRole);
    m_kind->addItem(tr("TIFF stack…"), QString::fromLatin1(kTiff));
    m_kind->setItemData(m_kind->count() - 1, tr("A multi-page TIFF of images and one of labels, page by page"),
                        Qt::ToolTipRole);
    m_form->addRow(tr("Source"), m_kind);

    m_folder = new QLineEdit;
    m_folder->setAccessibleName(tr("Data folder"));
    m_folder->setPlaceholderText(tr("folder with images/ and masks/"));
    m_folderRow = pathRow(m_folder, tr("Choose the folder"), true);
    m_form->addRow(tr("Folder"), m_folderRow);
    m_images = new QLineEdit;
    m_images->setAccessibleName(tr("Image stack"));
    m_images->setPlaceholderText(tr("images.tif"));
    m_imagesRow = pathRow(m_images, tr("Choose the image stack"), false);
    m_form->addRow(tr("Image stack"), m_imagesRow);
    m_labels = new QLineEdit;
    m_labels->setAccessibleName(tr("Label stack"));
    m_labels->setPlaceholderText(tr("labels.tif"));
    m_labelsRow = pathRow(m_labels, tr("Choose the label stack"), false);
    m_form->addRow(tr("Label stack"), m_labelsRow);

    m_count = new QSpinBox;
    m_count->setRange(12, 100000);
    m_count->setValue(200);
    m_count->setAccessibleName(tr("Number of images"));
    m_form->addRow(tr("Images"), m_count);
    m_seed = new QSpinBox;
    m_seed->setRange(0, 999999);
    m_seed->setValue(1);
    m_seed->setAccessibleName(tr("Dataset seed"));
    m_form->addRow(tr("Dataset seed"), m_seed);

    m_size = new QComboBox;
    m_size->addItems({QStringLiteral("64"), QStringLiteral("128"), QStringLiteral("256"), QStringLiteral("512")});
    m_size->setCurrentText(QStringLiteral("256"));
    m_size->setAccessibleName(tr("Image size"));
    m_size->setToolTip(tr("Side of the images the model sees, in pixels"));
    m_form->addRow(tr("Size (px)"), m_size);

    m_policy = new QComboBox;
    m_policy->setAccessibleName(tr("Size policy"));
    const std::pair<SizePolicy, QString> policies[] = {
        {SizePolicy::Resize, tr("Resize every image to size × size (masks by nearest neighbour)")},
        {SizePolicy::Crop, tr("The centre size × size of each image; smaller images are skipped")},
        {SizePolicy::Pad, tr("Pad to the largest image, sides a multiple of 16, mirrored borders (size unused)")},
        {SizePolicy::Patch,
         tr("Random size × size patches: a fresh one per epoch in training, the centre one elsewhere")},
    };
    for (const auto &[policy, tip] : policies) {
        m_policy->addItem(QString::fromStdString(toString(policy)));
        m_policy->setItemData(m_policy->count() - 1, tip, Qt::ToolTipRole);
    }
    m_form->addRow(tr("Size policy"), m_policy);

    m_mapping = new QComboBox;
    m_mapping->setAccessibleName(tr("Mask mapping"));
    const std::pair<MaskMapping, QString> mappings[] = {
        {MaskMapping::Auto, tr("Decide from the masks: colour → palette, 0/255 → binary, small values → indices")},
        {MaskMapping::Index, tr("Mask values 0, 1, 2, … are the class indices")},
        {MaskMapping::Binary, tr("0 is class 0, 255 (or 1) is class 1")},
        {MaskMapping::NonZero, tr("0 is class 0, any other value class 1 (e.g. instance labels)")},
        {MaskMapping::Palette, tr("Each distinct grey level or colour is a class, in ascending order")},
    };
    for (const auto &[mapping, tip] : mappings) {
        m_mapping->addItem(QString::fromStdString(toString(mapping)));
        m_mapping->setItemData(m_mapping->count() - 1, tip, Qt::ToolTipRole);
    }
    m_form->addRow(tr("Mask mapping"), m_mapping);

    m_classes = new QLineEdit;
    m_classes->setAccessibleName(tr("Class names"));
    m_classes->setToolTip(tr("Comma-separated, class 0 first; empty: the data's own names"));
    m_form->addRow(tr("Classes"), m_classes);
    m_invert = new QCheckBox(tr("Invert the two classes"));
    m_invert->setToolTip(tr("Swap class 0 and class 1, e.g. when the structure to find is drawn dark"));
    m_form->addRow(QString(), m_invert);

    connect(m_kind, &QComboBox::activated, this, &DataSourceForm::sourceActivated);
    connect(m_kind, &QComboBox::currentIndexChanged, this, [this] {
        updateRows();
        Q_EMIT changed();
    });
    connect(m_policy, &QComboBox::currentIndexChanged, this, [this] {
        updateRows();
        Q_EMIT changed();
    });
    for (QComboBox *c : {m_size, m_mapping})
        connect(c, &QComboBox::currentIndexChanged, this, &DataSourceForm::changed);
    for (QSpinBox *s : {m_count, m_seed}) connect(s, &QSpinBox::valueChanged, this, &DataSourceForm::changed);
    for (QLineEdit *e : {m_folder, m_images, m_labels})
        connect(e, &QLineEdit::textChanged, e, [e](const QString &path) { e->setToolTip(path); });
    for (QLineEdit *e : {m_folder, m_images, m_labels, m_classes}) {
        connect(e, &QLineEdit::textChanged, this, &DataSourceForm::changed);
        connect(e, &QLineEdit::returnPressed, this, &DataSourceForm::submitted);
    }
    connect(m_invert, &QCheckBox::toggled, this, &DataSourceForm::changed);
    m_shownKey = kindKey();
    updateRows();
}

QWidget *DataSourceForm::pathRow(QLineEdit *edit, const QString &browseTip, bool folder) {
    auto *row = new QWidget;
    auto *h = new QHBoxLayout(row);
    h->setContentsMargins(0, 0, 0, 0);
    h->setSpacing(4);
    auto *browse = new QToolButton;
    browse->setText(QStringLiteral("…"));
    browse->setToolTip(browseTip);
    browse->setAccessibleName(browseTip);
    h->addWidget(edit, 1);
    h->addWidget(browse);
    connect(browse, &QToolButton::clicked, this, [this, edit, folder] {
        if (folder) {
            if (browseFolder()) Q_EMIT sourceChosen();
            return;
        }
        const QString path = QFileDialog::getOpenFileName(this, edit->accessibleName(), edit->text(),
                                                          tr("TIFF stacks (*.tif *.tiff);;All files (*)"));
        if (!path.isEmpty()) edit->setText(path);
    });
    return row;
}

QString DataSourceForm::kindKey() const { return m_kind->currentData().toString(); }

void DataSourceForm::updateRows() {
    const QString key = kindKey();
    const bool synthetic = key == QLatin1String(kSynthetic);
    const bool folder = key == QLatin1String(kFolder), tiff = key == QLatin1String(kTiff);
    m_form->setRowVisible(m_folderRow, folder);
    m_form->setRowVisible(m_imagesRow, tiff);
    m_form->setRowVisible(m_labelsRow, tiff);
    m_form->setRowVisible(m_count, synthetic);
    m_form->setRowVisible(m_seed, synthetic);
    for (QWidget *w : std::initializer_list<QWidget *>{m_policy, m_mapping, m_classes, m_invert})
        m_form->setRowVisible(w, !synthetic);
    const bool pad = !synthetic && m_policy->currentText() == QLatin1String("pad");
    m_size->setEnabled(!pad);
    const ImageDatasetOptions d =
        defaultsFor(key.startsWith(QLatin1String(kSamplePrefix)) ? "sample" : key.toStdString(),
                    key.mid(static_cast<int>(qstrlen(kSamplePrefix))).toStdString());
    m_classes->setPlaceholderText(d.classNames.empty() ? tr("background, foreground") : joined(d.classNames));
}

void DataSourceForm::sourceActivated() {
    const QString key = kindKey();
    // A sample's masks are known: show its mapping; leaving it, go back to deciding from the data.
    const auto sampleOf = [](const QString &k) {
        return k.startsWith(QLatin1String(kSamplePrefix))
                   ? findSample(k.mid(static_cast<int>(qstrlen(kSamplePrefix))).toStdString())
                   : nullptr;
    };
    if (const BundledSample *now = sampleOf(key))
        m_mapping->setCurrentText(QString::fromStdString(toString(now->mapping)));
    else if (const BundledSample *before = sampleOf(m_shownKey))
        if (m_mapping->currentText() == QString::fromStdString(toString(before->mapping)))
            m_mapping->setCurrentText(QStringLiteral("auto"));
    m_shownKey = key;
    if (key == QLatin1String(kFolder) && m_folder->text().trimmed().isEmpty())
        browseFolder();
    else if (key == QLatin1String(kTiff) &&
             (m_images->text().trimmed().isEmpty() || m_labels->text().trimmed().isEmpty()))
        browseTiff();
    Q_EMIT sourceChosen();
}

bool DataSourceForm::browseFolder() {
    const QString dir =
        QFileDialog::getExistingDirectory(this, tr("Open a folder of images and masks"), m_folder->text());
    if (dir.isEmpty()) return false;
    m_folder->setText(QDir::toNativeSeparators(dir));
    selectData(m_kind, QString::fromLatin1(kFolder));
    m_shownKey = kindKey();
    return true;
}

bool DataSourceForm::browseTiff() {
    const QString filter = tr("TIFF stacks (*.tif *.tiff);;All files (*)");
    const QString images = QFileDialog::getOpenFileName(this, tr("Open the image stack"), m_images->text(), filter);
    if (images.isEmpty()) return false;
    const QString labels =
        QFileDialog::getOpenFileName(this, tr("Open its label stack"),
                                     m_labels->text().isEmpty() ? QFileInfo(images).path() : m_labels->text(), filter);
    if (labels.isEmpty()) return false;
    m_images->setText(QDir::toNativeSeparators(images));
    m_labels->setText(QDir::toNativeSeparators(labels));
    selectData(m_kind, QString::fromLatin1(kTiff));
    m_shownKey = kindKey();
    return true;
}

void DataSourceForm::setSize(int side) {
    const QString text = QString::number(side);
    if (m_size->findText(text) < 0) {
        // Keep the list in order.
        int at = 0;
        while (at < m_size->count() && m_size->itemText(at).toInt() < side) ++at;
        m_size->insertItem(at, text);
    }
    m_size->setCurrentText(text);
}

void DataSourceForm::setSyntheticCount(int count) { m_count->setValue(count); }

DataSpec DataSourceForm::spec() const {
    DataSpec s;
    const QString key = kindKey();
    s.size = m_size->currentText().toInt();
    if (key == QLatin1String(kSynthetic)) {
        s.kind = kSynthetic;
        s.count = static_cast<std::size_t>(m_count->value());
        s.seed = static_cast<std::uint64_t>(m_seed->value());
        return s;
    }
    if (key.startsWith(QLatin1String(kSamplePrefix))) {
        s.kind = "sample";
        s.path = key.mid(static_cast<int>(qstrlen(kSamplePrefix))).toStdString();
    } else if (key == QLatin1String(kFolder)) {
        s.kind = kFolder;
        s.path = absolutePath(m_folder->text());
    } else {
        s.kind = kTiff;
        s.path = absolutePath(m_images->text());
        s.labels = absolutePath(m_labels->text());
    }
    ImageDatasetOptions o = defaultsFor(s.kind, s.path);
    if (key == m_extraKey) {
        o.multiple = m_extra.multiple;
        o.classColours = m_extra.classColours;
        o.channels = m_extra.channels;
        o.seed = m_extra.seed;
        if (!m_extra.name.empty()) o.name = m_extra.name;
    }
    o.size = s.size;
    o.policy = sizePolicyFromString(m_policy->currentText().toStdString());
    o.mapping = maskMappingFromString(m_mapping->currentText().toStdString());
    o.invert = m_invert->isChecked();
    std::vector<std::string> names;
    for (const QString &n : m_classes->text().split(QLatin1Char(',')))
        if (!n.trimmed().isEmpty()) names.push_back(n.trimmed().toStdString());
    if (!names.empty()) o.classNames = names;
    s.images = o;
    return s;
}

void DataSourceForm::setSpec(const DataSpec &spec) {
    QString key = QString::fromStdString(spec.kind);
    if (spec.kind == "sample") key = QString::fromLatin1(kSamplePrefix) + QString::fromStdString(spec.path);
    {
        const QSignalBlocker blocker(this);  // one `changed` for the whole spec
        if (m_kind->findData(key) < 0) key = QString::fromLatin1(kSynthetic);
        selectData(m_kind, key);
        setSize(spec.size);
        if (spec.kind == kSynthetic) {
            m_count->setValue(static_cast<int>(spec.count));
            m_seed->setValue(static_cast<int>(spec.seed));
        } else {
            if (spec.kind == kFolder) m_folder->setText(QString::fromStdString(spec.path));
            if (spec.kind == kTiff) {
                m_images->setText(QString::fromStdString(spec.path));
                m_labels->setText(QString::fromStdString(spec.labels));
            }
            const ImageDatasetOptions &o = spec.images;
            m_policy->setCurrentText(QString::fromStdString(toString(o.policy)));
            m_mapping->setCurrentText(QString::fromStdString(toString(o.mapping)));
            m_invert->setChecked(o.invert);
            const ImageDatasetOptions d = defaultsFor(spec.kind, spec.path);
            m_classes->setText(o.classNames == d.classNames ? QString() : joined(o.classNames));
            m_extra = o;
            if (o.name == d.name) m_extra.name.clear();
            m_extraKey = key;
        }
        m_shownKey = key;
        updateRows();
    }
    Q_EMIT changed();
}

QString DataSourceForm::problem() const {
    const DataSpec s = spec();
    if (s.kind == kFolder && s.path.empty()) return tr("Choose a folder of images and masks.");
    if (s.kind == kTiff && (s.path.empty() || s.labels.empty()))
        return tr("Choose the image stack and its label stack.");
    const auto has = [](const std::string &text, char c) { return text.find(c) != std::string::npos; };
    if (has(s.path, ';') || has(s.labels, ';'))
        return tr("Paths with ';' cannot be used (a data spec separates options with ';'); rename or move the data.");
    if (s.kind == kTiff && (has(s.path, ',') || has(s.labels, ',')))
        return tr("TIFF stack paths cannot contain ','; rename or move the files.");
    for (const std::string &name : s.images.classNames)
        if (has(name, ';') || has(name, '=')) return tr("Class names cannot contain ';' or '='.");
    try {
        parseDataSpec(s.toString(), s.size);
    } catch (const std::exception &e) {
        return QString::fromStdString(e.what());
    }
    return {};
}

QString DataSourceForm::describe(const DataSpec &spec) {
    const QString side = QStringLiteral("%1×%1 px").arg(spec.size);
    if (spec.kind == kSynthetic)
        return tr("synthetic cells, %1 images of %2, seed %3").arg(spec.count).arg(side).arg(spec.seed);
    QString what;
    if (spec.path.empty())
        what = spec.kind == kFolder ? tr("a folder (none chosen yet)") : tr("a TIFF stack (none chosen yet)");
    else if (spec.kind == "sample")
        what = QString::fromStdString(defaultsFor(spec.kind, spec.path).name);
    else if (spec.kind == kFolder)
        what = tr("folder %1").arg(QFileInfo(QString::fromStdString(spec.path)).fileName());
    else
        what = tr("TIFF stack %1").arg(QFileInfo(QString::fromStdString(spec.path)).fileName());
    switch (spec.images.policy) {
        case SizePolicy::Resize:
            return tr("%1, resized to %2").arg(what, side);
        case SizePolicy::Crop:
            return tr("%1, %2 centre crops").arg(what, side);
        case SizePolicy::Pad:
            return tr("%1, padded to multiples of %2").arg(what).arg(spec.images.multiple);
        case SizePolicy::Patch:
            return tr("%1, %2 patches").arg(what, side);
    }
    return what;
}
