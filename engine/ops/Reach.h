#pragma once
// How far one cell of a network can see, counted exactly: the widest span of input
// pixels a single cell can depend on, over every position of that cell relative to the
// pooling grid. The chapter's rule (MISSION §5, ModelConfig's receptiveField()) lets a x2
// upsampling add nothing; bilinear interpolation in fact blends two low-resolution cells,
// so a U-Net's output reaches further than that rule says. This walk counts it.

#include <string>
#include <vector>

namespace unetlab::ops {

enum class ReachLayerKind {
    Conv,          // k x k, stride 1, "same" padding
    MaxPool,       // 2x2, stride 2
    BilinearUp,    // x2, align_corners=False
    TransposedUp,  // 2x2, stride 2 (each low-resolution cell feeds its own 2x2 block)
};

struct ReachLayer {
    ReachLayerKind kind = ReachLayerKind::Conv;
    int kernel = 1;  // side of a Conv kernel
};

// Reads the layer names of ModelConfig's receptive-field rows: "conv 3x3", "conv 1x1",
// "maxpool 2x2/2", "bilinear x2", "transposed conv 2x2/2". Throws std::invalid_argument
// on any other name.
ReachLayer reachLayerFromName(const std::string &name);

// For each prefix layers[0..i], the widest span (in input pixels, along one axis) of the
// input that one cell after layer i can depend on, away from the image borders.
std::vector<int> exactReach(const std::vector<ReachLayer> &layers);

}  // namespace unetlab::ops
