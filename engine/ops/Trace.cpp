#include "ops/Trace.h"

#include <algorithm>
#include <limits>

namespace unetlab::ops {

double combineTerms(const std::vector<Term> &terms, Combine combine) {
    if (combine == Combine::Maximum) {
        double best = -std::numeric_limits<double>::infinity();
        for (const Term &t : terms) best = std::max(best, t.input);
        return best;
    }
    double sum = 0;
    for (const Term &t : terms) sum += t.input * t.weight;
    return sum;
}

Grid replay(const OpResult &result, std::size_t steps) {
    Grid out(result.output.rows(), result.output.cols(), std::numeric_limits<double>::quiet_NaN());
    const std::size_t n = std::min(steps, result.trace.size());
    for (std::size_t i = 0; i < n; ++i) {
        const TraceStep &step = result.trace[i];
        out.at(step.out.row, step.out.col) = combineTerms(step.terms, result.combine);
    }
    return out;
}

Grid replay(const OpResult &result) { return replay(result, result.trace.size()); }

}  // namespace unetlab::ops
