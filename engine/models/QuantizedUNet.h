#pragma once
// int8 inference of a trained U-Net on the CPU (issue #8: inference latency). The
// convolutions run as LibTorch's quantized kernels (oneDNN, or FBGEMM where the build has it)
// with BatchNorm folded in, int8 weights per output channel and uint8 activations whose
// ranges are calibrated on images the caller supplies. Bilinear 2x upsampling and the skip
// concatenation run as one kernel of our own on the uint8 data: LibTorch's quantized
// bilinear upsampling costs as much as half of the network's convolutions.
//
// Rounding changes a few boundary pixels: compareClassMaps() (train/Evaluate.h) counts them
// against the fp32 model, and `unetlab-cli eval --precision int8` reports them.
//
// Supported: UNet with ReLU and bilinear upsampling, with or without BatchNorm and skips.
// int8UnsupportedReason() says why anything else is not (MinimalCNN, transposed upsampling,
// other activations, no quantized engine in this LibTorch). The 1x1 head stays fp32.

#include <memory>
#include <optional>
#include <string>

#include <torch/torch.h>

#include "models/ModelConfig.h"

namespace unetlab {

class SegmentationModel;

// Why `config` cannot run in int8 here, or nullopt when it can.
std::optional<std::string> int8UnsupportedReason(const ModelConfig &config);

class QuantizedUNet {
public:
    // Folds, quantizes and calibrates `model` (eval-mode statistics) on `calibration`, N x C x
    // H x W normalised fp32 images on the CPU. Throws std::invalid_argument with
    // int8UnsupportedReason() when the model cannot run in int8.
    QuantizedUNet(SegmentationModel &model, const torch::Tensor &calibration);
    ~QuantizedUNet();
    QuantizedUNet(const QuantizedUNet &) = delete;
    QuantizedUNet &operator=(const QuantizedUNet &) = delete;

    // N x K x H x W fp32 logits (channels-last) of N x C x H x W normalised fp32 images.
    torch::Tensor forward(const torch::Tensor &x);
    // The same folded network in fp32 (the reference the calibration ran).
    torch::Tensor forwardFloat(const torch::Tensor &x);
    // forwardFloat()'s logits of the calibration images, kept from calibrating (callers compare
    // them with forward() without another fp32 pass).
    const torch::Tensor &calibrationLogits() const;

    struct Impl;

private:
    std::unique_ptr<Impl> m_impl;
};

// QuantizedUNet as a SegmentationModel, so evaluation, prediction and benchmarks run it as
// they run the fp32 model (CPU only; forwardStages() is not available).
// `calibrationLogits`, when given, receives QuantizedUNet::calibrationLogits().
std::shared_ptr<SegmentationModel> makeInt8Model(SegmentationModel &model, const torch::Tensor &calibration,
                                                 torch::Tensor *calibrationLogits = nullptr);

// The uint8 NHWC kernel: bilinear 2x upsampling (align_corners false, as F::interpolate) of
// `low` (quint8, zero point 0) to the size of `skip`, concatenated along channels with `skip`
// (quint8, zero point 0) when it is defined, requantized to `outScale`. Exposed for tests.
torch::Tensor upsampleConcatQuantized(const torch::Tensor &low, const torch::Tensor &skip, int64_t outH, int64_t outW,
                                      double outScale);

}  // namespace unetlab
