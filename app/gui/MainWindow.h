#pragma once
// The main window. For now one area: the built-in synthetic dataset, browsable by seed,
// with each image's mask and overlay. Training, teaching widgets and inspection arrive
// as their own areas (issues #3-#6).

#include <QFutureWatcher>
#include <QMainWindow>
#include <QString>
#include <QVector>

#include "SampleGallery.h"

class QSpinBox;
class QLabel;

namespace unetlab::gui {

struct GalleryBatch {
    QVector<GalleryItem> items;
    QString datasetName;
    QStringList classNames;
};

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(const QString &deviceDescription, QWidget *parent = nullptr);
    ~MainWindow() override;

    // Generates the samples in the background; `loaded` is emitted when they are shown.
    void loadSamples(quint64 seed, int first, int count);
    SampleGallery *gallery() const { return m_gallery; }

Q_SIGNALS:
    void loaded();

private:
    void showBatch();
    void saveScreenshot();
    void about();
    void closeEvent(QCloseEvent *event) override;

    SampleGallery *m_gallery = nullptr;
    QSpinBox *m_seed = nullptr;
    QSpinBox *m_first = nullptr;
    QSpinBox *m_count = nullptr;
    int m_shownSeed = -1;
    QLabel *m_datasetLabel = nullptr;
    QLabel *m_deviceLabel = nullptr;
    QFutureWatcher<GalleryBatch> m_watcher;
};

}  // namespace unetlab::gui
