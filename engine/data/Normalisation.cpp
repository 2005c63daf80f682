#include "data/Normalisation.h"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "core/EnumNames.h"

namespace unetlab {
namespace {

// JSON names.
const EnumName<Equalisation> kEqualisations[] = {
    {Equalisation::None, "none"}, {Equalisation::Histogram, "histogram"}, {Equalisation::Clahe, "clahe"}};
const EnumName<IntensityMapping> kMappings[] = {{IntensityMapping::Scale, "scale"},
                                                {IntensityMapping::MinMax, "minmax"},
                                                {IntensityMapping::ZScore, "zscore"},
                                                {IntensityMapping::Percentile, "percentile"},
                                                {IntensityMapping::Otsu, "otsu"}};
const EnumName<StatisticsScope> kScopes[] = {{StatisticsScope::Dataset, "dataset"}, {StatisticsScope::Image, "image"}};
// Command-line names where they differ.
const EnumName<Equalisation> kEqualisationFlags[] = {{Equalisation::Histogram, "histeq"},
                                                     {Equalisation::Clahe, "clahe"}};
const EnumName<IntensityMapping> kMappingFlags[] = {{IntensityMapping::Scale, "none"},
                                                    {IntensityMapping::MinMax, "minmax"},
                                                    {IntensityMapping::ZScore, "zscore"},
                                                    {IntensityMapping::Percentile, "percentile"},
                                                    {IntensityMapping::Otsu, "otsu"}};

constexpr double kMinRange = 1.0 / 255.0;  // one grey level
constexpr double kMinStd = 1e-3;

// Nearest-rank percentile of 8-bit values from their histogram, in [0, 1] units.
double percentile(const std::array<std::uint64_t, 256> &histogram, std::uint64_t total, double p) {
    const auto rank =
        std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::ceil(p / 100.0 * static_cast<double>(total))));
    std::uint64_t seen = 0;
    for (int v = 0; v < 256; ++v) {
        seen += histogram[static_cast<std::size_t>(v)];
        if (seen >= rank) return v / 255.0;
    }
    return 1.0;
}

// Otsu's threshold of 8-bit values from their histogram: the level t that maximises the
// variance between the classes v <= t and v > t (the first such t). With a single level
// present there is no second class: returns 255.
int otsuThreshold(const std::array<std::uint64_t, 256> &histogram, std::uint64_t total) {
    const double n = static_cast<double>(total);
    double all = 0;
    for (int v = 0; v < 256; ++v) all += v * static_cast<double>(histogram[static_cast<std::size_t>(v)]);
    double weight = 0, sum = 0, best = -1;
    int threshold = 255;
    for (int t = 0; t < 255; ++t) {
        weight += static_cast<double>(histogram[static_cast<std::size_t>(t)]) / n;
        sum += t * static_cast<double>(histogram[static_cast<std::size_t>(t)]) / n;
        if (weight <= 0 || weight >= 1) continue;
        const double between = (all / n * weight - sum) * (all / n * weight - sum) / (weight * (1 - weight));
        if (between > best) {
            best = between;
            threshold = t;
        }
    }
    return threshold;
}

// Sums of one channel's 8-bit values, enough for every mapping's statistics.
struct ChannelTally {
    double sum = 0, sumSq = 0;
    std::uint64_t count = 0;
    std::array<std::uint64_t, 256> histogram{};

    ChannelMap map(const Preprocessing &m) const {
        int lo = 0, hi = 255;
        while (lo < 255 && histogram[static_cast<std::size_t>(lo)] == 0) ++lo;
        while (hi > 0 && histogram[static_cast<std::size_t>(hi)] == 0) --hi;
        switch (m.mapping) {
            case IntensityMapping::Scale:
                return {0.0, 1.0};
            case IntensityMapping::MinMax:
                return {lo / 255.0, std::max(kMinRange, (hi - lo) / 255.0)};
            case IntensityMapping::ZScore: {
                const double mean = sum / static_cast<double>(count) / 255.0;
                const double var = sumSq / static_cast<double>(count) / (255.0 * 255.0) - mean * mean;
                return {mean, std::max(kMinStd, std::sqrt(std::max(0.0, var)))};
            }
            case IntensityMapping::Percentile: {
                const double pLow = percentile(histogram, count, m.lowPercentile);
                const double pHigh = percentile(histogram, count, m.highPercentile);
                return {pLow, std::max(kMinRange, pHigh - pLow)};
            }
            case IntensityMapping::Otsu: {
                const int t = otsuThreshold(histogram, count);
                double dark = 0, bright = 0;
                std::uint64_t darkCount = 0, brightCount = 0;
                for (int v = 0; v < 256; ++v) {
                    const std::uint64_t h = histogram[static_cast<std::size_t>(v)];
                    (v <= t ? dark : bright) += v * static_cast<double>(h);
                    (v <= t ? darkCount : brightCount) += h;
                }
                const double darkMean = darkCount ? dark / static_cast<double>(darkCount) / 255.0 : 0.0;
                const double brightMean = brightCount ? bright / static_cast<double>(brightCount) / 255.0 : darkMean;
                return {darkMean, std::max(kMinRange, 2.0 * (brightMean - darkMean))};
            }
        }
        return {0.0, 1.0};
    }
};

// Adds `n` values (every `stride`-th from `p`) to a tally; integer sums first, as before.
void tally(ChannelTally &t, const std::uint8_t *p, std::size_t n, std::size_t stride) {
    std::uint64_t s1 = 0, s2 = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const std::uint64_t v = p[i * stride];
        s1 += v;
        s2 += v * v;
        ++t.histogram[v];
    }
    t.sum += static_cast<double>(s1);
    t.sumSq += static_cast<double>(s2);
    t.count += n;
}

// Equalises an interleaved 8-bit image (1 or more channels) in place.
void equaliseMat(cv::Mat &image, const Preprocessing &m) {
    if (m.equalisation == Equalisation::None) return;
    auto equalise = [&m](cv::Mat &grey) {
        cv::Mat out;
        if (m.equalisation == Equalisation::Histogram) {
            cv::equalizeHist(grey, out);
        } else {
            cv::Ptr<cv::CLAHE> clahe = cv::createCLAHE(m.claheClipLimit, cv::Size(m.claheTiles, m.claheTiles));
            clahe->apply(grey, out);
        }
        out.copyTo(grey);
    };
    if (image.channels() == 3) {
        cv::Mat ycrcb;
        cv::cvtColor(image, ycrcb, cv::COLOR_RGB2YCrCb);
        std::vector<cv::Mat> parts;
        cv::split(ycrcb, parts);
        equalise(parts[0]);
        cv::merge(parts, ycrcb);
        cv::cvtColor(ycrcb, image, cv::COLOR_YCrCb2RGB);
        return;
    }
    std::vector<cv::Mat> parts;
    cv::split(image, parts);
    for (cv::Mat &p : parts) equalise(p);
    cv::merge(parts, image);
}

// Otsu: the mean and std, per channel, of every training image's clipped per-image map (the
// values preprocessSample computes before its z-score), in double sums.
Normalisation withStatisticsAfterClipping(Normalisation n, const Dataset &data,
                                          const std::vector<std::size_t> &indices) {
    const auto channels = static_cast<std::size_t>(data.inChannels());
    std::vector<double> sum(channels, 0.0), sumSq(channels, 0.0);
    std::uint64_t count = 0;
    for (std::size_t index : indices) {
        const Sample s = data.get(index);
        const std::vector<float> x = preprocessSample(s, n);  // n has no statistics yet: map and clip only
        const std::size_t plane = s.pixelCount();
        for (std::size_t c = 0; c < channels; ++c)
            for (std::size_t p = 0; p < plane; ++p) {
                const double v = x[c * plane + p];
                sum[c] += v;
                sumSq[c] += v * v;
            }
        count += plane;
    }
    if (count == 0) throw std::invalid_argument("cannot compute statistics of no images");
    for (std::size_t c = 0; c < channels; ++c) {
        const double mean = sum[c] / static_cast<double>(count);
        const double var = sumSq[c] / static_cast<double>(count) - mean * mean;
        n.mean.push_back(mean);
        n.std.push_back(std::max(kMinStd, std::sqrt(std::max(0.0, var))));
    }
    return n;
}

void checkChannels(const Normalisation &n, int channels) {
    if (!n.mean.empty() && static_cast<int>(n.mean.size()) != channels)
        throw std::invalid_argument("images have " + std::to_string(channels) +
                                    " channel(s), the normalisation expects " + std::to_string(n.mean.size()));
}

}  // namespace

// ------------------------------------------------------------------- Preprocessing

void Preprocessing::validate() const {
    if (!(lowPercentile >= 0) || !(highPercentile <= 100) || !(lowPercentile < highPercentile))
        throw std::invalid_argument("percentiles must satisfy 0 <= low < high <= 100");
    if (!(claheClipLimit > 0) || claheClipLimit > 1000)
        throw std::invalid_argument("CLAHE clip limit must be in (0, 1000]");
    if (claheTiles < 1 || claheTiles > 64) throw std::invalid_argument("CLAHE tiles must be between 1 and 64");
    if (mapping == IntensityMapping::Otsu && scope != StatisticsScope::Image)
        throw std::invalid_argument("otsu works per image (its threshold is each image's own)");
}

bool Preprocessing::operator==(const Preprocessing &o) const {
    return equalisation == o.equalisation && mapping == o.mapping && scope == o.scope &&
           lowPercentile == o.lowPercentile && highPercentile == o.highPercentile &&
           claheClipLimit == o.claheClipLimit && claheTiles == o.claheTiles;
}

std::string toString(const Preprocessing &p) {
    std::string s;
    const bool defaultPercentiles =
        p.lowPercentile == Preprocessing{}.lowPercentile && p.highPercentile == Preprocessing{}.highPercentile;
    if (p.equalisation != Equalisation::None) {
        s = enumToName(kEqualisationFlags, p.equalisation);
        if (p.mapping == IntensityMapping::ZScore && p.scope == StatisticsScope::Dataset) return s;
        s += "+";
    }
    s += enumToName(kMappingFlags, p.mapping);
    if (p.scope == StatisticsScope::Image && p.mapping != IntensityMapping::Otsu) s += ":per-image";
    if (p.mapping == IntensityMapping::Percentile && !defaultPercentiles) {
        std::ostringstream range;
        range << ":" << p.lowPercentile << "-" << p.highPercentile;
        s += range.str();
    }
    return s;
}

Preprocessing parsePreprocessing(const std::string &text) {
    const char *forms =
        "expected [histeq|clahe+]none|minmax|zscore|percentile|otsu[:per-image][:LOW-HIGH], e.g. "
        "zscore, minmax:per-image, clahe, histeq+percentile:per-image:0.5-99.5, otsu";
    Preprocessing p;
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (true) {
        const std::size_t colon = text.find(':', start);
        parts.push_back(text.substr(start, colon - start));
        if (colon == std::string::npos) break;
        start = colon + 1;
    }
    const std::string &method = parts[0];
    const std::size_t plus = method.find('+');
    try {
        if (plus != std::string::npos) {
            p.equalisation = enumFromName(kEqualisationFlags, method.substr(0, plus), "equalisation");
            p.mapping = enumFromName(kMappingFlags, method.substr(plus + 1), "intensity mapping");
        } else if (method == "histeq" || method == "clahe") {
            p.equalisation = enumFromName(kEqualisationFlags, method, "equalisation");
        } else {
            p.mapping = enumFromName(kMappingFlags, method, "preprocessing");
        }
    } catch (const std::invalid_argument &e) {
        throw std::invalid_argument(std::string(e.what()) + "; " + forms);
    }
    if (p.mapping == IntensityMapping::Otsu) p.scope = StatisticsScope::Image;
    bool scopeSeen = false, rangeSeen = false;
    for (std::size_t i = 1; i < parts.size(); ++i) {
        const std::string &t = parts[i];
        if ((t == "per-image" || t == "image" || t == "dataset") && !scopeSeen) {
            p.scope = t == "dataset" ? StatisticsScope::Dataset : StatisticsScope::Image;
            scopeSeen = true;
            continue;
        }
        const std::size_t dash = t.find('-');
        if (p.mapping == IntensityMapping::Percentile && dash != std::string::npos && !rangeSeen) {
            try {
                std::size_t used1 = 0, used2 = 0;
                p.lowPercentile = std::stod(t.substr(0, dash), &used1);
                p.highPercentile = std::stod(t.substr(dash + 1), &used2);
                if (used1 != dash || used2 != t.size() - dash - 1) throw std::invalid_argument("trailing text");
            } catch (const std::exception &) {
                throw std::invalid_argument("percentile range '" + t + "' is not LOW-HIGH; " + forms);
            }
            rangeSeen = true;
            continue;
        }
        throw std::invalid_argument("unexpected '" + t + "' in preprocessing '" + text + "'; " + forms);
    }
    p.validate();
    return p;
}

nlohmann::json toJson(const Preprocessing &p) {
    return {{"equalisation", enumToName(kEqualisations, p.equalisation)},
            {"mapping", enumToName(kMappings, p.mapping)},
            {"scope", enumToName(kScopes, p.scope)},
            {"percentiles", {p.lowPercentile, p.highPercentile}},
            {"clahe_clip_limit", p.claheClipLimit},
            {"clahe_tiles", p.claheTiles}};
}

Preprocessing preprocessingFromJson(const nlohmann::json &j) {
    Preprocessing p;
    try {
        p.equalisation = enumFromName(kEqualisations, j.at("equalisation").get<std::string>(), "equalisation");
        p.mapping = enumFromName(kMappings, j.at("mapping").get<std::string>(), "intensity mapping");
        p.scope = enumFromName(kScopes, j.at("scope").get<std::string>(), "statistics scope");
        const auto range = j.at("percentiles").get<std::vector<double>>();
        if (range.size() != 2) throw std::invalid_argument("percentiles must be [low, high]");
        p.lowPercentile = range[0];
        p.highPercentile = range[1];
        p.claheClipLimit = j.at("clahe_clip_limit").get<double>();
        p.claheTiles = j.at("clahe_tiles").get<int>();
    } catch (const nlohmann::json::exception &e) {
        throw std::invalid_argument(std::string("preprocessing is incomplete: ") + e.what());
    }
    p.validate();
    return p;
}

// ------------------------------------------------------------------- Normalisation

bool Normalisation::isIdentity() const {
    if (method.equalisation != Equalisation::None) return false;
    if (method.scope == StatisticsScope::Image) return method.mapping == IntensityMapping::Scale;
    return mean.empty();
}

bool Normalisation::perImage() const {
    return method.equalisation != Equalisation::None ||
           (method.scope == StatisticsScope::Image && method.mapping != IntensityMapping::Scale);
}

std::string Normalisation::describe() const {
    std::string s;
    if (method.equalisation == Equalisation::Histogram) s = "histogram equalisation, then ";
    if (method.equalisation == Equalisation::Clahe) s = "CLAHE, then ";
    switch (method.mapping) {
        case IntensityMapping::Scale:
            return s + "scaled to [0, 1]";
        case IntensityMapping::MinMax:
            s += "min-max";
            break;
        case IntensityMapping::ZScore:
            s += "z-score";
            break;
        case IntensityMapping::Percentile: {
            std::ostringstream range;
            range << "percentile clipping (" << method.lowPercentile << "-" << method.highPercentile << ")";
            s += range.str();
            break;
        }
        case IntensityMapping::Otsu:
            return s + "Otsu's classes per image (darker mean 0, brighter 0.5), then z-score of the training set";
    }
    return s + (method.scope == StatisticsScope::Image ? " per image" : " of the training set");
}

Normalisation datasetStatistics(const Dataset &data, const std::vector<std::size_t> &indices) {
    return computeNormalisation(Preprocessing{}, data, indices);
}

Normalisation computeNormalisation(const Preprocessing &method, const Dataset &data,
                                   const std::vector<std::size_t> &indices) {
    method.validate();
    Normalisation n;
    n.method = method;
    if (method.mapping == IntensityMapping::Otsu) return withStatisticsAfterClipping(std::move(n), data, indices);
    if (method.scope == StatisticsScope::Image || method.mapping == IntensityMapping::Scale) return n;
    const int channels = data.inChannels();
    std::vector<ChannelTally> tallies(static_cast<std::size_t>(channels));
    for (std::size_t index : indices) {
        Sample s = data.get(index);
        if (method.equalisation != Equalisation::None) s = equaliseSample(s, method);
        for (int c = 0; c < channels; ++c)
            tally(tallies[static_cast<std::size_t>(c)], s.image.data() + c, s.pixelCount(),
                  static_cast<std::size_t>(channels));
    }
    if (tallies.empty() || tallies.front().count == 0)
        throw std::invalid_argument("cannot compute statistics of no images");
    for (const ChannelTally &t : tallies) {
        const ChannelMap m = t.map(method);
        n.mean.push_back(m.offset);
        n.std.push_back(m.divisor);
    }
    return n;
}

std::vector<ChannelMap> preprocessPlanes(std::uint8_t *planes, int channels, int height, int width,
                                         const Normalisation &n) {
    checkChannels(n, channels);
    const std::size_t plane = static_cast<std::size_t>(height) * static_cast<std::size_t>(width);
    if (n.method.equalisation != Equalisation::None) {
        std::vector<cv::Mat> parts;
        for (int c = 0; c < channels; ++c) parts.emplace_back(height, width, CV_8UC1, planes + c * plane);
        cv::Mat image;
        cv::merge(parts, image);
        equaliseMat(image, n.method);
        cv::split(image, parts);
        for (int c = 0; c < channels; ++c)
            std::copy_n(parts[static_cast<std::size_t>(c)].data, plane, planes + c * plane);
    }
    std::vector<ChannelMap> maps(static_cast<std::size_t>(channels));
    if (n.method.scope == StatisticsScope::Image) {
        ChannelTally t;
        tally(t, planes, plane * static_cast<std::size_t>(channels), 1);
        std::fill(maps.begin(), maps.end(), t.map(n.method));
    } else if (!n.mean.empty()) {
        for (std::size_t c = 0; c < maps.size(); ++c) maps[c] = {n.mean[c], n.std[c]};
    }
    return maps;
}

std::vector<float> preprocessSample(const Sample &sample, const Normalisation &n) {
    const int c = sample.channels, h = sample.height, w = sample.width;
    const std::size_t plane = sample.pixelCount();
    std::vector<std::uint8_t> planes(plane * static_cast<std::size_t>(c));
    for (std::size_t p = 0; p < plane; ++p)
        for (int k = 0; k < c; ++k) planes[static_cast<std::size_t>(k) * plane + p] = sample.image[p * c + k];
    const std::vector<ChannelMap> maps = preprocessPlanes(planes.data(), c, h, w, n);
    std::vector<float> out(planes.size());
    for (int k = 0; k < c; ++k) {
        // The same float operations, in the same order, as prepareInput's tensors.
        const float offset = static_cast<float>(maps[static_cast<std::size_t>(k)].offset);
        const float divisor = static_cast<float>(maps[static_cast<std::size_t>(k)].divisor);
        for (std::size_t p = 0; p < plane; ++p) {
            const std::size_t i = static_cast<std::size_t>(k) * plane + p;
            float x = static_cast<float>(planes[i]) / 255.0f;
            x = (x - offset) / divisor;
            if (n.clips()) x = std::clamp(x, 0.0f, 1.0f);
            if (n.standardisesAfterClipping())
                x = (x - static_cast<float>(n.mean[static_cast<std::size_t>(k)])) /
                    static_cast<float>(n.std[static_cast<std::size_t>(k)]);
            out[i] = x;
        }
    }
    return out;
}

Sample equaliseSample(const Sample &sample, const Preprocessing &method) {
    Sample out = sample;
    if (method.equalisation == Equalisation::None) return out;
    cv::Mat image(sample.height, sample.width, CV_8UC(sample.channels), out.image.data());
    equaliseMat(image, method);
    if (image.data != out.image.data()) std::copy_n(image.data, out.image.size(), out.image.data());
    return out;
}

nlohmann::json toJson(const Normalisation &n) {
    if (n.isIdentity()) return {{"kind", "scale"}};
    if (n.method == Preprocessing{}) return {{"kind", "zscore-dataset"}, {"mean", n.mean}, {"std", n.std}};
    nlohmann::json j = {{"kind", "preprocessing"}, {"method", toJson(n.method)}};
    if (!n.mean.empty()) {
        j["offset"] = n.mean;
        j["divisor"] = n.std;
    }
    return j;
}

Normalisation normalisationFromJson(const nlohmann::json &j) {
    Normalisation n;
    try {
        const std::string kind = j.at("kind").get<std::string>();
        if (kind == "scale") return n;
        if (kind == "zscore-dataset") {
            n.mean = j.at("mean").get<std::vector<double>>();
            n.std = j.at("std").get<std::vector<double>>();
        } else if (kind == "preprocessing") {
            n.method = preprocessingFromJson(j.at("method"));
            if (j.contains("offset")) {
                n.mean = j.at("offset").get<std::vector<double>>();
                n.std = j.at("divisor").get<std::vector<double>>();
            }
        } else {
            throw std::invalid_argument("unknown normalisation '" + kind + "'");
        }
    } catch (const nlohmann::json::exception &e) {
        throw std::invalid_argument(std::string("normalisation is incomplete: ") + e.what());
    }
    const bool needsStatistics =
        (n.method.scope == StatisticsScope::Dataset && n.method.mapping != IntensityMapping::Scale) ||
        n.method.mapping == IntensityMapping::Otsu;
    if (n.mean.size() != n.std.size() || (needsStatistics && n.mean.empty()))
        throw std::invalid_argument("normalisation needs one mean and one std per channel");
    for (std::size_t c = 0; c < n.std.size(); ++c)
        if (!(n.std[c] > 0) || !std::isfinite(n.std[c]) || !std::isfinite(n.mean[c]))
            throw std::invalid_argument("normalisation statistics must be finite with std > 0");
    return n;
}

}  // namespace unetlab
