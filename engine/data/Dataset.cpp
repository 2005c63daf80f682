#include "data/Dataset.h"

#include <algorithm>
#include <cstdint>
#include <map>

namespace unetlab {

DatasetSummary Dataset::summary() const {
    DatasetSummary s;
    s.name = name();
    s.count = size();
    s.width = width();
    s.height = height();
    s.channels = inChannels();
    s.classNames = classNames();
    s.classPixels.assign(s.classNames.size(), 0);
    std::map<std::pair<int, int>, std::size_t> sizes;
    std::uint64_t total = 0;
    for (std::size_t i = 0; i < s.count; ++i) {
        const Sample sample = get(i);
        ++sizes[{sample.width, sample.height}];
        for (std::uint8_t v : sample.mask)
            if (v < s.classPixels.size()) ++s.classPixels[v];
        total += sample.mask.size();
    }
    for (const auto &[wh, n] : sizes) s.sourceSizes.push_back({wh.first, wh.second, n});
    std::stable_sort(s.sourceSizes.begin(), s.sourceSizes.end(),
                     [](const auto &a, const auto &b) { return a.count > b.count; });
    for (std::uint64_t n : s.classPixels)
        s.classFractions.push_back(total ? static_cast<double>(n) / static_cast<double>(total) : 0.0);
    s.mapping = "class indices as generated";
    s.sizePolicy = "generated at " + std::to_string(s.width) + "x" + std::to_string(s.height);
    return s;
}

}  // namespace unetlab
