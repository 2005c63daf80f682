#pragma once
// x2 upsampling as PyTorch's F.interpolate(scale_factor=2) computes it: nearest copies one
// input cell; bilinear with align_corners=False blends up to four, whose weights the
// trace keeps.

#include <string>

#include "ops/Grid.h"
#include "ops/Trace.h"

namespace unetlab::ops {

enum class UpsampleMode { Nearest, Bilinear };

std::string upsampleModeName(UpsampleMode mode);  // "nearest", "bilinear"

// Where bilinear output index `out` samples the input along one axis, in input cells:
// max(0, (out + 0.5) / 2 - 0.5) (PyTorch's area_pixel_compute_source_index). Past the last
// cell, the last cell stands in for its missing neighbour.
double bilinearSourceIndex(int out);

// Output is twice the input on each side. Bilinear steps list only the cells with a
// non-zero weight (four inside, two along an edge, one in a corner); weights sum to 1.
OpResult upsample2d(const Grid &input, UpsampleMode mode);

}  // namespace unetlab::ops
