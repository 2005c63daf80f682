#pragma once
// Segmentation losses (MISSION §6) on N x K x H x W logits and N x H x W int64 targets.

#include <cstdint>
#include <torch/torch.h>

#include "train/TrainConfig.h"

namespace unetlab {

// Mean cross-entropy; `weights` (K, optional) weights each pixel by its true class,
// normalised by the sum of weights as PyTorch's cross_entropy does.
torch::Tensor crossEntropyLoss(const torch::Tensor &logits, const torch::Tensor &target,
                               const torch::Tensor &weights = {});
// Focal loss: mean over pixels of -(1 - p_t)^gamma * log p_t (optionally class-weighted).
torch::Tensor focalLoss(const torch::Tensor &logits, const torch::Tensor &target, double gamma,
                        const torch::Tensor &weights = {});
// Soft Dice loss: softmax probabilities vs one-hot targets, per class
// (2 sum(p t) + s) / (sum p + sum t + s) over batch and pixels, 1 - mean over classes.
torch::Tensor softDiceLoss(const torch::Tensor &logits, const torch::Tensor &target, double smooth = 1.0);

// The loss `config` names; `classWeights` (K) is used by the weighted cross-entropy.
torch::Tensor computeLoss(const LossConfig &config, const torch::Tensor &logits, const torch::Tensor &target,
                          const torch::Tensor &classWeights = {});

// Inverse-frequency class weights from pixel counts, normalised to mean 1; absent classes get 0.
std::vector<double> inverseFrequencyWeights(const std::vector<std::int64_t> &pixelCounts);

}  // namespace unetlab
