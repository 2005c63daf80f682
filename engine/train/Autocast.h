#pragma once
// Mixed precision for the engine (train/ExecutionPlan.h), engine-internal (LibTorch).
//
// AutocastScope turns LibTorch's autocast on for the current thread — autocast state is
// thread-local, so it must be set on the thread that runs the model (the engine thread in
// the GUI) — and restores the previous state when it ends, clearing the cast cache as
// Python's `torch.autocast` does on exit. GradScaler is the C++ counterpart of
// `torch.cuda.amp.GradScaler` for fp16 training on CUDA: the loss is multiplied by a scale so
// small gradients survive fp16, gradients are unscaled before the optimiser step, and a step
// whose gradients overflowed is skipped and the scale halved.

#include <torch/torch.h>

#include "train/TrainConfig.h"

namespace unetlab {

class AutocastScope {
public:
    AutocastScope(Precision precision, const torch::Device &device);
    ~AutocastScope();
    AutocastScope(const AutocastScope &) = delete;
    AutocastScope &operator=(const AutocastScope &) = delete;

private:
    bool m_active = false;
    bool m_cpu = true;
    bool m_wasEnabled = false;
    at::ScalarType m_previousType = at::kFloat;
};

class GradScaler {
public:
    // Active only for fp16 on CUDA; otherwise every call is a plain pass-through.
    GradScaler(Precision precision, const torch::Device &device);
    bool active() const { return m_active; }
    torch::Tensor scale(const torch::Tensor &loss) const;
    // Unscales the gradients; steps the optimiser unless they hold inf/NaN; updates the scale.
    // Returns false for a skipped step.
    bool step(torch::optim::Optimizer &optimizer);
    double currentScale() const { return m_scale; }

private:
    bool m_active = false;
    double m_scale = 65536.0;
    int m_goodSteps = 0;
    static constexpr int kGrowthInterval = 2000;
};

}  // namespace unetlab
