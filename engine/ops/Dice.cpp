#include "ops/Dice.h"

#include <limits>
#include <stdexcept>

namespace unetlab::ops {

double DiceScore::dice() const {
    if (!defined()) return std::numeric_limits<double>::quiet_NaN();
    return 2.0 * truePositives / (2.0 * truePositives + falsePositives + falseNegatives);
}

Grid thresholdMap(const Grid &map, double threshold) {
    Grid out(map.rows(), map.cols());
    for (std::size_t i = 0; i < map.values().size(); ++i) out.values()[i] = map.values()[i] > threshold ? 1.0 : 0.0;
    return out;
}

DiceScore diceScore(const Grid &prediction, const Grid &truth) {
    if (!prediction.sameShape(truth)) throw std::invalid_argument("prediction and truth differ in size");
    DiceScore s;
    for (std::size_t i = 0; i < truth.values().size(); ++i) {
        const bool p = prediction.values()[i] > 0.5;
        const bool t = truth.values()[i] > 0.5;
        if (p && t)
            ++s.truePositives;
        else if (p)
            ++s.falsePositives;
        else if (t)
            ++s.falseNegatives;
        else
            ++s.trueNegatives;
    }
    return s;
}

DiceScore thresholdDice(const Grid &map, double threshold, const Grid &truth) {
    return diceScore(thresholdMap(map, threshold), truth);
}

}  // namespace unetlab::ops
