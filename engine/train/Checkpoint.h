#pragma once
// Checkpoint files: a small JSON header (architecture, classes, normalisation, metrics,
// versions) followed by the weights in LibTorch's archive format.
//
//   UNETLAB-CHECKPOINT 1\n
//   <header length in bytes>\n
//   <header JSON>
//   <weights archive, header["payload_bytes"] bytes, FNV-1a hash in header["payload_fnv1a64"]>
//
// Written atomically. Loading checks the magic line, the header, the payload size and
// hash, and every tensor's name and shape against the architecture in the header.
//
// Loading also accepts a state dict saved by Python's torch.save (interop/StateDict.h): its
// architecture is read off the keys and shapes (or is `expected`), and the header says
// "origin": "pytorch", with scale-only normalisation.

#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "data/Normalisation.h"
#include "models/ModelConfig.h"
#include "train/TrainConfig.h"

namespace unetlab {

class SegmentationModel;

inline constexpr const char *kCheckpointMagic = "UNETLAB-CHECKPOINT 1";

// `header` gets "format", "model", "parameters", "libtorch_version", "app_version",
// "payload_bytes" and "payload_fnv1a64" added; everything else in it is kept as is.
void saveCheckpoint(const std::string &path, SegmentationModel &model, nlohmann::json header);

struct LoadedCheckpoint {
    nlohmann::json header;
    ModelConfig config;
    Normalisation normalisation;  // from header["normalisation"]; scale-only when absent
    std::shared_ptr<SegmentationModel> model;  // on the CPU, in eval mode
};

// Throws CheckpointError with a one-line reason: unreadable, not a checkpoint, truncated,
// corrupt, weights holding NaN or infinite values, or (when `expected` is given) a different
// architecture than expected. For a PyTorch state dict, `expected` is the architecture to
// load it into (else it is guessed).
LoadedCheckpoint loadCheckpoint(const std::string &path, const std::optional<ModelConfig> &expected = {});
// Reads just the header (fast, no weights).
nlohmann::json readCheckpointHeader(const std::string &path);
// The precision the weights were trained in (the header's train.precision); fp32 where the
// header does not say (a PyTorch state dict) or says something unknown.
Precision trainedPrecision(const nlohmann::json &header);

class CheckpointError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

}  // namespace unetlab
