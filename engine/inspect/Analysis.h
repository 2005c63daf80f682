#pragma once
// The plain-C++ side of looking inside a model (MISSION §8): names of the channel
// rankings, per-pixel error maps, the order of worst cases, the channel-ranking verdict,
// and the hand-designed kernels learned ones are compared with. No LibTorch, no Qt, so
// the CLI, the widgets and the engine share one definition of each.

#include <cstdint>
#include <string>
#include <vector>

#include "train/Metrics.h"

namespace unetlab {

// How a stage's channels are ordered when only the top k are shown.
enum class ChannelRanking {
    Variance,     // spatial variance of the channel on the image: where it changes, it says something
    Magnitude,    // Strategy 1: mean |activation|
    Correlation,  // Strategy 2: point-biserial correlation with the binary mask of one class (ordered by |r|)
};
std::string toString(ChannelRanking r);                         // "variance", "magnitude", "correlation"
ChannelRanking channelRankingFromString(const std::string &s);  // throws std::invalid_argument
// For people: "spatial variance", "mean |activation| (Strategy 1)", ...
std::string describe(ChannelRanking r);

// Per-pixel errors of a prediction against the truth.
enum PixelError : std::uint8_t {
    kPixelCorrect = 0,
    kFalsePositive = 1,  // predicted as the class (any foreground class) where the truth says otherwise
    kFalseNegative = 2,  // the truth's class (any foreground class) that the prediction missed
    kWrongClass = 3,     // classIndex < 0 only: foreground predicted as another foreground class
};
// With classIndex >= 0, errors for that class alone. With classIndex < 0, over all classes with
// class 0 as background: background predicted as foreground is a false positive, foreground
// predicted as background a false negative, one foreground class taken for another kWrongClass.
std::vector<std::uint8_t> errorMap(const std::uint8_t *truth, const std::uint8_t *pred, std::size_t n, int classIndex);

// Whether errorMap can mark kWrongClass: over all classes, with more than one class besides
// the background (with one, every error is a false positive or negative).
bool countsWrongClass(int classIndex, std::size_t numClasses);

struct ErrorCounts {
    std::int64_t falsePositives = 0, falseNegatives = 0, wrongClass = 0;
};
ErrorCounts countErrors(const std::vector<std::uint8_t> &errors);

// Positions in `images` of the `count` lowest Dice scores (of `classIndex`, or the mean Dice
// when classIndex < 0), lowest first; images whose score is undefined are left out. Ties
// keep the images' order.
std::vector<std::size_t> worstCaseOrder(const std::vector<ImageScores> &images, std::size_t count, int classIndex);
// The score worstCaseOrder ranks by.
double rankingDice(const ImageScores &image, int classIndex);
// The outline offset (train/OutlineOffset.h) a worst case shows: of the class ranked by, or,
// ranked by the mean Dice, of the one class besides the background (`numClasses` 2); 0 where
// none is known or it is 0.
int shownOutlineOffset(const ImageScores &image, int classIndex, std::size_t numClasses);
// "+2", "0", "-1": an outline offset with its sign.
std::string signedPixels(int pixels);
// "outline +2 px", "outline -1 px".
std::string outlineText(int pixels);

// MISSION §8: no channel that follows the class mask means the features are missing
// (upstream: capacity); strong channels with a poor Dice mean the 1x1 head does not use them
// (downstream: train longer, weight the loss, add Dice).
enum class RankingVerdict { Upstream, Downstream, Healthy, Undecided };
// |r| from which a channel is said to follow the mask, and the Dice from which a class is
// segmented well. Both are teaching thresholds, written into the verdict so they can be judged.
inline constexpr double kStrongCorrelation = 0.5;
inline constexpr double kGoodDice = 0.8;

struct VerdictFacts {
    std::string stage;      // the stage the verdict reads, e.g. "dec1"
    std::string className;  // e.g. "nucleus"
    int images = 0;
    int bestChannel = -1;                 // channel with the largest |r|; -1 when no r was defined
    double bestCorrelation = kUndefined;  // signed r of that channel
    double classDice = kUndefined;        // mean per-image Dice of the class on the same images
    bool headInput = true;                // the stage feeds the 1x1 head directly
};
RankingVerdict judgeRanking(const VerdictFacts &facts);
std::string toString(RankingVerdict v);  // "upstream", "downstream", "healthy", "undecided"
// Plain-language verdict, two or three sentences, for the GUI and the CLI.
std::string verdictText(const VerdictFacts &facts);

// Hand-designed 3x3 kernels (row-major) to set beside learned ones.
struct NamedKernel {
    std::string name;            // "Sobel x"
    std::string description;     // what it responds to
    std::vector<float> weights;  // 9 values
};
std::vector<NamedKernel> handDesignedKernels();  // Sobel x, Sobel y, Gaussian, Laplacian

}  // namespace unetlab
