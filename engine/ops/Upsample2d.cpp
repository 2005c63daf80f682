#include "ops/Upsample2d.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace unetlab::ops {
namespace {

// Output cells per input cell along each axis.
constexpr int kScale = 2;

// One axis of bilinear interpolation: the lower input index, its neighbour (the same
// index at the far edge) and the neighbour's weight (PyTorch's area_pixel_compute_source_index).
struct Lerp {
    int low = 0;
    int high = 0;
    double highWeight = 0;
};

Lerp lerpAxis(int out, int inputSide) {
    const double source = bilinearSourceIndex(out);
    Lerp l;
    l.low = static_cast<int>(source);
    l.high = l.low < inputSide - 1 ? l.low + 1 : l.low;
    l.highWeight = source - l.low;
    return l;
}

void addTerm(TraceStep &step, int row, int col, double input, double weight) {
    if (weight == 0.0) return;
    for (Term &t : step.terms)
        if (t.row == row && t.col == col) {
            t.weight += weight;  // at the far edge both neighbours are the same cell
            return;
        }
    Term t;
    t.row = row;
    t.col = col;
    t.source = {row, col};
    t.input = input;
    t.weight = weight;
    step.terms.push_back(t);
}

}  // namespace

double bilinearSourceIndex(int out) {
    const double scale = 1.0 / kScale;
    return std::max(scale * (out + 0.5) - 0.5, 0.0);
}

std::string upsampleModeName(UpsampleMode mode) { return mode == UpsampleMode::Nearest ? "nearest" : "bilinear"; }

OpResult upsample2d(const Grid &input, UpsampleMode mode) {
    if (input.empty()) throw std::invalid_argument("cannot upsample an empty grid");
    OpResult result;
    result.output = Grid(input.rows() * kScale, input.cols() * kScale);
    result.combine = Combine::WeightedSum;
    for (int r = 0; r < result.output.rows(); ++r)
        for (int c = 0; c < result.output.cols(); ++c) {
            TraceStep step;
            step.out = {r, c};
            if (mode == UpsampleMode::Nearest) {
                const int sr = std::min(r / kScale, input.rows() - 1);
                const int sc = std::min(c / kScale, input.cols() - 1);
                addTerm(step, sr, sc, input.at(sr, sc), 1.0);
            } else {
                const Lerp y = lerpAxis(r, input.rows());
                const Lerp x = lerpAxis(c, input.cols());
                const double wy[2] = {1.0 - y.highWeight, y.highWeight};
                const double wx[2] = {1.0 - x.highWeight, x.highWeight};
                const int ry[2] = {y.low, y.high};
                const int cx[2] = {x.low, x.high};
                for (int i = 0; i < 2; ++i)
                    for (int j = 0; j < 2; ++j) addTerm(step, ry[i], cx[j], input.at(ry[i], cx[j]), wy[i] * wx[j]);
            }
            step.value = combineTerms(step.terms, result.combine);
            result.output.at(r, c) = step.value;
            result.trace.push_back(std::move(step));
        }
    return result;
}

}  // namespace unetlab::ops
