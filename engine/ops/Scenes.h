#pragma once
// Ready-made grids for the teaching widgets (MISSION §2-§4): the cell-like default scene
// with its nucleus ground truth, the kernel presets, and scenes for pooling and upsampling.

#include <cstdint>
#include <string>
#include <vector>

#include "ops/Grid.h"

namespace unetlab::ops {

// 10x10: a dark nucleus in the centre (0.05-0.30), a brighter cytoplasm ring (0.70-0.80)
// and bright background at the edges (0.95).
Grid cellScene();
// 1 on the nucleus of cellScene(), 0 elsewhere.
Grid cellSceneTruth();

enum class KernelPreset { Blur, EdgeH, EdgeV, Sharpen, Identity, Random };

std::vector<KernelPreset> kernelPresets();          // in the order the widget offers them
std::string kernelPresetName(KernelPreset preset);  // "Blur", "Edge H", ...
// 3x3. Random draws weights in [-1, 1] on the 0.1 grid from `seed` (the same everywhere).
Grid kernelPreset(KernelPreset preset, std::uint64_t seed = 1);

struct NamedGrid {
    std::string name;
    Grid grid;
};
std::vector<NamedGrid> poolingScenes();     // 8x8 each
std::vector<NamedGrid> upsamplingScenes();  // 4x4 each, "Sharp edge" first

}  // namespace unetlab::ops
