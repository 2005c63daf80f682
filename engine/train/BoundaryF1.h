#pragma once
// Boundary F1 (MISSION §8, issue #6): how well predicted class boundaries follow the true
// ones, within a pixel tolerance. A pixel is on the boundary of class c when it belongs to
// c and one of its 4-neighbours does not (the image border does not count as a boundary).
// Precision: share of predicted boundary pixels within `tolerance` pixels (Euclidean) of a
// true boundary pixel; recall: share of true boundary pixels within `tolerance` of a
// predicted one; F1 = 2PR / (P + R). When neither mask has a boundary of class c the score
// is undefined (NaN), like Dice's empty-mask rule; when only one has, it is 0.

#include <cstdint>
#include <vector>

namespace unetlab {

inline constexpr double kBoundaryTolerance = 2.0;  // pixels

// One value per class (class 0, the background, included for completeness).
std::vector<double> boundaryF1(const std::uint8_t *truth, const std::uint8_t *pred, int width, int height,
                               int numClasses, double tolerance = kBoundaryTolerance);

// The boundary pixels (1) of class `c` in `mask`, as defined above.
std::vector<std::uint8_t> classBoundary(const std::uint8_t *mask, int width, int height, int c);

}  // namespace unetlab
