#include "inspect/ChannelStats.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <stdexcept>

namespace unetlab {
namespace F = torch::nn::functional;

namespace {

// N x C x H x W -> N x P x C float, P = H * W. Stage activations come out of the network
// channels-last, where this is a free view and every reduction below runs over contiguous
// rows of channels (about ten times faster on a CPU than reducing each channel's strided
// plane); NCHW input is copied once.
torch::Tensor pixelsByChannel(const torch::Tensor &a) {
    return a.to(torch::kFloat).permute({0, 2, 3, 1}).reshape({a.size(0), -1, a.size(1)});
}

}  // namespace

torch::Tensor spatialVariance(const torch::Tensor &a) {
    const torch::Tensor x = pixelsByChannel(a);
    // Centred two-pass form: exact enough in float for maps of any size and offset.
    return (x - x.mean(1, /*keepdim=*/true)).square().mean(1);
}

torch::Tensor meanMagnitude(const torch::Tensor &a) { return pixelsByChannel(a).abs().mean(1); }

torch::Tensor pointBiserial(const torch::Tensor &a, const torch::Tensor &mask) {
    if (a.dim() != 4 || mask.dim() != 3 || a.size(0) != mask.size(0) || a.size(2) != mask.size(1) ||
        a.size(3) != mask.size(2))
        throw std::invalid_argument("pointBiserial: activations N x C x H x W and mask N x H x W must agree");
    const torch::Tensor x = pixelsByChannel(a);                              // N x P x C
    const torch::Tensor y = mask.to(torch::kFloat).flatten(1).unsqueeze(2);  // N x P x 1
    const torch::Tensor xc = x - x.mean(1, /*keepdim=*/true);
    const torch::Tensor yc = y - y.mean(1, /*keepdim=*/true);
    const torch::Tensor cov = (xc * yc).mean(1);
    const torch::Tensor denom = xc.square().mean(1).sqrt() * yc.square().mean(1).sqrt();
    return torch::where(denom > 0, cov / denom, torch::full_like(cov, std::nan("")));
}

torch::Tensor binaryMaskAt(const torch::Tensor &masks, int classIndex, std::int64_t height, std::int64_t width) {
    torch::Tensor m = masks.eq(classIndex).to(torch::kFloat);
    if (m.size(1) == height && m.size(2) == width) return m;
    m = F::adaptive_avg_pool2d(m.unsqueeze(1), F::AdaptiveAvgPool2dFuncOptions({height, width})).squeeze(1);
    return m.ge(0.5).to(torch::kFloat);
}

std::vector<int> topChannels(const torch::Tensor &scores, int k, bool byAbsolute) {
    const torch::Tensor s = scores.to(torch::kCPU, torch::kDouble).contiguous();
    const auto n = static_cast<int>(s.numel());
    const double *v = s.data_ptr<double>();
    auto key = [&](int c) { return byAbsolute ? std::abs(v[c]) : v[c]; };
    std::vector<int> order(static_cast<std::size_t>(n));
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
        const bool na = std::isnan(v[a]), nb = std::isnan(v[b]);
        if (na || nb) return !na && nb;
        return key(a) > key(b);
    });
    order.resize(static_cast<std::size_t>(std::clamp(k, 0, n)));
    return order;
}

}  // namespace unetlab
