#pragma once
// A small 2-D grid of numbers, the value every teaching op reads and writes. Plain C++
// (no LibTorch, no Qt), so the widgets can recompute an op on every click.

#include <vector>

namespace unetlab::ops {

// A cell position; invalid (-1, -1) stands for "no cell", e.g. a zero-padding value.
struct Cell {
    int row = -1;
    int col = -1;

    bool valid() const { return row >= 0 && col >= 0; }
    bool operator==(const Cell &other) const { return row == other.row && col == other.col; }
    bool operator!=(const Cell &other) const { return !(*this == other); }
};

class Grid {
public:
    Grid() = default;
    Grid(int rows, int cols, double fill = 0.0);
    // Rows of equal length; throws std::invalid_argument otherwise.
    static Grid fromRows(const std::vector<std::vector<double>> &rows);

    int rows() const { return m_rows; }
    int cols() const { return m_cols; }
    bool empty() const { return m_values.empty(); }
    bool contains(int row, int col) const { return row >= 0 && row < m_rows && col >= 0 && col < m_cols; }
    bool sameShape(const Grid &other) const { return m_rows == other.m_rows && m_cols == other.m_cols; }

    double at(int row, int col) const { return m_values[index(row, col)]; }
    double &at(int row, int col) { return m_values[index(row, col)]; }
    double at(Cell cell) const { return at(cell.row, cell.col); }

    // Row-major values.
    const std::vector<double> &values() const { return m_values; }
    std::vector<double> &values() { return m_values; }

    Grid transposed() const;

    bool operator==(const Grid &other) const { return sameShape(other) && m_values == other.m_values; }
    bool operator!=(const Grid &other) const { return !(*this == other); }

private:
    std::size_t index(int row, int col) const { return static_cast<std::size_t>(row) * m_cols + col; }

    int m_rows = 0;
    int m_cols = 0;
    std::vector<double> m_values;
};

}  // namespace unetlab::ops
