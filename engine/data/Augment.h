#pragma once
// Data augmentation for training (MISSION §6): flips, 90° rotations, a small rotation,
// elastic deformation and brightness/contrast jitter. Every geometric transform moves the
// image and its mask together — the mask always by nearest neighbour, so labels stay labels —
// and borders are mirrored (reflect-101), so no label is invented at the edges. Plain C++
// (OpenCV on 8-bit data in the .cpp).
//
// Deterministic: the transform of a sample is a pure function of (sample, config, seed); the
// Trainer derives the seed from (run seed, epoch, dataset index), so a run is reproducible
// and every epoch sees new variants. All random numbers are drawn in a fixed order whatever
// is switched on, so turning one kind off never changes what the others do.

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "data/Sample.h"

namespace unetlab {

struct AugmentationConfig {
    bool flips = false;     // horizontal and vertical, each with probability 1/2
    bool rotate90 = false;  // 0, 90, 180 or 270 degrees (non-square samples: 0 or 180)
    bool rotate = false;    // uniform in [-maxDegrees, maxDegrees]
    double maxDegrees = 15;
    // U-Net's elastic deformation (Ronneberger et al. 2015): random displacements on a coarse
    // grid x grid lattice, interpolated bicubically to every pixel.
    bool elastic = false;
    int elasticGrid = 3;
    double elasticSigma = 6;  // std of the displacements, in pixels per 256 pixels of side
    bool intensity = false;   // images only: contrast about the image's mean, then brightness
    double brightness = 0.1;  // shift up to +-brightness * 255
    double contrast = 0.2;    // gain in [1 - contrast, 1 + contrast]
    // Images are interpolated bilinearly; false: by nearest neighbour like the masks (useful
    // when the "image" is itself a label picture, and to check alignment exactly).
    bool smoothImages = true;

    bool any() const { return flips || rotate90 || rotate || elastic || intensity; }
    // Throws std::invalid_argument on nonsense values.
    void validate() const;
    bool operator==(const AugmentationConfig &o) const;
    bool operator!=(const AugmentationConfig &o) const { return !(*this == o); }
};

// The command line's form: "none", "all", or a comma list of flip, rot90, rotate, elastic,
// intensity (e.g. "flip,rot90"). toString gives the shortest such form.
std::string toString(const AugmentationConfig &c);
AugmentationConfig parseAugmentation(const std::string &text);  // throws std::invalid_argument
nlohmann::json toJson(const AugmentationConfig &c);
AugmentationConfig augmentationFromJson(const nlohmann::json &j);  // throws std::invalid_argument

// The seed of sample `index` of the dataset in `epoch` of a run seeded `runSeed`.
std::uint64_t augmentationSeed(std::uint64_t runSeed, std::uint64_t epoch, std::size_t index);

// One augmented variant (same size, channels and id). Throws std::invalid_argument when the
// sample's image or mask does not match its size.
Sample augmentSample(const Sample &sample, const AugmentationConfig &config, std::uint64_t seed);

// `count` variants for a live preview grid, each from its own seed derived from `seed`.
std::vector<Sample> augmentedExamples(const Sample &sample, const AugmentationConfig &config, int count,
                                      std::uint64_t seed);

}  // namespace unetlab
