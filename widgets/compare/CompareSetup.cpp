#include "CompareSetup.h"

#include <QCheckBox>
#include <QComboBox>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QVBoxLayout>

#include "CompareCharts.h"
#include "PresentationMode.h"
#include "TrainingSettings.h"

using namespace unetlab;

namespace {
constexpr int kMinModels = 2;
constexpr int kMaxModels = 4;
}  // namespace

CompareSetup::CompareSetup(QWidget *parent) : QWidget(parent) {
    setAccessibleName(tr("Models to compare"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto *models = new QGroupBox(tr("Models compared"));
    auto *v = new QVBoxLayout(models);
    m_rowsLayout = new QVBoxLayout;
    v->addLayout(m_rowsLayout);
    auto *buttons = new QHBoxLayout;
    m_add = new QPushButton(tr("Add model"));
    m_remove = new QPushButton(tr("Remove last"));
    buttons->addWidget(m_add);
    buttons->addWidget(m_remove);
    v->addLayout(buttons);
    m_queue = new QCheckBox(tr("One model at a time (less memory)"));
    m_queue->setToolTip(tr("Train each model to its end, then the next, instead of one batch of each in turn: "
                           "only one model's gradients and optimiser state are held at a time. The curves then "
                           "grow one after the other. The engine also does this by itself when interleaving "
                           "would not fit in the memory available."));
    v->addWidget(m_queue);
    layout->addWidget(models);

    auto *sharedLabel = new QLabel(tr("<b>Shared by every model</b>: data, split, seed, epochs, loss and optimiser."));
    sharedLabel->setWordWrap(true);
    layout->addWidget(sharedLabel);
    m_shared = new TrainingSettings;
    m_shared->setModelKnobsVisible(false);
    layout->addWidget(m_shared);

    connect(m_add, &QPushButton::clicked, this, [this] { addRow(QStringLiteral("small-unet")); });
    connect(m_remove, &QPushButton::clicked, this, &CompareSetup::removeRow);
    connect(m_shared, &TrainingSettings::changed, this, [this] {
        refresh();  // the data may fix another class count
        Q_EMIT changed();
    });
    setModels({QStringLiteral("small-unet"), QStringLiteral("small-unet-noskip")});
}

void CompareSetup::setModels(const QStringList &presets) {
    while (!m_rows.isEmpty()) {
        delete m_rows.back().box;
        m_rows.pop_back();
    }
    for (const QString &p : presets.mid(0, kMaxModels)) addRow(p);
    while (m_rows.size() < kMinModels) addRow(QStringLiteral("small-unet"));
    refresh();
}

void CompareSetup::addRow(const QString &preset) {
    if (m_rows.size() >= kMaxModels) return;
    Row row;
    row.box = new QWidget;
    auto *h = new QHBoxLayout(row.box);
    h->setContentsMargins(0, 0, 0, 0);
    auto *swatch = new QLabel(QStringLiteral("■"));
    // Its colour in the charts; sized from the font (not in pixels), so it follows scaling.
    swatch->setStyleSheet(QStringLiteral("color:%1;").arg(RunsChart::runColour(m_rows.size()).name()));
    PresentationMode::setRelativeFont(swatch, 1.6);
    row.preset = new QComboBox;
    for (const auto &n : presetNames()) row.preset->addItem(QString::fromStdString(n));
    row.preset->setCurrentText(preset);
    row.preset->setAccessibleName(tr("Model %1").arg(m_rows.size() + 1));
    row.base = new QComboBox;
    for (int b : {8, 16, 32, 64}) row.base->addItem(QString::number(b));
    row.base->setToolTip(tr("U-Net base width"));
    row.skips = new QCheckBox(tr("skips"));
    row.params = new QLabel;
    row.params->setMinimumWidth(70);
    h->addWidget(swatch);
    h->addWidget(row.preset, 1);
    h->addWidget(row.base);
    h->addWidget(row.skips);
    h->addWidget(row.params);
    const auto applyPreset = [this, row] {
        const ModelConfig c = presetConfig(row.preset->currentText().toStdString());
        row.base->blockSignals(true);
        row.skips->blockSignals(true);
        row.base->setCurrentText(QString::number(c.base));
        row.skips->setChecked(c.skips);
        row.base->setEnabled(c.arch == Architecture::UNet);
        row.skips->setEnabled(c.arch == Architecture::UNet);
        row.base->blockSignals(false);
        row.skips->blockSignals(false);
        refresh();
        Q_EMIT changed();
    };
    connect(row.preset, &QComboBox::currentTextChanged, this, applyPreset);
    connect(row.base, &QComboBox::currentTextChanged, this, [this] {
        refresh();
        Q_EMIT changed();
    });
    connect(row.skips, &QCheckBox::toggled, this, [this] {
        refresh();
        Q_EMIT changed();
    });
    m_rowsLayout->addWidget(row.box);
    m_rows.push_back(row);
    applyPreset();
}

void CompareSetup::removeRow() {
    if (m_rows.size() <= kMinModels) return;
    delete m_rows.back().box;
    m_rows.pop_back();
    refresh();
    Q_EMIT changed();
}

ModelConfig CompareSetup::configOf(const Row &row) const {
    ModelConfig c = presetConfig(row.preset->currentText().toStdString());
    if (c.arch == Architecture::UNet) {
        c.base = row.base->currentText().toInt();
        c.skips = row.skips->isChecked();
    }
    // As in the Train area: where the data says how many classes, the count shown is the run's.
    if (const int classes = expectedClassCount(m_shared->dataSpec())) c.numClasses = classes;
    return c;
}

void CompareSetup::refresh() {
    for (const Row &row : m_rows)
        row.params->setText(QLocale().toString(static_cast<qlonglong>(configOf(row).parameterCount())));
    m_add->setEnabled(m_rows.size() < kMaxModels);
    m_remove->setEnabled(m_rows.size() > kMinModels);
}

CompareRequest CompareSetup::request() const {
    CompareRequest r;
    r.shared = m_shared->request();
    r.queue = m_queue->isChecked();
    for (const Row &row : m_rows) {
        const ModelConfig c = configOf(row);
        QString name = row.preset->currentText();
        const ModelConfig preset = presetConfig(name.toStdString());
        if (c.arch == Architecture::UNet && (c.base != preset.base || c.skips != preset.skips))
            name += QStringLiteral(" (base %1%2)").arg(c.base).arg(c.skips ? QString() : tr(", no skips"));
        r.names << name;
        r.models.push_back(c);
    }
    return r;
}

QString CompareSetup::modelsSummary() const {
    const CompareRequest r = request();
    QStringList parts;
    for (int i = 0; i < r.names.size(); ++i) {
        const auto parameters = static_cast<qlonglong>(r.models[static_cast<std::size_t>(i)].parameterCount());
        parts << modelWithParameters(r.names[i], parameters);
    }
    return parts.join(tr(" vs "));
}

void CompareSetup::setLocked(bool locked) {
    for (const Row &row : m_rows) row.box->setEnabled(!locked);
    m_queue->setEnabled(!locked);
    m_add->setEnabled(!locked && m_rows.size() < kMaxModels);
    m_remove->setEnabled(!locked && m_rows.size() > kMinModels);
    m_shared->setLocked(locked);
}
