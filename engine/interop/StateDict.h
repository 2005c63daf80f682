#pragma once
// PyTorch state dicts in and out, so that a U-Net trained in a Python notebook can be
// inspected here and the app's weights can go back to Python (resources/python/
// unetlab_models.py defines the presets with the same parameter names).
//
// Reading understands what `torch.save(model.state_dict(), path)` and
// `torch.save(dict(model.state_dict()), path)` write: a zip archive with a pickle (data.pkl)
// and one record per tensor storage. The pickle is read by a small unpickler of our own that
// runs no code: it knows only the opcodes and the handful of Python names a state dict uses
// (collections.OrderedDict, torch._utils._rebuild_tensor_v2, torch.FloatStorage, ...) and
// refuses any other name — os.system, builtins.eval, a pickled Python class — before anything
// else happens. No LibTorch in this header: the CLI and the GUI include it.

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "models/ModelConfig.h"

namespace unetlab {

class SegmentationModel;

class StateDictError : public std::runtime_error {
public:
    enum class Kind {
        Unreadable,  // not a torch.save file, truncated, damaged, or a format we do not read
        Refused,     // the pickle names a Python object or instruction a state dict does not need
        Mismatch,    // readable, but the tensors do not fit the architecture
    };
    // `message` is the whole one-line message naming the file; `reason` the part after it, so
    // that a caller (loadCheckpoint) can put its own words around it.
    StateDictError(Kind kind, const std::string &message, std::string reason)
        : std::runtime_error(message), m_kind(kind), m_reason(std::move(reason)) {}
    Kind kind() const { return m_kind; }
    const std::string &reason() const { return m_reason; }

private:
    Kind m_kind;
    std::string m_reason;
};

// True when `bytes` start the way a torch.save file does (a zip archive, or a bare pickle
// as the legacy format before PyTorch 1.6 wrote).
bool looksLikeTorchSave(const std::string &bytes);

struct TensorEntry {
    std::string name;   // e.g. "enc1.conv1.weight"
    std::string dtype;  // "float32", "float16", "int64", ...
    std::vector<std::int64_t> shape;
};
// The tensors of a state-dict file in file order, without their values. Throws StateDictError.
std::vector<TensorEntry> listStateDict(const std::string &path);
std::vector<TensorEntry> listStateDictFromBytes(const std::string &bytes, const std::string &path);

// The network whose parameter names and shapes these are: the U-Net's levels, base width,
// skips and upsampling, or MinimalCNN's widths, first kernel and depth; BatchNorm, input
// channels and classes. The activation and dropout leave no trace in the weights: the guess
// says ReLU and no dropout. Returns nullopt, with the reason in `why`, for other layouts.
std::optional<ModelConfig> guessModelConfig(const std::vector<TensorEntry> &tensors, std::string *why = nullptr);
// The preset `name` with the input channels and classes of these tensors (the first
// convolution's input, the head's output), which depend on the data rather than on the
// architecture. Throws std::invalid_argument for an unknown preset.
ModelConfig presetForStateDict(const std::string &name, const std::vector<TensorEntry> &tensors);

// How a state dict's keys met the network's parameters and buffers.
struct StateDictReport {
    std::vector<std::string> loaded;
    std::vector<std::string> missing;     // the network has it, the file does not
    std::vector<std::string> unexpected;  // the file has it, the network does not
    std::vector<std::string> misShaped;   // "head.weight: file [2, 16, 1, 1], network [3, 16, 1, 1]"
    std::vector<std::string> converted;   // "enc1.conv1.weight: float16 -> float32"

    bool clean() const { return missing.empty() && unexpected.empty() && misShaped.empty(); }
    // One line: "missing 2 keys (a, b); unexpected 1 (c); mis-shaped 1 (d: ...)", long lists
    // cut after a few names ("... and 40 more"); "all N tensors loaded" when clean.
    std::string summary() const;
};

struct LoadedStateDict {
    std::shared_ptr<SegmentationModel> model;  // on the CPU, in eval mode
    ModelConfig config;
    bool guessed = false;  // the architecture was read off the keys and shapes
    StateDictReport report;
};

// Loads a state-dict file into a new network of `config`, or of the guessed architecture
// when `config` is empty (a StateDictError of kind Mismatch says why when it cannot be
// guessed). Strict: any missing, unexpected or mis-shaped key throws one StateDictError
// listing them all. Not strict: every tensor that fits is loaded, the rest keeps its initial
// value, and the report says which. A missing BatchNorm num_batches_tracked (files from
// PyTorch before 0.4.1) is never an error: evaluation does not use it. Floating-point
// tensors of another precision (float16, bfloat16, float64) are converted to float32.
LoadedStateDict loadStateDict(const std::string &path, const std::optional<ModelConfig> &config = {},
                              bool strict = true);
// The same from the file's bytes; `path` names it in messages.
LoadedStateDict loadStateDictFromBytes(const std::string &bytes, const std::string &path,
                                       const std::optional<ModelConfig> &config = {}, bool strict = true);

// Writes the network's parameters and buffers (BatchNorm running statistics included) the
// way `torch.save(model.state_dict(), path)` does — an OrderedDict with the same keys, dtypes
// and shapes — so that Python's `model.load_state_dict(torch.load(path))` accepts it for the
// reference definitions. Written atomically; throws std::runtime_error naming the path.
// Returns the number of tensors written.
std::size_t saveStateDict(SegmentationModel &model, const std::string &path);

// The Python expression that builds this network with resources/python/unetlab_models.py,
// e.g. `UNet(in_channels=3, num_classes=3, levels=2, base=32, skips=True, upsampling="bilinear",
// batch_norm=True, activation="relu")`.
std::string pythonModelExpression(const ModelConfig &config);

}  // namespace unetlab
