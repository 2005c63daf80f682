#include "train/Autocast.h"

#include <ATen/autocast_mode.h>

#include <stdexcept>

namespace unetlab {

AutocastScope::AutocastScope(Precision precision, const torch::Device &device) {
    if (precision != Precision::BF16 && precision != Precision::FP16) return;
    m_cpu = device.is_cpu();
    if (m_cpu && precision == Precision::FP16)
        throw std::invalid_argument("fp16 autocast needs a CUDA GPU; on a CPU use bf16 or fp32");
    const at::ScalarType type = precision == Precision::BF16 ? at::kBFloat16 : at::kHalf;
    if (m_cpu) {
        m_wasEnabled = at::autocast::is_cpu_enabled();
        m_previousType = at::autocast::get_autocast_cpu_dtype();
        at::autocast::set_cpu_enabled(true);
        at::autocast::set_autocast_cpu_dtype(type);
    } else {
        m_wasEnabled = at::autocast::is_enabled();
        m_previousType = at::autocast::get_autocast_gpu_dtype();
        at::autocast::set_enabled(true);
        at::autocast::set_autocast_gpu_dtype(type);
    }
    at::autocast::increment_nesting();
    m_active = true;
}

AutocastScope::~AutocastScope() {
    if (!m_active) return;
    // As torch.autocast's __exit__: the weights' casts are cached while nested, freed after.
    if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
    if (m_cpu) {
        at::autocast::set_cpu_enabled(m_wasEnabled);
        at::autocast::set_autocast_cpu_dtype(m_previousType);
    } else {
        at::autocast::set_enabled(m_wasEnabled);
        at::autocast::set_autocast_gpu_dtype(m_previousType);
    }
}

GradScaler::GradScaler(Precision precision, const torch::Device &device)
    : m_active(precision == Precision::FP16 && device.is_cuda()) {}

torch::Tensor GradScaler::scale(const torch::Tensor &loss) const { return m_active ? loss * m_scale : loss; }

bool GradScaler::step(torch::optim::Optimizer &optimizer) {
    if (!m_active) {
        optimizer.step();
        return true;
    }
    bool finite = true;
    {
        torch::NoGradGuard noGrad;
        const double inverse = 1.0 / m_scale;
        for (auto &group : optimizer.param_groups())
            for (auto &p : group.params()) {
                if (!p.grad().defined()) continue;
                p.mutable_grad().mul_(inverse);
                if (finite && !torch::isfinite(p.grad()).all().item<bool>()) finite = false;
            }
    }
    if (!finite) {  // overflow in fp16: skip this step, try a smaller scale
        m_scale *= 0.5;
        m_goodSteps = 0;
        optimizer.zero_grad();
        return false;
    }
    optimizer.step();
    if (++m_goodSteps >= kGrowthInterval) {
        m_scale *= 2.0;
        m_goodSteps = 0;
    }
    return true;
}

}  // namespace unetlab
