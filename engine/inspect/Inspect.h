#pragma once
// Looking inside a segmentation model (MISSION §8), behind a torch-free API: what every
// named stage sees for one image, the learned kernels of any convolution, which channels
// follow a class over held-out images (and what that says about the model), the worst
// cases of a split, and N/C ratios with nuclei counted one by one.
//
// The results are plain structs (std::vector<float>, Sample), so the CLI and the GUI's
// engine thread call these functions and hand the results on without seeing LibTorch; the
// widgets read the same structs. LibTorch is only in Inspect.cpp.
//
// Every function runs under inference mode in eval mode (BatchNorm on its running
// statistics, no dropout) and puts the model back in the mode it was in. The model is moved
// to `device` ("cpu", "cuda:0"): pass the device it is on (Trainer::device()) to leave it in
// place. Inputs are scaled and normalised exactly as in training (`normalisation`). Errors
// (an image size the model cannot take, an unknown stage or layer, a class out of range) are
// std::invalid_argument with a one-line reason.

#include <cstdint>
#include <string>
#include <vector>

#include "data/Dataset.h"
#include "data/Normalisation.h"
#include "data/Sample.h"
#include "inspect/Analysis.h"
#include "train/Metrics.h"
#include "train/TrainConfig.h"

namespace unetlab {

class SegmentationModel;

// ------------------------------------------------------------------ one image, every stage

// One channel of a stage's activation for one image.
struct ActivationMap {
    int channel = 0;            // index within the stage
    int width = 0, height = 0;  // the stage's resolution
    std::vector<float> values;  // height * width, row-major
    float min = 0, max = 0;     // of `values`
    double score = kUndefined;  // by the ranking that chose it (variance, mean |a| or r); NaN: undefined
};

struct StageMaps {
    std::string name;  // "enc1", "bottleneck", "conv2", "head", ...
    int channels = 0, height = 0, width = 0;
    int receptiveField = 0;          // analytic receptive field at the end of the stage, in input pixels
    bool logits = false;             // the 1x1 head: one channel per class, before softmax
    std::vector<ActivationMap> top;  // the top-k channels, best first
};

struct InspectOptions {
    int topK = 4;  // channels per stage (clamped to the stage's channel count)
    ChannelRanking ranking = ChannelRanking::Variance;
    int classIndex = 2;  // Correlation: the class whose binary mask channels are compared with
    std::string stage;   // only this stage; empty: every stage
    // The forward pass as the model's execution plan runs it (bf16 autocast is about twice as
    // fast on CPUs with native bf16); the maps are converted to fp32 before any statistic.
    Precision precision = Precision::FP32;
};

struct ImageInspection {
    Sample sample;  // what the network saw; sample.mask is the truth when hasTruth
    bool hasTruth = false;
    std::vector<std::uint8_t> prediction;  // height * width class indices (argmax of the logits)
    ImageScores scores;                    // per-class Dice, IoU, N/C of truth and prediction (hasTruth only)
    InspectOptions options;                // as asked
    // Correlation ranking: the mask the channels were compared with, "truth" or, for an image
    // without truth, "prediction".
    std::string correlationMask;
    std::string model;              // one-line description of the model
    std::vector<StageMaps> stages;  // forward order; the last is "head"
    double seconds = 0;             // time the capture took
    // Set by the caller, passed through to viewers: the dataset index (-1 for an image file)
    // and how the image was fitted to the model (FittedSample::note), if it was.
    int datasetIndex = -1;
    std::string note;
};

// Runs `sample` (height and width multiples of the model's downsampling factor; see
// inspect/ImageFile.h fitToMultiple) through `model` and keeps, for every named stage, its
// shape and its top-k channels by `options.ranking`. With hasTruth, sample.mask is the truth.
ImageInspection inspectImage(SegmentationModel &model, const Sample &sample, bool hasTruth,
                             const Normalisation &normalisation, const InspectOptions &options,
                             const std::string &device);

// ------------------------------------------------------------------------------- kernels

struct KernelSet {
    std::string layer;  // "conv1", "enc1.conv1", "up2", "head", ...
    int outChannels = 0, inChannels = 0, kernelHeight = 0, kernelWidth = 0;
    std::vector<float> weights;  // out x in x kh x kw, row-major
    float min = 0, max = 0;
    bool firstLayer = false;          // reads the image itself: its kernels can be drawn as RGB tiles
    bool transposed = false;          // a transposed convolution (weights reordered to out x in)
    std::vector<std::string> layers;  // every convolution of the model in forward order, for pickers

    const float *kernel(int out, int in) const {
        return weights.data() + (static_cast<std::size_t>(out) * inChannels + in) * kernelHeight * kernelWidth;
    }
};

// Every convolution (and transposed convolution) of the model by its module path, in forward order.
std::vector<std::string> convLayerNames(SegmentationModel &model);
// The weights of `layer` (empty: the first convolution). Weights are copied to the CPU.
KernelSet learnedKernels(SegmentationModel &model, const std::string &layer = {});

// ------------------------------------------------------------ channel ranking over a split

struct ChannelScore {
    int channel = 0;
    double variance = kUndefined;     // mean over images of the spatial variance
    double magnitude = kUndefined;    // Strategy 1: mean |activation| over pixels and images
    double correlation = kUndefined;  // Strategy 2: mean over images of the point-biserial r
    int correlationImages = 0;        // images where r was defined (class present, channel not constant)
};

struct StageRanking {
    std::string name;
    int channels = 0, height = 0, width = 0;
    std::vector<ChannelScore> byMagnitude;    // largest first
    std::vector<ChannelScore> byCorrelation;  // largest |r| first; undefined last
};

struct RankingReport {
    int classIndex = 2;
    std::string className;
    int images = 0;
    std::vector<StageRanking> stages;  // forward order (the head is not ranked)
    double classDice = kUndefined;     // the model's mean per-image Dice of the class on these images
    VerdictFacts facts;                // read at the stage feeding the head, or the one asked for
    RankingVerdict verdict = RankingVerdict::Undecided;
    std::string verdictText;
    double seconds = 0;
};

// Ranks the channels of every stage (or `stage`) over `indices` of `data` by both strategies,
// with the binary mask of `classIndex`, and gives MISSION §8's verdict.
RankingReport rankChannels(SegmentationModel &model, const Dataset &data, const std::vector<std::size_t> &indices,
                           const Normalisation &normalisation, int classIndex, const std::string &stage,
                           const std::string &device, int batchSize = 4);

// -------------------------------------------------------- worst cases and N/C over a split

// One image of a split with the model's prediction.
struct CaseView {
    std::size_t index = 0;  // into the dataset
    Sample sample;          // image and truth
    std::vector<std::uint8_t> prediction;
    ImageScores scores;
    double rankingDice = kUndefined;  // the Dice the worst cases are ordered by
};

struct NcRow {
    std::size_t index = 0;
    std::string id;
    double ncTrue = kUndefined, ncPred = kUndefined;
    double absError = kUndefined;          // |ncPred - ncTrue| when both are defined
    int nucleiTrue = -1, nucleiPred = -1;  // nuclei counted apart (inspect/Nuclei.h); -1: no nucleus class
};

struct ReviewOptions {
    int worstCount = 4;
    int classIndex = -1;  // worst by this class's Dice; -1: by the mean Dice
};

struct SplitReview {
    std::vector<std::string> classNames;
    ReviewOptions options;
    SplitMetrics metrics;         // the whole split, per image in `metrics.perImage`
    std::vector<CaseView> worst;  // lowest Dice first
    std::vector<NcRow> nc;        // every image, in the order of `indices`
    double ncMeanAbsError = kUndefined;
    int ncImages = 0;                      // images where both N/C ratios are defined
    int nucleiTrue = -1, nucleiPred = -1;  // nuclei counted over every image; -1: no nucleus class
    double seconds = 0;
};

// One pass over `indices` of `data`: per-image metrics, the worst cases and the N/C table.
SplitReview reviewSplit(SegmentationModel &model, const Dataset &data, const std::vector<std::size_t> &indices,
                        const Normalisation &normalisation, const ReviewOptions &options, const std::string &device,
                        int batchSize = 8);

}  // namespace unetlab
