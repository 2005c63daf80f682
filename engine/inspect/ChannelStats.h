#pragma once
// Per-channel statistics of stage activations, the numbers behind the channel rankings
// (MISSION §8). Engine-internal (LibTorch); the public, torch-free API is inspect/Inspect.h.

#include <cstdint>
#include <vector>

#include <torch/torch.h>

namespace unetlab {

// N x C x H x W activations -> N x C: population variance over each channel's H x W pixels.
torch::Tensor spatialVariance(const torch::Tensor &activations);
// N x C x H x W -> N x C: mean |activation| (Strategy 1).
torch::Tensor meanMagnitude(const torch::Tensor &activations);
// N x C x H x W activations and an N x H x W binary (0/1) mask at the same resolution ->
// N x C point-biserial correlations, i.e. Pearson's r between each channel's pixels and the
// mask (Strategy 2). NaN where the channel or the mask is constant over the image.
torch::Tensor pointBiserial(const torch::Tensor &activations, const torch::Tensor &binaryMask);
// N x H x W class masks -> N x height x width float 0/1: 1 where `classIndex` covers at least
// half of the cell (cells are H/height x W/width pixels; the identity at the same size).
torch::Tensor binaryMaskAt(const torch::Tensor &masks, int classIndex, std::int64_t height, std::int64_t width);
// Channels of the k best scores (a C-vector): largest first, or largest |score| first when
// `byAbsolute`; NaN scores come last; ties keep the lower channel first.
std::vector<int> topChannels(const torch::Tensor &scores, int k, bool byAbsolute);

}  // namespace unetlab
