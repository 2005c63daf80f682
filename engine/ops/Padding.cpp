#include "ops/Padding.h"

#include <algorithm>
#include <stdexcept>

namespace unetlab::ops {
namespace {

int sourceIndex(int i, int n, Padding padding) {
    if (i >= 0 && i < n) return i;
    switch (padding) {
        case Padding::Replicate:
            return std::clamp(i, 0, n - 1);
        case Padding::Reflect:
            return i < 0 ? -i : 2 * (n - 1) - i;
        case Padding::None:
        case Padding::Zero:
            break;
    }
    return -1;
}

}  // namespace

std::string paddingName(Padding padding) {
    switch (padding) {
        case Padding::None:
            return "none";
        case Padding::Zero:
            return "zero";
        case Padding::Replicate:
            return "replicate";
        case Padding::Reflect:
            return "reflect";
    }
    return "?";
}

Cell paddedSource(int row, int col, int rows, int cols, Padding padding) {
    const int r = sourceIndex(row, rows, padding);
    const int c = sourceIndex(col, cols, padding);
    if (r < 0 || c < 0) return {};
    return {r, c};
}

Grid pad(const Grid &grid, int width, Padding padding) {
    if (width < 0) throw std::invalid_argument("padding width cannot be negative");
    if (padding == Padding::Reflect && (width >= grid.rows() || width >= grid.cols()))
        throw std::invalid_argument("reflect padding needs the grid larger than the padding on both axes");
    if (padding == Padding::Replicate && grid.empty() && width > 0)
        throw std::invalid_argument("cannot replicate the edge of an empty grid");
    Grid out(grid.rows() + 2 * width, grid.cols() + 2 * width);
    for (int r = 0; r < out.rows(); ++r)
        for (int c = 0; c < out.cols(); ++c) {
            const Cell source = paddedSource(r - width, c - width, grid.rows(), grid.cols(), padding);
            out.at(r, c) = source.valid() ? grid.at(source) : 0.0;
        }
    return out;
}

}  // namespace unetlab::ops
