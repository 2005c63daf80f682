#include "ops/Pool2d.h"

#include <stdexcept>

namespace unetlab::ops {
namespace {

// Pooling window side and stride (MISSION §3: 2x2, stride 2, no overlap).
constexpr int kWindow = 2;

}  // namespace

std::string poolModeName(PoolMode mode) { return mode == PoolMode::Max ? "max" : "average"; }

OpResult pool2d(const Grid &input, PoolMode mode) {
    if (input.rows() < kWindow || input.cols() < kWindow)
        throw std::invalid_argument("pooling needs at least a 2x2 input");
    OpResult result;
    result.output = Grid(input.rows() / kWindow, input.cols() / kWindow);
    result.combine = mode == PoolMode::Max ? Combine::Maximum : Combine::WeightedSum;
    const double weight = mode == PoolMode::Max ? 1.0 : 1.0 / (kWindow * kWindow);
    for (int r = 0; r < result.output.rows(); ++r)
        for (int c = 0; c < result.output.cols(); ++c) {
            TraceStep step;
            step.out = {r, c};
            for (int dr = 0; dr < kWindow; ++dr)
                for (int dc = 0; dc < kWindow; ++dc) {
                    Term t;
                    t.row = r * kWindow + dr;
                    t.col = c * kWindow + dc;
                    t.source = {t.row, t.col};
                    t.input = input.at(t.row, t.col);
                    t.weight = weight;
                    step.terms.push_back(t);
                }
            if (mode == PoolMode::Max) {
                step.winner = 0;
                for (int i = 1; i < static_cast<int>(step.terms.size()); ++i)
                    if (step.terms[i].input > step.terms[step.winner].input) step.winner = i;
            }
            step.value = combineTerms(step.terms, result.combine);
            result.output.at(r, c) = step.value;
            result.trace.push_back(std::move(step));
        }
    return result;
}

}  // namespace unetlab::ops
