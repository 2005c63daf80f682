#include "data/Split.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <stdexcept>
#include <string>

#include "core/Random.h"

namespace unetlab {

DataSplit makeSplit(std::size_t count, double valFraction, double testFraction, std::uint64_t seed) {
    if (valFraction < 0 || testFraction < 0 || valFraction + testFraction >= 1)
        throw std::invalid_argument("split fractions must be >= 0 and leave room for training");
    auto share = [count](double fraction) {
        if (fraction <= 0) return std::size_t{0};
        return std::max<std::size_t>(1, static_cast<std::size_t>(std::lround(fraction * count)));
    };
    const std::size_t nVal = share(valFraction), nTest = share(testFraction);
    if (nVal + nTest >= count)
        throw std::invalid_argument("a dataset of " + std::to_string(count) +
                                    " image(s) is too small to split into training, validation and test parts");
    std::vector<std::size_t> order(count);
    std::iota(order.begin(), order.end(), std::size_t{0});
    SplitMix64 rng(seed ^ 0x5EED5EED5EEDULL);
    rng.shuffle(order);
    DataSplit split;
    split.val.assign(order.begin(), order.begin() + nVal);
    split.test.assign(order.begin() + nVal, order.begin() + nVal + nTest);
    split.train.assign(order.begin() + nVal + nTest, order.end());
    for (auto *part : {&split.train, &split.val, &split.test}) std::sort(part->begin(), part->end());
    return split;
}

}  // namespace unetlab
