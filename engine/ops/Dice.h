#pragma once
// Dice of a thresholded feature map against a binary ground truth (MISSION §2, §7):
// above the threshold is foreground; Dice = 2TP / (2TP + FP + FN).

#include "ops/Grid.h"

namespace unetlab::ops {

struct DiceScore {
    int truePositives = 0;
    int falsePositives = 0;
    int falseNegatives = 0;
    int trueNegatives = 0;

    // Undefined when neither the truth nor the prediction has a foreground cell (the
    // project's empty-mask rule).
    bool defined() const { return truePositives + falsePositives + falseNegatives > 0; }
    double dice() const;  // NaN when undefined
};

// 1 where map > threshold, else 0.
Grid thresholdMap(const Grid &map, double threshold);
// Cells count as foreground where their value is above 0.5. Throws when shapes differ.
DiceScore diceScore(const Grid &prediction, const Grid &truth);
DiceScore thresholdDice(const Grid &map, double threshold, const Grid &truth);

}  // namespace unetlab::ops
