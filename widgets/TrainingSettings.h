#pragma once
// The knobs of a training run (MISSION §6): model preset and its options, data, and the
// training hyperparameters; the chapter's reference runs as presets. Shows the exact
// parameter count and receptive field as the knobs change (computed without LibTorch).

#include <QWidget>

#include "TrainingTypes.h"

class AugmentationPicker;
class DataSourceForm;
class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QGroupBox;
class QLabel;
class QSpinBox;
class QWidget;

class TrainingSettings : public QWidget {
    Q_OBJECT
public:
    explicit TrainingSettings(QWidget *parent = nullptr);

    // "Chapter: MinimalCNN", "Chapter: SmallUNet" (MISSION §6's reference runs on synthetic
    // cells) and "Quick: SmallUNet on nuclei" (the "quick" recipe on the bundled DSB2018 sample).
    static QStringList chapterPresets();
    // Loads a chapter preset (MISSION §6 reference runs); false for an unknown name.
    bool applyChapterPreset(const QString &name);
    RunRequest request() const;
    // Sets every knob from a request (the reverse of request()); the preset becomes Custom.
    void setRequest(const RunRequest &request);
    // Model knobs as a config (without data-dependent channel counts).
    unetlab::ModelConfig modelConfig() const;
    qint64 parameterCount() const;
    QString parameterText() const;
    // The data to train on (the Data area hands its dataset over with setDataSpec).
    unetlab::DataSpec dataSpec() const;
    void setDataSpec(const unetlab::DataSpec &spec);
    // The class names a run on dataSpec() will have where the spec alone says them
    // (expectedClassNames in data/DataSpec.h); empty until the masks tell.
    QStringList expectedClassNames() const;
    // The data for people, e.g. "Nuclei (DSB2018 sample), resized to 256×256 px".
    QString dataDescription() const;
    void setEpochs(int epochs);
    void setLocked(bool locked);  // while a run is going: knobs read-only
    // Hides the preset and the model knobs (the Compare area sets models itself).
    void setModelKnobsVisible(bool visible);
    void saveSettings() const;
    void restoreSettings();

Q_SIGNALS:
    void changed();

private:
    bool applyQuickPreset();
    void modelChosen();
    void updateSummary();
    void setModel(const unetlab::ModelConfig &config, const QString &preset);
    QWidget *buildModelGroup();
    QWidget *buildDataGroup();
    QWidget *buildInputGroup();
    // Epochs, batch, learning rate, optimiser, schedule, loss, early stop, preprocessing and
    // augmentation from `c` (not the model, seed, data or plan).
    void setTrainingKnobs(const unetlab::TrainConfig &c);
    void setPreprocessing(const unetlab::Preprocessing &p);
    QWidget *buildTrainingGroup();
    QWidget *buildExecutionGroup();

    bool m_applying = false;
    QComboBox *m_chapter, *m_model, *m_widths, *m_firstKernel, *m_base, *m_upsampling, *m_activation;
    QSpinBox *m_extraDepth, *m_levels;
    QCheckBox *m_skips, *m_batchNorm;
    QDoubleSpinBox *m_dropout;
    QWidget *m_minimalKnobs, *m_unetKnobs;
    QWidget *m_modelGroup = nullptr, *m_presetRow = nullptr;
    QLabel *m_summary;
    DataSourceForm *m_data;
    QComboBox *m_preprocessing;
    AugmentationPicker *m_augment;
    QSpinBox *m_epochs, *m_batch, *m_patience, *m_seed;
    QDoubleSpinBox *m_lr, *m_lambda;
    QComboBox *m_optimizer, *m_schedule, *m_loss;
    QComboBox *m_precision = nullptr, *m_memoryFormat = nullptr;
    QSpinBox *m_threads = nullptr;
};
