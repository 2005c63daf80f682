#include "ops/Conv2d.h"

#include <stdexcept>

namespace unetlab::ops {
namespace {

void validate(const Grid &input, const Grid &kernel, const ConvOptions &options) {
    if (options.stride < 1) throw std::invalid_argument("the stride must be at least 1");
    if (kernel.empty()) throw std::invalid_argument("the kernel is empty");
    if (options.padding != Padding::None && (kernel.rows() % 2 == 0 || kernel.cols() % 2 == 0))
        throw std::invalid_argument("padding keeps the size only for kernels with a centre (odd sides)");
    if (options.padding == Padding::Reflect && (padWidth(kernel.rows(), options.padding) >= input.rows() ||
                                                padWidth(kernel.cols(), options.padding) >= input.cols()))
        throw std::invalid_argument("reflect padding needs the input larger than half the kernel");
    if (convOutputSide(input.rows(), kernel.rows(), options) < 1 ||
        convOutputSide(input.cols(), kernel.cols(), options) < 1)
        throw std::invalid_argument("the kernel does not fit in the input");
}

}  // namespace

int padWidth(int kernelSide, Padding padding) { return padding == Padding::None ? 0 : kernelSide / 2; }

int convOutputSide(int inputSide, int kernelSide, const ConvOptions &options) {
    const int span = inputSide + 2 * padWidth(kernelSide, options.padding) - kernelSide;
    if (span < 0 || options.stride < 1) return 0;
    return span / options.stride + 1;
}

OpResult conv2d(const Grid &input, const Grid &kernel, const ConvOptions &options) {
    validate(input, kernel, options);
    const int padRows = padWidth(kernel.rows(), options.padding);
    const int padCols = padWidth(kernel.cols(), options.padding);
    OpResult result;
    result.output = Grid(convOutputSide(input.rows(), kernel.rows(), options),
                         convOutputSide(input.cols(), kernel.cols(), options));
    result.combine = Combine::WeightedSum;
    for (int r = 0; r < result.output.rows(); ++r)
        for (int c = 0; c < result.output.cols(); ++c) {
            TraceStep step;
            step.out = {r, c};
            const int top = r * options.stride - padRows;
            const int left = c * options.stride - padCols;
            for (int kr = 0; kr < kernel.rows(); ++kr)
                for (int kc = 0; kc < kernel.cols(); ++kc) {
                    Term t;
                    t.row = top + kr;
                    t.col = left + kc;
                    t.source = paddedSource(t.row, t.col, input.rows(), input.cols(), options.padding);
                    t.tap = {kr, kc};
                    t.input = t.source.valid() ? input.at(t.source) : 0.0;
                    t.weight = kernel.at(kr, kc);
                    step.terms.push_back(t);
                }
            step.value = combineTerms(step.terms, result.combine);
            result.output.at(r, c) = step.value;
            result.trace.push_back(std::move(step));
        }
    return result;
}

Grid windowCentres(const Grid &grid, int kernelRows, int kernelCols, const ConvOptions &options) {
    const int rows = convOutputSide(grid.rows(), kernelRows, options);
    const int cols = convOutputSide(grid.cols(), kernelCols, options);
    const int padRows = padWidth(kernelRows, options.padding);
    const int padCols = padWidth(kernelCols, options.padding);
    Grid out(rows, cols);
    for (int r = 0; r < rows; ++r)
        for (int c = 0; c < cols; ++c)
            out.at(r, c) =
                grid.at(r * options.stride - padRows + kernelRows / 2, c * options.stride - padCols + kernelCols / 2);
    return out;
}

}  // namespace unetlab::ops
