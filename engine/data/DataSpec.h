#pragma once
// Opening a dataset from a short text spec, shared by the CLI, the GUI and checkpoints.
//   synthetic[:COUNT[:SEED]]   the built-in synthetic cells (default 200 images, seed 1)

#include <memory>
#include <string>

#include "data/Dataset.h"

namespace unetlab {

struct DataSpec {
    std::string kind;           // "synthetic"
    std::size_t count = 200;
    std::uint64_t seed = 1;
    int size = 256;             // image side in pixels

    std::string toString() const;  // canonical form, e.g. "synthetic:200:1"
};

// Throws std::invalid_argument with the accepted forms when `text` is not a spec.
DataSpec parseDataSpec(const std::string &text, int size = 256);
std::shared_ptr<const Dataset> openDataset(const DataSpec &spec);

}  // namespace unetlab
