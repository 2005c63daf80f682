#pragma once
// The Data area: the built-in synthetic dataset, browsable by seed and page, with each
// image's mask and overlay. Images are generated off the GUI thread.

#include <QFutureWatcher>
#include <QWidget>

#include "SampleGallery.h"

class QLabel;
class QSpinBox;

namespace unetlab::gui {

struct GalleryBatch {
    QVector<GalleryItem> items;
    QString datasetName;
    QStringList classNames;
};

class DatasetPage : public QWidget {
    Q_OBJECT
public:
    explicit DatasetPage(QWidget *parent = nullptr);
    ~DatasetPage() override;

    // Generates the samples in the background; `loaded` is emitted when they are shown.
    void loadSamples(quint64 seed, int first, int count);
    SampleGallery *gallery() const { return m_gallery; }
    QString description() const { return m_description; }
    void saveSettings() const;

Q_SIGNALS:
    void loaded();

private:
    void showBatch();

    SampleGallery *m_gallery = nullptr;
    QSpinBox *m_seed = nullptr;
    QSpinBox *m_first = nullptr;
    QSpinBox *m_count = nullptr;
    int m_shownSeed = -1;
    QString m_description;
    QFutureWatcher<GalleryBatch> m_watcher;
};

}  // namespace unetlab::gui
