#pragma once
// Transposed convolution of one channel (PyTorch's conv_transpose2d): every input cell
// stamps the kernel, scaled by its value, onto the output at stride steps; overlapping
// stamps add up. Learnable upsampling, as in the classic U-Net's decoder.

#include "ops/Grid.h"
#include "ops/Trace.h"

namespace unetlab::ops {

struct TransposedConvOptions {
    int stride = 2;
    int padding = 0;        // cells cropped from each side of the full result
    int outputPadding = 0;  // cells added at the bottom and right (must be < stride or < dilation)
    int dilation = 1;       // spacing between kernel taps
};

// H_out = (H_in - 1)*stride - 2*padding + dilation*(kernel - 1) + outputPadding + 1.
int transposedOutputSide(int inputSide, int kernelSide, const TransposedConvOptions &options);

// Why these settings cannot run (PyTorch's own rules), or an empty string when they can.
const char *transposedConvProblem(int inputRows, int inputCols, int kernelRows, int kernelCols,
                                  const TransposedConvOptions &options);

// A step per output cell; its terms are every (input cell, kernel tap) pair that lands
// there (none where the stamps leave a gap). Throws std::invalid_argument when
// transposedConvProblem() names a problem.
OpResult transposedConv2d(const Grid &input, const Grid &kernel, const TransposedConvOptions &options = {});

}  // namespace unetlab::ops
