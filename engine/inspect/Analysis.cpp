#include "inspect/Analysis.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>

#include "core/EnumNames.h"

namespace unetlab {
namespace {

const EnumName<ChannelRanking> kRankingNames[] = {
    {ChannelRanking::Variance, "variance"},
    {ChannelRanking::Magnitude, "magnitude"},
    {ChannelRanking::Correlation, "correlation"},
};
const EnumName<RankingVerdict> kVerdictNames[] = {
    {RankingVerdict::Upstream, "upstream"},
    {RankingVerdict::Downstream, "downstream"},
    {RankingVerdict::Healthy, "healthy"},
    {RankingVerdict::Undecided, "undecided"},
};

std::string fixed(double x, int decimals = 2) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.*f", decimals, x);
    return buffer;
}

}  // namespace

std::string toString(ChannelRanking r) { return enumToName(kRankingNames, r); }
ChannelRanking channelRankingFromString(const std::string &s) {
    return enumFromName(kRankingNames, s, "channel ranking");
}
std::string describe(ChannelRanking r) {
    switch (r) {
        case ChannelRanking::Variance:
            return "spatial variance";
        case ChannelRanking::Magnitude:
            return "mean |activation| (Strategy 1)";
        case ChannelRanking::Correlation:
            return "correlation with the class mask (Strategy 2)";
    }
    return "?";
}

std::vector<std::uint8_t> errorMap(const std::uint8_t *truth, const std::uint8_t *pred, std::size_t n, int classIndex) {
    std::vector<std::uint8_t> out(n, kPixelCorrect);
    for (std::size_t i = 0; i < n; ++i) {
        const int t = truth[i], p = pred[i];
        if (t == p) continue;
        if (classIndex >= 0) {
            if (p == classIndex)
                out[i] = kFalsePositive;
            else if (t == classIndex)
                out[i] = kFalseNegative;
        } else {
            out[i] = t == 0 ? kFalsePositive : p == 0 ? kFalseNegative : kWrongClass;
        }
    }
    return out;
}

ErrorCounts countErrors(const std::vector<std::uint8_t> &errors) {
    ErrorCounts c;
    for (std::uint8_t e : errors) {
        c.falsePositives += e == kFalsePositive;
        c.falseNegatives += e == kFalseNegative;
        c.wrongClass += e == kWrongClass;
    }
    return c;
}

double rankingDice(const ImageScores &image, int classIndex) {
    if (classIndex < 0) return image.diceMean;
    return classIndex < static_cast<int>(image.dice.size()) ? image.dice[static_cast<std::size_t>(classIndex)]
                                                            : kUndefined;
}

bool countsWrongClass(int classIndex, std::size_t numClasses) { return classIndex < 0 && numClasses > 2; }

int shownOutlineOffset(const ImageScores &image, int classIndex, std::size_t numClasses) {
    std::size_t c = 0;
    if (classIndex > 0) c = static_cast<std::size_t>(classIndex);
    if (classIndex < 0 && numClasses == 2) c = 1;
    if (c == 0 || c >= image.outline.size() || !image.outline[c].defined) return 0;
    return image.outline[c].pixels;
}

std::string signedPixels(int pixels) { return (pixels > 0 ? "+" : "") + std::to_string(pixels); }

std::string outlineText(int pixels) { return "outline " + signedPixels(pixels) + " px"; }

std::vector<std::size_t> worstCaseOrder(const std::vector<ImageScores> &images, std::size_t count, int classIndex) {
    std::vector<std::size_t> order;
    for (std::size_t i = 0; i < images.size(); ++i)
        if (!std::isnan(rankingDice(images[i], classIndex))) order.push_back(i);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return rankingDice(images[a], classIndex) < rankingDice(images[b], classIndex);
    });
    if (order.size() > count) order.resize(count);
    return order;
}

RankingVerdict judgeRanking(const VerdictFacts &f) {
    if (f.bestChannel < 0 || std::isnan(f.bestCorrelation)) return RankingVerdict::Undecided;
    if (std::abs(f.bestCorrelation) < kStrongCorrelation) return RankingVerdict::Upstream;
    if (std::isnan(f.classDice)) return RankingVerdict::Undecided;
    return f.classDice < kGoodDice ? RankingVerdict::Downstream : RankingVerdict::Healthy;
}

std::string toString(RankingVerdict v) { return enumToName(kVerdictNames, v); }

std::string verdictText(const VerdictFacts &f) {
    const std::string images = std::to_string(f.images) + (f.images == 1 ? " image" : " images");
    const std::string dice = std::isnan(f.classDice) ? "undefined" : fixed(f.classDice);
    const std::string best = "channel " + std::to_string(f.bestChannel) + " (r = " + fixed(f.bestCorrelation) +
                             (f.bestCorrelation < 0 ? ", inverted" : "") + ")";
    std::string text;
    switch (judgeRanking(f)) {
        case RankingVerdict::Undecided:
            if (f.bestChannel < 0)
                text = "No channel of " + f.stage + " could be compared with the " + f.className + " mask: the " +
                       f.className + " class is absent from all " + images + " (or every channel is constant).";
            else
                text = "The strongest channel of " + f.stage + " is " + best + ", but the " + f.className +
                       " Dice is undefined on these " + images + ", so upstream and downstream cannot be told apart.";
            break;
        case RankingVerdict::Upstream:
            text = "No channel of " + f.stage + " follows the " + f.className + " mask: the strongest, " + best +
                   ", stays below |r| = " + fixed(kStrongCorrelation) +
                   ". The features the head needs are not there, "
                   "so the problem is upstream (capacity): more width or depth, a larger receptive field, or longer "
                   "training. " +
                   f.className + " Dice on these " + images + ": " + dice + ".";
            break;
        case RankingVerdict::Downstream:
            text = f.stage + " has a channel that follows the " + f.className + " mask, " + best + ", yet the " +
                   f.className + " Dice on these " + images + " is only " + dice + " (below " + fixed(kGoodDice) +
                   "). The information is there but the 1x1 head does not use it, so the problem is downstream: "
                   "train longer, weight the loss towards " +
                   f.className + ", or add a Dice term.";
            break;
        case RankingVerdict::Healthy:
            text = f.stage + " has a channel that follows the " + f.className + " mask, " + best + ", and the " +
                   f.className + " Dice on these " + images + " is " + dice +
                   ": the features are there and the head "
                   "uses them.";
            break;
    }
    if (!f.headInput)
        text += " Note: " + f.stage +
                " does not feed the head directly; the verdict is firmest at the stage "
                "that does.";
    return text;
}

std::vector<NamedKernel> handDesignedKernels() {
    return {
        {"Sobel x", "vertical edges (brightness changing left to right)", {-1, 0, 1, -2, 0, 2, -1, 0, 1}},
        {"Sobel y", "horizontal edges (brightness changing top to bottom)", {-1, -2, -1, 0, 0, 0, 1, 2, 1}},
        {"Gaussian",
         "blur: a weighted local average",
         {1 / 16.f, 2 / 16.f, 1 / 16.f, 2 / 16.f, 4 / 16.f, 2 / 16.f, 1 / 16.f, 2 / 16.f, 1 / 16.f}},
        {"Laplacian", "spots and edges in every direction", {0, 1, 0, 1, -4, 1, 0, 1, 0}},
    };
}

}  // namespace unetlab
