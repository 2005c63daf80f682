#pragma once
// Train / validation / test split of a dataset's indices (MISSION §6: 80/10/10 by default),
// shuffled by a seed so the same seed gives the same split everywhere.

#include <cstdint>
#include <vector>

namespace unetlab {

struct DataSplit {
    std::vector<std::size_t> train, val, test;
};

// Every index lands in exactly one part. With count >= 3, each part with a positive
// fraction gets at least one image; throws std::invalid_argument when that is impossible.
DataSplit makeSplit(std::size_t count, double valFraction, double testFraction, std::uint64_t seed);

}  // namespace unetlab
