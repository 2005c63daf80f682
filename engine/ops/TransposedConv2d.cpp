#include "ops/TransposedConv2d.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace unetlab::ops {

int transposedOutputSide(int inputSide, int kernelSide, const TransposedConvOptions &o) {
    return (inputSide - 1) * o.stride - 2 * o.padding + o.dilation * (kernelSide - 1) + o.outputPadding + 1;
}

const char *transposedConvProblem(int inputRows, int inputCols, int kernelRows, int kernelCols,
                                  const TransposedConvOptions &o) {
    if (inputRows < 1 || inputCols < 1) return "the input is empty";
    if (kernelRows < 1 || kernelCols < 1) return "the kernel is empty";
    if (o.stride < 1) return "the stride must be at least 1";
    if (o.dilation < 1) return "the dilation must be at least 1";
    if (o.padding < 0 || o.outputPadding < 0) return "padding cannot be negative";
    if (o.outputPadding >= std::max(o.stride, o.dilation))
        return "output padding must be smaller than the stride or the dilation";
    if (transposedOutputSide(inputRows, kernelRows, o) < 1 || transposedOutputSide(inputCols, kernelCols, o) < 1)
        return "the padding crops away the whole output";
    return "";
}

OpResult transposedConv2d(const Grid &input, const Grid &kernel, const TransposedConvOptions &o) {
    const std::string problem = transposedConvProblem(input.rows(), input.cols(), kernel.rows(), kernel.cols(), o);
    if (!problem.empty()) throw std::invalid_argument(problem);
    OpResult result;
    result.output = Grid(transposedOutputSide(input.rows(), kernel.rows(), o),
                         transposedOutputSide(input.cols(), kernel.cols(), o));
    result.combine = Combine::WeightedSum;
    result.trace.resize(static_cast<std::size_t>(result.output.rows()) * result.output.cols());
    for (int r = 0; r < result.output.rows(); ++r)
        for (int c = 0; c < result.output.cols(); ++c) result.trace[r * result.output.cols() + c].out = {r, c};
    // Input cell (ir, ic) with tap (kr, kc) lands on (ir*stride - padding + kr*dilation, ...).
    // Walking the inputs and taps in order keeps each step's terms in reading order.
    for (int ir = 0; ir < input.rows(); ++ir)
        for (int ic = 0; ic < input.cols(); ++ic)
            for (int kr = 0; kr < kernel.rows(); ++kr)
                for (int kc = 0; kc < kernel.cols(); ++kc) {
                    const int r = ir * o.stride - o.padding + kr * o.dilation;
                    const int c = ic * o.stride - o.padding + kc * o.dilation;
                    if (!result.output.contains(r, c)) continue;
                    Term t;
                    t.row = ir;
                    t.col = ic;
                    t.source = {ir, ic};
                    t.tap = {kr, kc};
                    t.input = input.at(ir, ic);
                    t.weight = kernel.at(kr, kc);
                    result.trace[r * result.output.cols() + c].terms.push_back(t);
                }
    for (TraceStep &step : result.trace) {
        step.value = combineTerms(step.terms, result.combine);
        result.output.at(step.out.row, step.out.col) = step.value;
    }
    return result;
}

}  // namespace unetlab::ops
