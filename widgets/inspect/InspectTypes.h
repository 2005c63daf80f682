#pragma once
// The Inspect area's side of the engine thread (ARCHITECTURE "The engine thread"): the
// requests it sends, as plain values, and the metatype registration of the engine's
// torch-free result structs (engine/inspect/Inspect.h) it receives. No LibTorch here.

#include <QByteArray>
#include <QImage>
#include <QMetaType>
#include <QRect>
#include <QString>
#include <QStringList>
#include <QVector>

#include "inspect/Inspect.h"

// Which model a request is about.
struct InspectModelChoice {
    enum class Source { Training, Checkpoint };
    Source source = Source::Training;
    // Checkpoint: the file to inspect. The engine loads it when it is not the one it holds.
    QString checkpointPath;

    QString sourceName() const {  // "training" or "checkpoint"
        return source == Source::Training ? QStringLiteral("training") : QStringLiteral("checkpoint");
    }
};

// Feature maps of one image: answered by unetlab::inspectImage -> InspectArea::showFeatureMaps.
struct FeatureMapRequest {
    InspectModelChoice model;
    // >= 0: this image of the engine's dataset (its truth is known). Otherwise the image file
    // `imagePath` (read it with unetlab::readImageFile, then fitToMultiple(..., FitMode::Pad)
    // and pass the note on in ImageInspection::note); `image` is that file as the GUI read it.
    int datasetIndex = 0;
    QString imagePath;
    QImage image;
    int topK = 4;
    unetlab::ChannelRanking ranking = unetlab::ChannelRanking::Variance;
    int classIndex = 2;           // the class a correlation ranking is against
    QString stage;                // empty: every stage
    bool followTraining = false;  // sent by "Follow training" at an epoch end, not by a click
};

// Learned kernels: answered by unetlab::learnedKernels -> InspectArea::showKernels.
struct KernelRequest {
    InspectModelChoice model;
    QString layer;  // empty: the first convolution
    bool followTraining = false;
};

// Channel ranking over held-out images: answered by unetlab::rankChannels -> showRanking.
struct RankingRequest {
    InspectModelChoice model;
    int classIndex = 2;
    QString stage;                          // empty: every stage
    QString split = QStringLiteral("val");  // "val" or "test" split of the model's data
    int maxImages = 32;                     // the first maxImages of the split (0: all) keep it interactive
};

// Worst cases and N/C over a split: answered by unetlab::reviewSplit -> showReview.
struct ReviewRequest {
    InspectModelChoice model;
    QString split = QStringLiteral("test");  // "val", "test" or "all"
    int classIndex = -1;                     // worst by this class's Dice; -1: by the mean Dice
    int worstCount = 4;
};

// An image file of any size segmented tile by tile (sliding window): answered by
// unetlab::predictLarge (train/SlidingWindow.h) -> InspectArea::showLargeImage.
struct LargeImageRequest {
    InspectModelChoice model;
    QString imagePath;
    int tile = 0;  // tile side in pixels; 0: the size the model was trained at
    double overlap = 0.25;
    QString blend = QStringLiteral("gaussian");  // "gaussian" or "uniform"
};

// What the engine sends back: plain pictures and numbers.
struct LargeImageResult {
    QString imagePath;
    int width = 0, height = 0;
    QImage image;     // the image as the model read it (RGB888)
    QImage overlay;   // the image with the predicted classes tinted (RGB888)
    QByteArray mask;  // height * width class indices
    QVector<QRect> tiles;  // each tile in image pixels (its reflection padding left out)
    int tileWidth = 0, tileHeight = 0, tilesX = 0, tilesY = 0;
    double overlap = 0;
    QString blend;
    QStringList classNames;
    QVector<double> classFractions;  // share of the image's pixels per predicted class
    QString device;
    double seconds = 0;
};

Q_DECLARE_METATYPE(InspectModelChoice)
Q_DECLARE_METATYPE(LargeImageRequest)
Q_DECLARE_METATYPE(LargeImageResult)
Q_DECLARE_METATYPE(FeatureMapRequest)
Q_DECLARE_METATYPE(KernelRequest)
Q_DECLARE_METATYPE(RankingRequest)
Q_DECLARE_METATYPE(ReviewRequest)
Q_DECLARE_METATYPE(unetlab::ImageInspection)
Q_DECLARE_METATYPE(unetlab::KernelSet)
Q_DECLARE_METATYPE(unetlab::RankingReport)
Q_DECLARE_METATYPE(unetlab::SplitReview)

// Registers the types above for queued connections; call once before connecting.
void registerInspectTypes();
