#include "ops/Grid.h"

#include <stdexcept>

namespace unetlab::ops {

Grid::Grid(int rows, int cols, double fill) : m_rows(rows), m_cols(cols) {
    if (rows < 0 || cols < 0) throw std::invalid_argument("a grid cannot have a negative size");
    m_values.assign(static_cast<std::size_t>(rows) * cols, fill);
}

Grid Grid::fromRows(const std::vector<std::vector<double>> &rows) {
    const int cols = rows.empty() ? 0 : static_cast<int>(rows.front().size());
    Grid grid(static_cast<int>(rows.size()), cols);
    for (int r = 0; r < grid.rows(); ++r) {
        if (static_cast<int>(rows[r].size()) != cols) throw std::invalid_argument("grid rows differ in length");
        for (int c = 0; c < cols; ++c) grid.at(r, c) = rows[r][c];
    }
    return grid;
}

Grid Grid::transposed() const {
    Grid t(m_cols, m_rows);
    for (int r = 0; r < m_rows; ++r)
        for (int c = 0; c < m_cols; ++c) t.at(c, r) = at(r, c);
    return t;
}

}  // namespace unetlab::ops
