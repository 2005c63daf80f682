#pragma once
// 2x2 pooling with stride 2 (no overlap), as PyTorch's max_pool2d / avg_pool2d(2, 2):
// each output cell summarises one 2x2 block; an odd last row or column is dropped.

#include <string>

#include "ops/Grid.h"
#include "ops/Trace.h"

namespace unetlab::ops {

enum class PoolMode { Max, Average };

std::string poolModeName(PoolMode mode);  // "max", "average"

// Max: the step's `winner` is the first largest input in reading order (PyTorch's choice
// on ties); Average: each of the four terms weighs 1/4. Throws for inputs under 2x2.
OpResult pool2d(const Grid &input, PoolMode mode);

}  // namespace unetlab::ops
