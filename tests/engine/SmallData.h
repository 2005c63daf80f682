#pragma once
// Shared by the trainer tests: a few small synthetic images, quick to train on.

#include <memory>

#include "data/SyntheticCells.h"

inline std::shared_ptr<const unetlab::Dataset> smallData(std::size_t count = 24, int size = 64) {
    unetlab::SyntheticOptions o;
    o.count = count;
    o.size = size;
    o.seed = 5;
    return std::make_shared<unetlab::SyntheticCells>(o);
}
