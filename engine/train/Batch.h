#pragma once
// Turning samples into tensors and models' logits back into masks, and evaluating a
// model batch by batch. Engine-internal (LibTorch).

#include <cstdint>
#include <vector>

#include <torch/torch.h>

#include "data/Dataset.h"
#include "data/Normalisation.h"
#include "models/Networks.h"
#include "train/Metrics.h"
#include "train/TrainConfig.h"

namespace unetlab {

// N x C x H x W uint8 and N x H x W uint8 tensors on the CPU (samples must share one size).
torch::Tensor stackImages(const std::vector<Sample> &samples);
torch::Tensor stackMasks(const std::vector<Sample> &samples);
// uint8 images -> float on `device`: scaled to [0, 1], then normalised; channels-last when asked.
torch::Tensor prepareInput(const torch::Tensor &imagesU8, const torch::Device &device, bool channelsLast,
                           const Normalisation &normalisation);

// Accumulates loss and metrics over batches; the model is switched to eval mode while
// it runs and back to its previous mode afterwards.
class BatchEvaluator {
public:
    // Always fp32 (whatever precision training uses), so validation figures compare across plans.
    // N/C is read from `cells` (cellClassesOf the data's class names).
    BatchEvaluator(SegmentationModel &model, torch::Device device, bool channelsLast, Normalisation normalisation,
                   const LossConfig &loss, CellClasses cells, torch::Tensor classWeights = {});
    // Returns the predicted masks (N x H x W uint8, CPU) of this batch.
    torch::Tensor add(const std::vector<Sample> &batch);
    SplitMetrics metrics() const { return m_metrics.finish(); }
    double meanLoss() const { return m_pixels ? m_lossSum / static_cast<double>(m_pixels) : kUndefined; }

private:
    SegmentationModel &m_model;
    torch::Device m_device;
    bool m_channelsLast;
    Normalisation m_normalisation;
    LossConfig m_loss;
    torch::Tensor m_weights;
    MetricsAccumulator m_metrics;
    double m_lossSum = 0;
    std::int64_t m_pixels = 0;
};

// Evaluates `indices` of `data` in batches of `batchSize`.
struct EvaluationResult {
    SplitMetrics metrics;
    double loss = kUndefined;
};
EvaluationResult evaluateModel(SegmentationModel &model, const Dataset &data, const std::vector<std::size_t> &indices,
                               torch::Device device, bool channelsLast, const Normalisation &normalisation,
                               const LossConfig &loss, int batchSize = 8);

}  // namespace unetlab
