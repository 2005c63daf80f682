#pragma once
// What a comparison trains: two to four models (presets with their main knobs) that share
// the data, split, seed, epochs, loss and optimiser set below them.

#include <QVector>
#include <QWidget>

#include "CompareTypes.h"

class QComboBox;
class QCheckBox;
class QLabel;
class QPushButton;
class QVBoxLayout;
class TrainingSettings;

class CompareSetup : public QWidget {
    Q_OBJECT
public:
    explicit CompareSetup(QWidget *parent = nullptr);
    CompareRequest request() const;
    // "small-unet (472,899) vs small-unet-noskip (426,819)": the models and their parameters.
    QString modelsSummary() const;
    int modelCount() const { return m_rows.size(); }
    // Replaces the models, e.g. {"small-unet", "small-unet-noskip"} (2 to 4 presets).
    void setModels(const QStringList &presets);
    TrainingSettings *shared() const { return m_shared; }
    QCheckBox *queueBox() const { return m_queue; }
    void setLocked(bool locked);

Q_SIGNALS:
    void changed();

private:
    struct Row {
        QWidget *box;
        QComboBox *preset, *base;
        QCheckBox *skips;
        QLabel *params;
    };
    void addRow(const QString &preset);
    void removeRow();
    unetlab::ModelConfig configOf(const Row &row) const;
    void refresh();

    QVector<Row> m_rows;
    QVBoxLayout *m_rowsLayout = nullptr;
    QPushButton *m_add = nullptr, *m_remove = nullptr;
    QCheckBox *m_queue = nullptr;
    TrainingSettings *m_shared = nullptr;
};
