#include "train/OutlineOffset.h"

#include <stdexcept>

#include <opencv2/imgproc.hpp>

namespace unetlab {
namespace {

double diceOf(const cv::Mat1b &truth, const cv::Mat1b &pred) {
    const double both = cv::countNonZero(truth & pred);
    const double sum = cv::countNonZero(truth) + cv::countNonZero(pred);
    return sum > 0 ? 2.0 * both / sum : 0.0;
}

}  // namespace

OutlineOffset outlineOffset(const std::uint8_t *truth, const std::uint8_t *pred, int width, int height, int c,
                            int maxShift) {
    if (width <= 0 || height <= 0) throw std::invalid_argument("the outline offset needs a non-empty image");
    if (maxShift < 0) throw std::invalid_argument("the outline offset needs a shift of 0 or more");
    cv::Mat1b t(height, width), p(height, width);
    for (int i = 0; i < width * height; ++i) {
        t(i / width, i % width) = truth[i] == c ? 255 : 0;
        p(i / width, i % width) = pred[i] == c ? 255 : 0;
    }
    OutlineOffset best;
    if (cv::countNonZero(t) == 0 || cv::countNonZero(p) == 0) return best;
    best.defined = true;
    best.dice = diceOf(t, p);
    const cv::Mat cross = cv::getStructuringElement(cv::MORPH_CROSS, {3, 3});
    // Outwards and inwards one step at a time; a later k replaces the best only when strictly
    // better, so ties keep the smaller |k| (+k before −k at the same distance).
    cv::Mat1b grown = p.clone(), shrunk = p.clone();
    for (int k = 1; k <= maxShift; ++k) {
        cv::dilate(grown, grown, cross);
        cv::erode(shrunk, shrunk, cross);
        const double outwards = diceOf(t, grown), inwards = diceOf(t, shrunk);
        if (outwards > best.dice) best = {true, k, outwards};
        if (inwards > best.dice) best = {true, -k, inwards};
    }
    return best;
}

}  // namespace unetlab
