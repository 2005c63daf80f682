#pragma once
// 2-D convolution of one channel as PyTorch computes it (cross-correlation: the kernel is
// not flipped), with every output cell's nine products kept for the animation.

#include <string>

#include "ops/Grid.h"
#include "ops/Padding.h"
#include "ops/Trace.h"

namespace unetlab::ops {

struct ConvOptions {
    Padding padding = Padding::Zero;  // a padded mode adds kernel/2 cells on each side
    int stride = 1;                   // 1 or 2 (any positive stride works)
};

// Cells added on each side for a kernel side `kernelSide`: kernelSide/2, or 0 for None.
int padWidth(int kernelSide, Padding padding);
// Output side: (input + 2*pad - kernel) / stride + 1, or 0 when the kernel does not fit.
int convOutputSide(int inputSide, int kernelSide, const ConvOptions &options);

// Throws std::invalid_argument for an even kernel with padding (no "same" centre), a
// stride below 1, reflect padding wider than the input, or an empty output.
OpResult conv2d(const Grid &input, const Grid &kernel, const ConvOptions &options = {});

// For each output cell, the cell of `grid` (same size as the input) under the centre of
// that cell's window: how a ground truth lines up with a feature map that is smaller
// (no padding, stride 2) than the image.
Grid windowCentres(const Grid &grid, int kernelRows, int kernelCols, const ConvOptions &options);

}  // namespace unetlab::ops
