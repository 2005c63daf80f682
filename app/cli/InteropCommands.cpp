#include "cli/InteropCommands.h"

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <optional>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli/Args.h"
#include "cli/Common.h"
#include "cli/Format.h"
#include "core/Device.h"
#include "data/ImageDecode.h"
#include "inspect/ImageFile.h"
#include "inspect/Render.h"
#include "interop/MaskFile.h"
#include "interop/StateDict.h"
#include "train/Checkpoint.h"
#include "train/ExecutionPlan.h"
#include "train/SlidingWindow.h"

namespace unetlab::cli {
namespace {

using json = nlohmann::json;

const char *kPredictHelp = R"(Usage: unetlab-cli predict --checkpoint FILE --image FILE --out MASK.png [options]

Segments one image of any size. The image is cut into overlapping tiles of the training size,
and the class probabilities of overlapping tiles are blended with a window that trusts each
tile's centre more than its edges, so a 1000x1400 image needs no resizing and shows no seams.
A side shorter than a tile is padded by reflection.

  --checkpoint FILE       a UNet Lab checkpoint, or a PyTorch state dict saved by torch.save (required)
  --image FILE            PNG, JPEG or TIFF (8- or 16-bit), read as training data are (required)
  --out FILE              the predicted mask as PNG, written atomically (required)
  --mask-format KIND      index:  the class index per pixel, 0..K-1 (default; looks black in a viewer)
                          binary: 0 for class 0 (background), 255 for every other class
                          colour: each class in its colour in the app (RGB)
  --overlay FILE          also write the image with the predicted classes tinted (PNG)
  --tile N                tile side in pixels, a multiple of the network's downsampling factor
                          (default: the checkpoint's training size; 256 for a state dict;
                          0: the whole image in one pass)
  --overlap F             fraction of a tile shared with its neighbour, 0..0.9 (default 0.25)
  --blend KIND            gaussian | uniform (default gaussian)
  --batch N               tiles per forward pass (default 4)
  --precision P           auto | fp32 | bf16 | fp16 | int8 (default auto). auto: bf16 autocast for
                          a network trained in bf16 where this device runs bf16 fast (a CPU with
                          AVX512-BF16 or AMX, a GPU), fp16 for one trained in fp16 on a GPU, else
                          fp32. fp16: CUDA only. int8 (CPU; U-Nets with ReLU and bilinear
                          upsampling): int8 weights and uint8 activations, calibrated on up to
                          four tiles of this image; used only when at most 1 % of those tiles'
                          pixels change class against fp32, else the image runs in fp32. Pays
                          off for images of many tiles (the calibration costs about one fp32
                          pass per calibration tile)
  --mean A[,B,C]          input normalisation: per-channel mean and standard deviation of pixels
  --std A[,B,C]           scaled to [0, 1] (default: the checkpoint's; scale-only for a state dict)
  --model NAME            state dict only: the preset its weights are for (default: read off its keys)
  --activation NAME       state dict only: the activation it was trained with (weights do not record
                          it; default relu)
  --device D              auto | cpu | cuda (default auto)
  --threads N             CPU threads
  --json                  end stdout with one JSON object
)";

const char *kExportHelp = R"(Usage: unetlab-cli export --checkpoint FILE --out FILE [options]

Writes a checkpoint's weights for use elsewhere.

  --checkpoint FILE       a UNet Lab checkpoint, or a PyTorch state dict (required)
  --out FILE              where to write, atomically (required)
  --format KIND           pytorch: a state dict as torch.save(model.state_dict()) writes it (default).
                            In Python, with resources/python/unetlab_models.py on the path:
                              from unetlab_models import UNet, MinimalCNN
                              model = <the constructor this command prints>
                              model.load_state_dict(torch.load("model.pt"))
                          unetlab: a UNet Lab checkpoint (e.g. to keep a Python-trained network
                            with its normalisation; its header says "origin": "pytorch")
  --mean A[,B,C]          with --format unetlab: the input normalisation to record
  --std A[,B,C]
  --model NAME            state dict only: the preset its weights are for (default: read off its keys)
  --activation NAME       state dict only: the activation it was trained with (default relu)
  --json                  end stdout with one JSON object
)";

// A PyTorch file starts like a zip archive (or a bare pickle); a UNet Lab checkpoint with its magic line.
bool isPyTorchFile(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    std::string head(4, '\0');
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    head.resize(static_cast<std::size_t>(std::max<std::streamsize>(0, in.gcount())));
    return looksLikeTorchSave(head);
}

// Loads --checkpoint; for a PyTorch state dict, --model and --activation say what the
// weights cannot.
LoadedCheckpoint openCheckpoint(const Args &args, const std::string &command) {
    const auto path = args.value("checkpoint");
    if (!path) throw UsageError(command + " needs --checkpoint FILE");
    std::optional<ModelConfig> expected;
    if (args.value("model") || args.value("activation")) {
        if (!isPyTorchFile(*path))
            throw UsageError(
                "--model and --activation are for PyTorch state dicts; a UNet Lab checkpoint "
                "records its network");
        const std::vector<TensorEntry> tensors = listStateDict(*path);
        ModelConfig config;
        if (const auto model = args.value("model")) {
            try {
                config = presetForStateDict(*model, tensors);
            } catch (const std::invalid_argument &e) {
                throw UsageError(e.what());
            }
        } else {
            std::string why;
            const auto guess = guessModelConfig(tensors, &why);
            if (!guess)
                throw std::runtime_error("'" + *path + "': cannot tell which network these weights are for (" + why +
                                         "); name it with --model NAME");
            config = *guess;
        }
        if (const auto activation = args.value("activation")) {
            try {
                config.activation = activationFromString(*activation);
            } catch (const std::invalid_argument &e) {
                throw UsageError(e.what());
            }
        }
        expected = config;
    }
    return loadCheckpoint(*path, expected);
}

std::vector<double> numberList(const Args &args, const std::string &name) {
    std::vector<double> values;
    std::stringstream s(*args.value(name));
    std::string item;
    while (std::getline(s, item, ',')) {
        errno = 0;
        char *end = nullptr;
        const double x = std::strtod(item.c_str(), &end);
        if (item.empty() || *end != '\0' || errno == ERANGE || !std::isfinite(x))
            throw UsageError("--" + name + " expects numbers separated by commas, got '" + *args.value(name) + "'");
        values.push_back(x);
    }
    return values;
}

// --mean and --std, when given, replace the checkpoint's normalisation.
Normalisation normalisationFrom(const Args &args, const LoadedCheckpoint &ckpt) {
    if (!args.value("mean") && !args.value("std")) return ckpt.normalisation;
    if (!args.value("mean") || !args.value("std")) throw UsageError("--mean and --std go together");
    Normalisation n{numberList(args, "mean"), numberList(args, "std")};
    const auto channels = static_cast<std::size_t>(ckpt.config.inChannels);
    if (n.mean.size() != channels || n.std.size() != channels)
        throw UsageError("--mean and --std need " + std::to_string(channels) + " value(s), one per input channel");
    for (double s : n.std)
        if (!(s > 0)) throw UsageError("--std values must be greater than 0");
    return n;
}

std::vector<std::string> classNamesOf(const LoadedCheckpoint &ckpt) {
    const json &h = ckpt.header;
    if (h.contains("classes") && h["classes"].is_array() && h["classes"].size() == std::size_t(ckpt.config.numClasses))
        return h["classes"].get<std::vector<std::string>>();
    std::vector<std::string> names;
    for (int c = 0; c < ckpt.config.numClasses; ++c) names.push_back("class " + std::to_string(c));
    return names;
}

std::string percent(double fraction) {
    std::ostringstream s;
    s << std::fixed << std::setprecision(1) << 100 * fraction << " %";
    return s.str();
}

}  // namespace

int cmdPredict(const std::vector<std::string> &argv) {
    if (wantsHelp(argv)) {
        std::cout << kPredictHelp;
        return 0;
    }
    const Args args("predict", argv,
                    {"checkpoint", "image", "out", "mask-format", "overlay", "tile", "overlap", "blend", "batch",
                     "precision", "mean", "std", "model", "activation", "device", "threads"},
                    {"json"});
    if (!args.value("checkpoint")) throw UsageError("predict needs --checkpoint FILE");
    const auto imagePath = args.value("image");
    if (!imagePath) throw UsageError("predict needs --image FILE");
    const auto out = args.value("out");
    if (!out) throw UsageError("predict needs --out MASK.png");
    const auto overlay = args.value("overlay");
    SlidingWindowOptions window;
    MaskFormat format = MaskFormat::Index;
    try {
        format = maskFormatFromString(args.text("mask-format", "index"));
        window.blend = blendFromString(args.text("blend", "gaussian"));
    } catch (const std::invalid_argument &e) {
        throw UsageError(e.what());
    }
    window.overlap = args.real("overlap", window.overlap, -1e-12, 0.9);
    window.batch = args.integer("batch", window.batch, 1, 256);
    const std::string precision = args.text("precision", "auto");
    if (precision != "auto" && precision != "fp32" && precision != "bf16" && precision != "fp16" &&
        precision != "int8")
        throw UsageError("--precision must be auto, fp32, bf16, fp16 or int8, got '" + precision + "'");
    window.int8 = int8From(args, precision);
    const std::string device = window.int8 ? "cpu" : deviceFrom(args);
    if (precision == "fp16" && device == "cpu")
        throw UsageError("--precision fp16 needs a CUDA GPU; on a CPU use bf16 or fp32");
    setThreads(args);

    const LoadedCheckpoint ckpt = openCheckpoint(args, "predict");
    if (window.int8) requireInt8(ckpt.config);
    // auto: the arithmetic the network was trained in where this device runs it fast (bf16 on
    // a CPU with AVX512-BF16 or AMX), else fp32; int8 checks itself against fp32.
    if (precision == "auto")
        window.precision = inferencePrecision(trainedPrecision(ckpt.header), device);
    else if (!window.int8)
        window.precision = precisionFromString(precision);
    const Normalisation normalisation = normalisationFrom(args, ckpt);
    const int factor = ckpt.config.downsamplingFactor();
    int trainedSize = 256;
    if (ckpt.header.contains("input_size") && ckpt.header["input_size"].is_array() &&
        ckpt.header["input_size"].size() == 2)
        trainedSize = std::min(ckpt.header["input_size"][0].get<int>(), ckpt.header["input_size"][1].get<int>());
    window.tile = args.integer("tile", trainedSize, 0, 8192);
    if (window.tile % factor)
        throw UsageError("--tile must be a multiple of " + std::to_string(factor) +
                         " for this network (its downsampling factor), got " + std::to_string(window.tile));

    // Its errors name the file ("cannot read image 'a.png': it is empty (0 bytes)").
    const Sample image = readImageForNetwork(*imagePath, ckpt.config.inChannels);
    const auto t0 = std::chrono::steady_clock::now();
    const LargePrediction p = predictLarge(*ckpt.model, image, normalisation, device, window);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    writeMaskPng(*out, p.mask, p.width, p.height, format);
    if (overlay) writePng(*overlay, maskOverlay(image, p.mask.data()));

    const std::vector<std::string> classes = classNamesOf(ckpt);
    std::vector<std::int64_t> counts(classes.size(), 0);
    for (const std::uint8_t c : p.mask) ++counts[c];
    const int tiles = p.tilesX * p.tilesY;
    std::cout << *imagePath << ": " << p.width << "x" << p.height << ", " << tiles << " tile" << (tiles > 1 ? "s" : "")
              << " of " << p.tileWidth << "x" << p.tileHeight << " (" << p.tilesX << " x " << p.tilesY << ", overlap "
              << window.overlap << ", " << toString(window.blend) << "), " << describeDevice(device) << ", "
              << p.precision << ", "
              << formatDuration(seconds) << "\n";
    if (window.int8) {
        std::ostringstream changed;
        changed << std::fixed << std::setprecision(2) << 100.0 * p.int8PixelsChanged << " %";
        if (p.precision == "int8")
            std::cout << "int8: calibrated on " << p.calibrationTiles << " tile" << (p.calibrationTiles > 1 ? "s" : "")
                      << " of this image; " << changed.str() << " of their pixels change class against fp32\n";
        else
            std::cout << "int8 not used: " << changed.str() << " of the calibration tiles' pixels change class "
                      << "against fp32 (more than 1 %); predicted in fp32\n";
    }
    json pixels = json::object();
    for (std::size_t c = 0; c < classes.size(); ++c) {
        const double fraction = static_cast<double>(counts[c]) / static_cast<double>(p.mask.size());
        std::cout << "  " << std::left << std::setw(16) << classes[c] << std::right << std::setw(8) << percent(fraction)
                  << "\n";
        pixels[classes[c]] = counts[c];
    }
    std::cout << "Mask:    " << *out << " (" << toString(format) << ")\n";
    if (overlay) std::cout << "Overlay: " << *overlay << "\n";
    if (args.has("json"))
        std::cout << json{{"command", "predict"},
                          {"checkpoint", *args.value("checkpoint")},
                          {"origin", ckpt.header.value("origin", "unetlab")},
                          {"model", toJson(ckpt.config)},
                          {"image", *imagePath},
                          {"width", p.width},
                          {"height", p.height},
                          {"classes", classes},
                          {"class_pixels", pixels},
                          {"tile", {p.tileWidth, p.tileHeight}},
                          {"tiles_x", p.tilesX},
                          {"tiles_y", p.tilesY},
                          {"overlap", window.overlap},
                          {"blend", toString(window.blend)},
                          {"precision", p.precision},
                          {"int8_pixels_changed", window.int8 ? json(p.int8PixelsChanged) : json(nullptr)},
                          {"device", device},
                          {"seconds", seconds},
                          {"mask", *out},
                          {"mask_format", toString(format)},
                          {"overlay", overlay ? json(*overlay) : json(nullptr)}}
                         .dump()
                  << "\n";
    return 0;
}

int cmdExport(const std::vector<std::string> &argv) {
    if (wantsHelp(argv)) {
        std::cout << kExportHelp;
        return 0;
    }
    const Args args("export", argv, {"checkpoint", "out", "format", "mean", "std", "model", "activation"}, {"json"});
    if (!args.value("checkpoint")) throw UsageError("export needs --checkpoint FILE");
    const auto out = args.value("out");
    if (!out) throw UsageError("export needs --out FILE");
    const std::string format = args.text("format", "pytorch");
    if (format != "pytorch" && format != "unetlab")
        throw UsageError("--format must be pytorch or unetlab, got '" + format + "'");
    if (format == "pytorch" && (args.value("mean") || args.value("std")))
        throw UsageError("--mean and --std go with --format unetlab (a state dict holds only weights)");

    LoadedCheckpoint ckpt = openCheckpoint(args, "export");
    std::size_t tensors = 0;
    const std::string python = pythonModelExpression(ckpt.config);
    if (format == "pytorch") {
        tensors = saveStateDict(*ckpt.model, *out);
        std::cout << "Wrote " << *out << ": a PyTorch state dict of " << tensors << " tensors, "
                  << withThousands(ckpt.config.parameterCount()) << " parameters (" << ckpt.config.describe() << ")\n"
                  << "In Python, with resources/python/unetlab_models.py on the path:\n"
                  << "  import torch\n"
                  << "  from unetlab_models import UNet, MinimalCNN\n"
                  << "  model = " << python << "\n"
                  << "  model.load_state_dict(torch.load(\"" << *out << "\"))\n";
    } else {
        json header = ckpt.header;
        header["normalisation"] = toJson(normalisationFrom(args, ckpt));
        header["exported_from"] = *args.value("checkpoint");
        saveCheckpoint(*out, *ckpt.model, header);
        std::cout << "Wrote " << *out << ": a UNet Lab checkpoint (" << ckpt.config.describe() << ", "
                  << withThousands(ckpt.config.parameterCount()) << " parameters)\n";
    }
    if (args.has("json"))
        std::cout << json{{"command", "export"},
                          {"checkpoint", *args.value("checkpoint")},
                          {"out", *out},
                          {"format", format},
                          {"tensors", format == "pytorch" ? json(tensors) : json(nullptr)},
                          {"parameters", ckpt.config.parameterCount()},
                          {"model", toJson(ckpt.config)},
                          {"python", python}}
                         .dump()
                  << "\n";
    return 0;
}

}  // namespace unetlab::cli
