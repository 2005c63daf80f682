#include "models/Networks.h"

#include <cstdint>
#include <stdexcept>

namespace unetlab {
namespace nn = torch::nn;
namespace F = torch::nn::functional;

torch::Tensor applyActivation(Activation activation, const torch::Tensor &x) {
    switch (activation) {
    case Activation::ReLU: return torch::relu(x);
    case Activation::LeakyReLU: return F::leaky_relu(x, F::LeakyReLUFuncOptions().negative_slope(0.01));
    case Activation::GELU: return torch::gelu(x);
    case Activation::SiLU: return torch::silu(x);
    case Activation::Mish: return torch::mish(x);
    case Activation::ELU: return torch::elu(x);
    }
    return x;
}

namespace {

// [conv 3x3 pad 1 -> BatchNorm -> activation] x 2, then optional Dropout2d.
class ConvBlockImpl : public nn::Module {
public:
    ConvBlockImpl(int in, int out, const ModelConfig &config)
        : m_activation(config.activation), m_dropout(config.dropout) {
        conv1 = register_module("conv1", nn::Conv2d(nn::Conv2dOptions(in, out, 3).padding(1)));
        conv2 = register_module("conv2", nn::Conv2d(nn::Conv2dOptions(out, out, 3).padding(1)));
        if (config.batchNorm) {
            bn1 = register_module("bn1", nn::BatchNorm2d(out));
            bn2 = register_module("bn2", nn::BatchNorm2d(out));
        }
    }

    torch::Tensor forward(torch::Tensor x) {
        x = conv1(x);
        if (bn1) x = bn1(x);
        x = applyActivation(m_activation, x);
        x = conv2(x);
        if (bn2) x = bn2(x);
        x = applyActivation(m_activation, x);
        if (m_dropout > 0) x = F::dropout2d(x, F::Dropout2dFuncOptions().p(m_dropout).training(is_training()));
        return x;
    }

    nn::Conv2d conv1{nullptr}, conv2{nullptr};
    nn::BatchNorm2d bn1{nullptr}, bn2{nullptr};

private:
    Activation m_activation;
    double m_dropout;
};
TORCH_MODULE(ConvBlock);

class MinimalCNN final : public SegmentationModel {
public:
    explicit MinimalCNN(const ModelConfig &c) : SegmentationModel(c) {
        const int k = c.firstKernel;
        int in = c.inChannels;
        std::vector<int> outs = {c.widths[0], c.widths[1]};
        for (int i = 0; i < c.extraDepth; ++i) outs.push_back(c.widths[1]);
        for (std::size_t i = 0; i < outs.size(); ++i) {
            const int kernel = i == 0 ? k : 3;
            const std::string n = std::to_string(i + 1);
            m_convs.push_back(register_module(
                "conv" + n, nn::Conv2d(nn::Conv2dOptions(in, outs[i], kernel).padding(kernel / 2))));
            m_norms.push_back(c.batchNorm ? register_module("bn" + n, nn::BatchNorm2d(outs[i]))
                                          : nn::BatchNorm2d(nullptr));
            in = outs[i];
        }
        m_head = register_module("head", nn::Conv2d(nn::Conv2dOptions(in, c.numClasses, 1)));
    }

protected:
    torch::Tensor run(const torch::Tensor &input, StageActivations *stages) override {
        torch::Tensor x = input;
        for (std::size_t i = 0; i < m_convs.size(); ++i) {
            x = m_convs[i](x);
            if (m_norms[i]) x = m_norms[i](x);
            x = applyActivation(config().activation, x);
            if (config().dropout > 0)
                x = F::dropout2d(x, F::Dropout2dFuncOptions().p(config().dropout).training(is_training()));
            if (stages) stages->emplace_back("conv" + std::to_string(i + 1), x);
        }
        x = m_head(x);
        if (stages) stages->emplace_back("head", x);
        return x;
    }

private:
    std::vector<nn::Conv2d> m_convs;
    std::vector<nn::BatchNorm2d> m_norms;
    nn::Conv2d m_head{nullptr};
};

class UNet final : public SegmentationModel {
public:
    explicit UNet(const ModelConfig &c) : SegmentationModel(c) {
        int in = c.inChannels;
        for (int l = 1; l <= c.levels; ++l) {
            const int out = c.base << (l - 1);
            m_encoders.push_back(register_module("enc" + std::to_string(l), ConvBlock(in, out, c)));
            in = out;
        }
        m_bottleneck = register_module("bottleneck", ConvBlock(in, c.base << c.levels, c));
        in = c.base << c.levels;
        for (int l = c.levels; l >= 1; --l) {
            const int skip = c.base << (l - 1);
            int up = in;
            if (c.upsampling == Upsampling::Transposed) {
                up = in / 2;
                m_ups.push_back(register_module(
                    "up" + std::to_string(l), nn::ConvTranspose2d(nn::ConvTranspose2dOptions(in, up, 2).stride(2))));
            } else {
                m_ups.push_back(nn::ConvTranspose2d(nullptr));
            }
            m_decoders.push_back(
                register_module("dec" + std::to_string(l), ConvBlock(up + (c.skips ? skip : 0), skip, c)));
            in = skip;
        }
        m_head = register_module("head", nn::Conv2d(nn::Conv2dOptions(in, c.numClasses, 1)));
    }

protected:
    torch::Tensor run(const torch::Tensor &input, StageActivations *stages) override {
        const int levels = config().levels;
        const int factor = config().downsamplingFactor();
        if (input.dim() != 4 || input.size(2) % factor != 0 || input.size(3) % factor != 0)
            throw std::invalid_argument("U-Net with " + std::to_string(levels) +
                                        " levels needs N x C x H x W input with H and W multiples of " +
                                        std::to_string(factor));
        std::vector<torch::Tensor> skips;
        torch::Tensor x = input;
        for (int l = 0; l < levels; ++l) {
            x = m_encoders[l](x);
            if (stages) stages->emplace_back("enc" + std::to_string(l + 1), x);
            skips.push_back(x);
            x = F::max_pool2d(x, F::MaxPool2dFuncOptions(2).stride(2));
        }
        x = m_bottleneck(x);
        if (stages) stages->emplace_back("bottleneck", x);
        for (int i = 0; i < levels; ++i) {
            const torch::Tensor &skip = skips[levels - 1 - i];
            if (m_ups[i]) {
                x = m_ups[i](x);
            } else {
                x = F::interpolate(x, F::InterpolateFuncOptions()
                                          .size(std::vector<int64_t>{skip.size(2), skip.size(3)})
                                          .mode(torch::kBilinear)
                                          .align_corners(false));
            }
            if (config().skips) x = torch::cat({x, skip}, 1);
            x = m_decoders[i](x);
            if (stages) stages->emplace_back("dec" + std::to_string(levels - i), x);
        }
        x = m_head(x);
        if (stages) stages->emplace_back("head", x);
        return x;
    }

private:
    std::vector<ConvBlock> m_encoders;
    ConvBlock m_bottleneck{nullptr};
    std::vector<nn::ConvTranspose2d> m_ups;
    std::vector<ConvBlock> m_decoders;
    nn::Conv2d m_head{nullptr};
};

void initWeights(nn::Module &root) {
    torch::NoGradGuard noGrad;
    for (auto &module : root.modules(/*include_self=*/false)) {
        if (auto *conv = module->as<nn::Conv2d>()) {
            nn::init::kaiming_normal_(conv->weight, 0.0, torch::kFanOut, torch::kReLU);
            if (conv->bias.defined()) nn::init::zeros_(conv->bias);
        } else if (auto *up = module->as<nn::ConvTranspose2d>()) {
            nn::init::kaiming_normal_(up->weight, 0.0, torch::kFanOut, torch::kReLU);
            if (up->bias.defined()) nn::init::zeros_(up->bias);
        } else if (auto *bn = module->as<nn::BatchNorm2d>()) {
            nn::init::ones_(bn->weight);
            nn::init::zeros_(bn->bias);
        }
    }
}

}  // namespace

std::shared_ptr<SegmentationModel> buildModel(const ModelConfig &config) {
    config.validate();
    std::shared_ptr<SegmentationModel> model;
    if (config.arch == Architecture::MinimalCNN)
        model = std::make_shared<MinimalCNN>(config);
    else
        model = std::make_shared<UNet>(config);
    initWeights(*model);
    return model;
}

std::int64_t countParameters(const nn::Module &module, bool trainableOnly) {
    std::int64_t total = 0;
    for (const auto &p : module.parameters(/*recurse=*/true))
        if (!trainableOnly || p.requires_grad()) total += p.numel();
    return total;
}

std::string firstNonFiniteTensor(const nn::Module &module) {
    torch::NoGradGuard noGrad;
    for (const auto &item : module.named_parameters(/*recurse=*/true))
        if (!torch::isfinite(item.value()).all().item<bool>()) return item.key();
    for (const auto &item : module.named_buffers(/*recurse=*/true))
        if (item.value().is_floating_point() && !torch::isfinite(item.value()).all().item<bool>()) return item.key();
    return {};
}

void useChannelsLast(torch::nn::Module &module) {
    torch::NoGradGuard noGrad;
    for (auto &p : module.parameters(true))
        if (p.dim() == 4) p.set_data(p.data().contiguous(torch::MemoryFormat::ChannelsLast));
}

}  // namespace unetlab
