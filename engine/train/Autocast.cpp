#include "train/Autocast.h"

#include <ATen/autocast_mode.h>
#include <torch/version.h>

#include <stdexcept>
#include <vector>

namespace unetlab {
namespace {

// LibTorch 2.4 replaced the per-backend autocast calls (set_cpu_enabled, set_autocast_gpu_dtype,
// ...) by calls that take the device type; the old ones still exist there but warn on every
// call, so the engine uses whichever its LibTorch has.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
bool autocastEnabled(bool cpu) { return at::autocast::is_autocast_enabled(cpu ? at::kCPU : at::kCUDA); }
at::ScalarType autocastType(bool cpu) { return at::autocast::get_autocast_dtype(cpu ? at::kCPU : at::kCUDA); }
void setAutocast(bool cpu, bool enabled, at::ScalarType type) {
    at::autocast::set_autocast_enabled(cpu ? at::kCPU : at::kCUDA, enabled);
    at::autocast::set_autocast_dtype(cpu ? at::kCPU : at::kCUDA, type);
}
#else
bool autocastEnabled(bool cpu) { return cpu ? at::autocast::is_cpu_enabled() : at::autocast::is_enabled(); }
at::ScalarType autocastType(bool cpu) {
    return cpu ? at::autocast::get_autocast_cpu_dtype() : at::autocast::get_autocast_gpu_dtype();
}
void setAutocast(bool cpu, bool enabled, at::ScalarType type) {
    if (cpu) {
        at::autocast::set_cpu_enabled(enabled);
        at::autocast::set_autocast_cpu_dtype(type);
    } else {
        at::autocast::set_enabled(enabled);
        at::autocast::set_autocast_gpu_dtype(type);
    }
}
#endif

}  // namespace

AutocastScope::AutocastScope(Precision precision, const torch::Device &device) {
    if (precision != Precision::BF16 && precision != Precision::FP16) return;
    m_cpu = device.is_cpu();
    if (m_cpu && precision == Precision::FP16)
        throw std::invalid_argument("fp16 autocast needs a CUDA GPU; on a CPU use bf16 or fp32");
    const at::ScalarType type = precision == Precision::BF16 ? at::kBFloat16 : at::kHalf;
    m_wasEnabled = autocastEnabled(m_cpu);
    m_previousType = autocastType(m_cpu);
    setAutocast(m_cpu, true, type);
    at::autocast::increment_nesting();
    m_active = true;
}

AutocastScope::~AutocastScope() {
    if (!m_active) return;
    // As torch.autocast's __exit__: the weights' casts are cached while nested, freed after.
    if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
    setAutocast(m_cpu, m_wasEnabled, m_previousType);
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
        // As torch.cuda.amp.GradScaler.unscale_: one fused kernel unscales every gradient and
        // records any inf/NaN on the GPU, so the step costs a single device-to-host read.
        torch::NoGradGuard noGrad;
        std::vector<torch::Tensor> grads;
        for (auto &group : optimizer.param_groups())
            for (auto &p : group.params())
                if (p.grad().defined()) grads.push_back(p.mutable_grad());
        if (!grads.empty()) {
            const auto options = torch::TensorOptions().dtype(torch::kFloat).device(grads.front().device());
            torch::Tensor foundInf = torch::zeros({1}, options);
            const torch::Tensor inverse = torch::full({1}, 1.0 / m_scale, options);
            at::_amp_foreach_non_finite_check_and_unscale_(grads, foundInf, inverse);
            finite = foundInf.item<float>() == 0.0f;
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
