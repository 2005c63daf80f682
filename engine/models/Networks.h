#pragma once
// The networks of MISSION §5 as LibTorch modules with named stages, so that a viewer
// can show what each stage sees. Engine-internal: widgets never include this.

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <torch/torch.h>

#include "models/ModelConfig.h"

namespace unetlab {

// Activations of every named stage, in forward order; the last entry is "head" (logits).
using StageActivations = std::vector<std::pair<std::string, torch::Tensor>>;

class SegmentationModel : public torch::nn::Module {
public:
    explicit SegmentationModel(ModelConfig config) : m_config(std::move(config)) {}

    const ModelConfig &config() const { return m_config; }
    // N x C x H x W input (H, W multiples of config().downsamplingFactor()) -> N x K x H x W logits.
    torch::Tensor forward(const torch::Tensor &x) { return run(x, nullptr); }
    StageActivations forwardStages(const torch::Tensor &x) {
        StageActivations stages;
        run(x, &stages);
        return stages;
    }

protected:
    virtual torch::Tensor run(const torch::Tensor &x, StageActivations *stages) = 0;

private:
    ModelConfig m_config;
};

torch::Tensor applyActivation(Activation activation, const torch::Tensor &x);

// Builds the network for `config` (validated) with Kaiming-normal (fan_out, ReLU) convs,
// zero biases, BatchNorm weight 1 / bias 0.
std::shared_ptr<SegmentationModel> buildModel(const ModelConfig &config);

std::int64_t countParameters(const torch::nn::Module &module, bool trainableOnly = true);

// The name of the first parameter or buffer holding NaN or infinite values (the weights of a
// run that diverged); empty when every value is finite.
std::string firstNonFiniteTensor(const torch::nn::Module &module);

// Stores every 4-D weight channels-last (NHWC), as oneDNN and tensor cores prefer.
void useChannelsLast(torch::nn::Module &module);

// Eval mode for a scope (BatchNorm on its running statistics, no dropout); the model's
// previous mode comes back however the scope ends, so looking at the model being trained
// does not disturb its training.
class EvalModeGuard {
public:
    explicit EvalModeGuard(torch::nn::Module &model) : m_model(model), m_wasTraining(model.is_training()) {
        m_model.eval();
    }
    ~EvalModeGuard() {
        if (m_wasTraining) m_model.train();
    }
    EvalModeGuard(const EvalModeGuard &) = delete;
    EvalModeGuard &operator=(const EvalModeGuard &) = delete;

private:
    torch::nn::Module &m_model;
    bool m_wasTraining;
};

}  // namespace unetlab
