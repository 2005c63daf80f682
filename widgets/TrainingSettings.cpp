#include <cstdint>
#include "TrainingSettings.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QSettings>
#include <QSpinBox>
#include <QToolButton>
#include <QVBoxLayout>

#include "AugmentationPicker.h"
#include "DataSourceForm.h"

using namespace unetlab;

namespace {

const char *kChapterMinimal = "Chapter: MinimalCNN";
const char *kChapterSmallUNet = "Chapter: SmallUNet";
const char *kQuickNuclei = "Quick: SmallUNet on nuclei";
const char *kCustom = "Custom";

QComboBox *combo(const QStringList &items, const QString &name) {
    auto *c = new QComboBox;
    c->addItems(items);
    c->setAccessibleName(name);
    return c;
}

QSpinBox *spin(int lo, int hi, int value, const QString &name) {
    auto *s = new QSpinBox;
    s->setRange(lo, hi);
    s->setValue(value);
    s->setAccessibleName(name);
    return s;
}

QStringList names(std::initializer_list<const char *> list) {
    QStringList out;
    for (const char *n : list) out << QString::fromLatin1(n);
    return out;
}

}  // namespace

TrainingSettings::TrainingSettings(QWidget *parent) : QWidget(parent) {
    setAccessibleName(tr("Training settings"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_presetRow = new QWidget;
    auto *presetRow = new QFormLayout(m_presetRow);
    presetRow->setContentsMargins(0, 0, 0, 0);
    m_chapter = combo(chapterPresets() << QString::fromLatin1(kCustom), tr("Preset"));
    presetRow->addRow(tr("Preset"), m_chapter);
    m_chapter->setItemData(m_chapter->findText(QString::fromLatin1(kQuickNuclei)),
                           tr("SmallUNet on the bundled DSB2018 nuclei sample with the recipe \"%1\": %2")
                               .arg(QString::fromStdString(recipes().front().name),
                                    QString::fromStdString(recipes().front().summary)),
                           Qt::ToolTipRole);
    layout->addWidget(m_presetRow);
    m_modelGroup = buildModelGroup();
    layout->addWidget(m_modelGroup);
    layout->addWidget(buildDataGroup());
    layout->addWidget(buildInputGroup());
    layout->addWidget(buildTrainingGroup());
    layout->addWidget(buildExecutionGroup());
    layout->addStretch(1);

    connect(m_chapter, &QComboBox::currentTextChanged, this, [this](const QString &name) {
        if (!m_applying && name != QLatin1String(kCustom)) applyChapterPreset(name);
    });
    connect(m_model, &QComboBox::currentTextChanged, this, [this] { modelChosen(); });
    // Any edit makes the settings custom and refreshes the parameter count.
    auto edited = [this] {
        if (m_applying) return;
        updateSummary();
        m_applying = true;
        m_chapter->setCurrentText(QString::fromLatin1(kCustom));
        m_applying = false;
        Q_EMIT changed();
    };
    for (QComboBox *c : {m_widths, m_firstKernel, m_base, m_upsampling, m_activation, m_preprocessing, m_optimizer,
                         m_schedule, m_loss, m_precision, m_memoryFormat})
        connect(c, &QComboBox::currentTextChanged, this, edited);
    connect(m_data, &DataSourceForm::changed, this, edited);
    connect(m_augment, &AugmentationPicker::changed, this, edited);
    for (QSpinBox *s : {m_extraDepth, m_levels, m_epochs, m_batch, m_patience, m_seed, m_threads})
        connect(s, &QSpinBox::valueChanged, this, edited);
    for (QCheckBox *c : {m_skips, m_batchNorm}) connect(c, &QCheckBox::toggled, this, edited);
    for (QDoubleSpinBox *d : {m_dropout, m_lr, m_lambda}) connect(d, &QDoubleSpinBox::valueChanged, this, edited);
    connect(m_loss, &QComboBox::currentTextChanged, this,
            [this](const QString &loss) { m_lambda->setEnabled(loss == QLatin1String("ce+dice")); });

    applyChapterPreset(QString::fromLatin1(kChapterMinimal));
}

QStringList TrainingSettings::chapterPresets() {
    return {QString::fromLatin1(kChapterMinimal), QString::fromLatin1(kChapterSmallUNet),
            QString::fromLatin1(kQuickNuclei)};
}

QWidget *TrainingSettings::buildModelGroup() {
    auto *group = new QGroupBox(tr("Model"));
    auto *form = new QFormLayout(group);
    QStringList presets;
    for (const auto &n : presetNames()) presets << QString::fromStdString(n);
    m_model = combo(presets, tr("Model"));
    form->addRow(tr("Network"), m_model);

    m_minimalKnobs = new QWidget;
    auto *minimal = new QFormLayout(m_minimalKnobs);
    minimal->setContentsMargins(0, 0, 0, 0);
    m_widths = combo(names({"8,16", "16,32", "32,64"}), tr("Hidden widths"));
    m_firstKernel = combo(names({"3", "5"}), tr("First-layer kernel"));
    m_extraDepth = spin(0, 4, 0, tr("Extra depth"));
    minimal->addRow(tr("Hidden widths"), m_widths);
    minimal->addRow(tr("First kernel"), m_firstKernel);
    minimal->addRow(tr("Extra 3×3 layers"), m_extraDepth);
    form->addRow(m_minimalKnobs);

    m_unetKnobs = new QWidget;
    auto *unet = new QFormLayout(m_unetKnobs);
    unet->setContentsMargins(0, 0, 0, 0);
    m_levels = spin(1, 5, 2, tr("Levels"));
    m_base = combo(names({"8", "16", "32", "64"}), tr("Base width"));
    m_skips = new QCheckBox(tr("Skip connections"));
    m_upsampling = combo(names({"bilinear", "transposed"}), tr("Upsampling"));
    unet->addRow(tr("Levels"), m_levels);
    unet->addRow(tr("Base width"), m_base);
    unet->addRow(tr("Upsampling"), m_upsampling);
    unet->addRow(QString(), m_skips);
    form->addRow(m_unetKnobs);

    m_activation = combo(names({"relu", "leaky-relu", "gelu", "silu", "mish", "elu"}), tr("Activation"));
    m_batchNorm = new QCheckBox(tr("BatchNorm"));
    m_dropout = new QDoubleSpinBox;
    m_dropout->setRange(0, 0.5);
    m_dropout->setSingleStep(0.05);
    m_dropout->setAccessibleName(tr("Dropout2d"));
    form->addRow(tr("Activation"), m_activation);
    form->addRow(tr("Dropout2d"), m_dropout);
    form->addRow(QString(), m_batchNorm);
    m_summary = new QLabel;
    m_summary->setWordWrap(true);
    m_summary->setStyleSheet(QStringLiteral("font-weight:bold;"));
    form->addRow(m_summary);
    return group;
}

QWidget *TrainingSettings::buildDataGroup() {
    auto *group = new QGroupBox(tr("Data"));
    auto *v = new QVBoxLayout(group);
    m_data = new DataSourceForm;
    v->addWidget(m_data);
    return group;
}

QWidget *TrainingSettings::buildInputGroup() {
    auto *group = new QGroupBox(tr("Preprocessing and augmentation"));
    auto *form = new QFormLayout(group);
    m_preprocessing = new QComboBox;
    m_preprocessing->setAccessibleName(tr("Preprocessing"));
    // The common forms of parsePreprocessing (data/Normalisation.h); others are added when set.
    const std::pair<const char *, QString> forms[] = {
        {"zscore", tr("z-score")},
        {"minmax", tr("min–max")},
        {"percentile", tr("percentiles 1–99")},
        {"minmax:per-image", tr("min–max per image")},
        {"percentile:per-image", tr("percentiles per image")},
        {"otsu", tr("Otsu classes per image")},
        {"clahe", tr("CLAHE, then z-score")},
        {"histeq", tr("equalise, then z-score")},
    };
    for (const auto &[form, text] : forms) {
        m_preprocessing->addItem(text, QString::fromLatin1(form));
        Normalisation n;
        n.method = parsePreprocessing(form);
        m_preprocessing->setItemData(
            m_preprocessing->count() - 1,
            tr("%1 (--preprocess %2)").arg(QString::fromStdString(n.describe()), QString::fromLatin1(form)),
            Qt::ToolTipRole);
    }
    m_preprocessing->setToolTip(
        tr("How pixel values become the model's input; statistics come from the training split"));
    form->addRow(tr("Preprocessing"), m_preprocessing);
    m_augment = new AugmentationPicker;
    m_augment->setToolTip(tr("Applied to training batches only; image and mask move together"));
    form->addRow(new QLabel(tr("Augmentation (training only)")));
    form->addRow(m_augment);
    return group;
}

QWidget *TrainingSettings::buildTrainingGroup() {
    auto *group = new QGroupBox(tr("Training"));
    auto *form = new QFormLayout(group);
    m_epochs = spin(1, 1000, 5, tr("Epochs"));
    m_batch = spin(1, 64, 8, tr("Batch size"));
    m_lr = new QDoubleSpinBox;
    m_lr->setDecimals(6);
    m_lr->setRange(1e-6, 1.0);
    m_lr->setStepType(QAbstractSpinBox::AdaptiveDecimalStepType);
    m_lr->setAccessibleName(tr("Learning rate"));
    m_optimizer = combo(names({"adam", "adamw", "sgd", "rmsprop"}), tr("Optimizer"));
    m_schedule = combo(names({"constant", "step", "cosine", "plateau", "one-cycle"}), tr("Schedule"));
    m_loss = combo(names({"ce", "wce", "focal", "dice", "ce+dice"}), tr("Loss"));
    m_lambda = new QDoubleSpinBox;
    m_lambda->setRange(0, 1);
    m_lambda->setSingleStep(0.1);
    m_lambda->setValue(0.5);
    m_lambda->setAccessibleName(tr("Weight of cross-entropy in CE + Dice"));
    m_patience = spin(0, 100, 0, tr("Early stopping patience"));
    m_patience->setSpecialValueText(tr("off"));
    m_seed = spin(0, 999999, 1, tr("Training seed"));
    form->addRow(tr("Epochs"), m_epochs);
    form->addRow(tr("Batch size"), m_batch);
    form->addRow(tr("Learning rate"), m_lr);
    form->addRow(tr("Optimizer"), m_optimizer);
    form->addRow(tr("Schedule"), m_schedule);
    form->addRow(tr("Loss"), m_loss);
    form->addRow(tr("λ (CE share)"), m_lambda);
    form->addRow(tr("Early stop after"), m_patience);
    form->addRow(tr("Seed"), m_seed);
    return group;
}

QWidget *TrainingSettings::buildExecutionGroup() {
    auto *group = new QGroupBox(tr("Execution"));
    group->setToolTip(tr("How the engine runs the model on this machine. \"auto\" measures a few training steps "
                         "of each candidate once per machine and model, and keeps the fastest (cached)."));
    auto *form = new QFormLayout(group);
    m_precision = combo(names({"auto", "fp32", "bf16", "fp16"}), tr("Precision"));
    m_precision->setToolTip(tr("fp32, or autocast to bf16 (CPUs with AVX512-BF16 or AMX, recent GPUs) or fp16 "
                               "(CUDA only). Weights, losses and validation stay fp32."));
    m_memoryFormat = combo(names({"auto", "channels-last", "contiguous"}), tr("Memory format"));
    m_memoryFormat->setToolTip(tr("channels-last (NHWC) suits oneDNN and tensor cores; contiguous (NCHW) is "
                                  "PyTorch's default."));
    m_threads = spin(0, 256, 0, tr("CPU threads"));
    m_threads->setSpecialValueText(tr("auto"));
    m_threads->setToolTip(tr("LibTorch's intra-op threads; auto tries the logical CPUs and the physical cores."));
    form->addRow(tr("Precision"), m_precision);
    form->addRow(tr("Memory format"), m_memoryFormat);
    form->addRow(tr("CPU threads"), m_threads);
    return group;
}

void TrainingSettings::setModel(const ModelConfig &c, const QString &preset) {
    m_model->setCurrentText(preset);
    m_widths->setCurrentText(QStringLiteral("%1,%2").arg(c.widths[0]).arg(c.widths[1]));
    m_firstKernel->setCurrentText(QString::number(c.firstKernel));
    m_extraDepth->setValue(c.extraDepth);
    m_levels->setValue(c.levels);
    m_base->setCurrentText(QString::number(c.base));
    m_skips->setChecked(c.skips);
    m_upsampling->setCurrentText(QString::fromStdString(toString(c.upsampling)));
    m_activation->setCurrentText(QString::fromStdString(toString(c.activation)));
    m_batchNorm->setChecked(c.batchNorm);
    m_dropout->setValue(c.dropout);
    const bool minimal = c.arch == Architecture::MinimalCNN;
    m_minimalKnobs->setVisible(minimal);
    m_unetKnobs->setVisible(!minimal);
}

void TrainingSettings::modelChosen() {
    if (m_applying) return;
    m_applying = true;
    setModel(presetConfig(m_model->currentText().toStdString()), m_model->currentText());
    m_chapter->setCurrentText(QString::fromLatin1(kCustom));
    m_applying = false;
    updateSummary();
    Q_EMIT changed();
}

bool TrainingSettings::applyChapterPreset(const QString &name) {
    if (name == QLatin1String(kQuickNuclei)) return applyQuickPreset();
    const bool minimal = name == QLatin1String(kChapterMinimal);
    if (!minimal && name != QLatin1String(kChapterSmallUNet)) return false;
    m_applying = true;
    const QString preset = minimal ? QStringLiteral("minimal") : QStringLiteral("small-unet");
    setModel(presetConfig(preset.toStdString()), preset);
    // MISSION §6 reference runs.
    m_lr->setValue(minimal ? 1e-3 : 3e-4);
    m_batch->setValue(minimal ? 8 : 4);
    m_epochs->setValue(minimal ? 5 : 10);
    m_optimizer->setCurrentText(QStringLiteral("adam"));
    m_schedule->setCurrentText(QStringLiteral("constant"));
    m_loss->setCurrentText(minimal ? QStringLiteral("ce") : QStringLiteral("ce+dice"));
    m_lambda->setValue(0.5);
    m_lambda->setEnabled(!minimal);
    m_patience->setValue(0);
    setPreprocessing(Preprocessing{});
    m_augment->setConfig(AugmentationConfig{});
    m_data->setSyntheticCount(200);
    m_data->setSize(256);
    m_chapter->setCurrentText(name);
    m_applying = false;
    updateSummary();
    Q_EMIT changed();
    return true;
}

// SmallUNet with the "quick" recipe (train/TrainConfig.h) on the bundled nuclei sample:
// README, "Time to a good model".
bool TrainingSettings::applyQuickPreset() {
    m_applying = true;
    setModel(presetConfig("small-unet"), QStringLiteral("small-unet"));
    setTrainingKnobs(withRecipe("quick", TrainConfig{}));
    m_data->setSpec(parseDataSpec("sample:nuclei"));
    m_chapter->setCurrentText(QString::fromLatin1(kQuickNuclei));
    m_applying = false;
    updateSummary();
    Q_EMIT changed();
    return true;
}

ModelConfig TrainingSettings::modelConfig() const {
    ModelConfig c = presetConfig(m_model->currentText().toStdString());
    const QStringList w = m_widths->currentText().split(QLatin1Char(','));
    c.widths = {w.value(0).toInt(), w.value(1).toInt()};
    c.firstKernel = m_firstKernel->currentText().toInt();
    c.extraDepth = m_extraDepth->value();
    c.levels = m_levels->value();
    c.base = m_base->currentText().toInt();
    c.skips = m_skips->isChecked();
    c.upsampling = upsamplingFromString(m_upsampling->currentText().toStdString());
    c.activation = activationFromString(m_activation->currentText().toStdString());
    c.batchNorm = m_batchNorm->isChecked();
    c.dropout = m_dropout->value();
    // The engine takes the class count from the data; where the spec already says it, the
    // parameter count shown is the one the run will have.
    if (const int classes = expectedClassCount(m_data->spec())) c.numClasses = classes;
    return c;
}

qint64 TrainingSettings::parameterCount() const { return modelConfig().parameterCount(); }

QStringList TrainingSettings::expectedClassNames() const {
    QStringList out;
    for (const std::string &n : unetlab::expectedClassNames(m_data->spec())) out << QString::fromStdString(n);
    return out;
}

QString TrainingSettings::parameterText() const { return m_summary->text(); }

void TrainingSettings::updateSummary() {
    const ModelConfig c = modelConfig();
    m_summary->setText(tr("%1 parameters · receptive field %2 px")
                           .arg(QLocale().toString(static_cast<qlonglong>(c.parameterCount())))
                           .arg(outputReceptiveField(c)));
}

RunRequest TrainingSettings::request() const {
    RunRequest r;
    r.modelName = m_model->currentText();
    TrainConfig &c = r.config;
    c.model = modelConfig();
    c.epochs = m_epochs->value();
    c.batchSize = m_batch->value();
    c.learningRate = m_lr->value();
    c.optimizer = optimizerFromString(m_optimizer->currentText().toStdString());
    c.schedule = scheduleFromString(m_schedule->currentText().toStdString());
    c.loss.kind = lossFromString(m_loss->currentText().toStdString());
    c.loss.lambda = m_lambda->value();
    c.earlyStopPatience = m_patience->value();
    c.seed = static_cast<std::uint64_t>(m_seed->value());
    c.preprocessing = parsePreprocessing(m_preprocessing->currentData().toString().toStdString());
    c.augmentation = m_augment->config();
    r.data = m_data->spec();
    r.plan.precision = precisionFromString(m_precision->currentText().toStdString());
    r.plan.memoryFormat = memoryFormatFromString(m_memoryFormat->currentText().toStdString());
    r.plan.threads = m_threads->value();  // config.precision is settled from r.plan by the engine
    return r;
}

void TrainingSettings::setRequest(const RunRequest &r) {
    m_applying = true;
    setModel(r.config.model, r.modelName);
    setTrainingKnobs(r.config);
    m_seed->setValue(static_cast<int>(r.config.seed));
    m_data->setSpec(r.data);
    m_precision->setCurrentText(QString::fromStdString(toString(r.plan.precision)));
    m_memoryFormat->setCurrentText(QString::fromStdString(toString(r.plan.memoryFormat)));
    m_threads->setValue(r.plan.threads);
    m_chapter->setCurrentText(QString::fromLatin1(kCustom));
    m_applying = false;
    updateSummary();
    Q_EMIT changed();
}

void TrainingSettings::setTrainingKnobs(const TrainConfig &c) {
    m_epochs->setValue(c.epochs);
    m_batch->setValue(c.batchSize);
    m_lr->setValue(c.learningRate);
    m_optimizer->setCurrentText(QString::fromStdString(toString(c.optimizer)));
    m_schedule->setCurrentText(QString::fromStdString(toString(c.schedule)));
    m_loss->setCurrentText(QString::fromStdString(toString(c.loss.kind)));
    m_lambda->setValue(c.loss.lambda);
    m_lambda->setEnabled(c.loss.kind == LossKind::CrossEntropyDice);
    m_patience->setValue(c.earlyStopPatience);
    setPreprocessing(c.preprocessing);
    m_augment->setConfig(c.augmentation);
}

void TrainingSettings::setPreprocessing(const Preprocessing &p) {
    const std::string wanted = toString(p);
    for (int i = 0; i < m_preprocessing->count(); ++i)
        if (toString(parsePreprocessing(m_preprocessing->itemData(i).toString().toStdString())) == wanted) {
            m_preprocessing->setCurrentIndex(i);
            return;
        }
    const QString form = QString::fromStdString(wanted);
    m_preprocessing->addItem(form, form);
    m_preprocessing->setCurrentIndex(m_preprocessing->count() - 1);
}

DataSpec TrainingSettings::dataSpec() const { return m_data->spec(); }

void TrainingSettings::setDataSpec(const DataSpec &spec) { m_data->setSpec(spec); }

QString TrainingSettings::dataDescription() const { return DataSourceForm::describe(m_data->spec()); }

void TrainingSettings::setEpochs(int epochs) { m_epochs->setValue(epochs); }

void TrainingSettings::setModelKnobsVisible(bool visible) {
    m_modelGroup->setVisible(visible);
    m_presetRow->setVisible(visible);
}

void TrainingSettings::setLocked(bool locked) {
    for (QWidget *w : findChildren<QWidget *>()) {
        if (qobject_cast<QComboBox *>(w) || qobject_cast<QAbstractSpinBox *>(w) || qobject_cast<QCheckBox *>(w) ||
            qobject_cast<QLineEdit *>(w) || qobject_cast<QToolButton *>(w))
            w->setEnabled(!locked);
    }
    if (!locked) {
        m_lambda->setEnabled(m_loss->currentText() == QLatin1String("ce+dice"));
        m_data->updateRows();
    }
}

void TrainingSettings::saveSettings() const {
    QSettings s;
    s.beginGroup(QStringLiteral("training"));
    s.setValue(QStringLiteral("chapter"), m_chapter->currentText());
    for (QComboBox *c : findChildren<QComboBox *>()) s.setValue(c->accessibleName(), c->currentText());
    for (QSpinBox *b : findChildren<QSpinBox *>()) s.setValue(b->accessibleName(), b->value());
    for (QDoubleSpinBox *d : findChildren<QDoubleSpinBox *>()) s.setValue(d->accessibleName(), d->value());
    for (QCheckBox *c : findChildren<QCheckBox *>()) s.setValue(c->text(), c->isChecked());
    // The data, preprocessing and augmentation in their CLI forms (paths included).
    s.setValue(QStringLiteral("dataSpec"), QString::fromStdString(m_data->spec().toString()));
    s.setValue(QStringLiteral("preprocessing"), QString::fromStdString(toString(request().config.preprocessing)));
    s.setValue(QStringLiteral("augmentation"), QString::fromStdString(toString(m_augment->config())));
    s.endGroup();
}

void TrainingSettings::restoreSettings() {
    QSettings s;
    s.beginGroup(QStringLiteral("training"));
    if (!s.contains(QStringLiteral("chapter"))) return;
    m_applying = true;
    // The model first: choosing it shows the right knobs; then every saved value.
    m_model->setCurrentText(s.value(m_model->accessibleName(), m_model->currentText()).toString());
    setModel(presetConfig(m_model->currentText().toStdString()), m_model->currentText());
    for (QComboBox *c : findChildren<QComboBox *>())
        if (c != m_model) c->setCurrentText(s.value(c->accessibleName(), c->currentText()).toString());
    for (QSpinBox *b : findChildren<QSpinBox *>()) b->setValue(s.value(b->accessibleName(), b->value()).toInt());
    for (QDoubleSpinBox *d : findChildren<QDoubleSpinBox *>())
        d->setValue(s.value(d->accessibleName(), d->value()).toDouble());
    for (QCheckBox *c : findChildren<QCheckBox *>()) c->setChecked(s.value(c->text(), c->isChecked()).toBool());
    try {
        const DataSpec spec = m_data->spec();
        m_data->setSpec(parseDataSpec(
            s.value(QStringLiteral("dataSpec"), QString::fromStdString(spec.toString())).toString().toStdString(),
            spec.size));
    } catch (const std::exception &) {
        // A spec from another version that no longer parses: keep the knobs as restored above.
    }
    try {
        setPreprocessing(parsePreprocessing(
            s.value(QStringLiteral("preprocessing"), QStringLiteral("zscore")).toString().toStdString()));
        m_augment->setConfig(parseAugmentation(
            s.value(QStringLiteral("augmentation"), QStringLiteral("none")).toString().toStdString()));
    } catch (const std::exception &) {
    }
    m_chapter->setCurrentText(s.value(QStringLiteral("chapter")).toString());
    m_lambda->setEnabled(m_loss->currentText() == QLatin1String("ce+dice"));
    m_applying = false;
    s.endGroup();
    updateSummary();
}
