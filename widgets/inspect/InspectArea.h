#pragma once
// The Inspect area (MISSION §8, issue #5): feature maps per stage, learned kernels, channel
// ranking with its verdict, worst cases and the N/C ratio, for the model being trained or a
// loaded checkpoint. No LibTorch here: the area sends plain requests and draws the plain
// results (engine/inspect/Inspect.h) the engine thread sends back.
//
// Wiring (the engine thread answers each request with the function named, on the model the
// request names, with the model's normalisation and device):
//   featureMapsRequested(FeatureMapRequest) -> unetlab::inspectImage       -> showFeatureMaps
//   kernelsRequested(KernelRequest)         -> unetlab::learnedKernels     -> showKernels
//   rankingRequested(RankingRequest)        -> unetlab::rankChannels       -> showRanking
//   reviewRequested(ReviewRequest)          -> unetlab::reviewSplit        -> showReview
//   largeImageRequested(LargeImageRequest)  -> unetlab::predictLarge       -> showLargeImage
//   checkpointChosen(path)                  -> load it                     -> setCheckpointModel
//   any failure                                                            -> showError
// The model and data the area can use are announced with setDataset, setTrainingModel and
// setCheckpointModel; onEpochFinished lets "Follow training" refresh the feature maps and
// kernels at every epoch end (one request at a time, never piling up behind a slow answer).

#include <QString>
#include <QStringList>
#include <QWidget>

#include "InspectTypes.h"

class QLabel;
class QPushButton;
class QRadioButton;
class QTabWidget;
class ChannelRankingPanel;
class ElidingLabel;
class FeatureMapViewer;
class KernelViewer;
class LargeImagePanel;
class NcPanel;
class WorstCasesGallery;

class InspectArea : public QWidget {
    Q_OBJECT
public:
    enum class View { FeatureMaps, Kernels, Ranking, WorstCases, NcRatio, LargeImage };
    Q_ENUM(View)

    explicit InspectArea(QWidget *parent = nullptr);

    FeatureMapViewer *featureMaps() const { return m_featureMaps; }
    KernelViewer *kernels() const { return m_kernels; }
    ChannelRankingPanel *ranking() const { return m_ranking; }
    WorstCasesGallery *worstCases() const { return m_worst; }
    NcPanel *ncPanel() const { return m_nc; }
    LargeImagePanel *largeImage() const { return m_large; }
    void showView(View view);
    View currentView() const;
    // The model every request is about now.
    InspectModelChoice modelChoice() const;
    void setModelSource(InspectModelChoice::Source source);
    QString statusText() const;
    // What the area is about, for the window's status bar: the chosen model ("checkpoint
    // quick.ckpt (small-unet, …)" or "model in training: …"; "none" when there is none) and
    // the data it reads. subjectChanged() says when either changes.
    QString subjectModel() const;
    QString subjectData() const { return m_dataName; }

public Q_SLOTS:
    // The dataset the engine holds: image indices 0..imageCount-1 and the class names.
    void setDataset(const QString &name, int imageCount, const QStringList &classNames);
    // A model is being trained (or was): `description` e.g. "small-unet, 472,899 parameters";
    // empty when there is none.
    void setTrainingModel(const QString &description);
    // The engine holds this checkpoint now; an empty path when none is loaded.
    void setCheckpointModel(const QString &path, const QString &description);
    // An epoch of the model in training ended: refreshes what "Follow training" follows.
    void onEpochFinished(int epoch);
    void showFeatureMaps(const unetlab::ImageInspection &result);
    void showKernels(const unetlab::KernelSet &kernels);
    void showRanking(const unetlab::RankingReport &report);
    void showReview(const unetlab::SplitReview &review);
    void showLargeImage(const LargeImageResult &result);
    // A request failed: the message is shown and every pending request is cleared.
    void showError(const QString &message);

Q_SIGNALS:
    void featureMapsRequested(const FeatureMapRequest &request);
    void kernelsRequested(const KernelRequest &request);
    void rankingRequested(const RankingRequest &request);
    void reviewRequested(const ReviewRequest &request);
    void largeImageRequested(const LargeImageRequest &request);
    void checkpointChosen(const QString &path);
    // A result (or an error) was drawn in `view`.
    void answered(InspectArea::View view);
    void subjectChanged();

private:
    QWidget *buildModelBar();
    void updateAvailability();
    void sendFeatureMaps(FeatureMapRequest request);
    void sendKernels(KernelRequest request);
    void sendReview(ReviewRequest request);
    QString stamp() const;
    void setStatus(const QString &text, bool error = false);

    QRadioButton *m_useTraining = nullptr;
    QRadioButton *m_useCheckpoint = nullptr;
    ElidingLabel *m_trainingLabel = nullptr;
    ElidingLabel *m_checkpointLabel = nullptr;
    QPushButton *m_openCheckpoint = nullptr;
    ElidingLabel *m_dataLabel = nullptr;
    QTabWidget *m_tabs = nullptr;
    FeatureMapViewer *m_featureMaps = nullptr;
    KernelViewer *m_kernels = nullptr;
    ChannelRankingPanel *m_ranking = nullptr;
    WorstCasesGallery *m_worst = nullptr;
    NcPanel *m_nc = nullptr;
    LargeImagePanel *m_large = nullptr;
    QLabel *m_status = nullptr;

    QString m_trainingDescription;
    QString m_checkpointPath, m_checkpointDescription;
    QString m_dataName;
    int m_epoch = 0;                        // last epoch end seen
    QString m_featureStamp, m_kernelStamp;  // which model and epoch a pending answer is about
    bool m_featuresPending = false, m_kernelsPending = false, m_rankingPending = false, m_reviewPending = false,
         m_largePending = false;
};
