#pragma once
// Model descriptions as plain values (no LibTorch): the presets of MISSION §5, their
// knobs, JSON round trip, and the analytic receptive field. Building the network from
// a config is in models/Networks.h.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace unetlab {

enum class Architecture { MinimalCNN, UNet };
enum class Activation { ReLU, LeakyReLU, GELU, SiLU, Mish, ELU };
enum class Upsampling { Bilinear, Transposed };

struct ModelConfig {
    Architecture arch = Architecture::UNet;
    int inChannels = 3;
    int numClasses = 3;
    Activation activation = Activation::ReLU;
    bool batchNorm = true;
    double dropout = 0.0;         // Dropout2d probability after each conv block (0 = off)

    // MinimalCNN: conv(k=firstKernel) -> conv 3x3 -> extraDepth x conv 3x3 -> 1x1 head.
    std::vector<int> widths = {16, 32};
    int firstKernel = 3;          // 3 or 5
    int extraDepth = 0;           // extra 3x3 conv layers before the head

    // UNet: `levels` encoder blocks, a bottleneck, `levels` decoder blocks, 1x1 head.
    int levels = 2;
    int base = 32;                // width of enc1; each level doubles it
    bool skips = true;
    Upsampling upsampling = Upsampling::Bilinear;

    // Throws std::invalid_argument with a readable message on nonsense values.
    void validate() const;
    // Channels after each named stage, in forward order (e.g. enc1: 32, enc2: 64, ...).
    std::vector<std::pair<std::string, int>> stageChannels() const;
    // Exact trainable parameter count, computed from the definition (no LibTorch), so the
    // GUI can show it as knobs change; tests check it against LibTorch's count.
    std::int64_t parameterCount() const;
    // Total down-sampling factor; input height and width must be multiples of it.
    int downsamplingFactor() const;
    // Throws std::invalid_argument with a readable message when width x height is not a
    // multiple of downsamplingFactor().
    void checkImageSize(int width, int height) const;
    // One-line human summary, e.g. "UNet 2 levels, base 32, skips, bilinear, BN, ReLU".
    std::string describe() const;
};

// Named presets: "minimal", "small-unet", "small-unet-noskip", "unet".
std::vector<std::string> presetNames();
// Throws std::invalid_argument listing the known names when `name` is unknown.
ModelConfig presetConfig(const std::string &name);
std::string presetDescription(const std::string &name);

std::string toString(Activation a);
std::string toString(Upsampling u);
std::string toString(Architecture a);
Activation activationFromString(const std::string &s);
Upsampling upsamplingFromString(const std::string &s);
Architecture architectureFromString(const std::string &s);

nlohmann::json toJson(const ModelConfig &config);
ModelConfig modelConfigFromJson(const nlohmann::json &j);

// Analytic receptive field (MISSION §5): a k x k stride-1 conv adds (k-1)*jump, a 2x2
// stride-2 pool adds jump and doubles it, a x2 upsampling halves the jump and (as the
// chapter counts it) adds nothing. Rows follow the deepest path through the network.
struct ReceptiveFieldRow {
    std::string stage;    // e.g. "enc1"
    std::string layer;    // e.g. "conv 3x3", "maxpool 2x2/2", "upsample x2"
    int jump = 1;         // distance in input pixels between neighbouring cells after the layer
    int field = 1;        // receptive field side in input pixels after the layer
};
std::vector<ReceptiveFieldRow> receptiveField(const ModelConfig &config);
int receptiveFieldAt(const ModelConfig &config, const std::string &stage);  // last row of stage
int outputReceptiveField(const ModelConfig &config);

}  // namespace unetlab
