#include "train/Checkpoint.h"

#include <cstdint>
#include <sstream>
#include <string_view>

#include <torch/torch.h>

#include "core/AtomicFile.h"
#include "core/BuildInfo.h"
#include "core/Device.h"
#include "interop/StateDict.h"
#include "interop/TorchSave.h"
#include "models/Networks.h"

namespace unetlab {
namespace {

std::uint64_t fnv1a64(const char *data, std::size_t n) {
    std::uint64_t h = 1469598103934665603ULL;
    for (std::size_t i = 0; i < n; ++i) {
        h ^= static_cast<unsigned char>(data[i]);
        h *= 1099511628211ULL;
    }
    return h;
}

struct Parsed {
    nlohmann::json header;
    std::size_t payloadOffset = 0;
};

Parsed parse(const std::string &path, const std::string &bytes) {
    const std::string magic = std::string(kCheckpointMagic) + "\n";
    if (bytes.compare(0, magic.size(), magic) != 0)
        throw CheckpointError("'" + path + "' is not a UNet Lab checkpoint (it does not start with '" +
                              kCheckpointMagic + "')");
    const std::size_t lineEnd = bytes.find('\n', magic.size());
    if (lineEnd == std::string::npos || lineEnd - magic.size() > 12)
        throw CheckpointError("'" + path + "' is truncated or corrupt (no header length)");
    const std::string lengthText = bytes.substr(magic.size(), lineEnd - magic.size());
    if (lengthText.empty() || lengthText.find_first_not_of("0123456789") != std::string::npos)
        throw CheckpointError("'" + path + "' is corrupt (bad header length)");
    const std::size_t headerLength = std::stoull(lengthText);
    const std::size_t headerStart = lineEnd + 1;
    if (headerStart + headerLength > bytes.size())
        throw CheckpointError("'" + path + "' is truncated (the header is incomplete)");
    Parsed p;
    try {
        p.header = nlohmann::json::parse(bytes.begin() + static_cast<std::ptrdiff_t>(headerStart),
                                         bytes.begin() + static_cast<std::ptrdiff_t>(headerStart + headerLength));
    } catch (const nlohmann::json::exception &) {
        throw CheckpointError("'" + path + "' is corrupt (its header is not valid JSON)");
    }
    if (!p.header.is_object()) throw CheckpointError("'" + path + "' is corrupt (its header is not an object)");
    p.payloadOffset = headerStart + headerLength;
    return p;
}

// The one-line message for a file that is neither format, keeping the importer's reason.
CheckpointError notACheckpoint(const std::string &path, const StateDictError &e) {
    if (e.kind() == StateDictError::Kind::Mismatch) return CheckpointError(e.what());
    const std::string how = e.kind() == StateDictError::Kind::Refused ? "; as a PyTorch file it is refused: "
                                                                      : ", nor a PyTorch state dict it can read: ";
    return CheckpointError("'" + path + "' is not a UNet Lab checkpoint" + how + e.reason());
}

// A state dict saved by Python's torch.save holds the weights alone: the header says where
// they came from, and the rest takes defaults (scale-only normalisation, no classes or history).
nlohmann::json pytorchHeader(const std::optional<ModelConfig> &config, bool guessed, std::size_t tensors) {
    return {{"origin", "pytorch"},
            {"format", "pytorch-state-dict"},
            {"model", config ? toJson(*config) : nlohmann::json(nullptr)},
            {"architecture_guessed", guessed},
            {"parameters", config ? nlohmann::json(config->parameterCount()) : nlohmann::json(nullptr)},
            {"tensors", tensors},
            {"normalisation", toJson(Normalisation{})}};
}

LoadedCheckpoint importStateDict(const std::string &path, const std::string &bytes,
                                 const std::optional<ModelConfig> &expected) {
    LoadedStateDict imported;
    try {
        imported = loadStateDictFromBytes(bytes, path, expected, /*strict=*/true);
    } catch (const StateDictError &e) {
        throw notACheckpoint(path, e);
    }
    LoadedCheckpoint out;
    out.config = imported.config;
    out.model = imported.model;
    out.header = pytorchHeader(imported.config, imported.guessed, imported.report.loaded.size());
    return out;
}

}  // namespace

void saveCheckpoint(const std::string &path, SegmentationModel &model, nlohmann::json header) {
    torch::serialize::OutputArchive archive;
    for (const auto &item : model.named_parameters(true)) archive.write(item.key(), item.value().detach().cpu());
    for (const auto &item : model.named_buffers(true))
        archive.write(item.key(), item.value().detach().cpu(), /*is_buffer=*/true);
    std::ostringstream payloadStream;
    archive.save_to(payloadStream);
    const std::string payload = payloadStream.str();

    header["format"] = 1;
    header["model"] = toJson(model.config());
    header["parameters"] = countParameters(model);
    header["libtorch_version"] = torchVersion();
    header["app_version"] = UNETLAB_VERSION;
    header["payload_bytes"] = payload.size();
    header["payload_fnv1a64"] = std::to_string(fnv1a64(payload.data(), payload.size()));
    const std::string headerText = header.dump(2);

    std::string bytes = std::string(kCheckpointMagic) + "\n" + std::to_string(headerText.size()) + "\n";
    bytes += headerText;
    bytes += payload;
    writeFileAtomically(path, bytes);
}

nlohmann::json readCheckpointHeader(const std::string &path) {
    std::string bytes;
    try {
        bytes = readWholeFile(path);
    } catch (const std::exception &e) {
        throw CheckpointError(e.what());
    }
    if (looksLikeTorchSave(bytes)) {
        std::vector<TensorEntry> tensors;
        try {
            tensors = listStateDictFromBytes(bytes, path);
        } catch (const StateDictError &e) {
            throw notACheckpoint(path, e);
        }
        const auto guess = guessModelConfig(tensors);
        return pytorchHeader(guess, guess.has_value(), tensors.size());
    }
    return parse(path, bytes).header;
}

Precision trainedPrecision(const nlohmann::json &header) {
    const auto train = header.find("train");
    if (train == header.end() || !train->is_object()) return Precision::FP32;
    const auto precision = train->find("precision");
    if (precision == train->end() || !precision->is_string()) return Precision::FP32;
    try {
        const Precision p = precisionFromString(precision->get<std::string>());
        return p == Precision::Auto ? Precision::FP32 : p;
    } catch (const std::invalid_argument &) {
        return Precision::FP32;
    }
}

namespace {

LoadedCheckpoint loadUnchecked(const std::string &path, const std::optional<ModelConfig> &expected) {
    std::string bytes;
    try {
        bytes = readWholeFile(path);
    } catch (const std::exception &e) {
        throw CheckpointError(e.what());
    }
    if (bytes.empty()) throw CheckpointError("'" + path + "' is empty");
    if (looksLikeTorchSave(bytes)) return importStateDict(path, bytes, expected);
    Parsed p = parse(path, bytes);

    LoadedCheckpoint out;
    out.header = p.header;
    try {
        out.config = modelConfigFromJson(p.header.at("model"));
        if (p.header.contains("normalisation"))
            out.normalisation = normalisationFromJson(p.header.at("normalisation"));
    } catch (const std::exception &e) {
        throw CheckpointError("'" + path + "' has an unusable model description: " + e.what());
    }
    if (expected && toJson(*expected) != toJson(out.config))
        throw CheckpointError("'" + path + "' holds a different architecture (" + out.config.describe() +
                              ") than expected (" + expected->describe() + ")");

    std::size_t payloadBytes = 0;
    std::string hash;
    try {
        payloadBytes = p.header.at("payload_bytes").get<std::size_t>();
        hash = p.header.at("payload_fnv1a64").get<std::string>();
    } catch (const nlohmann::json::exception &) {
        throw CheckpointError("'" + path + "' is corrupt (its header lacks the payload size)");
    }
    const std::size_t available = bytes.size() - p.payloadOffset;
    if (available < payloadBytes)
        throw CheckpointError("'" + path + "' is truncated (" + std::to_string(available) + " of " +
                              std::to_string(payloadBytes) + " weight bytes present)");
    if (available > payloadBytes) throw CheckpointError("'" + path + "' is corrupt (extra bytes after the weights)");
    if (std::to_string(fnv1a64(bytes.data() + p.payloadOffset, payloadBytes)) != hash)
        throw CheckpointError("'" + path + "' is corrupt (the weights do not match their checksum)");

    // The checksum covers the weights, not the header: a damaged or edited header can describe
    // a network far larger than the file (levels 6, base 256: 1.2 billion parameters from a
    // 16 KB file), and building that first would take gigabytes and minutes before the shapes
    // disagree. A parameter takes at least 2 bytes in the weights; the bound allows 1, which
    // leaves small lies to the shape check below and caps what gets built at a few times the
    // file's size.
    const std::int64_t parameters = out.config.parameterCount();
    if (static_cast<std::uint64_t>(parameters) > payloadBytes)
        throw CheckpointError("'" + path + "' is corrupt (its header describes " + std::to_string(parameters) +
                              " parameters, more than its " + std::to_string(payloadBytes) + " weight bytes hold)");
    // The checksum finds damage, not forgery: a record claiming gigabytes is refused before
    // LibTorch's reader allocates it.
    if (const std::string why = zipRecordsProblem(std::string_view(bytes).substr(p.payloadOffset, payloadBytes));
        !why.empty())
        throw CheckpointError("'" + path + "' is corrupt (" + why + ")");
    out.model = buildModel(out.config);
    torch::serialize::InputArchive archive;
    try {
        archive.load_from(bytes.data() + p.payloadOffset, payloadBytes);
    } catch (const c10::Error &e) {
        throw CheckpointError("'" + path + "' is corrupt (cannot read its weights archive)");
    }
    torch::NoGradGuard noGrad;
    auto restore = [&](const std::string &name, torch::Tensor &target, bool isBuffer) {
        torch::Tensor value;
        bool found = false;
        try {
            found = archive.try_read(name, value, isBuffer);
        } catch (const c10::Error &) {
            found = false;
        }
        if (!found) throw CheckpointError("'" + path + "' lacks the tensor '" + name + "'");
        if (value.sizes() != target.sizes())
            throw CheckpointError("'" + path + "': tensor '" + name + "' has shape " + c10::str(value.sizes()) +
                                  ", the architecture needs " + c10::str(target.sizes()));
        target.copy_(value);
    };
    for (auto &item : out.model->named_parameters(true)) restore(item.key(), item.value(), false);
    for (auto &item : out.model->named_buffers(true)) restore(item.key(), item.value(), true);
    out.model->eval();
    return out;
}

}  // namespace

LoadedCheckpoint loadCheckpoint(const std::string &path, const std::optional<ModelConfig> &expected) {
    LoadedCheckpoint out = loadUnchecked(path, expected);
    // Such weights predict nothing (every pixel NaN, argmax background) and say nothing.
    if (const std::string bad = firstNonFiniteTensor(*out.model); !bad.empty())
        throw CheckpointError("'" + path + "' holds NaN or infinite values in '" + bad +
                              "' (the run that wrote it diverged): it cannot predict");
    return out;
}

}  // namespace unetlab
