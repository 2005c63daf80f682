#pragma once
// Segmenting images larger than the training size: the image is cut into overlapping tiles
// of the training size, each tile goes through the network, and the class probabilities of
// overlapping tiles are blended with a window that trusts a tile's centre more than its
// edges (where the network saw the least context), so no seams show. Torch-free API in the
// style of train/Evaluate.h; the CLI's `predict` and the GUI use it.

#include <cstdint>
#include <string>
#include <vector>

#include "data/Normalisation.h"
#include "data/Sample.h"
#include "train/TrainConfig.h"

namespace unetlab {

class SegmentationModel;

enum class Blend {
    Gaussian,  // weight exp(-d^2 / 2 sigma^2) from the tile centre, sigma = tile / 8 (as nnU-Net)
    Uniform,   // plain average of the overlapping tiles
};
std::string toString(Blend blend);               // "gaussian", "uniform"
Blend blendFromString(const std::string &name);  // throws std::invalid_argument

struct SlidingWindowOptions {
    int tile = 256;         // tile side in pixels, a multiple of the network's downsampling factor;
                            // 0: one tile over the whole image
    double overlap = 0.25;  // fraction of a tile shared with its neighbour, 0 <= overlap <= 0.9
    Blend blend = Blend::Gaussian;
    int batch = 4;               // tiles per forward pass
    bool probabilities = false;  // also return the blended class probabilities
    // int8 (CPU): the network's int8 twin (models/QuantizedUNet.h), calibrated on up to four
    // tiles of this image spread over it. It is used only when, on those tiles, at most
    // `int8Tolerance` of the pixels change class against fp32; otherwise the prediction runs
    // in fp32 and LargePrediction says why.
    bool int8 = false;
    double int8Tolerance = 0.01;
    // The floating-point network's arithmetic (also where int8 is refused): fp32, or bf16 /
    // fp16 autocast (fp16 on a GPU only; train/ExecutionPlan.h's inferencePrecision() picks one).
    Precision precision = Precision::FP32;
};

// Where the tiles go along one side of the image (pure arithmetic, no LibTorch).
struct TileAxis {
    int tile = 0;                     // tile length along this side
    int padBefore = 0, padAfter = 0;  // reflection padding when the side is shorter than a tile
    std::vector<int> starts;          // tile starts in the padded image; the first is 0, the last ends at its end
};
// Sides at least `tile` long get tiles of `tile` spaced at most tile * (1 - overlap) apart,
// spread evenly so the last ends at the border (no padding). A shorter side gets one tile of
// the side rounded up to `factor`, the difference padded by reflection, half on each end.
// Throws std::invalid_argument for a tile that is not a positive multiple of `factor` or an
// overlap outside [0, 0.9].
TileAxis planTileAxis(int length, int tile, double overlap, int factor);

struct LargePrediction {
    int width = 0, height = 0, classes = 0;
    int tileWidth = 0, tileHeight = 0;
    int tilesX = 0, tilesY = 0;
    std::vector<std::uint8_t> mask;    // height * width class indices
    std::vector<float> probabilities;  // classes * height * width (class-major), when asked
    std::string precision = "fp32";    // what the tiles ran in: "fp32", "bf16", "fp16" or "int8"
    int calibrationTiles = 0;          // int8: tiles calibrated (and checked) on
    double int8PixelsChanged = 0;      // int8: share of those tiles' pixels whose class changed
};

// The class mask of `image` (any size, its channels the network's input channels) from
// overlapping tiles, on `device` ("cpu", "cuda:0"). One tile that covers the image unpadded
// gives exactly the single-pass prediction. The model is left in the mode it was in.
LargePrediction predictLarge(SegmentationModel &model, const Sample &image, const Normalisation &normalisation,
                             const std::string &device, const SlidingWindowOptions &options = {});

}  // namespace unetlab
