#pragma once
// Outline offset (issue #8's analysis of the nuclei sample): by how many pixels the predicted
// region of a class has to grow (+k) or shrink (−k) to match the truth best, i.e. where the
// annotator drew the outline relative to the model. The prediction is dilated or eroded k
// times with the 3×3 cross (so k is a city-block distance; the image border is not an
// outline and does not erode), for k in [−maxShift, maxShift]; the k with the highest Dice of
// the class wins, the smallest |k| on ties. A model that only disagrees with its annotations
// about where the outlines lie has large |k| and a high Dice at k; one that misses or invents
// objects does not gain from any k.

#include <cstdint>

namespace unetlab {

inline constexpr int kOutlineMaxShift = 3;  // pixels

struct OutlineOffset {
    bool defined = false;  // false when the truth or the prediction has no pixel of the class
    int pixels = 0;        // k: + the truth's outline lies outside the prediction's, − inside
    double dice = 0;       // the class's Dice with the prediction grown or shrunk by k
};

OutlineOffset outlineOffset(const std::uint8_t *truth, const std::uint8_t *pred, int width, int height, int c,
                            int maxShift = kOutlineMaxShift);

}  // namespace unetlab
