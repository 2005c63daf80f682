#include "train/Losses.h"

#include <cstdint>
#include <stdexcept>

namespace unetlab {
namespace F = torch::nn::functional;

torch::Tensor crossEntropyLoss(const torch::Tensor &logits, const torch::Tensor &target,
                               const torch::Tensor &weights) {
    auto options = F::CrossEntropyFuncOptions();
    if (weights.defined()) options.weight(weights.to(logits.device(), logits.scalar_type()));
    return F::cross_entropy(logits, target, options);
}

torch::Tensor focalLoss(const torch::Tensor &logits, const torch::Tensor &target, double gamma,
                        const torch::Tensor &weights) {
    const torch::Tensor logp = torch::log_softmax(logits.to(torch::kFloat), 1);
    const torch::Tensor logpt = logp.gather(1, target.unsqueeze(1)).squeeze(1);
    const torch::Tensor pt = logpt.exp();
    torch::Tensor loss = -torch::pow(1.0 - pt, gamma) * logpt;
    if (weights.defined()) {
        const torch::Tensor w = weights.to(logits.device(), torch::kFloat).index({target});
        return (loss * w).sum() / w.sum().clamp_min(1e-12);
    }
    return loss.mean();
}

torch::Tensor softDiceLoss(const torch::Tensor &logits, const torch::Tensor &target, double smooth) {
    const int64_t k = logits.size(1);
    const torch::Tensor probs = torch::softmax(logits.to(torch::kFloat), 1);
    const torch::Tensor onehot = F::one_hot(target, k).permute({0, 3, 1, 2}).to(torch::kFloat);
    const std::vector<int64_t> dims = {0, 2, 3};
    const torch::Tensor intersection = (probs * onehot).sum(dims);
    const torch::Tensor denominator = probs.sum(dims) + onehot.sum(dims);
    const torch::Tensor dice = (2.0 * intersection + smooth) / (denominator + smooth);
    return 1.0 - dice.mean();
}

torch::Tensor computeLoss(const LossConfig &config, const torch::Tensor &logits, const torch::Tensor &target,
                          const torch::Tensor &classWeights) {
    switch (config.kind) {
    case LossKind::CrossEntropy: return crossEntropyLoss(logits, target);
    case LossKind::WeightedCrossEntropy: return crossEntropyLoss(logits, target, classWeights);
    case LossKind::Focal: return focalLoss(logits, target, config.focalGamma);
    case LossKind::Dice: return softDiceLoss(logits, target, config.diceSmooth);
    case LossKind::CrossEntropyDice:
        return config.lambda * crossEntropyLoss(logits, target) +
               (1.0 - config.lambda) * softDiceLoss(logits, target, config.diceSmooth);
    }
    throw std::invalid_argument("unknown loss");
}

std::vector<double> inverseFrequencyWeights(const std::vector<std::int64_t> &pixelCounts) {
    std::vector<double> w(pixelCounts.size(), 0.0);
    double sum = 0;
    int present = 0;
    for (std::size_t c = 0; c < pixelCounts.size(); ++c)
        if (pixelCounts[c] > 0) {
            w[c] = 1.0 / static_cast<double>(pixelCounts[c]);
            sum += w[c];
            ++present;
        }
    if (present == 0) return std::vector<double>(pixelCounts.size(), 1.0);
    for (double &v : w) v *= present / sum;
    return w;
}

}  // namespace unetlab
