#include "inspect/Sheets.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <sstream>

namespace unetlab {
namespace {

constexpr int kTileSide = 256;       // stage maps and worst cases, at the data's usual size
constexpr int kKernelTileSide = 72;  // one 3x3 kernel, enlarged so each weight is a visible square
constexpr int kMapsPerRow = 8;
constexpr std::size_t kKernelsPerRow = 16;

std::string countOrEmpty(int n) { return n < 0 ? std::string() : std::to_string(n); }

std::string csvNumber(double x) {
    if (std::isnan(x)) return "";
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.6g", x);
    return buffer;
}

std::string shape(int c, int h, int w) {
    return std::to_string(c) + " x " + std::to_string(h) + " x " + std::to_string(w);
}

std::string channelName(int c, int channels) {
    if (channels == 3) return std::string(1, "RGB"[c]);
    return std::to_string(c);
}

RgbImage diverging(const float *w, int kh, int kw, float limit) {
    return colourMapped(w, kw, kh, -limit, limit, ColourMap::Diverging);
}

float absMax(const std::vector<float> &v) {
    float m = 0;
    for (float x : v) m = std::max(m, std::abs(x));
    return m;
}

SheetRow colourScaleRow(ColourMap map, const std::string &caption) {
    return {"", {{colourBar(map, 256, 14), caption}}, kTileSide};
}

}  // namespace

RgbImage kernelMosaic(const KernelSet &k, int outs, int ins, float limit, int cell) {
    const int gap = 2;
    const int width = ins * (cell + gap) + gap, height = outs * (cell + gap) + gap;
    RgbImage mosaic{width, height, std::vector<std::uint8_t>(static_cast<std::size_t>(width) * height * 3, 255)};
    for (int o = 0; o < outs; ++o)
        for (int i = 0; i < ins; ++i) {
            const RgbImage tile =
                resized(diverging(k.kernel(o, i), k.kernelHeight, k.kernelWidth, limit), cell, cell, true);
            for (int y = 0; y < cell; ++y)
                std::copy_n(
                    tile.pixels.begin() + y * cell * 3, cell * 3,
                    mosaic.pixels.begin() +
                        ((static_cast<std::size_t>(gap + o * (cell + gap) + y) * width) + gap + i * (cell + gap)) * 3);
        }
    return mosaic;
}

std::string formatScore(double value) {
    if (std::isnan(value)) return "n/a";
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.3g", value);
    return buffer;
}

RgbImage stageSheet(const ImageInspection &in, const StageMaps &stage, const std::vector<std::string> &classNames) {
    std::vector<SheetRow> rows;
    std::string picturesTitle = in.sample.id;
    if (in.hasTruth && !std::isnan(in.scores.diceMean))
        picturesTitle += ": mean Dice " + formatScore(in.scores.diceMean);
    SheetRow pictures{picturesTitle, {{sampleRgb(in.sample), "input"}}};
    if (in.hasTruth) pictures.tiles.push_back({maskOverlay(in.sample, in.sample.mask.data()), "truth"});
    pictures.tiles.push_back({maskOverlay(in.sample, in.prediction.data()), "prediction"});
    rows.push_back(pictures);

    const std::string ranking = describe(in.options.ranking);
    for (std::size_t from = 0; from < stage.top.size(); from += kMapsPerRow) {
        SheetRow maps;
        if (from == 0)
            maps.title = "top " + std::to_string(stage.top.size()) + " of " + std::to_string(stage.channels) +
                         (stage.logits ? " class logits" : " channels") + " by " + ranking;
        for (std::size_t i = from; i < std::min(stage.top.size(), from + kMapsPerRow); ++i) {
            const ActivationMap &m = stage.top[i];
            std::string name = "channel " + std::to_string(m.channel);
            if (stage.logits && m.channel < static_cast<int>(classNames.size()))
                name += " (" + classNames[static_cast<std::size_t>(m.channel)] + ")";
            maps.tiles.push_back({colourMapped(m.values.data(), m.width, m.height, m.min, m.max, ColourMap::Viridis),
                                  name + "\nscore " + formatScore(m.score) + "\nrange " + formatScore(m.min) + " .. " +
                                      formatScore(m.max)});
        }
        rows.push_back(maps);
    }
    rows.push_back(colourScaleRow(ColourMap::Viridis, "low .. high, each map on its own range"));
    std::vector<std::string> footer;
    if (in.options.ranking == ChannelRanking::Correlation)
        footer.push_back("r against the " + in.correlationMask + " mask of class " +
                         (in.options.classIndex < static_cast<int>(classNames.size())
                              ? classNames[static_cast<std::size_t>(in.options.classIndex)]
                              : std::to_string(in.options.classIndex)));
    if (!in.note.empty()) footer.push_back("input " + in.note);
    footer.push_back("model: " + in.model);
    return composeSheet(stage.name + ": " + shape(stage.channels, stage.height, stage.width) + ", receptive field " +
                            std::to_string(stage.receptiveField) + " px",
                        rows, kTileSide, footer);
}

RgbImage kernelSheet(const KernelSet &k, int maxChannels) {
    std::vector<SheetRow> rows;
    const float limit = std::max(absMax(k.weights), 1e-12f);
    const std::string size = std::to_string(k.kernelHeight) + "x" + std::to_string(k.kernelWidth);
    if (k.firstLayer) {
        // Long layers wrap, so the sheet stays readable on a screen.
        auto addWrapped = [&](const std::string &title, const std::vector<SheetTile> &tiles) {
            for (std::size_t from = 0; from < tiles.size(); from += kKernelsPerRow)
                rows.push_back(
                    {from == 0 ? title : "",
                     {tiles.begin() + static_cast<std::ptrdiff_t>(from),
                      tiles.begin() + static_cast<std::ptrdiff_t>(std::min(tiles.size(), from + kKernelsPerRow))},
                     kKernelTileSide});
        };
        std::vector<SheetTile> rgb;
        for (int o = 0; o < k.outChannels; ++o)
            rgb.push_back(
                {kernelRgbTile(k.kernel(o, 0), k.inChannels, k.kernelHeight, k.kernelWidth), "#" + std::to_string(o)});
        addWrapped(std::to_string(k.outChannels) + " kernels " + size + " as " + (k.inChannels == 3 ? "RGB" : "grey") +
                       " tiles, each rescaled to [0, 1] on its own",
                   rgb);
        for (int i = 0; i < std::min(k.inChannels, maxChannels); ++i) {
            std::vector<SheetTile> tiles;
            for (int o = 0; o < k.outChannels; ++o)
                tiles.push_back(
                    {diverging(k.kernel(o, i), k.kernelHeight, k.kernelWidth, limit), "#" + std::to_string(o)});
            addWrapped("input channel " + channelName(i, k.inChannels) + ": weights on one scale, blue < 0 < red",
                       tiles);
        }
    } else {
        const int outs = std::min(k.outChannels, maxChannels), ins = std::min(k.inChannels, maxChannels);
        const RgbImage mosaic = kernelMosaic(k, outs, ins, limit);
        rows.push_back({"rows: output channels " + std::to_string(outs) + " of " + std::to_string(k.outChannels) +
                            ", columns: input channels " + std::to_string(ins) + " of " + std::to_string(k.inChannels) +
                            "; blue < 0 < red",
                        {{mosaic, ""}},
                        std::max(mosaic.width, mosaic.height)});
    }
    SheetRow hand{"hand-designed kernels for comparison (each on its own scale)", {}, kKernelTileSide};
    for (const NamedKernel &h : handDesignedKernels())
        hand.tiles.push_back({diverging(h.weights.data(), 3, 3, absMax(h.weights)), h.name});
    rows.push_back(hand);
    rows.push_back(colourScaleRow(ColourMap::Diverging, "-" + formatScore(limit) + " .. 0 .. +" + formatScore(limit)));
    return composeSheet(k.layer + ": " + std::to_string(k.outChannels) + " x " + std::to_string(k.inChannels) + " x " +
                            size + (k.transposed ? " (transposed convolution)" : ""),
                        rows, kKernelTileSide);
}

std::string worstCaseErrorCaption(const SplitReview &review, const CaseView &v,
                                  const std::vector<std::uint8_t> &errors) {
    const int c = review.options.classIndex;
    const ErrorCounts n = countErrors(errors);
    std::string caption =
        "errors: " + std::to_string(n.falsePositives) + " FP, " + std::to_string(n.falseNegatives) + " FN";
    if (countsWrongClass(c, review.classNames.size())) caption += ", " + std::to_string(n.wrongClass) + " wrong class";
    if (const int outline = shownOutlineOffset(v.scores, c, review.classNames.size()))
        caption += ", " + outlineText(outline);
    return caption;
}

std::string overlayLegend(const std::vector<std::string> &classNames) {
    std::string legend = "overlays:";
    for (std::size_t k = 1; k < classNames.size(); ++k)
        legend += (k > 1 ? ", " : " ") + classNames[k] + " " + classColourName(static_cast<int>(k));
    return legend;
}

RgbImage worstCaseSheet(const SplitReview &review, const std::string &splitName) {
    const int c = review.options.classIndex;
    const std::string by = c >= 0 && c < static_cast<int>(review.classNames.size())
                               ? review.classNames[static_cast<std::size_t>(c)] + " Dice"
                               : "mean Dice";
    std::vector<SheetRow> rows;
    for (const CaseView &v : review.worst) {
        std::string title =
            v.sample.id + " (index " + std::to_string(v.index) + "): " + by + " " + formatScore(v.rankingDice);
        for (std::size_t k = 1; k < v.scores.dice.size() && k < review.classNames.size(); ++k)
            title += ", " + review.classNames[k] + " " + formatScore(v.scores.dice[k]);
        const std::vector<std::uint8_t> errors =
            errorMap(v.sample.mask.data(), v.prediction.data(), v.sample.pixelCount(), c);
        rows.push_back({title,
                        {{sampleRgb(v.sample), "image"},
                         {maskOverlay(v.sample, v.sample.mask.data()), "truth"},
                         {maskOverlay(v.sample, v.prediction.data()), "prediction"},
                         {errorOverlay(v.sample, errors), worstCaseErrorCaption(review, v, errors)}}});
    }
    auto legend = [](Rgb colour) { return RgbImage{1, 1, {colour.r, colour.g, colour.b}}; };
    SheetRow key{
        "", {{legend(kFalsePositiveColour), "false positive"}, {legend(kFalseNegativeColour), "false negative"}}, 20};
    if (countsWrongClass(c, review.classNames.size())) key.tiles.push_back({legend(kWrongClassColour), "wrong class"});
    rows.push_back(key);
    return composeSheet("The " + std::to_string(review.worst.size()) + " images with the lowest " + by + " in the " +
                            splitName + " split (" + std::to_string(review.metrics.images) + " images)",
                        rows, kTileSide, {overlayLegend(review.classNames) + "; errors on the faded image"});
}

std::string rankingCsv(const RankingReport &report) {
    std::ostringstream csv;
    csv << "stage,channel,class,variance,magnitude,magnitude_rank,correlation,correlation_rank,correlation_images\n";
    for (const StageRanking &s : report.stages) {
        std::vector<int> magnitudeRank(static_cast<std::size_t>(s.channels)), correlationRank(magnitudeRank);
        for (std::size_t r = 0; r < s.byMagnitude.size(); ++r)
            magnitudeRank[static_cast<std::size_t>(s.byMagnitude[r].channel)] = static_cast<int>(r) + 1;
        for (std::size_t r = 0; r < s.byCorrelation.size(); ++r)
            correlationRank[static_cast<std::size_t>(s.byCorrelation[r].channel)] = static_cast<int>(r) + 1;
        std::vector<ChannelScore> byChannel = s.byMagnitude;
        std::sort(byChannel.begin(), byChannel.end(),
                  [](const ChannelScore &a, const ChannelScore &b) { return a.channel < b.channel; });
        for (const ChannelScore &c : byChannel) {
            const auto i = static_cast<std::size_t>(c.channel);
            csv << s.name << ',' << c.channel << ',' << report.className << ',' << csvNumber(c.variance) << ','
                << csvNumber(c.magnitude) << ',' << magnitudeRank[i] << ',' << csvNumber(c.correlation) << ','
                << correlationRank[i] << ',' << c.correlationImages << '\n';
        }
    }
    return csv.str();
}

std::string ncCsv(const SplitReview &review) {
    std::ostringstream csv;
    csv << "index,id,nc_true,nc_pred,abs_error,nuclei_true,nuclei_pred\n";
    for (const NcRow &r : review.nc)
        csv << r.index << ',' << r.id << ',' << csvNumber(r.ncTrue) << ',' << csvNumber(r.ncPred) << ','
            << csvNumber(r.absError) << ',' << countOrEmpty(r.nucleiTrue) << ',' << countOrEmpty(r.nucleiPred) << '\n';
    return csv.str();
}

}  // namespace unetlab
