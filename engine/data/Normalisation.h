#pragma once
// Input normalisation, decided once from the training split and stored in checkpoints
// so that inference uses exactly what training used. Pixels are first scaled to [0, 1];
// with statistics, each channel c becomes (x - mean[c]) / std[c] (z-score per dataset).

#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "data/Dataset.h"

namespace unetlab {

struct Normalisation {
    std::vector<double> mean;  // per channel, in [0, 1] units; empty = only scale to [0, 1]
    std::vector<double> std;   // per channel, > 0

    bool isIdentity() const { return mean.empty(); }
};

// Per-channel mean and standard deviation of `indices` of `data` (std floored at 1e-3).
Normalisation datasetStatistics(const Dataset &data, const std::vector<std::size_t> &indices);

nlohmann::json toJson(const Normalisation &n);
// Accepts what toJson writes, and {"kind": "scale"} (no statistics). Throws std::invalid_argument.
Normalisation normalisationFromJson(const nlohmann::json &j);

}  // namespace unetlab
