#pragma once
// Nucleus instances and per-cell N/C ratios from a class mask (MISSION §8): connected
// components of the nucleus mask, split where nuclei touch by a watershed on the distance
// transform; each cytoplasm pixel then goes to the nearest nucleus within its cell. Plain
// C++ over OpenCV (unetlab_core): the CLI, the engine and the widgets all call it.

#include <cstdint>
#include <string>
#include <vector>

#include "train/Metrics.h"

namespace unetlab {

struct PixelPoint {
    int x = 0, y = 0;
};

struct CellInstance {
    int label = 0;  // value of this cell in InstanceSeparation::nuclei and ::cells
    int nucleusPixels = 0;
    int cytoplasmPixels = 0;                 // cytoplasm reached from this nucleus before any other
    double nc = kUndefined;                  // nucleusPixels / cytoplasmPixels; undefined without cytoplasm
    double centreX = 0, centreY = 0;         // of the nucleus
    std::vector<PixelPoint> nucleusOutline;  // outer contour of the nucleus (closed polygon)
    std::vector<PixelPoint> cellOutline;     // outer contour of nucleus + its cytoplasm
};

struct InstanceSeparation {
    int width = 0, height = 0;
    std::vector<std::int32_t> nuclei;     // per pixel: 0, or the label of the nucleus it belongs to
    std::vector<std::int32_t> cells;      // per pixel: 0, or the label of the cell (nucleus + cytoplasm)
    std::vector<CellInstance> instances;  // label i + 1 at position i
    int components = 0;                   // connected components of the nucleus mask before the watershed split them

    int count() const { return static_cast<int>(instances.size()); }
};

struct SeparationOptions {
    // The data's nucleus and cytoplasm classes (separationFor its class names); -1: none, and
    // without a nucleus class nothing is counted.
    int nucleusClass = -1;
    int cytoplasmClass = -1;
    // Specks below this many pixels are noise, not nuclei (the synthetic nuclei are 30-60 px
    // across, so ~700+ pixels; a real one is never this small at the app's magnifications).
    int minNucleusPixels = 16;
    // Two distance-transform peaks closer than this (px) seed one nucleus: the smallest nucleus
    // radius worth splitting. Lower splits more eagerly, higher merges more.
    int minPeakDistance = 7;
    // A seed lies at least this deep inside the mask (px): thinner pieces get one seed each.
    float minSeedDepth = 3;
    // Two seeds stay apart only where the neck between them is narrower than this share of
    // the smaller one's depth (its inscribed radius): touching round nuclei pinch to about
    // half, a dented or oval single nucleus hardly at all.
    double neckRatio = 0.75;
};

// Default options whose nucleus and cytoplasm classes are those of `classNames`, found by name
// (-1 where there is none: the nuclei sample has a nucleus class but no cytoplasm). Callers use
// this rather than the defaults, which count nothing.
SeparationOptions separationFor(const std::vector<std::string> &classNames);

// `mask` holds height * width class indices, row-major.
InstanceSeparation separateNuclei(const std::uint8_t *mask, int width, int height, const SeparationOptions &options);

}  // namespace unetlab
