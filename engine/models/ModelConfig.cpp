#include "models/ModelConfig.h"

#include <algorithm>
#include <cstdint>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "core/EnumNames.h"

namespace unetlab {
namespace {

const EnumName<Activation> kActivations[] = {
    {Activation::ReLU, "relu"}, {Activation::LeakyReLU, "leaky-relu"}, {Activation::GELU, "gelu"},
    {Activation::SiLU, "silu"}, {Activation::Mish, "mish"},             {Activation::ELU, "elu"},
};
const EnumName<Upsampling> kUpsamplings[] = {
    {Upsampling::Bilinear, "bilinear"}, {Upsampling::Transposed, "transposed"}};
const EnumName<Architecture> kArchitectures[] = {
    {Architecture::MinimalCNN, "minimal-cnn"}, {Architecture::UNet, "unet"}};

struct Preset {
    const char *name;
    const char *description;
};
const Preset kPresets[] = {
    {"minimal", "MinimalCNN: conv 3x3 (16) -> conv 3x3 (32) -> 1x1 head; receptive field 5"},
    {"small-unet", "SmallUNet: 2 levels, base 32, bilinear upsampling, skip connections"},
    {"small-unet-noskip", "SmallUNet without skip connections (the decoder sees only the bottleneck)"},
    {"unet", "Classic U-Net: 4 levels, base 64, transposed-conv upsampling, skips"},
};

}  // namespace

std::string toString(Activation a) { return enumToName(kActivations, a); }
std::string toString(Upsampling u) { return enumToName(kUpsamplings, u); }
std::string toString(Architecture a) { return enumToName(kArchitectures, a); }
Activation activationFromString(const std::string &s) { return enumFromName(kActivations, s, "activation"); }
Upsampling upsamplingFromString(const std::string &s) { return enumFromName(kUpsamplings, s, "upsampling"); }
Architecture architectureFromString(const std::string &s) {
    return enumFromName(kArchitectures, s, "architecture");
}

void ModelConfig::validate() const {
    auto fail = [](const std::string &message) { throw std::invalid_argument(message); };
    if (inChannels < 1 || inChannels > 64) fail("input channels must be between 1 and 64");
    if (numClasses < 2 || numClasses > 256) fail("number of classes must be between 2 and 256");
    if (dropout < 0.0 || dropout >= 1.0) fail("dropout must be in [0, 1)");
    if (arch == Architecture::MinimalCNN) {
        if (widths.size() != 2) fail("MinimalCNN needs exactly two hidden widths, e.g. 16,32");
        for (int w : widths)
            if (w < 1 || w > 1024) fail("hidden widths must be between 1 and 1024");
        if (firstKernel != 3 && firstKernel != 5) fail("the first-layer kernel must be 3 or 5");
        if (extraDepth < 0 || extraDepth > 8) fail("extra depth must be between 0 and 8");
    } else {
        if (levels < 1 || levels > 6) fail("U-Net levels must be between 1 and 6");
        if (base < 1 || base > 256) fail("U-Net base width must be between 1 and 256");
        if (upsampling == Upsampling::Transposed && base < 1) fail("base too small for transposed upsampling");
    }
}

std::vector<std::pair<std::string, int>> ModelConfig::stageChannels() const {
    std::vector<std::pair<std::string, int>> stages;
    if (arch == Architecture::MinimalCNN) {
        stages.emplace_back("conv1", widths[0]);
        stages.emplace_back("conv2", widths[1]);
        for (int i = 0; i < extraDepth; ++i) stages.emplace_back("conv" + std::to_string(3 + i), widths[1]);
    } else {
        for (int l = 1; l <= levels; ++l) stages.emplace_back("enc" + std::to_string(l), base << (l - 1));
        stages.emplace_back("bottleneck", base << levels);
        for (int l = levels; l >= 1; --l) stages.emplace_back("dec" + std::to_string(l), base << (l - 1));
    }
    stages.emplace_back("head", numClasses);
    return stages;
}

std::int64_t ModelConfig::parameterCount() const {
    auto conv = [](std::int64_t in, std::int64_t out, std::int64_t k) { return in * out * k * k + out; };
    const std::int64_t bn = batchNorm ? 2 : 0;  // BatchNorm weight and bias per channel
    std::int64_t total = 0;
    if (arch == Architecture::MinimalCNN) {
        std::int64_t in = inChannels;
        std::vector<int> outs = {widths[0], widths[1]};
        for (int i = 0; i < extraDepth; ++i) outs.push_back(widths[1]);
        for (std::size_t i = 0; i < outs.size(); ++i) {
            total += conv(in, outs[i], i == 0 ? firstKernel : 3) + bn * outs[i];
            in = outs[i];
        }
        return total + conv(in, numClasses, 1);
    }
    auto block = [&](std::int64_t in, std::int64_t out) { return conv(in, out, 3) + conv(out, out, 3) + 2 * bn * out; };
    std::int64_t in = inChannels;
    for (int l = 1; l <= levels; ++l) {
        total += block(in, static_cast<std::int64_t>(base) << (l - 1));
        in = static_cast<std::int64_t>(base) << (l - 1);
    }
    total += block(in, static_cast<std::int64_t>(base) << levels);
    in = static_cast<std::int64_t>(base) << levels;
    for (int l = levels; l >= 1; --l) {
        const std::int64_t skip = static_cast<std::int64_t>(base) << (l - 1);
        std::int64_t up = in;
        if (upsampling == Upsampling::Transposed) {
            up = in / 2;
            total += conv(in, up, 2);  // ConvTranspose2d(in, in/2, 2, stride 2): same count as a 2x2 conv
        }
        total += block(up + (skips ? skip : 0), skip);
        in = skip;
    }
    return total + conv(in, numClasses, 1);
}

int ModelConfig::downsamplingFactor() const { return arch == Architecture::UNet ? (1 << levels) : 1; }

void ModelConfig::checkImageSize(int width, int height) const {
    const int factor = downsamplingFactor();
    if (width % factor != 0 || height % factor != 0)
        throw std::invalid_argument("image size " + std::to_string(width) + "x" + std::to_string(height) +
                                    " does not suit this model: it must be a multiple of " + std::to_string(factor));
}

std::string ModelConfig::describe() const {
    std::ostringstream s;
    if (arch == Architecture::MinimalCNN) {
        s << "MinimalCNN widths " << widths[0] << "," << widths[1] << ", first kernel " << firstKernel << "x"
          << firstKernel;
        if (extraDepth) s << ", +" << extraDepth << " conv";
    } else {
        s << "U-Net " << levels << " level" << (levels > 1 ? "s" : "") << ", base " << base << ", "
          << (skips ? "skips" : "no skips") << ", " << toString(upsampling);
    }
    s << (batchNorm ? ", BN" : ", no BN") << ", " << toString(activation);
    if (dropout > 0) s << ", dropout " << dropout;
    return s.str();
}

std::vector<std::string> presetNames() {
    std::vector<std::string> names;
    for (const auto &p : kPresets) names.emplace_back(p.name);
    return names;
}

std::string presetDescription(const std::string &name) {
    for (const auto &p : kPresets)
        if (name == p.name) return p.description;
    presetConfig(name);  // throws with the list of names
    return {};
}

ModelConfig presetConfig(const std::string &name) {
    ModelConfig c;
    if (name == "minimal") {
        c.arch = Architecture::MinimalCNN;
        c.batchNorm = false;
        c.widths = {16, 32};
    } else if (name == "small-unet" || name == "small-unet-noskip") {
        c.arch = Architecture::UNet;
        c.levels = 2;
        c.base = 32;
        c.skips = name == "small-unet";
        c.upsampling = Upsampling::Bilinear;
    } else if (name == "unet") {
        c.arch = Architecture::UNet;
        c.levels = 4;
        c.base = 64;
        c.upsampling = Upsampling::Transposed;
    } else {
        std::string known;
        for (const auto &n : presetNames()) known += (known.empty() ? "" : ", ") + n;
        throw std::invalid_argument("unknown model '" + name + "' (known: " + known + ")");
    }
    return c;
}

nlohmann::json toJson(const ModelConfig &c) {
    nlohmann::json j = {
        {"architecture", toString(c.arch)}, {"in_channels", c.inChannels}, {"num_classes", c.numClasses},
        {"activation", toString(c.activation)}, {"batch_norm", c.batchNorm}, {"dropout", c.dropout},
    };
    if (c.arch == Architecture::MinimalCNN) {
        j["widths"] = c.widths;
        j["first_kernel"] = c.firstKernel;
        j["extra_depth"] = c.extraDepth;
    } else {
        j["levels"] = c.levels;
        j["base"] = c.base;
        j["skips"] = c.skips;
        j["upsampling"] = toString(c.upsampling);
    }
    return j;
}

ModelConfig modelConfigFromJson(const nlohmann::json &j) {
    ModelConfig c;
    try {
        c.arch = architectureFromString(j.at("architecture").get<std::string>());
        c.inChannels = j.at("in_channels").get<int>();
        c.numClasses = j.at("num_classes").get<int>();
        c.activation = activationFromString(j.at("activation").get<std::string>());
        c.batchNorm = j.at("batch_norm").get<bool>();
        c.dropout = j.at("dropout").get<double>();
        if (c.arch == Architecture::MinimalCNN) {
            c.widths = j.at("widths").get<std::vector<int>>();
            c.firstKernel = j.at("first_kernel").get<int>();
            c.extraDepth = j.at("extra_depth").get<int>();
        } else {
            c.levels = j.at("levels").get<int>();
            c.base = j.at("base").get<int>();
            c.skips = j.at("skips").get<bool>();
            c.upsampling = upsamplingFromString(j.at("upsampling").get<std::string>());
        }
    } catch (const nlohmann::json::exception &e) {
        throw std::invalid_argument(std::string("model description is incomplete: ") + e.what());
    }
    c.validate();
    return c;
}

std::vector<ReceptiveFieldRow> receptiveField(const ModelConfig &c) {
    std::vector<ReceptiveFieldRow> rows;
    int jump = 1, field = 1;
    auto conv = [&](const std::string &stage, int k) {
        field += (k - 1) * jump;
        rows.push_back({stage, "conv " + std::to_string(k) + "x" + std::to_string(k), jump, field});
    };
    if (c.arch == Architecture::MinimalCNN) {
        conv("conv1", c.firstKernel);
        conv("conv2", 3);
        for (int i = 0; i < c.extraDepth; ++i) conv("conv" + std::to_string(3 + i), 3);
    } else {
        for (int l = 1; l <= c.levels; ++l) {
            const std::string stage = "enc" + std::to_string(l);
            conv(stage, 3);
            conv(stage, 3);
            field += jump;  // 2x2 window, stride 2
            jump *= 2;
            rows.push_back({"pool" + std::to_string(l), "maxpool 2x2/2", jump, field});
        }
        conv("bottleneck", 3);
        conv("bottleneck", 3);
        for (int l = c.levels; l >= 1; --l) {
            jump /= 2;
            rows.push_back({"up" + std::to_string(l),
                            c.upsampling == Upsampling::Bilinear ? "bilinear x2" : "transposed conv 2x2/2",
                            jump, field});
            const std::string stage = "dec" + std::to_string(l);
            conv(stage, 3);
            conv(stage, 3);
        }
    }
    rows.push_back({"head", "conv 1x1", jump, field});
    return rows;
}

int receptiveFieldAt(const ModelConfig &config, const std::string &stage) {
    int field = -1;
    for (const auto &row : receptiveField(config))
        if (row.stage == stage) field = row.field;
    if (field < 0) throw std::invalid_argument("no stage named '" + stage + "'");
    return field;
}

int outputReceptiveField(const ModelConfig &config) { return receptiveField(config).back().field; }

}  // namespace unetlab
