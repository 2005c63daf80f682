#pragma once
// The Data area (MISSION §9): opens any dataset — the synthetic cells, the bundled nuclei
// sample, a folder of images and masks, a TIFF stack — and shows its summary, the files it
// had to skip and why, a paged grid of the images with their masks, and a live preview of
// augmentation. "Train on this dataset" hands the data to the Train area. Opening and every
// picture are made off the GUI thread (QtConcurrent); no LibTorch here.

#include <QFutureWatcher>
#include <QStringList>
#include <QVector>
#include <QWidget>

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "SampleGallery.h"
#include "data/Augment.h"
#include "data/DataSpec.h"

class AugmentationPicker;
class DataSourceForm;
class QCheckBox;
class QComboBox;
class QGroupBox;
class QLabel;
class QListWidget;
class QPushButton;
class QSpinBox;
class QTabWidget;

namespace unetlab::gui {

// What the background work hands back: a page of a dataset, opening it first when needed.
struct PageJob {
    DataSpec spec;
    std::string key;  // the spec's canonical text with its size: equal keys, equal data
    int first = 0;
    int count = 8;
    bool reopen = false;  // read the files again even when the key is the one open
};
struct OpenedData {
    std::shared_ptr<const Dataset> data;  // null when nothing could be opened
    std::string key;
    DatasetSummary summary;
    std::vector<DataProblem> problems;  // skipped files (or why nothing was usable)
    QVector<GalleryClass> classes;
};
struct PageResult {
    PageJob job;
    OpenedData opened;
    QString error;  // one line, when nothing could be opened
    QVector<GalleryItem> items;
    std::vector<Sample> samples;  // the page's samples, for the augmentation preview
};

class DatasetPage : public QWidget {
    Q_OBJECT
public:
    explicit DatasetPage(QWidget *parent = nullptr);
    ~DatasetPage() override;

    // The synthetic cells with `seed`, images first..first+count-1; `loaded` follows.
    void loadSamples(quint64 seed, int first, int count);
    // Opens `spec` in the background (the page says "Opening…") and shows its first page;
    // `loaded` follows, also when it cannot be opened (errorText() then says why).
    void openData(const DataSpec &spec, int first = 0);
    // Opens the source of the last session (QSettings), else the synthetic cells.
    void restoreLastSource();
    // Shows the page of images from index `first` of the open dataset.
    void showPage(int first);

    SampleGallery *gallery() const { return m_gallery; }
    SampleGallery *augmentationGallery() const { return m_augmentGallery; }
    DataSourceForm *sourceForm() const { return m_form; }
    AugmentationPicker *augmentationPicker() const { return m_augment; }
    // Which view the right-hand side shows: 0 the samples, 1 the augmentation preview.
    void showView(int view);
    void setAugmentationVariants(int count);

    QString description() const { return m_description; }
    // The data on show (valid when isOpen()).
    DataSpec openedSpec() const { return m_shown.job.spec; }
    bool isOpen() const { return m_shown.opened.data != nullptr; }
    bool isBusy() const;
    int sampleCount() const { return isOpen() ? static_cast<int>(m_shown.opened.summary.count) : 0; }
    QStringList classNames() const;
    QString summaryText() const { return m_summaryPlain; }
    // The one-line message when the data could not be opened; empty otherwise.
    QString errorText() const { return m_error; }
    // "FILE: reason" for every file that was skipped (or that made opening fail).
    QStringList problemTexts() const;
    void saveSettings() const;

Q_SIGNALS:
    // A page of images, or an error, is shown.
    void loaded();
    // The augmentation preview shows fresh variants.
    void augmentationShown();
    void useForTraining(const unetlab::DataSpec &spec);

private:
    QWidget *buildSourceColumn();
    QWidget *buildSamplesView();
    QWidget *buildAugmentationView();
    void openFromForm();
    void request(const DataSpec &spec, int first, bool reopen = false);
    void startPage(const PageJob &job);
    void pageFinished();
    void display(PageResult result);
    void showStatus(const QString &text, const QString &colour);
    void showSummary();
    void showProblems();
    void updateButtons();
    void refreshAugmentation();
    void startAugmentation();
    void augmentationFinished();

    DataSourceForm *m_form = nullptr;
    QPushButton *m_open = nullptr, *m_train = nullptr;
    QLabel *m_summary = nullptr, *m_status = nullptr;
    QGroupBox *m_problemsBox = nullptr;
    QListWidget *m_problems = nullptr;
    QTabWidget *m_views = nullptr;
    SampleGallery *m_gallery = nullptr;
    QSpinBox *m_first = nullptr, *m_count = nullptr;
    QPushButton *m_previous = nullptr, *m_next = nullptr;
    QLabel *m_range = nullptr;
    QCheckBox *m_maskColumn = nullptr;
    AugmentationPicker *m_augment = nullptr;
    QComboBox *m_augmentSample = nullptr;
    QSpinBox *m_variants = nullptr;
    QLabel *m_augmentHint = nullptr;
    SampleGallery *m_augmentGallery = nullptr;

    PageResult m_shown;                    // what the page shows
    OpenedData m_opened;                   // the last dataset opened: the next page of the same data reuses it
    std::optional<PageJob> m_pendingPage;  // asked for while another page was being made
    QFutureWatcher<PageResult> m_pageWatcher;
    QString m_error, m_summaryPlain, m_description;

    struct AugmentJob {
        Sample sample;
        AugmentationConfig config;
        int count = 8;
        std::uint64_t seed = 1;
        QVector<GalleryClass> classes;
    };
    std::optional<AugmentJob> m_pendingAugment;
    QFutureWatcher<QVector<GalleryItem>> m_augmentWatcher;
    std::uint64_t m_augmentSeed = 1;
};

}  // namespace unetlab::gui
