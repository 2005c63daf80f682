#include "interop/StateDict.h"

#include <cstdint>
#include <map>
#include <sstream>

#include <torch/torch.h>

#include "core/AtomicFile.h"
#include "interop/TorchSave.h"
#include "models/Networks.h"

namespace unetlab {
namespace {

using Kind = StateDictError::Kind;
using Shape = std::vector<std::int64_t>;

// BatchNorm's batch counter: files from before PyTorch 0.4.1 lack it, and evaluation never reads it.
bool isBatchCounter(const std::string &key) {
    const std::string suffix = "num_batches_tracked";
    return key.size() >= suffix.size() && key.compare(key.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string shapeText(const Shape &shape) {
    std::string s = "[";
    for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}

// "a, b, c, d, e and 12 more": messages stay one readable line however wrong a file is.
std::string listed(const std::vector<std::string> &items, std::size_t max = 5) {
    std::string s;
    for (std::size_t i = 0; i < items.size() && i < max; ++i) s += (i ? ", " : "") + items[i];
    if (items.size() > max) s += " and " + std::to_string(items.size() - max) + " more";
    return s;
}

std::string readFile(const std::string &path) {
    try {
        return readWholeFile(path);
    } catch (const std::exception &e) {
        throw StateDictError(Kind::Unreadable, e.what(), e.what());
    }
}

std::vector<TensorEntry> entriesOf(const std::vector<SavedTensor> &tensors) {
    std::vector<TensorEntry> out;
    for (const auto &t : tensors) out.push_back({t.name, dtypeName(t.dtype), t.shape});
    return out;
}

// Parameters and buffers in the order Python's state_dict() lists them: module by module,
// each module's own parameters, then its buffers.
std::vector<std::pair<std::string, torch::Tensor>> stateOf(torch::nn::Module &model) {
    std::vector<std::pair<std::string, torch::Tensor>> out;
    for (const auto &item : model.named_modules("", /*include_self=*/true)) {
        const std::string prefix = item.key().empty() ? "" : item.key() + ".";
        for (const auto &p : item.value()->named_parameters(/*recurse=*/false))
            out.emplace_back(prefix + p.key(), p.value());
        for (const auto &b : item.value()->named_buffers(/*recurse=*/false))
            out.emplace_back(prefix + b.key(), b.value());
    }
    return out;
}

}  // namespace

std::string StateDictReport::summary() const {
    if (clean()) return "all " + std::to_string(loaded.size()) + " tensors loaded";
    std::vector<std::string> parts;
    if (!missing.empty())
        parts.push_back("missing " + std::to_string(missing.size()) + " key" + (missing.size() > 1 ? "s" : "") + " (" +
                        listed(missing) + ")");
    if (!unexpected.empty())
        parts.push_back("unexpected " + std::to_string(unexpected.size()) + " (" + listed(unexpected) + ")");
    if (!misShaped.empty())
        parts.push_back("mis-shaped " + std::to_string(misShaped.size()) + " (" + listed(misShaped, 3) + ")");
    std::string s;
    for (const auto &p : parts) s += (s.empty() ? "" : "; ") + p;
    return s;
}

bool looksLikeTorchSave(const std::string &bytes) {
    if (bytes.compare(0, 4, std::string("PK\x03\x04", 4)) == 0) return true;
    return bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x80 && bytes[1] >= 2 && bytes[1] <= 5;
}

std::vector<TensorEntry> listStateDict(const std::string &path) { return listStateDictFromBytes(readFile(path), path); }

std::vector<TensorEntry> listStateDictFromBytes(const std::string &bytes, const std::string &path) {
    return entriesOf(readTorchSave(bytes, path, /*withData=*/false));
}

std::optional<ModelConfig> guessModelConfig(const std::vector<TensorEntry> &tensors, std::string *why) {
    std::map<std::string, Shape> shapes;
    for (const auto &t : tensors) shapes[t.name] = t.shape;
    auto conv = [&](const std::string &name) -> const Shape * {  // a 4-D convolution weight
        const auto it = shapes.find(name);
        return it != shapes.end() && it->second.size() == 4 ? &it->second : nullptr;
    };
    auto fail = [&](const std::string &reason) -> std::optional<ModelConfig> {
        if (why) *why = reason;
        return std::nullopt;
    };
    const Shape *head = conv("head.weight");
    if (!head) return fail("there is no 1x1 head convolution 'head.weight'");
    ModelConfig c;
    c.numClasses = static_cast<int>((*head)[0]);
    c.dropout = 0.0;
    c.activation = Activation::ReLU;
    if (const Shape *first = conv("enc1.conv1.weight")) {
        c.arch = Architecture::UNet;
        c.inChannels = static_cast<int>((*first)[1]);
        c.base = static_cast<int>((*first)[0]);
        c.levels = 0;
        while (conv("enc" + std::to_string(c.levels + 1) + ".conv1.weight")) ++c.levels;
        c.batchNorm = shapes.count("enc1.bn1.weight") > 0;
        c.upsampling = conv("up1.weight") ? Upsampling::Transposed : Upsampling::Bilinear;
        const Shape *dec1 = conv("dec1.conv1.weight");
        if (!dec1) return fail("the U-Net has no decoder 'dec1.conv1.weight'");
        // dec1 sees the upsampled features (base*2, halved by a transposed conv) plus, with skips, enc1's base.
        const std::int64_t up = c.upsampling == Upsampling::Transposed ? c.base : 2 * c.base;
        if ((*dec1)[1] == up + c.base)
            c.skips = true;
        else if ((*dec1)[1] == up)
            c.skips = false;
        else
            return fail("dec1.conv1.weight has " + std::to_string((*dec1)[1]) + " input channels; a U-Net of base " +
                        std::to_string(c.base) + " has " + std::to_string(up + c.base) + " (skips) or " +
                        std::to_string(up));
    } else if (const Shape *first = conv("conv1.weight")) {
        const Shape *second = conv("conv2.weight");
        if (!second) return fail("MinimalCNN's 'conv2.weight' is missing");
        c.arch = Architecture::MinimalCNN;
        c.inChannels = static_cast<int>((*first)[1]);
        c.widths = {static_cast<int>((*first)[0]), static_cast<int>((*second)[0])};
        c.firstKernel = static_cast<int>((*first)[2]);
        c.extraDepth = 0;
        while (conv("conv" + std::to_string(c.extraDepth + 3) + ".weight")) ++c.extraDepth;
        c.batchNorm = shapes.count("bn1.weight") > 0;
    } else {
        return fail("neither a U-Net ('enc1.conv1.weight') nor MinimalCNN ('conv1.weight') key is there");
    }
    try {
        c.validate();
    } catch (const std::invalid_argument &e) {
        return fail(std::string("the shapes describe no valid network: ") + e.what());
    }
    return c;
}

ModelConfig presetForStateDict(const std::string &name, const std::vector<TensorEntry> &tensors) {
    ModelConfig c = presetConfig(name);
    for (const auto &t : tensors) {
        if (t.shape.size() != 4) continue;
        if (t.name == (c.arch == Architecture::UNet ? "enc1.conv1.weight" : "conv1.weight"))
            c.inChannels = static_cast<int>(t.shape[1]);
        if (t.name == "head.weight") c.numClasses = static_cast<int>(t.shape[0]);
    }
    return c;
}

LoadedStateDict loadStateDictFromBytes(const std::string &bytes, const std::string &path,
                                       const std::optional<ModelConfig> &config, bool strict) {
    const std::vector<SavedTensor> saved = readTorchSave(bytes, path);
    LoadedStateDict out;
    if (config) {
        out.config = *config;
    } else {
        std::string why;
        const auto guess = guessModelConfig(entriesOf(saved), &why);
        if (!guess) {
            const std::string reason = "cannot tell which network these weights are for (" + why +
                                       "); name the architecture (unetlab-cli: --model NAME)";
            throw StateDictError(Kind::Mismatch, "'" + path + "': " + reason, reason);
        }
        out.config = *guess;
        out.guessed = true;
        // A guess rests on shapes alone, and a tensor with a zero-sized dimension holds no
        // values: a 3 KB file can describe a U-Net of a billion parameters (enc1 256 wide,
        // six levels), which would be built, gigabytes of it, before any weight is compared.
        std::int64_t values = 0;
        for (const auto &t : saved) values += static_cast<std::int64_t>(t.value.defined() ? t.value.numel() : 0);
        if (out.config.parameterCount() > values) {
            const std::string reason = "its shapes describe " + out.config.describe() + " with " +
                                       std::to_string(out.config.parameterCount()) + " parameters, but it holds only " +
                                       std::to_string(values) + " values";
            throw StateDictError(Kind::Mismatch, "'" + path + "': " + reason, reason);
        }
    }
    out.model = buildModel(out.config);

    std::map<std::string, const SavedTensor *> byName;
    for (const auto &t : saved) byName[t.name] = &t;
    StateDictReport &r = out.report;
    torch::NoGradGuard noGrad;
    std::map<std::string, bool> used;
    for (auto &[key, target] : stateOf(*out.model)) {
        const auto it = byName.find(key);
        if (it == byName.end()) {
            if (!isBatchCounter(key)) r.missing.push_back(key);
            continue;
        }
        used[key] = true;
        const SavedTensor &t = *it->second;
        if (t.value.sizes() != target.sizes()) {
            r.misShaped.push_back(key + ": file " + shapeText(t.shape) + ", network " +
                                  shapeText(target.sizes().vec()));
            continue;
        }
        const bool floating = torch::isFloatingType(t.dtype),
                   wantFloating = torch::isFloatingType(target.scalar_type());
        if (floating != wantFloating) {
            r.misShaped.push_back(key + ": file " + dtypeName(t.dtype) + ", network " +
                                  dtypeName(target.scalar_type()));
            continue;
        }
        if (t.dtype != target.scalar_type())
            r.converted.push_back(key + ": " + dtypeName(t.dtype) + " -> " + dtypeName(target.scalar_type()));
        target.copy_(t.value);
        r.loaded.push_back(key);
    }
    for (const auto &t : saved)
        if (!used.count(t.name)) r.unexpected.push_back(printableName(t.name));
    if (strict && !r.clean()) {
        const std::string reason =
            out.config.describe() + (out.guessed ? " (read off its keys)" : "") + ": " + r.summary();
        throw StateDictError(Kind::Mismatch, "'" + path + "' does not fit " + reason, reason);
    }
    out.model->eval();
    return out;
}

LoadedStateDict loadStateDict(const std::string &path, const std::optional<ModelConfig> &config, bool strict) {
    return loadStateDictFromBytes(readFile(path), path, config, strict);
}

std::size_t saveStateDict(SegmentationModel &model, const std::string &path) {
    const auto state = stateOf(model);
    writeFileAtomically(path, writeTorchSave(state));
    return state.size();
}

std::string pythonModelExpression(const ModelConfig &c) {
    std::ostringstream s;
    const char *yes = "True", *no = "False";
    if (c.arch == Architecture::MinimalCNN) {
        s << "MinimalCNN(in_channels=" << c.inChannels << ", num_classes=" << c.numClasses << ", widths=("
          << c.widths[0] << ", " << c.widths[1] << "), first_kernel=" << c.firstKernel
          << ", extra_depth=" << c.extraDepth;
    } else {
        s << "UNet(in_channels=" << c.inChannels << ", num_classes=" << c.numClasses << ", levels=" << c.levels
          << ", base=" << c.base << ", skips=" << (c.skips ? yes : no) << ", upsampling=\"" << toString(c.upsampling)
          << "\"";
    }
    s << ", batch_norm=" << (c.batchNorm ? yes : no) << ", activation=\"" << toString(c.activation) << "\"";
    if (c.dropout > 0) s << ", dropout=" << c.dropout;
    s << ")";
    return s.str();
}

}  // namespace unetlab
