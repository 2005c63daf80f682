#include "data/Normalisation.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace unetlab {

Normalisation datasetStatistics(const Dataset &data, const std::vector<std::size_t> &indices) {
    const int channels = data.inChannels();
    std::vector<double> sum(channels, 0.0), sumSq(channels, 0.0);
    std::size_t pixels = 0;
    for (std::size_t index : indices) {
        const Sample s = data.get(index);
        std::vector<std::uint64_t> s1(channels, 0), s2(channels, 0);
        for (std::size_t p = 0; p < s.pixelCount(); ++p)
            for (int c = 0; c < channels; ++c) {
                const std::uint64_t v = s.image[p * channels + c];
                s1[c] += v;
                s2[c] += v * v;
            }
        for (int c = 0; c < channels; ++c) {
            sum[c] += static_cast<double>(s1[c]);
            sumSq[c] += static_cast<double>(s2[c]);
        }
        pixels += s.pixelCount();
    }
    if (pixels == 0) throw std::invalid_argument("cannot compute statistics of no images");
    Normalisation n;
    for (int c = 0; c < channels; ++c) {
        const double mean = sum[c] / static_cast<double>(pixels) / 255.0;
        const double var = sumSq[c] / static_cast<double>(pixels) / (255.0 * 255.0) - mean * mean;
        n.mean.push_back(mean);
        n.std.push_back(std::max(1e-3, std::sqrt(std::max(0.0, var))));
    }
    return n;
}

nlohmann::json toJson(const Normalisation &n) {
    if (n.isIdentity()) return {{"kind", "scale"}};
    return {{"kind", "zscore-dataset"}, {"mean", n.mean}, {"std", n.std}};
}

Normalisation normalisationFromJson(const nlohmann::json &j) {
    Normalisation n;
    try {
        const std::string kind = j.at("kind").get<std::string>();
        if (kind == "scale") return n;
        if (kind != "zscore-dataset") throw std::invalid_argument("unknown normalisation '" + kind + "'");
        n.mean = j.at("mean").get<std::vector<double>>();
        n.std = j.at("std").get<std::vector<double>>();
    } catch (const nlohmann::json::exception &e) {
        throw std::invalid_argument(std::string("normalisation is incomplete: ") + e.what());
    }
    if (n.mean.size() != n.std.size() || n.mean.empty())
        throw std::invalid_argument("normalisation needs one mean and one std per channel");
    for (std::size_t c = 0; c < n.std.size(); ++c)
        if (!(n.std[c] > 0) || !std::isfinite(n.std[c]) || !std::isfinite(n.mean[c]))
            throw std::invalid_argument("normalisation statistics must be finite with std > 0");
    return n;
}

}  // namespace unetlab
