#pragma once
// Where a dataset comes from, as knobs (MISSION §9): the synthetic cells, a bundled sample,
// an image folder or a TIFF stack, with the options real data needs (size policy, mask
// mapping, invert, class names). Edits a unetlab::DataSpec (data/DataSpec.h), so the Train
// and Compare settings and the Data area describe data the same way the CLI does.

#include <QString>
#include <QWidget>

#include "data/DataSpec.h"

class QCheckBox;
class QComboBox;
class QFormLayout;
class QLineEdit;
class QSpinBox;

class DataSourceForm : public QWidget {
    Q_OBJECT
public:
    explicit DataSourceForm(QWidget *parent = nullptr);

    unetlab::DataSpec spec() const;
    // Shows `spec`; options without a knob (colours, channels, ...) are kept while the source
    // stays the same.
    void setSpec(const unetlab::DataSpec &spec);
    // Why spec() cannot be opened, as far as the knobs tell (no folder chosen, a bad option),
    // in one line; empty when it looks fine.
    QString problem() const;
    // For people, e.g. "Nuclei (DSB2018 sample), resized to 256×256 px".
    static QString describe(const unetlab::DataSpec &spec);

    void setSize(int side);
    void setSyntheticCount(int count);
    // File dialogs: pick a folder, or the image stack and then its label stack. True when
    // something was chosen; the form then shows that source.
    bool browseFolder();
    bool browseTiff();
    // Shows the rows of the chosen source and enables the size as the size policy allows
    // (e.g. after an owner enabled every child again).
    void updateRows();

Q_SIGNALS:
    void changed();
    // Return pressed in a text field: the person wants the data opened now.
    void submitted();
    // The person picked a source in the combo or a folder with its browse button.
    void sourceChosen();

private:
    QString kindKey() const;  // "synthetic", "folder", "tiff" or "sample:NAME"
    void sourceActivated();   // the person chose a source in the combo
    QWidget *pathRow(QLineEdit *edit, const QString &browseTip, bool folder);

    QFormLayout *m_form = nullptr;
    QComboBox *m_kind = nullptr;
    QLineEdit *m_folder = nullptr, *m_images = nullptr, *m_labels = nullptr, *m_classes = nullptr;
    QWidget *m_folderRow = nullptr, *m_imagesRow = nullptr, *m_labelsRow = nullptr;
    QSpinBox *m_count = nullptr, *m_seed = nullptr;
    QComboBox *m_size = nullptr, *m_policy = nullptr, *m_mapping = nullptr;
    QCheckBox *m_invert = nullptr;
    QString m_shownKey;  // the source shown before the last change
    // Options set by setSpec() that have no knob, for the source they came with.
    unetlab::ImageDatasetOptions m_extra;
    QString m_extraKey;
};
