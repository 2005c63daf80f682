#include "ops/Scenes.h"

#include <cmath>
#include <cstdint>

#include "core/Random.h"

namespace unetlab::ops {

Grid cellScene() {
    return Grid::fromRows({
        {.95, .95, .95, .95, .95, .95, .95, .95, .95, .95},
        {.95, .95, .95, .80, .75, .75, .80, .95, .95, .95},
        {.95, .95, .75, .70, .70, .70, .70, .80, .95, .95},
        {.95, .80, .70, .30, .20, .25, .70, .75, .95, .95},
        {.95, .75, .70, .15, .05, .10, .25, .70, .80, .95},
        {.95, .75, .70, .20, .10, .05, .20, .70, .75, .95},
        {.95, .80, .70, .30, .15, .20, .70, .70, .80, .95},
        {.95, .95, .75, .70, .70, .70, .70, .75, .95, .95},
        {.95, .95, .95, .80, .75, .75, .80, .95, .95, .95},
        {.95, .95, .95, .95, .95, .95, .95, .95, .95, .95},
    });
}

Grid cellSceneTruth() {
    // The nucleus is exactly the dark cells (0.05-0.30); cytoplasm starts at 0.70.
    Grid truth = cellScene();
    for (double &v : truth.values()) v = v <= 0.30 + 1e-9 ? 1.0 : 0.0;
    return truth;
}

std::vector<KernelPreset> kernelPresets() {
    return {KernelPreset::Blur,    KernelPreset::EdgeH,    KernelPreset::EdgeV,
            KernelPreset::Sharpen, KernelPreset::Identity, KernelPreset::Random};
}

std::string kernelPresetName(KernelPreset preset) {
    switch (preset) {
        case KernelPreset::Blur:
            return "Blur";
        case KernelPreset::EdgeH:
            return "Edge H";
        case KernelPreset::EdgeV:
            return "Edge V";
        case KernelPreset::Sharpen:
            return "Sharpen";
        case KernelPreset::Identity:
            return "Identity";
        case KernelPreset::Random:
            return "Random";
    }
    return "?";
}

Grid kernelPreset(KernelPreset preset, std::uint64_t seed) {
    const Grid edgeH = Grid::fromRows({{1, 1, 1}, {0, 0, 0}, {-1, -1, -1}});
    switch (preset) {
        case KernelPreset::Blur:
            return Grid(3, 3, 1.0 / 9.0);
        case KernelPreset::EdgeH:
            return edgeH;
        case KernelPreset::EdgeV:
            return edgeH.transposed();
        case KernelPreset::Sharpen:
            return Grid::fromRows({{0, -1, 0}, {-1, 5, -1}, {0, -1, 0}});
        case KernelPreset::Identity:
            return Grid::fromRows({{0, 0, 0}, {0, 1, 0}, {0, 0, 0}});
        case KernelPreset::Random: {
            SplitMix64 random(mix64(seed));
            Grid k(3, 3);
            for (double &v : k.values()) v = std::round(random.uniform(-10.0, 10.0)) / 10.0;
            return k;
        }
    }
    return Grid(3, 3);
}

std::vector<NamedGrid> poolingScenes() {
    std::vector<NamedGrid> scenes;
    scenes.push_back({"Cell", Grid::fromRows({
                                  {.9, .9, .9, .9, .9, .9, .9, .9},
                                  {.9, .9, .8, .7, .7, .8, .9, .9},
                                  {.9, .8, .7, .3, .2, .7, .8, .9},
                                  {.9, .7, .3, .1, .0, .2, .7, .9},
                                  {.9, .7, .2, .0, .1, .3, .7, .9},
                                  {.9, .8, .7, .2, .3, .7, .8, .9},
                                  {.9, .9, .8, .7, .7, .8, .9, .9},
                                  {.9, .9, .9, .9, .9, .9, .9, .9},
                              })});
    // A single bright cell in each 2x2 block, each time in another corner: max pooling
    // gives the same 1.0 everywhere, so where the bright cell sat is lost.
    Grid dots(8, 8, 0.1);
    for (int r = 0; r < 4; ++r)
        for (int c = 0; c < 4; ++c) dots.at(2 * r + (r + c) % 2, 2 * c + (r / 2 + c) % 2) = 1.0;
    scenes.push_back({"Bright dots", dots});
    Grid ramp(8, 8);
    for (int r = 0; r < 8; ++r)
        for (int c = 0; c < 8; ++c) ramp.at(r, c) = std::round((r + c) * 10.0 / 14.0) / 10.0;
    scenes.push_back({"Gradient", ramp});
    Grid checker(8, 8);
    for (int r = 0; r < 8; ++r)
        for (int c = 0; c < 8; ++c) checker.at(r, c) = (r + c) % 2 ? 1.0 : 0.0;
    scenes.push_back({"Checkerboard", checker});
    Grid stripe(8, 8, 0.0);
    for (int r = 0; r < 8; ++r) stripe.at(r, 3) = 1.0;
    scenes.push_back({"Thin line", stripe});
    return scenes;
}

std::vector<NamedGrid> upsamplingScenes() {
    std::vector<NamedGrid> scenes;
    scenes.push_back({"Sharp edge", Grid::fromRows({{0, 0, 1, 1}, {0, 0, 1, 1}, {0, 0, 1, 1}, {0, 0, 1, 1}})});
    scenes.push_back({"Single dot", Grid::fromRows({{0, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}})});
    scenes.push_back({"Diagonal", Grid::fromRows({{1, 0, 0, 0}, {1, 1, 0, 0}, {1, 1, 1, 0}, {1, 1, 1, 1}})});
    scenes.push_back({"Ramp", Grid::fromRows({{0, .3, .6, .9}, {0, .3, .6, .9}, {0, .3, .6, .9}, {0, .3, .6, .9}})});
    scenes.push_back({"Checkerboard", Grid::fromRows({{1, 0, 1, 0}, {0, 1, 0, 1}, {1, 0, 1, 0}, {0, 1, 0, 1}})});
    return scenes;
}

}  // namespace unetlab::ops
