#include "train/Optimizers.h"

#include <cmath>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <type_traits>

namespace unetlab {
namespace {

// LibTorch keys optimiser state by the parameter's TensorImpl: as a string printed from the
// pointer up to 1.x (c10::guts::to_string), as the pointer itself in 2.x.
template <class Key>
Key stateKey(const torch::Tensor &p) {
    if constexpr (std::is_same_v<Key, std::string>) {
        std::ostringstream s;
        s << p.unsafeGetTensorImpl();
        return s.str();
    } else {
        return p.unsafeGetTensorImpl();
    }
}

bool useForeach(ForeachMode mode, const std::vector<torch::optim::OptimizerParamGroup> &groups) {
    if (mode != ForeachMode::WhenOnCuda) return mode == ForeachMode::Always;
    bool any = false;
    for (const auto &group : groups)
        for (const auto &p : group.params()) {
            if (!p.grad().defined()) continue;
            if (!p.is_cuda()) return false;
            any = true;
        }
    return any;
}

// The parameters of one group that take a step now, grouped by their step count (equal for all
// of them unless some went without gradients on earlier steps), with their state.
struct Lists {
    std::vector<torch::Tensor> params, grads, expAvgs, expAvgSqs;
};

template <class ParamState, class StateMap>
std::map<std::int64_t, Lists> collect(torch::optim::OptimizerParamGroup &group, StateMap &state) {
    using Key = typename StateMap::key_type;
    std::map<std::int64_t, Lists> byStep;
    for (auto &p : group.params()) {
        if (!p.grad().defined()) continue;
        TORCH_CHECK(!p.grad().is_sparse(), "Adam does not support sparse gradients");
        const Key key = stateKey<Key>(p);
        auto it = state.find(key);
        if (it == state.end()) {
            auto fresh = std::make_unique<ParamState>();
            fresh->step(0);
            fresh->exp_avg(torch::zeros_like(p, torch::MemoryFormat::Preserve));
            fresh->exp_avg_sq(torch::zeros_like(p, torch::MemoryFormat::Preserve));
            it = state.emplace(key, std::move(fresh)).first;
        }
        auto &s = static_cast<ParamState &>(*it->second);
        s.step(s.step() + 1);
        Lists &l = byStep[s.step()];
        l.params.push_back(p);
        l.grads.push_back(p.grad());
        l.expAvgs.push_back(s.exp_avg());
        l.expAvgSqs.push_back(s.exp_avg_sq());
    }
    return byStep;
}

// LibTorch's Adam/AdamW update (torch/csrc/api/src/optim/adam.cpp, adamw.cpp) on lists:
//   Adam:  g += wd * p                AdamW: p *= 1 - lr * wd
//   m = beta1 * m + (1 - beta1) * g;  v = beta2 * v + (1 - beta2) * g * g
//   p -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
void foreachUpdate(Lists &l, std::int64_t step, double lr, double beta1, double beta2, double eps, double weightDecay,
                   bool decoupled) {
    const double biasCorrection1 = 1 - std::pow(beta1, static_cast<double>(step));
    const double biasCorrection2 = 1 - std::pow(beta2, static_cast<double>(step));
    std::vector<torch::Tensor> grads = l.grads;
    if (weightDecay != 0) {
        if (decoupled)
            at::_foreach_mul_(l.params, 1 - lr * weightDecay);
        else
            grads = at::_foreach_add(l.grads, l.params, weightDecay);
    }
    at::_foreach_mul_(l.expAvgs, beta1);
    at::_foreach_add_(l.expAvgs, grads, 1 - beta1);
    at::_foreach_mul_(l.expAvgSqs, beta2);
    at::_foreach_addcmul_(l.expAvgSqs, grads, grads, 1 - beta2);
    std::vector<torch::Tensor> denom = at::_foreach_sqrt(l.expAvgSqs);
    at::_foreach_div_(denom, std::sqrt(biasCorrection2));
    at::_foreach_add_(denom, eps);
    at::_foreach_addcdiv_(l.params, l.expAvgs, denom, -lr / biasCorrection1);
}

template <class Options>
bool anyAmsgrad(const std::vector<torch::optim::OptimizerParamGroup> &groups) {
    for (const auto &group : groups)
        if (static_cast<const Options &>(group.options()).amsgrad()) return true;
    return false;
}

template <class Options, class ParamState, class Optimizer>
void foreachStep(Optimizer &opt, bool decoupled) {
    torch::NoGradGuard noGrad;
    for (auto &group : opt.param_groups()) {
        const auto &options = static_cast<const Options &>(group.options());
        auto byStep = collect<ParamState>(group, opt.state());
        for (auto &[step, lists] : byStep)
            foreachUpdate(lists, step, options.lr(), std::get<0>(options.betas()), std::get<1>(options.betas()),
                          options.eps(), options.weight_decay(), decoupled);
    }
}

torch::Tensor runClosure(const torch::optim::Optimizer::LossClosure &closure) {
    if (closure == nullptr) return {};
    at::AutoGradMode enableGrad(true);
    return closure();
}

}  // namespace

void moveOptimizerStateTo(torch::optim::Optimizer &optimizer, const torch::Device &device) {
    auto move = [&](const torch::Tensor &t) { return t.defined() ? t.to(device) : t; };
    for (auto &entry : optimizer.state()) {
        torch::optim::OptimizerParamState *state = entry.second.get();
        if (auto *s = dynamic_cast<torch::optim::AdamParamState *>(state)) {
            s->exp_avg(move(s->exp_avg()));
            s->exp_avg_sq(move(s->exp_avg_sq()));
            s->max_exp_avg_sq(move(s->max_exp_avg_sq()));
        } else if (auto *w = dynamic_cast<torch::optim::AdamWParamState *>(state)) {
            w->exp_avg(move(w->exp_avg()));
            w->exp_avg_sq(move(w->exp_avg_sq()));
            w->max_exp_avg_sq(move(w->max_exp_avg_sq()));
        } else if (auto *g = dynamic_cast<torch::optim::SGDParamState *>(state)) {
            g->momentum_buffer(move(g->momentum_buffer()));
        } else if (auto *r = dynamic_cast<torch::optim::RMSpropParamState *>(state)) {
            r->square_avg(move(r->square_avg()));
            r->momentum_buffer(move(r->momentum_buffer()));
            r->grad_avg(move(r->grad_avg()));
        } else {
            throw std::logic_error("moveOptimizerStateTo: an optimiser state of an unknown kind");
        }
    }
}

template <class Base, class Options, class ParamState, bool Decoupled>
torch::Tensor ForeachAdamFamily<Base, Options, ParamState, Decoupled>::step(LossClosure closure) {
    // AMSGrad keeps a running maximum the lists above do not carry: LibTorch's own step.
    m_usedForeach = !anyAmsgrad<Options>(this->param_groups()) && useForeach(m_mode, this->param_groups());
    if (!m_usedForeach) return Base::step(std::move(closure));
    torch::Tensor loss = runClosure(closure);
    foreachStep<Options, ParamState>(*this, Decoupled);
    return loss;
}

template class ForeachAdamFamily<torch::optim::Adam, torch::optim::AdamOptions, torch::optim::AdamParamState, false>;
template class ForeachAdamFamily<torch::optim::AdamW, torch::optim::AdamWOptions, torch::optim::AdamWParamState,
                                 true>;

}  // namespace unetlab
