#include "train/SlidingWindow.h"

#include <cmath>
#include <cstdint>
#include <stdexcept>

#include <torch/torch.h>

#include "core/EnumNames.h"
#include "models/Networks.h"
#include "models/QuantizedUNet.h"
#include "train/Autocast.h"
#include "train/Batch.h"

namespace unetlab {
namespace {

namespace F = torch::nn::functional;

const EnumName<Blend> kBlendNames[] = {{Blend::Gaussian, "gaussian"}, {Blend::Uniform, "uniform"}};

// The blending weight of each pixel of a tile. With sigma = side / 8 the weight at an edge is
// exp(-8) per axis (1e-7 in a corner): small, never zero, so a pixel only one tile's edge
// covers still gets that tile's value, and relative weights stay exact along image borders.
torch::Tensor blendWindow(Blend blend, int height, int width, const torch::Device &device) {
    const auto options = torch::TensorOptions().dtype(torch::kFloat).device(device);
    if (blend == Blend::Uniform) return torch::ones({height, width}, options);
    auto axis = [&](int n) {
        const double centre = (n - 1) / 2.0, sigma = n / 8.0;
        const torch::Tensor d = torch::arange(n, options) - centre;
        return torch::exp(-(d * d) / (2 * sigma * sigma));
    };
    const torch::Tensor w = torch::outer(axis(height), axis(width));
    return w / w.max();
}

}  // namespace

std::string toString(Blend blend) { return enumToName(kBlendNames, blend); }
Blend blendFromString(const std::string &name) { return enumFromName(kBlendNames, name, "blending"); }

TileAxis planTileAxis(int length, int tile, double overlap, int factor) {
    if (length < 1 || factor < 1) throw std::invalid_argument("sliding window: empty image or bad factor");
    if (!(overlap >= 0.0 && overlap <= 0.9)) throw std::invalid_argument("the tile overlap must be between 0 and 0.9");
    if (tile < 0 || tile % factor != 0)
        throw std::invalid_argument("the tile side " + std::to_string(tile) +
                                    " is not a multiple of the network's downsampling factor " +
                                    std::to_string(factor));
    TileAxis a;
    if (tile == 0 || length <= tile) {
        a.tile = (length + factor - 1) / factor * factor;
        const int pad = a.tile - length;
        a.padBefore = pad / 2;
        a.padAfter = pad - a.padBefore;
        a.starts = {0};
        return a;
    }
    a.tile = tile;
    const int stride = std::max(1, tile - static_cast<int>(std::lround(overlap * tile)));
    const int n = (length - tile + stride - 1) / stride + 1;
    for (int i = 0; i < n; ++i)
        a.starts.push_back(static_cast<int>(std::lround(static_cast<double>(i) * (length - tile) / (n - 1))));
    return a;
}

LargePrediction predictLarge(SegmentationModel &model, const Sample &image, const Normalisation &normalisation,
                             const std::string &device, const SlidingWindowOptions &options) {
    const ModelConfig &config = model.config();
    if (image.channels != config.inChannels)
        throw std::invalid_argument("the image has " + std::to_string(image.channels) +
                                    " channel(s), the network expects " + std::to_string(config.inChannels));
    if (image.width < 1 || image.height < 1 || image.image.size() != image.pixelCount() * image.channels)
        throw std::invalid_argument("image '" + image.id + "' is empty or its pixels do not match its size");
    if (options.batch < 1) throw std::invalid_argument("the tile batch must be at least 1");
    if (options.precision == Precision::Auto)
        throw std::invalid_argument("sliding window: the precision must be fp32, bf16 or fp16, not auto");
    const TileAxis ys = planTileAxis(image.height, options.tile, options.overlap, config.downsamplingFactor());
    const TileAxis xs = planTileAxis(image.width, options.tile, options.overlap, config.downsamplingFactor());

    LargePrediction out;
    out.width = image.width;
    out.height = image.height;
    out.classes = config.numClasses;
    out.tileWidth = xs.tile;
    out.tileHeight = ys.tile;
    out.tilesX = static_cast<int>(xs.starts.size());
    out.tilesY = static_cast<int>(ys.starts.size());

    const torch::Device dev(device);
    model.to(dev);
    const bool wasTraining = model.is_training();
    model.eval();
    torch::Tensor mask, probabilities;  // H x W, K x H x W over the padded image
    {
        torch::NoGradGuard noGrad;
        torch::Tensor x = prepareInput(stackImages({image}), dev, /*channelsLast=*/true, normalisation);
        if (ys.padBefore + ys.padAfter + xs.padBefore + xs.padAfter > 0) {
            // Reflection invents no edge; it needs the padding shorter than the side, else repeat the border.
            const bool reflect =
                std::max(ys.padBefore, ys.padAfter) < image.height && std::max(xs.padBefore, xs.padAfter) < image.width;
            F::PadFuncOptions pad({xs.padBefore, xs.padAfter, ys.padBefore, ys.padAfter});
            if (reflect)
                pad.mode(torch::kReflect);
            else
                pad.mode(torch::kReplicate);
            x = F::pad(x, pad).contiguous(torch::MemoryFormat::ChannelsLast);
        }
        std::vector<std::pair<int, int>> origins;
        for (int y : ys.starts)
            for (int x0 : xs.starts) origins.emplace_back(y, x0);
        const auto tileAt = [&](const std::pair<int, int> &o) {
            return x.narrow(2, o.first, ys.tile).narrow(3, o.second, xs.tile);
        };
        SegmentationModel *net = &model;
        std::shared_ptr<SegmentationModel> int8Net;
        if (options.int8) {
            if (!dev.is_cpu()) throw std::invalid_argument("int8 inference runs on the CPU only");
            const std::size_t n = origins.size(), k = std::min<std::size_t>(n, 4);
            std::vector<torch::Tensor> chosen;
            for (std::size_t j = 0; j < k; ++j) chosen.push_back(tileAt(origins[k == 1 ? 0 : j * (n - 1) / (k - 1)]));
            const torch::Tensor calibration = torch::cat(chosen).contiguous(torch::MemoryFormat::ChannelsLast);
            torch::Tensor reference;  // the fp32 logits of the calibration tiles, from calibrating
            int8Net = makeInt8Model(model, calibration, &reference);
            const torch::Tensor changed = reference.argmax(1) != int8Net->forward(calibration).argmax(1);
            out.calibrationTiles = static_cast<int>(k);
            out.int8PixelsChanged = changed.to(torch::kDouble).mean().item<double>();
            if (out.int8PixelsChanged <= options.int8Tolerance) {
                net = int8Net.get();
                out.precision = "int8";
            }
        }
        if (net == &model) out.precision = toString(options.precision);
        // Logits in fp32 whatever the arithmetic (the int8 network's head is fp32 already).
        const auto logitsOf = [&](const torch::Tensor &input) {
            AutocastScope autocast(net == &model ? options.precision : Precision::FP32, dev);
            return net->forward(input).to(torch::kFloat);
        };
        if (out.tilesX == 1 && out.tilesY == 1) {
            // One tile is the single pass itself: no blending, so the result is exactly the same.
            const torch::Tensor logits = logitsOf(x)[0];
            mask = logits.argmax(0);
            if (options.probabilities) probabilities = torch::softmax(logits, 0);
        } else {
            const auto fOptions = torch::TensorOptions().dtype(torch::kFloat).device(dev);
            const torch::Tensor window = blendWindow(options.blend, ys.tile, xs.tile, dev);
            torch::Tensor sum = torch::zeros({config.numClasses, x.size(2), x.size(3)}, fOptions);
            torch::Tensor weight = torch::zeros({x.size(2), x.size(3)}, fOptions);
            for (std::size_t first = 0; first < origins.size(); first += static_cast<std::size_t>(options.batch)) {
                const std::size_t last = std::min(origins.size(), first + static_cast<std::size_t>(options.batch));
                std::vector<torch::Tensor> tiles;
                for (std::size_t i = first; i < last; ++i) tiles.push_back(tileAt(origins[i]));
                const torch::Tensor p =
                    torch::softmax(logitsOf(torch::cat(tiles).contiguous(torch::MemoryFormat::ChannelsLast)), 1);
                for (std::size_t i = first; i < last; ++i) {
                    const auto [y, x0] = origins[i];
                    sum.narrow(1, y, ys.tile)
                        .narrow(2, x0, xs.tile)
                        .add_(p[static_cast<std::int64_t>(i - first)] * window);
                    weight.narrow(0, y, ys.tile).narrow(1, x0, xs.tile).add_(window);
                }
            }
            mask = sum.argmax(0);
            if (options.probabilities) probabilities = sum / weight;
        }
        mask = mask.narrow(0, ys.padBefore, image.height).narrow(1, xs.padBefore, image.width);
        mask = mask.to(torch::kUInt8).cpu().contiguous();
        if (options.probabilities)
            probabilities = probabilities.narrow(1, ys.padBefore, image.height)
                                .narrow(2, xs.padBefore, image.width)
                                .to(torch::kFloat)
                                .cpu()
                                .contiguous();
    }
    if (wasTraining) model.train();
    out.mask.assign(mask.data_ptr<std::uint8_t>(), mask.data_ptr<std::uint8_t>() + mask.numel());
    if (options.probabilities)
        out.probabilities.assign(probabilities.data_ptr<float>(),
                                 probabilities.data_ptr<float>() + probabilities.numel());
    return out;
}

}  // namespace unetlab
