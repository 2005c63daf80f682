#include "InspectArea.h"

#include <QButtonGroup>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QRadioButton>
#include <QTabWidget>
#include <QVBoxLayout>

#include "ChannelRankingPanel.h"
#include "FeatureMapViewer.h"
#include "ElidingLabel.h"
#include "InspectStyle.h"
#include "KernelViewer.h"
#include "LargeImagePanel.h"
#include "NcPanel.h"
#include "PageScroll.h"
#include "WorstCasesGallery.h"

InspectArea::InspectArea(QWidget *parent) : QWidget(parent) {
    setAccessibleName(tr("Inspect area"));
    registerInspectTypes();
    // Scrolls on a small screen rather than forcing the window larger than it.
    auto *layout = new QVBoxLayout(PageScroll::content(this, tr("Inspect area")));
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(buildModelBar());

    m_tabs = new QTabWidget;
    m_tabs->setAccessibleName(tr("Inspect views"));
    m_featureMaps = new FeatureMapViewer;
    m_kernels = new KernelViewer;
    m_ranking = new ChannelRankingPanel;
    m_worst = new WorstCasesGallery;
    m_nc = new NcPanel;
    m_large = new LargeImagePanel;
    m_tabs->addTab(m_featureMaps, tr("Feature maps"));
    m_tabs->addTab(m_kernels, tr("Kernels"));
    m_tabs->addTab(m_ranking, tr("Channel ranking"));
    m_tabs->addTab(m_worst, tr("Worst cases"));
    m_tabs->addTab(m_nc, tr("N/C ratio"));
    m_tabs->addTab(m_large, tr("Large image"));
    layout->addWidget(m_tabs, 1);
    m_status = new QLabel;
    m_status->setWordWrap(true);
    layout->addWidget(m_status);

    connect(m_featureMaps, &FeatureMapViewer::requested, this, &InspectArea::sendFeatureMaps);
    connect(m_kernels, &KernelViewer::requested, this, &InspectArea::sendKernels);
    connect(m_ranking, &ChannelRankingPanel::requested, this, [this](RankingRequest r) {
        r.model = modelChoice();
        m_rankingPending = true;
        m_ranking->setPending(true);
        setStatus(tr("Ranking channels…"));
        Q_EMIT rankingRequested(r);
    });
    connect(m_worst, &WorstCasesGallery::requested, this, &InspectArea::sendReview);
    connect(m_nc, &NcPanel::requested, this, &InspectArea::sendReview);
    connect(m_large, &LargeImagePanel::requested, this, [this](LargeImageRequest r) {
        r.model = modelChoice();
        m_largePending = true;
        m_large->setPending(true);
        setStatus(tr("Predicting %1 tile by tile…").arg(QFileInfo(r.imagePath).fileName()));
        Q_EMIT largeImageRequested(r);
    });
    // A case, or a point of the N/C chart, opens that image in the feature-map viewer; its
    // answer also draws the image's nuclei one by one in the N/C view.
    connect(m_worst, &WorstCasesGallery::caseChosen, this, [this](int index) {
        m_featureMaps->setDatasetIndex(index);
        showView(View::FeatureMaps);
        m_featureMaps->request();
    });
    connect(m_nc, &NcPanel::imageChosen, this, [this](int index) {
        m_featureMaps->setDatasetIndex(index);
        m_featureMaps->request();
    });
    updateAvailability();
    setStatus(tr("Pick a model above, then an image: every view explains what it shows."));
}

namespace {

// A model's description in bold, or what is missing in italics.
void showModelText(QLabel *label, const QString &text, const QString &none) {
    QFont f = label->font();
    f.setBold(!text.isEmpty());
    f.setItalic(text.isEmpty());
    label->setFont(f);
    label->setText(text.isEmpty() ? none : text);
    label->setAccessibleName(label->text());  // the whole text, however much of it shows
}

}  // namespace

QWidget *InspectArea::buildModelBar() {
    auto *bar = new QWidget;
    auto *row = new QHBoxLayout(bar);
    row->setContentsMargins(4, 0, 4, 0);
    auto *title = new QLabel(tr("Model:"));
    inspectstyle::scaleFont(title, 1.1, true);
    row->addWidget(title);
    m_useTraining = new QRadioButton(tr("in training"));
    m_trainingLabel = new ElidingLabel;
    m_useCheckpoint = new QRadioButton(tr("checkpoint"));
    m_checkpointLabel = new ElidingLabel;
    m_openCheckpoint = new QPushButton(tr("Open checkpoint…"));
    auto *group = new QButtonGroup(bar);
    group->addButton(m_useTraining);
    group->addButton(m_useCheckpoint);
    m_useTraining->setChecked(true);
    // Long descriptions end in "…" (full text in the tooltip) rather than forcing the window
    // wider than the screen or running off its edge; shorter ones show whole where there is room.
    row->addWidget(m_useTraining);
    row->addWidget(m_trainingLabel);
    row->addSpacing(20);
    row->addWidget(m_useCheckpoint);
    row->addWidget(m_checkpointLabel);
    row->addWidget(m_openCheckpoint);
    row->addSpacing(12);
    m_dataLabel = new ElidingLabel;
    row->addWidget(m_dataLabel);
    row->addStretch(1);
    // Short of room, the checkpoint's long description gives way before the other two.
    m_dataLabel->setAccessibleName(tr("Data: none yet"));
    m_trainingLabel->setMinimumCharacters(24);
    m_checkpointLabel->setMinimumCharacters(12);
    m_dataLabel->setMinimumCharacters(28);
    showModelText(m_trainingLabel, {}, tr("none yet — start one in the Train area"));
    showModelText(m_checkpointLabel, {}, tr("none loaded"));
    connect(m_useTraining, &QRadioButton::toggled, this, &InspectArea::updateAvailability);
    connect(m_openCheckpoint, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Open a checkpoint"), QString(),
                                                          tr("Checkpoints (*.ckpt *.pt *.pth);;All files (*)"));
        if (path.isEmpty()) return;
        setStatus(tr("Loading %1…").arg(QFileInfo(path).fileName()));
        Q_EMIT checkpointChosen(path);
    });
    return bar;
}

void InspectArea::showView(View view) { m_tabs->setCurrentIndex(static_cast<int>(view)); }
InspectArea::View InspectArea::currentView() const { return static_cast<View>(m_tabs->currentIndex()); }

InspectModelChoice InspectArea::modelChoice() const {
    InspectModelChoice choice;
    choice.source =
        m_useCheckpoint->isChecked() ? InspectModelChoice::Source::Checkpoint : InspectModelChoice::Source::Training;
    if (choice.source == InspectModelChoice::Source::Checkpoint) choice.checkpointPath = m_checkpointPath;
    return choice;
}

void InspectArea::setModelSource(InspectModelChoice::Source source) {
    (source == InspectModelChoice::Source::Checkpoint ? m_useCheckpoint : m_useTraining)->setChecked(true);
    updateAvailability();
}

QString InspectArea::statusText() const { return m_status->text(); }

QString InspectArea::subjectModel() const {
    if (modelChoice().source == InspectModelChoice::Source::Checkpoint)
        return tr("checkpoint %1").arg(m_checkpointDescription);
    return m_trainingDescription.isEmpty() ? tr("none") : tr("model in training: %1").arg(m_trainingDescription);
}

void InspectArea::setDataset(const QString &name, int imageCount, const QStringList &classNames) {
    m_dataName = name;
    m_dataLabel->setText(tr("Data: %1").arg(name));
    m_dataLabel->setToolTip(m_dataLabel->text());
    m_dataLabel->setAccessibleName(m_dataLabel->text());
    m_featureMaps->setDataset(imageCount, classNames);
    m_ranking->setDataset(imageCount, classNames);
    m_worst->setDataset(imageCount, classNames);
    m_nc->setDataset(classNames);
    Q_EMIT subjectChanged();
}

void InspectArea::setTrainingModel(const QString &description) {
    const bool first = m_trainingDescription.isEmpty() && !description.isEmpty();
    m_trainingDescription = description;
    showModelText(m_trainingLabel, description, tr("none yet — start one in the Train area"));
    m_trainingLabel->setToolTip(description);
    if (first && m_checkpointPath.isEmpty()) m_useTraining->setChecked(true);
    updateAvailability();
}

void InspectArea::setCheckpointModel(const QString &path, const QString &description) {
    m_checkpointPath = path;
    // The engine's description starts with the file name; it is shown once, in bold.
    const QString name = QFileInfo(path).fileName();
    QString details = description;
    if (details.startsWith(name + QStringLiteral(": "))) details = details.mid(name.size() + 2);
    m_checkpointDescription = path.isEmpty() ? QString() : QStringLiteral("%1 (%2)").arg(name, details);
    showModelText(m_checkpointLabel, m_checkpointDescription, tr("none loaded"));
    m_checkpointLabel->setToolTip(path.isEmpty() ? QString() : path + QLatin1Char('\n') + details);
    if (!path.isEmpty()) {
        m_useCheckpoint->setChecked(true);
        setStatus(tr("Checkpoint %1 loaded.").arg(QFileInfo(path).fileName()));
    }
    updateAvailability();
}

void InspectArea::updateAvailability() {
    m_useTraining->setEnabled(!m_trainingDescription.isEmpty() || m_checkpointPath.isEmpty());
    m_useCheckpoint->setEnabled(!m_checkpointPath.isEmpty());
    const InspectModelChoice choice = modelChoice();
    const bool available = choice.source == InspectModelChoice::Source::Training ? !m_trainingDescription.isEmpty()
                                                                                 : !m_checkpointPath.isEmpty();
    m_featureMaps->setModelAvailable(available);
    m_kernels->setModelAvailable(available);
    m_ranking->setModelAvailable(available);
    m_worst->setModelAvailable(available);
    m_nc->setModelAvailable(available);
    m_large->setModelAvailable(available);
    Q_EMIT subjectChanged();
}

QString InspectArea::stamp() const {
    const InspectModelChoice choice = modelChoice();
    if (choice.source == InspectModelChoice::Source::Checkpoint) return QFileInfo(choice.checkpointPath).fileName();
    return m_epoch > 0 ? tr("model in training, after epoch %1").arg(m_epoch) : tr("model in training");
}

void InspectArea::setStatus(const QString &text, bool error) {
    m_status->setText(text);
    m_status->setStyleSheet(error ? QStringLiteral("color: #c62828; font-weight: bold;") : QString());
}

void InspectArea::sendFeatureMaps(FeatureMapRequest request) {
    request.model = modelChoice();
    m_featureStamp = stamp();
    m_featuresPending = true;
    m_featureMaps->setPending(true);
    setStatus(tr("Running the image through every stage…"));
    Q_EMIT featureMapsRequested(request);
}

void InspectArea::sendKernels(KernelRequest request) {
    request.model = modelChoice();
    m_kernelStamp = stamp();
    m_kernelsPending = true;
    m_kernels->setPending(true);
    Q_EMIT kernelsRequested(request);
}

void InspectArea::sendReview(ReviewRequest request) {
    request.model = modelChoice();
    m_reviewPending = true;
    m_worst->setPending(true);
    m_nc->setPending(true);
    setStatus(tr("Predicting the %1 split…").arg(request.split));
    Q_EMIT reviewRequested(request);
}

void InspectArea::onEpochFinished(int epoch) {
    m_epoch = epoch;
    if (modelChoice().source != InspectModelChoice::Source::Training || m_trainingDescription.isEmpty()) return;
    // One follow request at a time: if the last one has not come back, this epoch is skipped,
    // so a slow answer never queues work behind training.
    if (m_featureMaps->followTraining() && !m_featuresPending) {
        FeatureMapRequest r = m_featureMaps->currentRequest();
        r.followTraining = true;
        sendFeatureMaps(r);
    }
    if (m_kernels->followTraining() && !m_kernelsPending) {
        KernelRequest r = m_kernels->currentRequest();
        r.followTraining = true;
        sendKernels(r);
    }
}

void InspectArea::showFeatureMaps(const unetlab::ImageInspection &result) {
    m_featuresPending = false;
    m_featureMaps->showResult(result, m_featureStamp);
    m_nc->showInstances(result);
    setStatus(tr("Feature maps of %1 (%2 ms).")
                  .arg(QString::fromStdString(result.sample.id))
                  .arg(result.seconds * 1000, 0, 'f', 0));
    Q_EMIT answered(View::FeatureMaps);
}

void InspectArea::showKernels(const unetlab::KernelSet &kernels) {
    m_kernelsPending = false;
    m_kernels->showKernels(kernels, m_kernelStamp);
    setStatus(tr("Kernels of %1.").arg(QString::fromStdString(kernels.layer)));
    Q_EMIT answered(View::Kernels);
}

void InspectArea::showRanking(const unetlab::RankingReport &report) {
    m_rankingPending = false;
    m_ranking->showReport(report);
    setStatus(tr("Channels ranked over %1 images.").arg(report.images));
    Q_EMIT answered(View::Ranking);
}

void InspectArea::showReview(const unetlab::SplitReview &review) {
    m_reviewPending = false;
    m_worst->showReview(review);
    m_nc->showReview(review);
    setStatus(tr("%1 images predicted.").arg(review.metrics.images));
    // One review answers both views that show it.
    Q_EMIT answered(View::WorstCases);
    Q_EMIT answered(View::NcRatio);
}

void InspectArea::showLargeImage(const LargeImageResult &result) {
    m_largePending = false;
    m_large->setPending(false);
    m_large->showResult(result);
    setStatus(tr("%1 segmented in %2 tiles (%3 s).")
                  .arg(QFileInfo(result.imagePath).fileName())
                  .arg(result.tiles.size())
                  .arg(result.seconds, 0, 'f', 2));
    Q_EMIT answered(View::LargeImage);
}

void InspectArea::showError(const QString &message) {
    m_featuresPending = m_kernelsPending = m_rankingPending = m_reviewPending = m_largePending = false;
    m_large->setPending(false);
    m_featureMaps->setPending(false);
    m_kernels->setPending(false);
    m_ranking->setPending(false);
    m_worst->setPending(false);
    m_nc->setPending(false);
    setStatus(message, true);
    Q_EMIT answered(currentView());
}
