#include "models/QuantizedUNet.h"

#include <ATen/Parallel.h>
#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/native/quantized/PackedParams.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <stdexcept>
#include <vector>

#include "models/Networks.h"

namespace unetlab {
namespace {

using Packed = c10::intrusive_ptr<ConvPackedParamsBase<2>>;

// The quantized engine this LibTorch offers for x86 convolutions, or nullopt.
std::optional<at::QEngine> quantizedEngine() {
    const auto &engines = at::globalContext().supportedQEngines();
    for (const at::QEngine e : {at::kONEDNN, at::kFBGEMM})
        if (std::find(engines.begin(), engines.end(), e) != engines.end()) return e;
    return std::nullopt;
}

// quantized::conv2d_prepack through the dispatcher: the packed weights of the active engine.
Packed prepack(const at::Tensor &qweight, const at::Tensor &bias, int64_t padding) {
    static const auto op = c10::Dispatcher::singleton()
                               .findSchemaOrThrow("quantized::conv2d_prepack", "")
                               .typed<Packed(at::Tensor, c10::optional<at::Tensor>, torch::List<int64_t>,
                                             torch::List<int64_t>, torch::List<int64_t>, int64_t)>();
    return op.call(qweight, bias, torch::List<int64_t>({1, 1}), torch::List<int64_t>({padding, padding}),
                   torch::List<int64_t>({1, 1}), 1);
}

// The kernel's inner loops, over the channels of one pixel (restrict: vectorised; cloned for
// AVX-512 and AVX2, chosen when the program loads, as the build itself targets plain x86-64).
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define UNETLAB_SIMD_CLONES __attribute__((target_clones("arch=skylake-avx512", "avx2", "default")))
#else
#define UNETLAB_SIMD_CLONES
#endif
UNETLAB_SIMD_CLONES void blendRows(const std::uint8_t *__restrict a, const std::uint8_t *__restrict b,
                                   std::uint16_t *__restrict t, int64_t n, std::uint16_t wa, std::uint16_t wb) {
    for (int64_t k = 0; k < n; ++k) t[k] = static_cast<std::uint16_t>(wa * a[k] + wb * b[k]);
}
UNETLAB_SIMD_CLONES void blendPixels(const std::uint16_t *__restrict p0, const std::uint16_t *__restrict p1,
                                     std::uint8_t *__restrict o, int64_t n, std::uint16_t w0, std::uint16_t w1,
                                     float m) {
    for (int64_t c = 0; c < n; ++c) {
        const float v = static_cast<float>(w0 * p0[c] + w1 * p1[c]) * m + 0.5f;
        o[c] = static_cast<std::uint8_t>(static_cast<int>(std::min(v, 255.0f)));
    }
}
UNETLAB_SIMD_CLONES void requantize(const std::uint8_t *__restrict s, std::uint8_t *__restrict o, int64_t n, float m) {
    for (int64_t c = 0; c < n; ++c)
        o[c] = static_cast<std::uint8_t>(static_cast<int>(std::min(static_cast<float>(s[c]) * m + 0.5f, 255.0f)));
}

UNETLAB_SIMD_CLONES void dequantizeRange(const std::uint8_t *__restrict q, float *__restrict out, int64_t n,
                                         float scale, float zeroPoint) {
    for (int64_t k = 0; k < n; ++k) out[k] = (static_cast<float>(q[k]) - zeroPoint) * scale;
}
UNETLAB_SIMD_CLONES void quantizeRange(const float *__restrict x, std::uint8_t *__restrict out, int64_t n,
                                       float inverseScale, float zeroPoint) {
    for (int64_t k = 0; k < n; ++k) {
        const float v = std::nearbyint(x[k] * inverseScale) + zeroPoint;
        out[k] = static_cast<std::uint8_t>(static_cast<int>(std::min(std::max(0.0f, v), 255.0f)));  // NaN: 0
    }
}

// LibTorch's (de)quantization of channels-last tensors is several times slower than the
// arithmetic needs (4.6 ms for the 2M values before the head); these are the same formulas
// over the NHWC data as it lies in memory.
at::Tensor quantizeChannelsLast(const at::Tensor &x, double scale, int64_t zeroPoint) {
    const at::Tensor in = x.contiguous(torch::MemoryFormat::ChannelsLast);
    at::Tensor out = at::_empty_affine_quantized(in.sizes(), at::device(torch::kCPU).dtype(torch::kQUInt8), scale,
                                                 zeroPoint, torch::MemoryFormat::ChannelsLast);
    const float *src = in.data_ptr<float>();
    auto *dst = reinterpret_cast<std::uint8_t *>(out.data_ptr<c10::quint8>());
    at::parallel_for(0, in.numel(), 1 << 16, [&](int64_t b, int64_t e) {
        quantizeRange(src + b, dst + b, e - b, static_cast<float>(1.0 / scale), static_cast<float>(zeroPoint));
    });
    return out;
}
at::Tensor dequantizeChannelsLast(const at::Tensor &q) {
    const at::Tensor in = q.contiguous(torch::MemoryFormat::ChannelsLast);
    at::Tensor out =
        at::empty(in.sizes(), at::device(torch::kCPU).dtype(torch::kFloat), torch::MemoryFormat::ChannelsLast);
    const auto *src = reinterpret_cast<const std::uint8_t *>(in.data_ptr<c10::quint8>());
    float *dst = out.data_ptr<float>();
    at::parallel_for(0, in.numel(), 1 << 16, [&](int64_t b, int64_t e) {
        dequantizeRange(src + b, dst + b, e - b, static_cast<float>(in.q_scale()),
                        static_cast<float>(in.q_zero_point()));
    });
    return out;
}

}  // namespace

std::optional<std::string> int8UnsupportedReason(const ModelConfig &config) {
    if (config.arch != Architecture::UNet) return std::string("int8 inference covers U-Nets only");
    if (config.activation != Activation::ReLU) return std::string("int8 inference needs ReLU activations");
    if (config.upsampling != Upsampling::Bilinear) return std::string("int8 inference needs bilinear upsampling");
    if (!quantizedEngine()) return std::string("this LibTorch has no quantized CPU engine (oneDNN or FBGEMM)");
    return std::nullopt;
}

// One convolution with BatchNorm folded in and a ReLU after it: fp32 weights for the
// reference and calibration, packed int8 weights for inference.
struct QConv {
    at::Tensor weight, bias;  // folded, fp32 (weight channels-last)
    int64_t padding = 0;
    Packed packed;
    double outScale = 1;  // uint8 output (zero point 0, after a ReLU): value = scale * q
    float observedMax = 0;
};

struct QuantizedUNet::Impl {
    ModelConfig config;
    at::QEngine engine = at::kONEDNN;
    std::vector<QConv> convs;         // enc1.conv1, enc1.conv2, ..., bottleneck, dec(levels)..dec1
    at::Tensor headWeight, headBias;  // the 1x1 head, fp32
    double inScale = 1;
    int64_t inZeroPoint = 0;
    float inMin = 0, inMax = 0;
    at::Tensor calibrationLogits;

    // Walks the network once, in fp32 (observe: record ranges) or int8.
    at::Tensor run(const at::Tensor &input, bool quantized, bool observe);
};

QuantizedUNet::~QuantizedUNet() = default;

QuantizedUNet::QuantizedUNet(SegmentationModel &model, const torch::Tensor &calibration)
    : m_impl(std::make_unique<Impl>()) {
    Impl &d = *m_impl;
    d.config = model.config();
    if (const auto why = int8UnsupportedReason(d.config)) throw std::invalid_argument(*why);
    if (calibration.dim() != 4 || calibration.size(0) < 1 || calibration.size(1) != d.config.inChannels)
        throw std::invalid_argument("int8 calibration needs N x " + std::to_string(d.config.inChannels) +
                                    " x H x W images");
    d.engine = *quantizedEngine();
    if (at::globalContext().qEngine() != d.engine) at::globalContext().setQEngine(d.engine);

    torch::NoGradGuard noGrad;
    if (const std::string bad = firstNonFiniteTensor(model); !bad.empty())
        throw std::invalid_argument("the network's '" + bad + "' holds NaN or infinite values");
    std::map<std::string, at::Tensor> p;
    for (const auto &item : model.named_parameters(true))
        p[item.key()] = item.value().detach().to(torch::kCPU).to(torch::kFloat);
    for (const auto &item : model.named_buffers(true)) p[item.key()] = item.value().detach().to(torch::kCPU);
    const auto get = [&](const std::string &name) {
        const auto it = p.find(name);
        if (it == p.end()) throw std::invalid_argument("int8: the model has no '" + name + "'");
        return it->second;
    };
    const auto addConv = [&](const std::string &conv, const std::string &bn) {
        QConv c;
        at::Tensor w = get(conv + ".weight"), b = get(conv + ".bias");
        if (d.config.batchNorm) {  // eval-mode BatchNorm, LibTorch's default eps as in Networks.cpp
            const at::Tensor scale =
                get(bn + ".weight") / torch::sqrt(get(bn + ".running_var").to(torch::kFloat) + 1e-5);
            w = w * scale.view({-1, 1, 1, 1});
            b = (b - get(bn + ".running_mean").to(torch::kFloat)) * scale + get(bn + ".bias");
        }
        c.weight = w.contiguous(torch::MemoryFormat::ChannelsLast);
        c.bias = b.contiguous();
        c.padding = w.size(2) / 2;
        d.convs.push_back(std::move(c));
    };
    const auto addBlock = [&](const std::string &name) {
        addConv(name + ".conv1", name + ".bn1");
        addConv(name + ".conv2", name + ".bn2");
    };
    for (int l = 1; l <= d.config.levels; ++l) addBlock("enc" + std::to_string(l));
    addBlock("bottleneck");
    for (int l = d.config.levels; l >= 1; --l) addBlock("dec" + std::to_string(l));
    d.headWeight = get("head.weight").contiguous(torch::MemoryFormat::ChannelsLast);
    d.headBias = get("head.bias").contiguous();

    // Calibration: the fp32 ranges of the input and of every convolution's output.
    d.inMin = std::numeric_limits<float>::max();
    d.inMax = std::numeric_limits<float>::lowest();
    for (auto &c : d.convs) c.observedMax = 0;
    const at::Tensor cal = calibration.to(torch::kCPU, torch::kFloat);
    if (!torch::isfinite(cal).all().item<bool>())
        throw std::invalid_argument("int8 calibration images contain NaN or infinite values");
    std::vector<at::Tensor> logits;
    for (int64_t i = 0; i < cal.size(0); ++i) logits.push_back(d.run(cal.narrow(0, i, 1), false, true));
    d.calibrationLogits = torch::cat(logits);

    const auto affine = [](float lo, float hi, double *scale, int64_t *zeroPoint) {
        lo = std::min(lo, 0.0f);
        hi = std::max(hi, 0.0f);
        *scale = std::max(static_cast<double>(hi - lo) / 255.0, 1e-8);
        *zeroPoint = std::clamp<int64_t>(std::llround(-lo / *scale), 0, 255);
    };
    affine(d.inMin, d.inMax, &d.inScale, &d.inZeroPoint);
    for (QConv &c : d.convs) {
        c.outScale = std::max(static_cast<double>(c.observedMax) / 255.0, 1e-8);
        // int8 weights, symmetric per output channel.
        const at::Tensor maxAbs = c.weight.abs().amax({1, 2, 3}).clamp_min(1e-8);
        const at::Tensor scales = (maxAbs / 127.0).to(torch::kDouble);
        const at::Tensor zeros = torch::zeros({c.weight.size(0)}, torch::kLong);
        const at::Tensor qw = at::quantize_per_channel(c.weight.contiguous(), scales, zeros, 0, torch::kQInt8);
        c.packed = prepack(qw, c.bias, c.padding);
    }
}

at::Tensor QuantizedUNet::Impl::run(const at::Tensor &input, bool quantized, bool observe) {
    std::size_t next = 0;
    const auto conv = [&](const at::Tensor &x) {
        QConv &c = convs[next++];
        if (quantized) return c.packed->apply_relu(x, c.outScale, 0);
        at::Tensor y = at::relu(at::conv2d(x, c.weight, c.bias, 1, c.padding));
        if (observe) c.observedMax = std::max(c.observedMax, y.max().item<float>());
        return y;
    };
    const auto block = [&](at::Tensor x) { return conv(conv(x)); };

    at::Tensor x = input.contiguous(torch::MemoryFormat::ChannelsLast);
    if (observe) {
        inMin = std::min(inMin, x.min().item<float>());
        inMax = std::max(inMax, x.max().item<float>());
    }
    if (quantized) x = quantizeChannelsLast(x, inScale, inZeroPoint);
    std::vector<at::Tensor> skips;
    for (int l = 0; l < config.levels; ++l) {
        x = block(x);
        skips.push_back(x);
        x = at::max_pool2d(x, {2, 2}, {2, 2}, {0, 0}, {1, 1});
    }
    x = block(x);
    for (int i = 0; i < config.levels; ++i) {
        const at::Tensor &skip = skips[config.levels - 1 - i];
        if (quantized) {
            // Both inputs come out of ReLUs (zero point 0); the concatenation keeps the coarser scale.
            const double scale = config.skips ? std::max(x.q_scale(), skip.q_scale()) : x.q_scale();
            x = upsampleConcatQuantized(x, config.skips ? skip : at::Tensor(), skip.size(2), skip.size(3), scale);
        } else {
            x = at::upsample_bilinear2d(x, {skip.size(2), skip.size(3)}, false);
            if (config.skips) x = at::cat({x, skip}, 1);
        }
        x = block(x);
    }
    // The 1x1 head stays fp32: uint8 logits move the class boundary (on a trained nucleus
    // model 0.4 % of pixels changed class with an int8 head, 0.06 % with this).
    if (quantized) x = dequantizeChannelsLast(x);
    return at::conv2d(x, headWeight, headBias);
}

torch::Tensor QuantizedUNet::forward(const torch::Tensor &x) {
    c10::InferenceMode inference;
    if (at::globalContext().qEngine() != m_impl->engine) at::globalContext().setQEngine(m_impl->engine);
    return m_impl->run(x.to(torch::kCPU, torch::kFloat), true, false);
}

torch::Tensor QuantizedUNet::forwardFloat(const torch::Tensor &x) {
    c10::InferenceMode inference;
    return m_impl->run(x.to(torch::kCPU, torch::kFloat), false, false);
}

namespace {
class Int8Model final : public SegmentationModel {
public:
    Int8Model(SegmentationModel &model, const torch::Tensor &calibration)
        : SegmentationModel(model.config()), m_net(model, calibration) {}

protected:
    torch::Tensor run(const torch::Tensor &x, StageActivations *stages) override {
        if (stages) throw std::invalid_argument("the int8 network does not record its stages; inspect the fp32 model");
        if (!x.device().is_cpu()) throw std::invalid_argument("int8 inference runs on the CPU only");
        return m_net.forward(x);
    }

public:
    const QuantizedUNet &quantized() const { return m_net; }

private:
    QuantizedUNet m_net;
};
}  // namespace

const torch::Tensor &QuantizedUNet::calibrationLogits() const { return m_impl->calibrationLogits; }

std::shared_ptr<SegmentationModel> makeInt8Model(SegmentationModel &model, const torch::Tensor &calibration,
                                                 torch::Tensor *calibrationLogits) {
    auto net = std::make_shared<Int8Model>(model, calibration);
    if (calibrationLogits) *calibrationLogits = net->quantized().calibrationLogits();
    return net;
}

torch::Tensor upsampleConcatQuantized(const torch::Tensor &lowIn, const torch::Tensor &skipIn, int64_t H, int64_t W,
                                      double outScale) {
    if (lowIn.scalar_type() != torch::kQUInt8 || lowIn.dim() != 4 || lowIn.q_zero_point() != 0)
        throw std::invalid_argument("upsampleConcatQuantized: low must be quint8 N x C x h x w, zero point 0");
    const int64_t N = lowIn.size(0), C1 = lowIn.size(1), h = lowIn.size(2), w = lowIn.size(3);
    if (H != 2 * h || W != 2 * w)
        throw std::invalid_argument("upsampleConcatQuantized: the output must be twice the input");
    const bool withSkip = skipIn.defined();
    const int64_t C2 = withSkip ? skipIn.size(1) : 0;
    if (withSkip && (skipIn.scalar_type() != torch::kQUInt8 || skipIn.q_zero_point() != 0 || skipIn.size(0) != N ||
                     skipIn.size(2) != H || skipIn.size(3) != W))
        throw std::invalid_argument("upsampleConcatQuantized: skip must be quint8 N x C x H x W, zero point 0");
    const at::Tensor low = lowIn.contiguous(torch::MemoryFormat::ChannelsLast);
    const at::Tensor skip = withSkip ? skipIn.contiguous(torch::MemoryFormat::ChannelsLast) : at::Tensor();
    const int64_t C = C1 + C2;
    at::Tensor out = at::_empty_affine_quantized({N, C, H, W}, at::device(torch::kCPU).dtype(torch::kQUInt8), outScale,
                                                 0, torch::MemoryFormat::ChannelsLast);
    const auto *L = reinterpret_cast<const std::uint8_t *>(low.data_ptr<c10::quint8>());
    const auto *S = withSkip ? reinterpret_cast<const std::uint8_t *>(skip.data_ptr<c10::quint8>()) : nullptr;
    auto *O = reinterpret_cast<std::uint8_t *>(out.data_ptr<c10::quint8>());
    // Weights in quarters per axis, so a value is (sum of 16ths) * mLow.
    const float mLow = static_cast<float>(low.q_scale() / outScale / 16.0);
    const float mSkip = withSkip ? static_cast<float>(skip.q_scale() / outScale) : 1.0f;
    const bool copySkip = withSkip && skip.q_scale() == outScale;

    at::parallel_for(0, N * H, 8, [&](int64_t begin, int64_t end) {
        std::vector<std::uint16_t> row(static_cast<std::size_t>(w * C1));
        for (int64_t r = begin; r < end; ++r) {
            const int64_t n = r / H, y = r % H, i = y / 2;
            // align_corners=false, scale 2: even rows mix rows i-1 (1/4) and i (3/4), odd rows
            // i (3/4) and i+1 (1/4); the edges clamp.
            const int64_t y0 = (y % 2 == 0) ? std::max<int64_t>(i - 1, 0) : i;
            const int64_t y1 = (y % 2 == 0) ? i : std::min<int64_t>(i + 1, h - 1);
            const std::uint16_t wy0 = (y % 2 == 0) ? 1 : 3, wy1 = (y % 2 == 0) ? 3 : 1;
            const std::uint8_t *a = L + ((n * h + y0) * w) * C1;
            const std::uint8_t *b = L + ((n * h + y1) * w) * C1;
            const std::uint16_t *t = row.data();
            blendRows(a, b, row.data(), w * C1, wy0, wy1);
            std::uint8_t *o = O + ((n * H + y) * W) * C;
            const std::uint8_t *s = withSkip ? S + ((n * H + y) * W) * C2 : nullptr;
            for (int64_t x = 0; x < W; ++x, o += C) {
                const int64_t j = x / 2;
                const int64_t x0 = (x % 2 == 0) ? std::max<int64_t>(j - 1, 0) : j;
                const int64_t x1 = (x % 2 == 0) ? j : std::min<int64_t>(j + 1, w - 1);
                const std::uint16_t wx0 = (x % 2 == 0) ? 1 : 3, wx1 = (x % 2 == 0) ? 3 : 1;
                blendPixels(t + x0 * C1, t + x1 * C1, o, C1, wx0, wx1, mLow);
                if (!withSkip) continue;
                if (copySkip)
                    std::memcpy(o + C1, s + x * C2, static_cast<std::size_t>(C2));
                else
                    requantize(s + x * C2, o + C1, C2, mSkip);
            }
        }
    });
    return out;
}

}  // namespace unetlab
