#include "train/BoundaryF1.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>

#include <opencv2/imgproc.hpp>

namespace unetlab {
namespace {

// Distance from every pixel to the nearest boundary pixel (large where there is none).
cv::Mat1f distanceTo(const std::vector<std::uint8_t> &boundary, int width, int height) {
    cv::Mat1b notBoundary(height, width);
    for (int i = 0; i < width * height; ++i) notBoundary(i / width, i % width) = boundary[i] ? 0 : 255;
    cv::Mat1f distance;
    cv::distanceTransform(notBoundary, distance, cv::DIST_L2, cv::DIST_MASK_PRECISE);
    return distance;
}

// Share of `from` boundary pixels that lie within `tolerance` of the other boundary.
double matched(const std::vector<std::uint8_t> &from, const cv::Mat1f &distanceToOther, double tolerance,
               int width, std::size_t count) {
    std::size_t hit = 0;
    for (std::size_t i = 0; i < from.size(); ++i)
        if (from[i] && distanceToOther(static_cast<int>(i) / width, static_cast<int>(i) % width) <= tolerance) ++hit;
    return static_cast<double>(hit) / static_cast<double>(count);
}

}  // namespace

std::vector<std::uint8_t> classBoundary(const std::uint8_t *mask, int width, int height, int c) {
    std::vector<std::uint8_t> b(static_cast<std::size_t>(width) * height, 0);
    for (int y = 0; y < height; ++y)
        for (int x = 0; x < width; ++x) {
            const std::size_t i = static_cast<std::size_t>(y) * width + x;
            if (mask[i] != c) continue;
            const bool edge = (x > 0 && mask[i - 1] != c) || (x + 1 < width && mask[i + 1] != c) ||
                              (y > 0 && mask[i - width] != c) || (y + 1 < height && mask[i + width] != c);
            b[i] = edge;
        }
    return b;
}

std::vector<double> boundaryF1(const std::uint8_t *truth, const std::uint8_t *pred, int width, int height,
                               int numClasses, double tolerance) {
    if (width <= 0 || height <= 0) throw std::invalid_argument("boundary F1 needs a non-empty image");
    std::vector<double> scores;
    for (int c = 0; c < numClasses; ++c) {
        const auto t = classBoundary(truth, width, height, c);
        const auto p = classBoundary(pred, width, height, c);
        std::size_t nt = 0, np = 0;
        for (auto v : t) nt += v;
        for (auto v : p) np += v;
        if (nt == 0 && np == 0) {
            scores.push_back(std::numeric_limits<double>::quiet_NaN());
            continue;
        }
        if (nt == 0 || np == 0) {
            scores.push_back(0.0);
            continue;
        }
        const double precision = matched(p, distanceTo(t, width, height), tolerance, width, np);
        const double recall = matched(t, distanceTo(p, width, height), tolerance, width, nt);
        scores.push_back(precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0.0);
    }
    return scores;
}

}  // namespace unetlab
