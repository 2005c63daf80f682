#pragma once
// How a convolution reads beyond the edge of its input (PyTorch's `padding_mode` and
// `F.pad` modes): zeros, the nearest edge value (replicate), or the mirror image without
// repeating the edge (reflect).

#include <string>

#include "ops/Grid.h"

namespace unetlab::ops {

enum class Padding {
    None,       // no padding: the window stays inside, the output shrinks ("valid")
    Zero,       // zeros around the edge ("same" for odd kernels, PyTorch's default)
    Replicate,  // the nearest edge value repeated
    Reflect,    // mirrored at the edge, the edge itself not repeated
};

std::string paddingName(Padding padding);  // "none", "zero", "replicate", "reflect"

// Which input cell a read at (row, col) of a `rows` x `cols` grid takes its value from;
// invalid for zero padding outside the grid. Reflect needs the read less than `rows`
// (`cols`) cells beyond the edge.
Cell paddedSource(int row, int col, int rows, int cols, Padding padding);

// `grid` with `width` cells added on every side, filled as `padding` says (None and Zero
// both give zeros). Throws std::invalid_argument when reflect would reach past the grid.
Grid pad(const Grid &grid, int width, Padding padding);

}  // namespace unetlab::ops
