#pragma once
// What an op did, one output cell at a time, so an animation can replay it: every output
// cell is a short list of terms (which input cell, with which weight) and how they combine.

#include <cstddef>
#include <vector>

#include "ops/Grid.h"

namespace unetlab::ops {

// One value read while computing an output cell.
struct Term {
    int row = 0;  // position read, in input coordinates (outside the grid for padding)
    int col = 0;
    Cell source;        // the input cell the value comes from; invalid for a zero-padding value
    Cell tap;           // the kernel cell that weighs it; invalid for pooling and interpolation
    double input = 0;   // the value read
    double weight = 1;  // kernel weight, interpolation weight or 1/4 for an average
};

// How the terms of a step make its value.
enum class Combine {
    WeightedSum,  // sum of input * weight (convolutions, average pooling, interpolation)
    Maximum,      // largest input (max pooling)
};

struct TraceStep {
    Cell out;                 // the output cell this step fills
    std::vector<Term> terms;  // in reading order of the window
    int winner = -1;          // index into terms of the winning input (max pooling only)
    double value = 0;         // the output value
};

struct OpResult {
    Grid output;
    Combine combine = Combine::WeightedSum;
    std::vector<TraceStep> trace;  // one step per output cell, row by row
};

// The value `terms` combine to.
double combineTerms(const std::vector<Term> &terms, Combine combine);

// The output after the first `steps` steps of the trace, each value recomputed from its
// terms; cells not reached yet are NaN. replay(result) == result.output.
Grid replay(const OpResult &result, std::size_t steps);
Grid replay(const OpResult &result);

}  // namespace unetlab::ops
