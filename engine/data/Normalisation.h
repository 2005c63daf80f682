#pragma once
// Input preprocessing (MISSION §6), decided once from the training split and stored in
// checkpoints so that inference applies exactly what training used. Plain C++; OpenCV and
// LibTorch stay in the .cpp files (Batch.cpp's prepareInput applies it to tensors).
//
// An 8-bit image becomes the model's input in two steps:
//  1. Equalisation (optional, on the 8-bit image): global histogram equalisation or CLAHE
//     (OpenCV's equalizeHist / createCLAHE). Grey images directly; RGB images on the luma
//     channel (RGB -> YCrCb, equalise Y, back), so colours keep their hue.
//  2. An intensity mapping of x = value / 255, per channel c:
//       scale       x
//       minmax      (x - min) / (max - min)
//       zscore      (x - mean) / std
//       percentile  clip((x - p_low) / (p_high - p_low), 0, 1)
//       otsu        clip((x - m_dark) / (2 (m_bright - m_dark)), 0, 1), then the z-score of the
//                   training split of that: Otsu's threshold splits each image's values into a
//                   darker and a brighter class with means m_dark and m_bright, so the dark
//                   class's mean becomes 0 and the bright class's 0.5 (per image only): the
//                   bright class's mean, not a few bright spots, sets the scale (README,
//                   "Time to a good model": better than percentiles on five nuclei splits).
//     with statistics either of the training split ("dataset": per channel, over every
//     training pixel) or of each image on its own ("per-image": over all channels of that
//     image together, so colours keep their balance). Percentiles are nearest-rank on the
//     8-bit values: the smallest v with at least ceil(p/100 * N) of the N values <= v.
//     Ranges are floored at 1/255 and std at 1e-3, so a flat image never divides by zero.
// The default (no equalisation, z-score of the training split) is what every earlier
// version did; its JSON keeps the old forms {"kind": "scale"} and
// {"kind": "zscore-dataset", "mean": [...], "std": [...]}, which are still read.

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "data/Dataset.h"

namespace unetlab {

enum class Equalisation { None, Histogram, Clahe };
enum class IntensityMapping { Scale, MinMax, ZScore, Percentile, Otsu };
enum class StatisticsScope { Dataset, Image };

// The choice, as set in TrainConfig; the statistics come from the data (computeNormalisation).
struct Preprocessing {
    Equalisation equalisation = Equalisation::None;
    IntensityMapping mapping = IntensityMapping::ZScore;
    StatisticsScope scope = StatisticsScope::Dataset;
    double lowPercentile = 1.0, highPercentile = 99.0;  // percentile
    double claheClipLimit = 2.0;                        // CLAHE: OpenCV's clip limit
    int claheTiles = 8;                                 // CLAHE: tiles per side

    // Throws std::invalid_argument on nonsense values.
    void validate() const;
    bool operator==(const Preprocessing &o) const;
    bool operator!=(const Preprocessing &o) const { return !(*this == o); }
};

// The command line's form:  [histeq|clahe][+]MAPPING[:per-image|:dataset][:LOW-HIGH]
//   MAPPING = none | minmax | zscore | percentile | otsu (always per image); "histeq" and
//   "clahe" alone mean z-score after equalising; LOW-HIGH sets the percentiles (e.g.
//   percentile:per-image:0.5-99.5).
// Examples: zscore (the default), minmax:per-image, percentile, clahe, histeq+percentile:per-image, otsu.
std::string toString(const Preprocessing &p);
Preprocessing parsePreprocessing(const std::string &text);  // throws std::invalid_argument
nlohmann::json toJson(const Preprocessing &p);
Preprocessing preprocessingFromJson(const nlohmann::json &j);  // throws std::invalid_argument

struct Normalisation {
    // Dataset statistics, per channel, in [0, 1] units: the offset and divisor of step 2
    // (z-score: mean and std; minmax: min and max - min; percentile: p_low and
    // p_high - p_low; otsu: mean and std of the clipped per-image map, applied after it).
    // Empty with a dataset scope: scale only.
    std::vector<double> mean;
    std::vector<double> std;
    Preprocessing method;

    Normalisation() = default;
    Normalisation(std::vector<double> offsets, std::vector<double> divisors, Preprocessing how = {})
        : mean(std::move(offsets)), std(std::move(divisors)), method(std::move(how)) {}

    // Pixels are only scaled to [0, 1].
    bool isIdentity() const;
    // Needs each image's own pixels (equalisation or per-image statistics), beyond one
    // affine map per channel.
    bool perImage() const;
    // The result is clipped to [0, 1] (percentile; otsu before its z-score).
    bool clips() const {
        return method.mapping == IntensityMapping::Percentile || method.mapping == IntensityMapping::Otsu;
    }
    // The per-image map is followed by the training split's z-score of its result (otsu).
    bool standardisesAfterClipping() const { return method.mapping == IntensityMapping::Otsu && !mean.empty(); }
    std::string describe() const;  // for people, e.g. "CLAHE, then z-score per image"
};

// Per-channel mean and standard deviation of `indices` of `data` (std floored at 1e-3):
// the default z-score of the training split.
Normalisation datasetStatistics(const Dataset &data, const std::vector<std::size_t> &indices);

// `method` with the statistics it needs from `indices` of `data` (equalised first when
// `method` equalises). Throws std::invalid_argument on no images.
Normalisation computeNormalisation(const Preprocessing &method, const Dataset &data,
                                   const std::vector<std::size_t> &indices);

// One channel's affine map of step 2: input = (value / 255 - offset) / divisor.
struct ChannelMap {
    double offset = 0, divisor = 1;
};
// Step 1 in place on one image stored as `channels` planes of height x width (the layout
// of a CHW tensor), then the per-channel maps of step 2 for it.
std::vector<ChannelMap> preprocessPlanes(std::uint8_t *planes, int channels, int height, int width,
                                         const Normalisation &n);
// The model input of one sample: channels x height x width floats (CHW), exactly as
// prepareInput computes it (for previews and tests without LibTorch).
std::vector<float> preprocessSample(const Sample &sample, const Normalisation &n);
// Step 1 only, on an interleaved 8-bit sample (what equalisation shows to people).
Sample equaliseSample(const Sample &sample, const Preprocessing &method);

nlohmann::json toJson(const Normalisation &n);
// Accepts what toJson writes, {"kind": "scale"} and {"kind": "zscore-dataset", ...}.
// Throws std::invalid_argument.
Normalisation normalisationFromJson(const nlohmann::json &j);

}  // namespace unetlab
