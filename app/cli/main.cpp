// unetlab-cli: the headless face of UNet Lab — info, models, train, eval, inspect, bench.
// Errors are one line on stderr and a non-zero exit: 2 for a bad command line, 1 when
// the work itself fails (unreadable checkpoint, CUDA missing, ...).

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <chrono>
#include <cmath>
#include <csignal>
#include <ctime>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <iomanip>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "cli/Args.h"
#include "cli/Commands.h"
#include "cli/Common.h"
#include "cli/Format.h"
#include "cli/InteropCommands.h"
#include "core/AtomicFile.h"
#include "core/BuildInfo.h"
#include "core/BusyProcess.h"
#include "core/CpuLoad.h"
#include "core/Device.h"
#include "core/HostMemory.h"
#include "data/DataSpec.h"
#include "inspect/ImageFile.h"
#include "inspect/Inspect.h"
#include "inspect/Sheets.h"
#include "models/ModelConfig.h"
#include "train/Checkpoint.h"
#include "train/Evaluate.h"
#include "train/ExecutionPlan.h"
#include "train/History.h"
#include "train/RunFolder.h"
#include "train/Trainer.h"

namespace unetlab::cli {
namespace {

using json = nlohmann::json;

std::atomic<bool> g_interrupted{false};
extern "C" void onInterrupt(int) { g_interrupted = true; }

const char *kUsage = R"(Usage: unetlab-cli <command> [options]

Commands:
  info      versions, devices, threads and CPU features
  models    every model preset with its parameter count and receptive field
  train     train a model on a dataset and report per-class metrics
  eval      evaluate a checkpoint on a dataset split
  compare   train two or more models side by side on the same data and compare them
  inspect   feature maps per stage, kernels, channel ranking, worst cases and N/C of a checkpoint
  bench     time training steps and inference on this machine
  predict   segment an image of any size with a checkpoint (sliding window), write the mask
  export    write a checkpoint's weights as a PyTorch state dict (or a UNet Lab checkpoint)

Run 'unetlab-cli <command> --help' for a command's options.
)";

const char *kTrainHelp = R"(Usage: unetlab-cli train --model NAME [options]
       unetlab-cli train --resume DIR [--epochs N] [output options]

Data and model:
  --model NAME            minimal | small-unet | small-unet-noskip | unet (required)
  --data SPEC             the dataset                         (default synthetic = synthetic:200:1)
                            synthetic[:COUNT[:SEED]]          generated cytology, 3 classes
                            sample:nuclei                     bundled DSB2018 nuclei (201 real images)
                            folder:PATH                       images/ + masks/ (or train/image + train/label)
                            tiff:IMAGES.tif,LABELS.tif        multi-page stacks (e.g. ISBI 2012 EM)
                          the last three take ;KEY=VALUE options (quote the spec):
                            size=N  policy=resize|crop|pad|patch  multiple=N (pad)
                            mapping=auto|index|binary|nonzero|palette  invert=1
                            classes=A,B,..  colours=#rrggbb,..  channels=1|3  seed=N (patch)
                          e.g. 'folder:cells;policy=crop;classes=background,cell'
  --size N                image side in pixels, 32..4096      (default 256)
  --base N                U-Net width of the first level       (preset: 32, unet 64)
  --levels N              U-Net levels 1..6                    (preset: 2, unet 4)
  --skips on|off          U-Net skip connections               (preset)
  --upsampling KIND       bilinear | transposed                (preset)
  --widths A,B            MinimalCNN hidden widths             (16,32)
  --first-kernel 3|5      MinimalCNN first-layer kernel        (3)
  --extra-depth N         MinimalCNN extra 3x3 layers          (0)
  --activation NAME       relu | leaky-relu | gelu | silu | mish | elu   (relu)
  --batch-norm on|off     BatchNorm after each conv            (U-Net on, MinimalCNN off)
  --dropout P             Dropout2d after each block, 0..0.9   (0)

Training:
  --recipe quick          start from a named recipe; the flags below still override it:
                            quick: 8 epochs, batch 4, Adam one-cycle at 2e-3, ce+dice,
                            --augment flip,rot90, --preprocess otsu
                            (small-unet on sample:nuclei: see README, "Time to a good model")
  --epochs N              (default 5)
  --batch N               batch size                           (default 8)
  --lr X                  learning rate (peak for one-cycle)   (default 1e-3)
  --optimizer NAME        adam | adamw | sgd | rmsprop         (default adam)
  --momentum X            SGD / RMSProp momentum               (default 0.9)
  --weight-decay X        (default 1e-4 for adamw, else 0)
  --schedule NAME         constant | step | cosine | plateau | one-cycle   (default constant)
  --loss NAME             ce | wce | focal | dice | ce+dice    (default ce)
  --lambda X              weight of CE in ce+dice              (default 0.5)
  --gamma X               focal loss gamma                     (default 2)
  --early-stop N          stop after N epochs without val Dice gain (default off)
  --seed S                model init, split and shuffling      (default 1)
  --device D              auto | cpu | cuda                    (default auto)
  --precision P           auto | fp32 | bf16 | fp16            (default auto)
  --memory-format F       auto | contiguous | channels-last    (default auto)
  --threads N             CPU threads for LibTorch             (default auto)
                          auto: measured once per machine and model (a few training steps
                          of each candidate plan), then cached; --replan measures again.
                          bf16 autocast on CPUs with AVX512-BF16/AMX; fp16 needs CUDA.
  --channels-last on|off  the same as --memory-format channels-last|contiguous
  --preprocess P          [histeq+|clahe+]none|minmax|zscore|percentile|otsu[:per-image][:LOW-HIGH]
                          statistics of the training split unless :per-image; stored in the
                          checkpoint; e.g. clahe, minmax:per-image, percentile:per-image:1-99;
                          otsu: each image's Otsu classes, darker mean to 0 and brighter to 0.5,
                          clipped to [0, 1], then the z-score of the training split
                                                               (default zscore)
  --augment LIST          flip,rot90,rotate,elastic,intensity | all | none   (default none)
                          training batches only; image and mask move together

Output:
  --autosave DIR|off      the run's folder, rewritten after every epoch: state.bin (to continue),
                          last.ckpt, best.ckpt, metrics.csv, run.json
                          (default: a new folder under ~/.local/share/UNetLab/UNet Lab/runs)
  --resume DIR            continue a run from its autosave folder after the last finished epoch,
                          with its own settings and data (after Ctrl-C, a crash or kill -9);
                          --epochs N makes it longer; the GUI offers the same on start
  --out FILE              save the best weights as a checkpoint (written atomically)
  --log FILE.csv          per-epoch metrics as CSV, rewritten after every epoch
  --json                  end stdout with one JSON object holding the final figures
  --quiet                 no progress on stderr
)";

const char *kEvalHelp = R"(Usage: unetlab-cli eval --checkpoint FILE [options]

  --checkpoint FILE       a checkpoint written by 'unetlab-cli train --out' (required)
  --data SPEC             dataset (default: the one the checkpoint was trained on); the forms of
                          'train --help': synthetic[:COUNT[:SEED]], sample:nuclei, folder:PATH,
                          tiff:IMAGES.tif,LABELS.tif, with ;KEY=VALUE options
  --size N                image side (default: the checkpoint's)
  --split NAME            test | val | train | all (default test; the split of the checkpoint's seed)
  --batch N               (default 8)
  --precision P           fp32 | bf16 | int8 (default fp32). bf16: the network under bf16 autocast
                          (as `predict` and the Inspect area run a bf16-trained network where
                          bf16 is fast). int8: the network with int8 weights and uint8
                          activations (CPU; U-Nets with ReLU and bilinear upsampling), calibrated
                          on 16 training-split images. Both print the fp32 metrics beside theirs
                          and the share of pixels whose class changes
  --device D              auto | cpu | cuda (default auto)
  --threads N             CPU threads
  --per-image             also each image's Dice and outline offset: how many pixels its prediction
                          must grow (+) or shrink (-) to match the truth best, and the Dice then
  --json                  end stdout with one JSON object
)";

const char *kInspectHelp = R"(Usage: unetlab-cli inspect --checkpoint FILE (--image FILE | --index I) --out DIR [options]

Looks inside a trained model and writes to DIR:
  stage-NN-NAME.png       each named stage: input, truth and prediction, then its top-k channel maps
  kernels.png             first-layer kernels as RGB tiles and per input channel, beside Sobel,
                          Gaussian and Laplacian (with --layer also kernels-LAYER.png)
  ranking.csv             every channel of every stage: variance, mean |activation| (Strategy 1) and
                          correlation with the --class mask (Strategy 2), with ranks
  worst-cases.png         the lowest-Dice images of --split: image, truth, prediction, error overlay
  nc.csv                  per image of --split: true and predicted N/C ratio, nuclei counted in each

Image:
  --checkpoint FILE       a checkpoint written by 'unetlab-cli train --out' (required)
  --index I               image I of the data, with its truth
  --image FILE            an image file (PNG, JPEG, TIFF, ...), without truth
  --fit pad|resize        an --image whose sides are not multiples of the model's downsampling
                          factor is centre-padded (border repeated) or resized (default pad)
  --data SPEC             data for --index and the split outputs (default: the checkpoint's)
  --size N                image side of the data (default: the checkpoint's)

What to show:
  --top-k K               channels per stage, 1..64 (default 4)
  --rank KIND             variance | magnitude | correlation: how channels are chosen (default variance)
  --class NAME            class for correlation, the verdict and, when given, the worst-case order
                          (default nucleus, else the last class)
  --stage NAME            only this stage (default every stage)
  --layer NAME            also draw this convolution's kernels (e.g. enc1.conv2)
  --split NAME            test | val | all: images for ranking, worst cases and N/C (default test)
  --worst N               worst cases to draw, 1..16 (default 4)

  --out DIR               where the files go (created if needed; required)
  --device D              auto | cpu | cuda (default auto)
  --threads N             CPU threads
  --json                  end stdout with one JSON object
)";

const char *kBenchHelp = R"(Usage: unetlab-cli bench [options]

Times training steps of minimal and small-unet (Adam, cross-entropy) and small-unet's
inference latency for one image, each twice: as the chapter's recipe (fp32, contiguous
tensors) and with the engine's execution plan for this machine (chosen as `train` chooses
it: measured once, then cached); on the CPU, inference also with the int8 network (int8
weights, uint8 activations, calibrated on four images; see `eval --precision int8` for what
it costs a trained model in accuracy). Then the peak memory (RSS) of training small-unet at batch 8
with that plan, in a fresh process. Medians over the runs.

  --steps N               timed training steps per model and plan (default 10)
  --runs N                timed inference runs (default 20)
  --size N                image side (default 256)
  --batch N               training batch (default 4)
  --device D              auto | cpu | cuda (default auto)
  --precision P           the tuned plan: auto | fp32 | bf16 | fp16 (default auto)
  --memory-format F       the tuned plan: auto | contiguous | channels-last (default auto)
  --threads N             CPU threads (default auto)
  --replan                measure the plans again instead of using the cached ones
  --no-python             skip the PyTorch (Python API) peer run
  --busy N                instead: N programs spin on N cores while the tuned plans run with
                          every core and with the free ones (what automatic threads choose),
                          and PyTorch on the free cores (CPU only)
  --json                  end stdout with one JSON object

Unless --no-python is given, the same models are then timed in PyTorch's Python API
(resources/python/bench_peer.py; Debian's python3 with python3-torch, or the interpreter in
UNETLAB_PYTHON) on the same device with the same threads and shapes, as the recipe and with
the engine's plan (int8: PyTorch's FX post-training quantization), and the speed-ups are
printed with the targets of issue #8.
)";

// ---------------------------------------------------------------------------- info
int cmdInfo(const std::vector<std::string> &argv) {
    if (wantsHelp(argv)) {
        std::cout << "Usage: unetlab-cli info [--threads N] [--json]\n";
        return 0;
    }
    const Args args("info", argv, {"threads"}, {"json"});
    setThreads(args);
    const auto gpus = cudaDeviceNames();
    const std::string device = resolveDevice(DeviceChoice::Auto);
    std::cout << "UNet Lab " << UNETLAB_VERSION << "\n"
              << "LibTorch " << torchVersion() << (torchBuiltWithCuda() ? " (CUDA build)" : " (CPU build)") << "\n"
              << "Device   " << describeDevice(device) << "\n"
              << "Threads  " << currentThreads() << " intra-op (" << logicalCpus() << " logical CPUs, "
              << physicalCores() << " physical cores), " << interopThreads() << " inter-op\n"
              << "CPU      " << cpuModel() << "\n"
              << "Features " << cpuFeatures() << "\n"
              << "bf16     " << (cpuHasFastBf16() ? "native (AVX512-BF16/AMX): bf16 autocast is a candidate plan"
                                                  : "not native: plans stay fp32 on this CPU")
              << "\n"
              << "Memory   "
              << (reusingCpuAllocatorInstalled()
                      ? "tensor buffers of 1 MiB and more are kept for reuse (UNETLAB_ALLOCATOR=default: LibTorch's own)"
                      : "LibTorch's own CPU allocator (UNETLAB_ALLOCATOR=default)")
              << "\n"
              << "GPUs     " << (gpus.empty() ? "none" : "") << "\n";
    for (std::size_t i = 0; i < gpus.size(); ++i) std::cout << "  cuda:" << i << "  " << gpus[i] << "\n";
    const json plans = cachedPlans();
    std::cout << "Plans    " << planCachePath() << (plans.empty() ? ": none measured yet (the first run does)" : "")
              << "\n";
    for (const auto &p : plans)
        std::cout << "  " << p["plan"].value("description", std::string("?")) << "  ("
                  << p["plan"].value("date", std::string()) << ")\n    for " << p["key"].get<std::string>() << "\n";
    if (args.has("json"))
        std::cout << json{{"version", UNETLAB_VERSION},
                          {"libtorch_version", torchVersion()},
                          {"cuda_build", torchBuiltWithCuda()},
                          {"device", device},
                          {"device_description", describeDevice(device)},
                          {"threads", currentThreads()},
                          {"logical_cpus", std::thread::hardware_concurrency()},
                          {"cpu", cpuModel()},
                          {"cpu_features", cpuFeatures()},
                          {"physical_cores", physicalCores()},
                          {"native_bf16", cpuHasFastBf16()},
                          {"reusing_allocator", reusingCpuAllocatorInstalled()},
                          {"plan_cache", planCachePath()},
                          {"plans", plans},
                          {"gpus", gpus}}
                         .dump()
                  << "\n";
    return 0;
}

// -------------------------------------------------------------------------- models
int cmdModels(const std::vector<std::string> &argv) {
    if (wantsHelp(argv)) {
        std::cout << "Usage: unetlab-cli models [--json]\n\nEvery preset with its exact trainable parameter "
                     "count and analytic receptive field (MISSION §5 rules).\n";
        return 0;
    }
    const Args args("models", argv, {}, {"json"});
    json list = json::array();
    std::cout << std::left << std::setw(20) << "model" << std::right << std::setw(12) << "parameters" << std::setw(12)
              << "RF bottl." << std::setw(10) << "RF out" << "  description\n";
    for (const auto &name : presetNames()) {
        const ModelConfig config = presetConfig(name);
        const std::int64_t params = countParameters(config);
        const int rf = outputReceptiveField(config);
        const bool unet = config.arch == Architecture::UNet;
        const int rfBottleneck = unet ? receptiveFieldAt(config, "bottleneck") : 0;
        std::cout << std::left << std::setw(20) << name << std::right << std::setw(12) << withThousands(params)
                  << std::setw(12) << (unet ? std::to_string(rfBottleneck) : "-") << std::setw(10) << rf << "  "
                  << presetDescription(name) << "\n";
        json stages = json::array();
        for (const auto &[stage, channels] : config.stageChannels())
            stages.push_back({{"name", stage}, {"channels", channels}});
        list.push_back({{"name", name},
                        {"parameters", params},
                        {"receptive_field", rf},
                        {"bottleneck_receptive_field", unet ? json(rfBottleneck) : json(nullptr)},
                        {"description", presetDescription(name)},
                        {"config", toJson(config)},
                        {"stages", stages}});
    }
    if (args.has("json")) std::cout << json{{"models", list}}.dump() << "\n";
    return 0;
}

// --------------------------------------------------------------------------- train
ModelConfig modelFromArgs(const Args &args) {
    if (!args.value("model")) throw UsageError("train needs --model (one of: " + joined(presetNames()) + ")");
    ModelConfig m;
    try {
        m = presetConfig(*args.value("model"));
        if (auto a = args.value("activation")) m.activation = activationFromString(*a);
        if (auto u = args.value("upsampling")) m.upsampling = upsamplingFromString(*u);
    } catch (const std::invalid_argument &e) {
        throw UsageError(e.what());
    }
    m.base = args.integer("base", m.base, 1, 256);
    m.levels = args.integer("levels", m.levels, 1, 6);
    m.skips = args.onOff("skips", m.skips);
    m.widths = args.integerList("widths", m.widths);
    m.firstKernel = args.integer("first-kernel", m.firstKernel, 3, 5);
    m.extraDepth = args.integer("extra-depth", m.extraDepth, 0, 8);
    m.batchNorm = args.onOff("batch-norm", m.batchNorm);
    if (args.value("dropout")) m.dropout = args.real("dropout", 0, -1e-12, 0.9);
    return m;
}

TrainConfig trainConfigFromArgs(const Args &args) {
    TrainConfig c;
    if (const auto recipe = args.value("recipe")) {
        try {
            c = withRecipe(*recipe, c);
        } catch (const std::invalid_argument &e) {
            throw UsageError(e.what());
        }
    }
    c.model = modelFromArgs(args);
    c.epochs = args.integer("epochs", c.epochs, 1, 100000);
    c.batchSize = args.integer("batch", c.batchSize, 1, 1024);
    c.learningRate = args.real("lr", c.learningRate, 0, 1);
    c.momentum = args.real("momentum", c.momentum, -1e-12, 0.999);
    if (args.value("weight-decay")) c.weightDecay = args.real("weight-decay", 0, -1e-12, 1);
    c.loss.lambda = args.real("lambda", c.loss.lambda, -1e-12, 1);
    c.loss.focalGamma = args.real("gamma", c.loss.focalGamma, -1e-12, 10);
    c.earlyStopPatience = args.integer("early-stop", 0, 0, 100000);
    c.seed = args.unsignedInteger("seed", c.seed);
    c.channelsLast = args.onOff("channels-last", c.channelsLast);
    try {
        // Unset flags keep the default or the recipe's choice.
        if (const auto v = args.value("optimizer")) c.optimizer = optimizerFromString(*v);
        if (const auto v = args.value("schedule")) c.schedule = scheduleFromString(*v);
        if (const auto v = args.value("loss")) c.loss.kind = lossFromString(*v);
        c.device = deviceFromString(args.text("device", "auto"));
        if (const auto v = args.value("preprocess")) c.preprocessing = parsePreprocessing(*v);
        if (const auto v = args.value("augment")) c.augmentation = parseAugmentation(*v);
        c.validate();
    } catch (const std::invalid_argument &e) {
        throw UsageError(e.what());
    }
    return c;
}

// Flags of `train` that describe a run; a resumed run keeps its own.
const std::set<std::string> kRunSettingFlags = {
    "model", "data", "size", "base", "levels", "skips", "upsampling", "widths", "first-kernel", "extra-depth",
    "activation", "batch-norm", "dropout", "batch", "lr", "optimizer", "momentum", "weight-decay", "schedule",
    "loss", "lambda", "gamma", "early-stop", "seed", "device", "channels-last", "memory-format", "precision",
    "preprocess", "augment", "autosave", "replan", "recipe"};

std::string autosaveFolderFor(const std::string &modelName) {
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    localtime_r(&now, &tm);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
    return (std::filesystem::path(defaultRunsRoot()) /
            (std::string(stamp) + "-cli" + std::to_string(::getpid()) + "-" + modelName))
        .string();
}

int cmdTrain(const std::vector<std::string> &argv) {
    if (wantsHelp(argv)) {
        std::cout << kTrainHelp;
        return 0;
    }
    const Args args("train", argv,
                    {"model", "data", "size", "base", "levels", "skips", "upsampling", "widths", "first-kernel",
                     "extra-depth", "activation", "batch-norm", "dropout", "epochs", "batch", "lr", "optimizer",
                     "momentum", "weight-decay", "schedule", "loss", "lambda", "gamma", "early-stop", "seed",
                     "device", "threads", "channels-last", "memory-format", "precision", "out", "log", "preprocess",
                     "augment", "autosave", "resume", "recipe"},
                    {"json", "quiet", "replan"});
    const bool quiet = args.has("quiet");
    const auto out = args.value("out");
    const auto log = args.value("log");
    std::unique_ptr<Trainer> trainerOwner;
    std::shared_ptr<const Dataset> data;
    std::string dataSpec, modelName, autosaveDir;
    ExecutionPlan plan;
    int size = 256;

    if (const auto resumeFrom = args.value("resume")) {
        for (const auto &flag : kRunSettingFlags)
            if (args.value(flag) || args.has(flag))
                throw UsageError("--" + flag + " cannot be given with --resume: the run continues with its own "
                                 "settings (only --epochs, --threads, --out, --log, --json and --quiet apply)");
        std::filesystem::path dir(*resumeFrom);
        if (dir.filename() == kRunStateFile) dir = dir.parent_path();
        const std::filesystem::path statePath = dir / kRunStateFile;
        std::error_code ec;
        if (!std::filesystem::is_regular_file(statePath, ec) &&
            std::filesystem::is_regular_file(dir / kRunMarkerFile, ec)) {
            const SavedRun saved = readSavedRun(dir.string());
            if (saved.state == "finished")
                throw std::runtime_error(dir.string() + ": the run finished (" + std::to_string(saved.epochsDone) +
                                         " of " + std::to_string(saved.epochs) +
                                         " epochs); there is nothing to continue");
        }
        if (!std::filesystem::is_regular_file(statePath, ec))
            throw std::runtime_error(dir.string() + " holds no saved run (no " + kRunStateFile +
                                     "; runs are autosaved under " + defaultRunsRoot() + ")");
        const std::string state = readWholeFile(statePath.string());
        ResumeInfo info;
        try {
            info = Trainer::peekResumeState(state);
        } catch (const std::invalid_argument &e) {
            throw std::runtime_error(statePath.string() + ": " + e.what());
        }
        data = openData(info.dataSpec, info.width, &dataSpec);
        size = data->width();
        TrainConfig saved = info.config;
        PlanRequest request;
        request.precision = saved.precision;
        request.memoryFormat = saved.channelsLast ? MemoryFormatChoice::ChannelsLast : MemoryFormatChoice::Contiguous;
        request.threads = args.integer("threads", 0, 0, 1024);
        plan = choosePlan(request, saved.model, data->width(), data->height(), saved.batchSize,
                          resolveDevice(saved.device), [quiet](const std::string &line) {
                              if (!quiet) std::cerr << line << "\n" << std::flush;
                          });
        try {
            trainerOwner = Trainer::resume(state, data, args.value("epochs") ? args.integer("epochs", 0, 1, 100000) : 0);
        } catch (const std::invalid_argument &e) {
            throw std::runtime_error(dir.string() + ": " + e.what());
        }
        modelName = info.modelName;
        autosaveDir = dir.string();
        if (!quiet)
            std::cerr << "Continuing the run in " << autosaveDir << " after epoch " << info.history.size() << "\n";
    } else {
        TrainConfig config = trainConfigFromArgs(args);
        size = args.integer("size", 256, 32, 4096);
        data = openData(args.text("data", "synthetic"), size, &dataSpec);
        config.model.inChannels = data->inChannels();
        config.model.numClasses = data->numClasses();
        plan = applyPlan(args, config, data->width(), data->height(), quiet);
        trainerOwner = std::make_unique<Trainer>(config, data);
        modelName = *args.value("model");
        const std::string choice = args.text("autosave", "");
        autosaveDir = choice == "off" ? std::string{} : choice.empty() ? autosaveFolderFor(modelName) : choice;
    }
    Trainer &trainer = *trainerOwner;
    const TrainConfig &config = trainer.config();
    std::unique_ptr<RunAutosave> autosave;
    if (!autosaveDir.empty()) {
        try {
            autosave = std::make_unique<RunAutosave>(autosaveDir, "unetlab-cli", modelName, dataSpec);
            autosave->begin(trainer);
        } catch (const std::exception &e) {
            std::cerr << "unetlab-cli: warning: " << e.what() << "; training runs without autosave\n";
            autosave.reset();
        }
    }

    const auto &split = trainer.split();
    const auto classes = data->classNames();
    if (!quiet) {
        std::cerr << "Training " << modelName << " (" << withThousands(trainer.parameterCount())
                  << " parameters, " << config.model.describe() << ")\n"
                  << "  on " << data->name() << ": " << split.train.size() << " train / " << split.val.size()
                  << " val / " << split.test.size() << " test images\n"
                  << "  plan: " << plan.summary() << "\n"
                  << "  " << describeDevice(trainer.device()) << "; " << config.epochs << " epochs, batch "
                  << config.batchSize << ", " << toString(config.optimizer) << " lr " << config.learningRate << ", "
                  << toString(config.loss.kind) << " loss, " << toString(config.schedule) << " schedule, seed "
                  << config.seed << "\n"
                  << "  input " << toString(config.preprocessing) << ", augmentation "
                  << toString(config.augmentation);
        if (const auto recipe = args.value("recipe")) std::cerr << " (recipe " << *recipe << ")";
        std::cerr << "\n";
        if (autosave)
            std::cerr << "  autosave: " << autosave->dir() << "\n"
                      << "  (after a crash, continue with: unetlab-cli train --resume '" << autosave->dir() << "')\n";
    }

    std::signal(SIGINT, onInterrupt);
    ProgressBar progress(std::cerr, !quiet && ::isatty(STDERR_FILENO));
    const auto started = std::chrono::steady_clock::now();
    StepResult last;
    int stepsDone = 0;
    const int stepsBefore = static_cast<int>(trainer.history().size()) * (trainer.totalSteps() / config.epochs);
    while (!trainer.finished()) {
        if (g_interrupted) {
            trainer.stop("interrupted (Ctrl-C); keeping the best epoch so far");
            break;
        }
        last = trainer.step();
        if (last.kind == StepResult::Kind::TrainBatch) {
            ++stepsDone;
            const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
            const double eta = elapsed / stepsDone * (trainer.totalSteps() - stepsBefore - stepsDone);
            progress.update(last.batch.epoch, config.epochs, last.batch.batch, last.batch.batchesPerEpoch,
                            last.batch.loss, last.batch.imagesPerSecond, elapsed, eta);
        }
        if (last.epochEnded) {
            progress.clear();
            if (!quiet) std::cerr << epochLine(last.epoch, config.epochs, classes) << "\n";
            if (log) writeFileAtomically(*log, historyCsv(classes, trainer.history()));
            if (autosave) {
                try {
                    autosave->epochEnded(trainer, last.epoch);
                } catch (const std::exception &e) {
                    std::cerr << "unetlab-cli: warning: autosave failed: " << e.what() << "\n";
                }
            }
        }
    }
    progress.clear();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const std::string reason = last.kind == StepResult::Kind::Finished ? last.stopReason
                                                                        : "interrupted (Ctrl-C)";
    if (!quiet) std::cerr << "Stopped: " << reason << "\n";
    if (autosave) {
        try {
            autosave->end(trainer, last.kind == StepResult::Kind::Finished && !g_interrupted ? "finished" : "stopped",
                          reason);
        } catch (const std::exception &e) {
            std::cerr << "unetlab-cli: warning: autosave failed: " << e.what() << "\n";
        }
    }
    if (trainer.history().empty()) {
        std::cerr << "unetlab-cli: error: " << reason << "; no epoch finished, nothing to report\n";
        return 1;
    }

    const EpochReport &best = trainer.history()[static_cast<std::size_t>(trainer.bestEpoch() - 1)];
    const SplitMetrics val = trainer.evaluate(split.val);
    const SplitMetrics test = split.test.empty() ? SplitMetrics{} : trainer.evaluate(split.test);
    double imagesPerSecond = 0;
    for (const auto &e : trainer.history()) imagesPerSecond += e.imagesPerSecond;
    imagesPerSecond /= static_cast<double>(trainer.history().size());

    if (out) trainer.saveCheckpoint(*out, dataSpec);

    std::cout << "\n"
              << modelName << ": best epoch " << best.epoch << " of " << trainer.history().size() << ", "
              << withThousands(trainer.parameterCount()) << " parameters, " << formatDuration(seconds) << ", "
              << std::fixed << std::setprecision(1) << imagesPerSecond << " images/s\n\n";
    printMetricsTable(std::cout, classes, {{"val", &val}, {"test", &test}});
    if (out) std::cout << "\nCheckpoint: " << *out << "\n";
    if (log) std::cout << "Log:        " << *log << "\n";
    if (args.has("json")) {
        const EpochReport &lastEpoch = trainer.history().back();
        json j = {{"command", "train"},
                  {"model", modelName},
                  {"config", toJson(trainer.config())},
                  {"params", trainer.parameterCount()},
                  {"receptive_field", outputReceptiveField(trainer.config().model)},
                  {"data", dataSpec},
                  {"size", size},
                  {"train_images", split.train.size()},
                  {"val_images", split.val.size()},
                  {"test_images", split.test.size()},
                  {"device", trainer.device()},
                  {"threads", currentThreads()},
                  {"plan", toJson(plan)},
                  {"epochs_run", trainer.history().size()},
                  {"best_epoch", trainer.bestEpoch()},
                  {"stop_reason", reason},
                  {"diverged", last.diverged},
                  {"seconds", seconds},
                  {"images_per_second", imagesPerSecond},
                  {"final_train_loss", jsonNumber(lastEpoch.trainLoss)},
                  {"final_val_loss", jsonNumber(lastEpoch.valLoss)},
                  {"val_dice_mean", jsonNumber(val.diceMean)},
                  {"val_dice", perClass(classes, val.dice)},
                  {"val_iou_mean", jsonNumber(val.iouMean)},
                  {"val_iou", perClass(classes, val.iou)},
                  {"val_pixel_accuracy", jsonNumber(val.pixelAccuracy)},
                  {"val_boundary_f1", jsonNumber(val.boundaryF1Mean)},
                  {"val_boundary_f1_per_class", perClass(classes, val.boundaryF1)},
                  {"test_dice_mean", jsonNumber(test.diceMean)},
                  {"test_dice", perClass(classes, test.dice)},
                  {"test_iou_mean", jsonNumber(test.iouMean)},
                  {"test_iou", perClass(classes, test.iou)},
                  {"test_pixel_accuracy", jsonNumber(test.pixelAccuracy)},
                  {"test_boundary_f1", jsonNumber(test.boundaryF1Mean)},
                  {"test_boundary_f1_per_class", perClass(classes, test.boundaryF1)},
                  {"test_nc_mean_abs_error", jsonNumber(test.ncMeanAbsError)},
                  {"checkpoint", out ? json(*out) : json(nullptr)}};
        std::cout << j.dump() << "\n";
    }
    if (last.outOfMemory) std::cerr << "unetlab-cli: error: " << reason << "\n";
    return last.diverged || last.outOfMemory ? 1 : 0;
}

// ---------------------------------------------------------------------------- eval
// The data a checkpoint goes with: the one it was trained on (recorded in its header), or
// --data / --size; refused when the model cannot take its images.
std::shared_ptr<const Dataset> checkpointData(const Args &args, const LoadedCheckpoint &ckpt, std::string *spec) {
    const json &h = ckpt.header;
    const std::string storedSpec = h.contains("data") ? h["data"].value("spec", "synthetic") : "synthetic";
    const int storedSize = h.contains("input_size") ? h["input_size"][0].get<int>() : 256;
    auto data = openData(args.text("data", storedSpec), args.integer("size", storedSize, 32, 4096), spec);
    if (data->inChannels() != ckpt.config.inChannels || data->numClasses() != ckpt.config.numClasses)
        throw std::runtime_error("the data has " + std::to_string(data->inChannels()) + " channel(s) and " +
                                 std::to_string(data->numClasses()) + " classes, the checkpoint's model expects " +
                                 std::to_string(ckpt.config.inChannels) + " and " +
                                 std::to_string(ckpt.config.numClasses));
    const int factor = ckpt.config.downsamplingFactor();
    if (data->width() % factor || data->height() % factor)
        throw std::runtime_error("image size " + std::to_string(data->width()) + " is not a multiple of " +
                                 std::to_string(factor) + ", which this model needs");
    return data;
}

// Indices of a split ("test", "val", "train" or "all") as the checkpoint's seed and fractions made it.
std::vector<std::size_t> splitIndices(const json &header, std::size_t count, const std::string &splitName) {
    std::vector<std::size_t> indices;
    if (splitName == "all") {
        for (std::size_t i = 0; i < count; ++i) indices.push_back(i);
    } else {
        const json s = header.value("split", json::object());
        const DataSplit split = makeSplit(count, s.value("val_fraction", 0.1), s.value("test_fraction", 0.1),
                                          s.value("seed", std::uint64_t{1}));
        indices = splitName == "test" ? split.test : splitName == "val" ? split.val : split.train;
    }
    if (indices.empty()) throw std::runtime_error("the " + splitName + " split of this data is empty");
    return indices;
}

int cmdEval(const std::vector<std::string> &argv) {
    if (wantsHelp(argv)) {
        std::cout << kEvalHelp;
        return 0;
    }
    const Args args("eval", argv, {"checkpoint", "data", "size", "split", "batch", "precision", "device", "threads"},
                    {"json", "per-image"});
    const auto path = args.value("checkpoint");
    if (!path) throw UsageError("eval needs --checkpoint FILE");
    const std::string splitName = args.text("split", "test");
    if (splitName != "test" && splitName != "val" && splitName != "train" && splitName != "all")
        throw UsageError("--split must be test, val, train or all, got '" + splitName + "'");
    const int batch = args.integer("batch", 8, 1, 1024);
    const std::string precision = args.text("precision", "fp32");
    if (precision != "fp32" && precision != "bf16" && precision != "int8")
        throw UsageError("--precision must be fp32, bf16 or int8, got '" + precision + "'");
    const bool int8 = int8From(args, precision), reduced = precision != "fp32";
    const std::string device = int8 ? "cpu" : deviceFrom(args);
    setThreads(args);

    LoadedCheckpoint ckpt = loadCheckpoint(*path);
    if (int8) requireInt8(ckpt.config);
    const json &h = ckpt.header;
    std::string dataSpec;
    const auto data = checkpointData(args, ckpt, &dataSpec);
    const std::vector<std::size_t> indices = splitIndices(h, data->size(), splitName);
    // int8: calibrated on the first training-split images (not the images evaluated, unless
    // the split evaluated is the training split itself). bf16: the network under autocast.
    std::shared_ptr<SegmentationModel> reducedNet;
    std::vector<std::size_t> calibration;
    double calibrationSeconds = 0;
    if (int8) {
        const auto c0 = std::chrono::steady_clock::now();
        calibration = splitIndices(h, data->size(), "train");
        calibration.resize(std::min<std::size_t>(calibration.size(), 16));
        reducedNet = int8Model(*ckpt.model, *data, calibration, ckpt.normalisation);
        calibrationSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - c0).count();
    } else if (reduced) {
        reducedNet = autocastModel(ckpt.model, precisionFromString(precision));
    }
    const auto t0 = std::chrono::steady_clock::now();
    const SplitMetrics m =
        evaluateOn(reduced ? *reducedNet : *ckpt.model, *data, indices, ckpt.normalisation, device, batch);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const auto classes = data->classNames();

    std::cout << *path << ": " << ckpt.config.describe() << ", " << withThousands(h.value("parameters", 0))
              << " parameters\n"
              << data->name() << ", " << splitName << " split: " << m.images << " images, "
              << describeDevice(device) << (reduced ? ", " + precision : "") << ", " << formatDuration(seconds)
              << "\n\n";
    json reducedJson = nullptr;
    if (reduced) {
        const SplitMetrics f = evaluateOn(*ckpt.model, *data, indices, ckpt.normalisation, device, batch);
        const ClassMapAgreement a =
            compareClassMaps(*ckpt.model, *reducedNet, *data, indices, ckpt.normalisation, batch, device);
        printMetricsTable(std::cout, classes, {{precision, &m}, {"fp32", &f}});
        std::cout << "\n" << precision << " vs fp32: " << std::fixed << std::setprecision(2)
                  << 100.0 * (1.0 - a.pixelAgreement) << " % of pixels change class (foreground Dice between the two "
                  << std::setprecision(4) << a.foregroundDice << ")";
        if (int8)
            std::cout << "; calibrated on " << calibration.size() << " training images in "
                      << formatDuration(calibrationSeconds);
        std::cout << "\n";
        reducedJson = {{"fp32_dice_mean", jsonNumber(f.diceMean)},
                       {"fp32_dice", perClass(classes, f.dice)},
                       {"pixels_changed", 1.0 - a.pixelAgreement},
                       {"foreground_dice_" + precision + "_vs_fp32", a.foregroundDice}};
        if (int8) reducedJson["calibration_images"] = calibration.size();
    } else {
        printMetricsTable(std::cout, classes, {{splitName, &m}});
    }
    std::cout << "\n";
    printConfusion(std::cout, classes, m.confusion);
    const bool perImage = args.has("per-image");
    if (perImage) {
        std::cout << "\n";
        printPerImage(std::cout, classes, indices, m);
    }
    if (args.has("json"))
        std::cout << json{{"command", "eval"},
                          {"checkpoint", *path},
                          {"data", dataSpec},
                          {"split", splitName},
                          {"precision", precision},
                          {"int8", int8 ? reducedJson : json(nullptr)},
                          {"bf16", precision == "bf16" ? reducedJson : json(nullptr)},
                          {"images", m.images},
                          {"device", device},
                          {"seconds", seconds},
                          {"dice_mean", jsonNumber(m.diceMean)},
                          {"dice", perClass(classes, m.dice)},
                          {"iou_mean", jsonNumber(m.iouMean)},
                          {"iou", perClass(classes, m.iou)},
                          {"pixel_accuracy", jsonNumber(m.pixelAccuracy)},
                          {"boundary_f1", jsonNumber(m.boundaryF1Mean)},
                          {"boundary_f1_per_class", perClass(classes, m.boundaryF1)},
                          {"nc_mean_abs_error", jsonNumber(m.ncMeanAbsError)},
                          {"nc_images", m.ncImages},
                          {"confusion", confusionJson(m.confusion)},
                          {"per_image", perImage ? perImageJson(classes, indices, m) : json(nullptr)}}
                         .dump()
                  << "\n";
    return 0;
}

// ------------------------------------------------------------------------- inspect
// The class a ranking and verdict are about: --class NAME, else "nucleus", else the last class.
int classFromArgs(const Args &args, const std::vector<std::string> &classes) {
    const auto wanted = args.value("class");
    const std::string name = wanted.value_or("nucleus");
    for (std::size_t c = 0; c < classes.size(); ++c)
        if (classes[c] == name) return static_cast<int>(c);
    if (wanted) throw UsageError("unknown class '" + name + "' (classes: " + joined(classes) + ")");
    return static_cast<int>(classes.size()) - 1;
}

json stageJson(const StageMaps &s) {
    json top = json::array();
    for (const ActivationMap &m : s.top)
        top.push_back({{"channel", m.channel}, {"score", jsonNumber(m.score)}, {"min", m.min}, {"max", m.max}});
    return {{"name", s.name},          {"channels", s.channels},
            {"height", s.height},      {"width", s.width},
            {"receptive_field", s.receptiveField},
            {"top", top}};
}

int cmdInspect(const std::vector<std::string> &argv) {
    if (wantsHelp(argv)) {
        std::cout << kInspectHelp;
        return 0;
    }
    const Args args("inspect", argv,
                    {"checkpoint", "image", "data", "size", "index", "fit", "out", "top-k", "rank", "class", "stage",
                     "layer", "split", "worst", "device", "threads"},
                    {"json"});
    const auto path = args.value("checkpoint");
    if (!path) throw UsageError("inspect needs --checkpoint FILE");
    const auto outDir = args.value("out");
    if (!outDir) throw UsageError("inspect needs --out DIR (a folder for the pictures and tables)");
    const auto imagePath = args.value("image");
    if (imagePath && args.has("index")) throw UsageError("--image and --index are alternatives: give one of them");
    if (!imagePath && !args.has("index")) throw UsageError("inspect needs --image FILE or --index I (an image of --data)");
    InspectOptions options;
    options.topK = args.integer("top-k", 4, 1, 64);
    const std::string splitName = args.text("split", "test");
    if (splitName != "test" && splitName != "val" && splitName != "all")
        throw UsageError("--split must be test, val or all, got '" + splitName + "'");
    const int worstCount = args.integer("worst", 4, 1, 16);
    FitMode fit = FitMode::Pad;
    try {
        options.ranking = channelRankingFromString(args.text("rank", "variance"));
        fit = fitModeFromString(args.text("fit", "pad"));
    } catch (const std::invalid_argument &e) {
        throw UsageError(e.what());
    }
    const std::string device = deviceFrom(args);
    setThreads(args);

    LoadedCheckpoint ckpt = loadCheckpoint(*path);
    SegmentationModel &model = *ckpt.model;
    // The maps as the Inspect area shows them: in the arithmetic the network was trained in,
    // where this device runs it fast (bf16 on a CPU with AVX512-BF16 or AMX).
    options.precision = inferencePrecision(trainedPrecision(ckpt.header), device);
    std::string dataSpec;
    const auto data = checkpointData(args, ckpt, &dataSpec);
    const auto classes = data->classNames();
    options.classIndex = classFromArgs(args, classes);
    options.stage = args.text("stage", "");
    std::vector<std::string> stageNames;
    for (const auto &stage : ckpt.config.stageChannels()) stageNames.push_back(stage.first);
    if (!options.stage.empty() && std::find(stageNames.begin(), stageNames.end(), options.stage) == stageNames.end())
        throw UsageError("unknown stage '" + options.stage + "' (stages: " + joined(stageNames) + ")");
    const std::vector<std::string> layers = convLayerNames(model);
    const std::string layer = args.text("layer", "");
    if (!layer.empty() && std::find(layers.begin(), layers.end(), layer) == layers.end())
        throw UsageError("unknown layer '" + layer + "' (layers: " + joined(layers) + ")");

    // The image: one of the data, with its truth, or a file, fitted to the model's sizes.
    Sample sample;
    bool hasTruth = false;
    int index = -1;
    std::string note;
    if (imagePath) {
        FittedSample fitted = fitToMultiple(readImageFile(*imagePath), ckpt.config.downsamplingFactor(), fit);
        sample = std::move(fitted.sample);
        note = fitted.note;
    } else {
        const int count = static_cast<int>(std::min<std::size_t>(data->size(), 1u << 30));
        index = args.integer("index", 0, 0, count - 1);
        sample = data->get(static_cast<std::size_t>(index));
        hasTruth = true;
    }

    std::error_code ec;
    std::filesystem::create_directories(*outDir, ec);
    if (ec) throw std::runtime_error("cannot create '" + *outDir + "': " + ec.message());
    const std::filesystem::path dir(*outDir);
    std::vector<std::string> files;
    auto write = [&](const std::string &name, const auto &writeTo) {
        const std::string file = (dir / name).string();
        writeTo(file);
        files.push_back(file);
    };

    const auto t0 = std::chrono::steady_clock::now();
    ImageInspection inspection = inspectImage(model, sample, hasTruth, ckpt.normalisation, options, device);
    inspection.datasetIndex = index;
    inspection.note = note;
    for (std::size_t i = 0; i < inspection.stages.size(); ++i) {
        const StageMaps &stage = inspection.stages[i];
        char name[96];
        std::snprintf(name, sizeof name, "stage-%02zu-%s.png", i + 1, stage.name.c_str());
        write(name, [&](const std::string &f) { writePng(f, stageSheet(inspection, stage, classes)); });
    }
    const KernelSet kernels = learnedKernels(model);
    write("kernels.png", [&](const std::string &f) { writePng(f, kernelSheet(kernels)); });
    if (!layer.empty() && layer != kernels.layer)
        write("kernels-" + layer + ".png",
              [&](const std::string &f) { writePng(f, kernelSheet(learnedKernels(model, layer))); });

    const std::vector<std::size_t> indices = splitIndices(ckpt.header, data->size(), splitName);
    const RankingReport ranking =
        rankChannels(model, *data, indices, ckpt.normalisation, options.classIndex, options.stage, device);
    write("ranking.csv", [&](const std::string &f) { writeFileAtomically(f, rankingCsv(ranking)); });
    ReviewOptions reviewOptions;
    reviewOptions.worstCount = worstCount;
    reviewOptions.classIndex = args.has("class") ? options.classIndex : -1;
    const SplitReview review = reviewSplit(model, *data, indices, ckpt.normalisation, reviewOptions, device);
    write("worst-cases.png", [&](const std::string &f) { writePng(f, worstCaseSheet(review, splitName)); });
    write("nc.csv", [&](const std::string &f) { writeFileAtomically(f, ncCsv(review)); });
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    // What was seen, for people.
    const std::string className = classes[static_cast<std::size_t>(options.classIndex)];
    std::cout << *path << ": " << ckpt.config.describe() << ", " << describeDevice(device) << ", "
              << toString(options.precision) << "\n"
              << (imagePath ? "Image " + *imagePath : "Image " + sample.id + " (index " + std::to_string(index) +
                                                          " of " + dataSpec + ")")
              << ", " << sample.width << "x" << sample.height;
    if (hasTruth) std::cout << ", mean Dice " << formatScore(inspection.scores.diceMean);
    std::cout << "\n";
    if (!note.empty()) std::cout << "  the image was " << note << "\n";
    std::cout << "\nTop " << options.topK << " channels by "
              << (options.ranking == ChannelRanking::Correlation
                      ? "|r| with the " + className + " mask of the " + inspection.correlationMask + " (Strategy 2)"
                      : describe(options.ranking))
              << ":\n"
              << std::left << std::setw(12) << "stage" << std::setw(18) << "C x H x W" << std::right << std::setw(5)
              << "RF" << "  channels (score)\n";
    for (const StageMaps &s : inspection.stages) {
        std::cout << std::left << std::setw(12) << s.name << std::setw(18)
                  << (std::to_string(s.channels) + "x" + std::to_string(s.height) + "x" + std::to_string(s.width))
                  << std::right << std::setw(5) << s.receptiveField << " ";
        for (const ActivationMap &m : s.top) std::cout << " " << m.channel << " (" << formatScore(m.score) << ")";
        std::cout << "\n";
    }
    std::cout << "\nChannel ranking over " << ranking.images << " " << splitName << " images, class " << className
              << " (Dice " << formatScore(ranking.classDice) << "):\n"
              << std::left << std::setw(12) << "stage" << std::right << std::setw(22) << "top mean |a| (ch)"
              << std::setw(22) << "top |r| (ch)" << "\n";
    for (const StageRanking &s : ranking.stages) {
        const ChannelScore &m = s.byMagnitude.front(), &r = s.byCorrelation.front();
        std::cout << std::left << std::setw(12) << s.name << std::right << std::setw(22)
                  << (formatScore(m.magnitude) + " (" + std::to_string(m.channel) + ")") << std::setw(22)
                  << (formatScore(r.correlation) + " (" + std::to_string(r.channel) + ")") << "\n";
    }
    std::cout << "Verdict (" << toString(ranking.verdict) << "): " << ranking.verdictText << "\n\nWorst "
              << review.worst.size() << " of " << review.metrics.images << " " << splitName << " images by "
              << (reviewOptions.classIndex >= 0 ? className + " Dice" : "mean Dice") << ":";
    for (const CaseView &c : review.worst) std::cout << " " << c.sample.id << " " << formatScore(c.rankingDice);
    std::cout << "\nN/C ratio: mean abs error " << formatScore(review.ncMeanAbsError) << " over " << review.ncImages
              << " images\n";
    if (review.nucleiTrue >= 0)
        std::cout << "Nuclei counted one by one: " << review.nucleiTrue << " in the truth, " << review.nucleiPred
                  << " predicted\n";
    std::cout << "\nWrote " << files.size() << " files to " << *outDir << " in " << formatDuration(seconds)
              << "\n";

    if (args.has("json")) {
        json stages = json::array(), rankingStages = json::array(), worst = json::array();
        for (const StageMaps &s : inspection.stages) stages.push_back(stageJson(s));
        for (const StageRanking &s : ranking.stages)
            rankingStages.push_back(
                {{"name", s.name},
                 {"top_magnitude", {{"channel", s.byMagnitude.front().channel},
                                    {"value", jsonNumber(s.byMagnitude.front().magnitude)}}},
                 {"top_correlation", {{"channel", s.byCorrelation.front().channel},
                                      {"r", jsonNumber(s.byCorrelation.front().correlation)}}}});
        for (const CaseView &c : review.worst)
            worst.push_back({{"index", c.index}, {"id", c.sample.id}, {"dice", jsonNumber(c.rankingDice)}});
        std::cout << json{{"command", "inspect"},
                          {"checkpoint", *path},
                          {"model", ckpt.config.describe()},
                          {"device", device},
                          {"precision", toString(options.precision)},
                          {"data", dataSpec},
                          {"image", {{"source", imagePath ? "file" : "data"},
                                     {"path", imagePath ? json(*imagePath) : json(nullptr)},
                                     {"index", index >= 0 ? json(index) : json(nullptr)},
                                     {"id", sample.id},
                                     {"width", sample.width},
                                     {"height", sample.height},
                                     {"fitted", note.empty() ? json(nullptr) : json(note)}}},
                          {"dice_mean", hasTruth ? jsonNumber(inspection.scores.diceMean) : json(nullptr)},
                          {"rank", toString(options.ranking)},
                          {"class", className},
                          {"stages", stages},
                          {"kernels", {{"layer", kernels.layer},
                                       {"shape", {kernels.outChannels, kernels.inChannels, kernels.kernelHeight,
                                                  kernels.kernelWidth}}}},
                          {"ranking", {{"split", splitName},
                                       {"images", ranking.images},
                                       {"class_dice", jsonNumber(ranking.classDice)},
                                       {"verdict", toString(ranking.verdict)},
                                       {"verdict_text", ranking.verdictText},
                                       {"stages", rankingStages}}},
                          {"worst", worst},
                          {"nc_mean_abs_error", jsonNumber(review.ncMeanAbsError)},
                          {"nc_images", review.ncImages},
                          {"nuclei_true", review.nucleiTrue >= 0 ? json(review.nucleiTrue) : json(nullptr)},
                          {"nuclei_pred", review.nucleiPred >= 0 ? json(review.nucleiPred) : json(nullptr)},
                          {"seconds", seconds},
                          {"files", files}}
                         .dump()
                  << "\n";
    }
    return 0;
}

// --------------------------------------------------------------------------- bench
// Where the reference Python files live: $UNETLAB_PYTHON_DIR, the installed share folder
// next to the executable, or the source tree this binary was built from.
std::string pythonResourceDir() {
    std::vector<std::string> candidates;
    if (const char *env = std::getenv("UNETLAB_PYTHON_DIR")) candidates.emplace_back(env);
    char exe[4096] = {0};
    const ssize_t n = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        std::string dir(exe, static_cast<std::size_t>(n));
        dir = dir.substr(0, dir.rfind('/'));
        candidates.push_back(dir + "/../share/unetlab/python");
    }
    candidates.push_back(std::string(UNETLAB_SOURCE_DIR) + "/resources/python");
    for (const auto &c : candidates)
        if (::access((c + "/bench_peer.py").c_str(), R_OK) == 0) return c;
    return {};
}

// Python's nearest equivalent of the engine's reusing allocator (core/HostMemory.h): glibc's
// malloc keeping large blocks in its heap for the next tensor instead of unmapping them.
constexpr const char *kTunedMallocEnv =
    "GLIBC_TUNABLES=glibc.malloc.mmap_threshold=1073741824:glibc.malloc.trim_threshold=1073741824 ";

// Runs bench_peer.py for `rows` (both, recipe or tuned); returns null (and why) when Python or
// PyTorch is not there.
json runPythonPeerRows(const std::string &rows, bool tunedMalloc, int threads, int size, int batch, int steps,
                       int runs, const ExecutionPlan &tuned, const std::string &device, std::string *why,
                       const std::string &moreArgs = "") {
    const std::string dir = pythonResourceDir();
    if (dir.empty()) {
        *why = "resources/python/bench_peer.py not found (set UNETLAB_PYTHON_DIR)";
        return nullptr;
    }
    // UNETLAB_PYTHON picks the interpreter (e.g. a CUDA PyTorch in a virtual environment);
    // otherwise Debian's python3, which has python3-torch.
    const char *chosen = std::getenv("UNETLAB_PYTHON");
    const std::string python = chosen && *chosen ? std::string(chosen)
                               : ::access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3"
                                                                        : "python3";
    const std::string cmd = std::string(tunedMalloc ? kTunedMallocEnv : "") + python + " '" + dir +
                            "/bench_peer.py' --rows " + rows + " --device " + (device == "cpu" ? "cpu" : "cuda") +
                            " --threads " + std::to_string(threads) +
                            " --size " + std::to_string(size) + " --batch " + std::to_string(batch) + " --steps " +
                            std::to_string(steps) + " --runs " + std::to_string(runs) + " --precision " +
                            toString(tuned.precision) + " --memory-format " +
                            (tuned.channelsLast ? "channels-last" : "contiguous") + moreArgs + " 2>&1";
    std::string out;
    if (FILE *pipe = ::popen(cmd.c_str(), "r")) {
        char buffer[4096];
        while (std::fgets(buffer, sizeof buffer, pipe)) out += buffer;
        const int status = ::pclose(pipe);
        if (status != 0) {
            std::string last = out.substr(0, out.find_last_not_of('\n') + 1);
            last = last.substr(last.rfind('\n') + 1);
            *why = python + " failed (is python3-torch installed?): " + last;
            return nullptr;
        }
    }
    while (!out.empty() && out.back() == '\n') out.pop_back();
    try {
        return json::parse(out.substr(out.rfind('\n') + 1));
    } catch (const json::exception &) {
        *why = "unexpected output from " + python;
        return nullptr;
    }
}

// The peer's option for minimal's own tuned plan when the engine chose it another than
// small-unet's (the peer otherwise runs every model with small-unet's).
std::string minimalPlanArg(const ExecutionPlan &minimal, const ExecutionPlan &smallUNet) {
    if (minimal.precision == smallUNet.precision && minimal.channelsLast == smallUNet.channelsLast) return "";
    return std::string(" --minimal-plan ") + toString(minimal.precision) + "," +
           (minimal.channelsLast ? "channels-last" : "contiguous");
}

// The Python peer: the chapter's recipe in a plain process; the tuned plan in a process whose
// malloc reuses large blocks as the engine does (when the engine does), so both sides run the
// same way.
json runPythonPeer(int threads, int size, int batch, int steps, int runs, const ExecutionPlan &tuned,
                   const std::string &device, std::string *why, const std::string &moreArgs = "") {
    if (!reusingCpuAllocatorInstalled())
        return runPythonPeerRows("both", false, threads, size, batch, steps, runs, tuned, device, why, moreArgs);
    json recipe = runPythonPeerRows("recipe", false, threads, size, batch, steps, runs, tuned, device, why);
    if (recipe.is_null()) return recipe;
    json peer = runPythonPeerRows("tuned", true, threads, size, batch, steps, runs, tuned, device, why, moreArgs);
    if (peer.is_null()) return peer;
    // Rows in the order of one run: each recipe row followed by its tuned row.
    json rows = json::array();
    for (const json &r : recipe["results"]) {
        rows.push_back(r);
        for (const json &t : peer["results"])
            if (t.value("model", "") == r.value("model", "") && t.value("task", "") == r.value("task", ""))
                rows.push_back(t);
    }
    peer["results"] = rows;
    peer["tuned_malloc"] = kTunedMallocEnv;
    return peer;
}

double peakRssMegabytes() {
    struct rusage usage {};
    ::getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_maxrss) / 1024.0;  // kB on Linux
}

// `bench --rss-probe`: a few training steps of small-unet at batch 8 with the given plan in
// this (fresh) process; prints its peak RSS as JSON. The bench runs it as a child process so
// the figure is the training's alone.
int rssProbe(const Args &args) {
    const int size = args.integer("size", 256, 32, 4096);
    const std::string device = deviceFrom(args);
    configureThreads(args.integer("threads", 0, 0, 1024));
    BenchPlan plan;
    plan.precision = precisionFromString(args.text("precision", "fp32"));
    plan.channelsLast = args.text("memory-format", "channels-last") == "channels-last";
    benchmarkTraining("small-unet", size, 8, 2, device, plan);
    struct rusage usage {};
    ::getrusage(RUSAGE_SELF, &usage);
    // Page faults tell whether the steps reused their buffers (tuned malloc) or mapped fresh ones.
    std::cout << json{{"peak_rss_mb", peakRssMegabytes()},
                      {"minor_page_faults", static_cast<std::int64_t>(usage.ru_minflt)},
                      {"reusing_allocator", reusingCpuAllocatorInstalled()}}
                     .dump()
              << "\n";
    return 0;
}

json runRssProbe(int size, int threads, const std::string &device, const ExecutionPlan &plan, std::string *why) {
    char self[4096] = {};
    const ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) {
        *why = "cannot find this program's path";
        return nullptr;
    }
    const std::string cmd = "'" + std::string(self, static_cast<std::size_t>(n)) + "' bench --rss-probe --size " +
                            std::to_string(size) + " --threads " + std::to_string(threads) + " --device " +
                            (device == "cpu" ? "cpu" : "cuda") + " --precision " + toString(plan.precision) +
                            " --memory-format " + (plan.channelsLast ? "channels-last" : "contiguous") + " 2>&1";
    std::string out;
    if (FILE *pipe = ::popen(cmd.c_str(), "r")) {
        char buffer[4096];
        while (std::fgets(buffer, sizeof buffer, pipe)) out += buffer;
        if (::pclose(pipe) != 0) {
            *why = "the probe failed: " + out.substr(0, out.find('\n'));
            return nullptr;
        }
    }
    try {
        return json::parse(out.substr(out.rfind('{')));
    } catch (const std::exception &) {
        *why = "unexpected output from the probe";
        return nullptr;
    }
}

// The tuned plans of the bench's two models: the ones `train` would use (measured once, then
// cached), on the benchmark's synthetic 3-channel, 3-class images.
std::map<std::string, ExecutionPlan> benchPlans(const PlanRequest &request, int size, int batch,
                                                const std::string &device) {
    std::map<std::string, ExecutionPlan> plans;
    for (const std::string model : {"minimal", "small-unet"}) {
        ModelConfig config = presetConfig(model);
        config.inChannels = 3;
        config.numClasses = 3;
        try {
            plans[model] = choosePlan(request, config, size, size, batch, device,
                                      [](const std::string &line) { std::cerr << line << "\n"; });
        } catch (const std::invalid_argument &e) {
            throw UsageError(e.what());
        }
    }
    return plans;
}

// `bench --busy N`: the free-cores rule measured in one run (issue #8, "intra-op threads: the
// free physical cores"). N child processes spin, one core each, while the tuned plans run with
// every core (what a fixed thread count does) and with the free ones (what automatic threads
// choose), and PyTorch's Python API runs the same plans on the free cores under the same load.
int benchUnderLoad(const Args &args, int busy, int steps, int runs, int size, int batch, const std::string &device,
                   const PlanRequest &request) {
    if (device != "cpu") throw UsageError("--busy times CPU threads; run it with --device cpu");
    const int cpus = logicalCpus();
    if (busy > cpus)
        throw UsageError("--busy " + std::to_string(busy) + ": this machine has " + std::to_string(cpus) + " cores");
    // The plans as a quiet machine runs them (measured once, then cached), chosen before the
    // load starts.
    std::map<std::string, ExecutionPlan> plans = benchPlans(request, size, batch, device);
    // The three tasks, each timed on a quiet machine with every core, then under the load with
    // every core and with the free ones (the same plan otherwise).
    struct Task {
        std::string model, name;
        int batch;
        std::function<std::pair<double, double>()> time;  // median and fastest seconds
    };
    std::vector<Task> tasks;
    for (const std::string model : {"minimal", "small-unet"}) {
        const BenchPlan plan{plans[model].precision, plans[model].channelsLast};
        tasks.push_back({model, "train step", batch, [=] {
                             const TrainBenchmark t = benchmarkTraining(model, size, batch, steps, device, plan);
                             return std::make_pair(t.stepSecondsMedian, t.stepSecondsMin);
                         }});
    }
    const BenchPlan inference{plans["small-unet"].precision, plans["small-unet"].channelsLast};
    tasks.push_back({"small-unet", "inference", 1, [=] {
                         const InferenceBenchmark t = benchmarkInference("small-unet", size, 1, runs, device, inference);
                         return std::make_pair(t.secondsMedian, t.secondsMin);
                     }});
    json results = json::array();
    const auto timeRow = [&](const Task &task, int threads, const std::string &rule) {
        configureThreads(threads);
        const std::pair<double, double> t = task.time();
        const std::string label = std::to_string(threads) + " (" + rule + ")";
        std::cout << std::left << std::setw(12) << task.model << std::setw(12) << task.name << std::setw(24) << label
                  << std::right << std::setw(6) << task.batch << std::fixed << std::setprecision(1) << std::setw(12)
                  << t.first * 1000 << std::setw(10) << t.second * 1000 << std::setw(10) << task.batch / t.first
                  << "\n"
                  << std::flush;
        results.push_back({{"model", task.model},
                           {"task", task.name == "inference" ? "inference" : "train_step"},
                           {"threads", threads},
                           {"threads_rule", rule},
                           {"batch", task.batch},
                           {"seconds_median", t.first},
                           {"seconds_min", t.second}});
        return t.first;
    };
    const auto header = [] {
        std::cout << std::left << std::setw(12) << "model" << std::setw(12) << "task" << std::setw(24) << "threads"
                  << std::right << std::setw(6) << "batch" << std::setw(12) << "median ms" << std::setw(10)
                  << "min ms" << std::setw(10) << "images/s" << "\n";
    };
    std::cout << "Benchmark under load on " << describeDevice(device) << " (" << cpuModel() << "), LibTorch "
              << torchVersion() << ", " << size << "x" << size << "\n";
    for (const auto &[model, plan] : plans)
        std::cout << "  " << model << " tuned: " << toString(plan.precision) << ", "
                  << (plan.channelsLast ? "channels-last" : "contiguous") << "\n";
    std::cout << "\nNothing else started (the baseline):\n";
    header();
    std::vector<double> quiet;
    for (const Task &task : tasks) quiet.push_back(timeRow(task, cpus, "all cores, quiet"));

    std::vector<std::unique_ptr<BusyProcess>> load;
    for (int i = 0; i < busy; ++i) load.push_back(std::make_unique<BusyProcess>(3600));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    const double seen = busyCoresNow(0.5);
    const int free = freeCores(cpus, seen);
    std::cout << "\n"
              << busy << " spinning program" << (busy == 1 ? "" : "s") << " started; busy cores seen: " << std::fixed
              << std::setprecision(2) << seen << " of " << cpus << ", so automatic threads run on " << free << ":\n";
    header();
    json speedups = json::object(), slowdowns = json::object();
    for (std::size_t i = 0; i < tasks.size(); ++i) {
        const double all = timeRow(tasks[i], cpus, "all cores");
        const double freeOnly = timeRow(tasks[i], free, "free cores");
        speedups[tasks[i].model + " " + tasks[i].name] = all / freeOnly;
        slowdowns[tasks[i].model + " " + tasks[i].name] = freeOnly / quiet[i];
    }
    std::cout << "\nUnder this load, free cores against all cores (all cores' time / free cores' time), and what "
                 "the load costs with free cores (time / quiet time):\n";
    for (const auto &[task, x] : speedups.items())
        std::cout << "  " << std::left << std::setw(24) << task << std::right << std::fixed << std::setprecision(2)
                  << (x.get<double>() >= 1 ? x.get<double>() : 1 / x.get<double>())
                  << (x.get<double>() >= 1 ? "x faster, " : "x slower, ") << slowdowns[task].get<double>()
                  << "x the quiet time\n";

    json peer = nullptr;
    if (!args.has("no-python")) {
        std::cout << "\nPyTorch peer (Python API, the same plans, shapes and threads: the free cores), "
                     "under the same load, run now:\n"
                  << std::flush;
        std::string why;
        peer = runPythonPeerRows("tuned", reusingCpuAllocatorInstalled(), free, size, batch, steps, runs,
                                 plans["small-unet"], device, &why,
                                 " --no-extras" + minimalPlanArg(plans["minimal"], plans["small-unet"]));
        if (peer.is_null()) {
            std::cout << "  not run: " << why << "\n";
        } else {
            std::cout << std::left << std::setw(12) << "model" << std::setw(12) << "task" << std::setw(10) << "threads"
                      << std::right << std::setw(6) << "batch" << std::setw(12) << "median ms" << std::setw(30)
                      << "engine (free cores) speed-up" << "\n";
            for (json &r : peer["results"]) {
                const std::string model = r.value("model", ""), task = r.value("task", "");
                double engine = 0;
                for (const json &e : results)
                    if (e.value("model", "") == model && e.value("task", "") == task &&
                        e.value("threads_rule", "") == "free cores")
                        engine = e.value("seconds_median", 0.0);
                const double speedup = engine > 0 ? r.value("seconds_median", 0.0) / engine : 0;
                r["engine_speedup"] = speedup;
                std::cout << std::left << std::setw(12) << model << std::setw(12)
                          << (task == "inference" ? "inference" : "train step") << std::setw(10)
                          << peer.value("threads", 0) << std::right << std::setw(6) << r.value("batch", 0)
                          << std::fixed << std::setprecision(1) << std::setw(12)
                          << r.value("seconds_median", 0.0) * 1000 << std::setprecision(2) << std::setw(29) << speedup
                          << "x\n";
            }
        }
    }
    load.clear();
    if (args.has("json")) {
        std::cout << json{{"command", "bench"},
                          {"mode", "busy"},
                          {"busy_programs", busy},
                          {"busy_cores_seen", seen},
                          {"cpus", cpus},
                          {"free_threads", free},
                          {"device", device},
                          {"cpu", cpuModel()},
                          {"libtorch_version", torchVersion()},
                          {"size", size},
                          {"speedups", speedups},
                          {"load_slowdowns", slowdowns},
                          {"pytorch_peer", peer},
                          {"results", results}}
                         .dump()
                  << "\n";
    }
    return 0;
}

int cmdBench(const std::vector<std::string> &argv) {
    if (wantsHelp(argv)) {
        std::cout << kBenchHelp;
        return 0;
    }
    const Args args("bench", argv,
                    {"steps", "runs", "size", "batch", "device", "threads", "precision", "memory-format", "busy"},
                    {"json", "no-python", "replan", "rss-probe"});
    if (args.has("rss-probe")) return rssProbe(args);
    const int steps = args.integer("steps", 10, 1, 10000);
    const int runs = args.integer("runs", 20, 1, 100000);
    const int size = args.integer("size", 256, 32, 4096);
    const int batch = args.integer("batch", 4, 1, 1024);
    if (size % 4) throw UsageError("--size must be a multiple of 4 for small-unet");
    const std::string device = deviceFrom(args);
    const PlanRequest request = planRequestFrom(args);
    if (args.has("busy")) {
        if (args.has("threads")) throw UsageError("--busy compares thread counts itself; leave out --threads");
        return benchUnderLoad(args, args.integer("busy", 1, 1, 4096), steps, runs, size, batch, device, request);
    }

    // The tuned plan: the one `train` would use for small-unet (measured once, then cached);
    // minimal gets its own.
    std::map<std::string, ExecutionPlan> plans = benchPlans(request, size, batch, device);
    const int threads = currentThreads();
    std::cout << "Benchmark on " << describeDevice(device) << " (" << cpuModel() << "; " << cpuFeatures()
              << "), LibTorch " << torchVersion() << ", " << size << "x" << size << "\n"
              << "recipe: the chapter's Python recipe (fp32, contiguous); tuned: the engine's plan\n";
    for (const auto &[model, plan] : plans) std::cout << "  " << model << " tuned: " << plan.summary() << "\n";
    std::cout << "\n";
    json results = json::array();
    std::cout << std::left << std::setw(12) << "model" << std::setw(12) << "task" << std::setw(44) << "plan"
              << std::right << std::setw(6) << "batch" << std::setw(12) << "median ms" << std::setw(10) << "min ms"
              << std::setw(10) << "images/s" << "\n";
    auto row = [&](const std::string &model, const std::string &task, const std::string &planName,
                   const std::string &plan, int b, double median, double min) {
        std::cout << std::left << std::setw(12) << model << std::setw(12) << task << std::setw(44)
                  << (planName + ": " + plan).substr(0, 43) << std::right << std::setw(6) << b << std::fixed
                  << std::setprecision(1) << std::setw(12) << median * 1000 << std::setw(10) << min * 1000
                  << std::setw(10) << b / median << "\n"
                  << std::flush;
        results.push_back({{"model", model},
                           {"task", task == "inference" ? "inference" : "train_step"},
                           {"plan", planName},
                           {"plan_description", plan},
                           {"batch", b},
                           {"seconds_median", median},
                           {"seconds_min", min},
                           {"images_per_second", b / median}});
    };
    const BenchPlan recipe{Precision::FP32, false};
    const auto tunedOf = [&](const std::string &model) {
        return BenchPlan{plans[model].precision, plans[model].channelsLast};
    };
    for (const std::string model : {"minimal", "small-unet"}) {
        configureThreads(threads);
        const TrainBenchmark r = benchmarkTraining(model, size, batch, steps, device, recipe);
        row(model, "train step", "recipe", "fp32, contiguous", batch, r.stepSecondsMedian, r.stepSecondsMin);
        configureThreads(plans[model].threads);
        const TrainBenchmark t = benchmarkTraining(model, size, batch, steps, device, tunedOf(model));
        row(model, "train step", "tuned", plans[model].describe(), batch, t.stepSecondsMedian, t.stepSecondsMin);
    }
    configureThreads(threads);
    const InferenceBenchmark ir = benchmarkInference("small-unet", size, 1, runs, device, recipe);
    row("small-unet", "inference", "recipe", "fp32, contiguous", 1, ir.secondsMedian, ir.secondsMin);
    configureThreads(plans["small-unet"].threads);
    const InferenceBenchmark it = benchmarkInference("small-unet", size, 1, runs, device, tunedOf("small-unet"));
    row("small-unet", "inference", "tuned", plans["small-unet"].describe(), 1, it.secondsMedian, it.secondsMin);
    // int8 (models/QuantizedUNet.h): a CPU inference plan of its own, which `eval --precision
    // int8` runs on a checkpoint once calibrated on its training images.
    const std::string int8Why = device == "cpu" ? int8Unsupported(presetConfig("small-unet")) : "CPU only";
    if (int8Why.empty()) {
        const InferenceBenchmark i8 =
            benchmarkInference("small-unet", size, 1, runs, device, BenchPlan{Precision::FP32, true, true});
        row("small-unet", "inference", "int8", "int8 weights, uint8 activations", 1, i8.secondsMedian,
            i8.secondsMin);
    }

    std::string why;
    const json rss = runRssProbe(size, plans["small-unet"].threads, device, plans["small-unet"], &why);
    const double rssMb = rss.is_null() ? 0 : rss.value("peak_rss_mb", 0.0);
    if (rss.is_null())
        std::cout << "\npeak RSS: not measured (" << why << ")\n";
    else
        std::cout << "\npeak RSS training small-unet, batch 8, tuned plan: " << std::fixed << std::setprecision(0)
                  << rssMb << " MB\n";

    const auto find = [](const json &list, const std::string &model, const std::string &task,
                         const std::string &plan) -> double {
        for (const auto &r : list)
            if (r.value("model", "") == model && r.value("task", "") == task && r.value("plan", "") == plan)
                return r.value("seconds_median", 0.0);
        return 0.0;
    };
    json peer = nullptr;
    if (!args.has("no-python")) {
        std::cout << "\nPyTorch peer (Python API, same models, shapes and threads), run now:\n" << std::flush;
        peer = runPythonPeer(plans["small-unet"].threads, size, batch, steps, runs, plans["small-unet"], device, &why,
                             minimalPlanArg(plans["minimal"], plans["small-unet"]));
        if (peer.is_null()) {
            std::cout << "  not run: " << why << "\n";
        } else {
            std::cout << std::left << std::setw(12) << "model" << std::setw(12) << "task" << std::setw(10) << "plan"
                      << std::right << std::setw(6) << "batch" << std::setw(12) << "median ms" << std::setw(26)
                      << "engine speed-up" << "\n";
            for (json &r : peer["results"]) {
                const std::string task = r.value("task", "");
                // Against the engine's row of the same plan (tuned, or int8).
                const double engine =
                    find(results, r.value("model", ""), task, r.value("plan", "") == "int8" ? "int8" : "tuned");
                const double speedup = engine > 0 ? r.value("seconds_median", 0.0) / engine : 0;
                r["engine_speedup"] = speedup;  // against the engine row of the same plan
                std::cout << std::left << std::setw(12) << r.value("model", "") << std::setw(12)
                          << (task == "inference" ? "inference" : "train step") << std::setw(10)
                          << r.value("plan", "") << std::right << std::setw(6) << r.value("batch", 0) << std::fixed
                          << std::setprecision(1) << std::setw(12) << r.value("seconds_median", 0.0) * 1000
                          << std::setprecision(2) << std::setw(25) << speedup << "x\n";
            }
            std::cout << "(speed-up: PyTorch's time / the engine's time with the same plan; above 1 the engine is "
                         "faster)\n";
            if (peer.contains("tuned_malloc"))
                std::cout << "(tuned rows in a Python process whose malloc reuses large blocks, as the engine does: "
                          << peer["tuned_malloc"].get<std::string>() << ")\n";
        }
    }

    // The targets of issue #8, checked against this run's figures.
    json targets = json::array();
    const auto target = [&](const std::string &what, double value, const std::string &unit, double goal,
                            bool atLeast) {
        const bool met = atLeast ? value >= goal : value <= goal;
        std::ostringstream v, g;
        v << std::fixed << std::setprecision(unit == "x" ? 2 : 1) << value << (unit == "x" ? "x" : " " + unit);
        g << (atLeast ? ">= " : "<= ") << std::fixed << std::setprecision(unit == "x" ? 2 : 0) << goal
          << (unit == "x" ? "x" : " " + unit);
        std::cout << "  " << std::left << std::setw(52) << what << std::right << std::setw(12) << v.str() << "  (target "
                  << g.str() << ")  " << (met ? "met" : "NOT met") << "\n";
        targets.push_back({{"target", what}, {"value", value}, {"goal", goal}, {"met", met}});
    };
    std::cout << (device == "cpu" ? "\nTargets (issue #8, a 2-core machine):\n"
                                  : "\nTargets (issue #8 sets them for a 2-core CPU; shown for reference):\n");
    const double smallTuned = find(results, "small-unet", "train_step", "tuned");
    if (!peer.is_null()) {
        const double pyRecipe = find(peer["results"], "small-unet", "train_step", "recipe");
        const double pyTuned = find(peer["results"], "small-unet", "train_step", "tuned");
        target("small-unet training vs the chapter's Python recipe", pyRecipe / smallTuned, "x", 2.0, true);
        target("small-unet training vs tuned Python", pyTuned / smallTuned, "x", 0.95, true);
    }
    const double tunedInference = find(results, "small-unet", "inference", "tuned");
    const double int8Inference = find(results, "small-unet", "inference", "int8");
    const bool int8Faster = int8Inference > 0 && int8Inference < tunedInference;
    target("small-unet inference, one " + std::to_string(size) + "x" + std::to_string(size) + " image (" +
               (int8Faster ? "int8" : "tuned") + ")",
           (int8Faster ? int8Inference : tunedInference) * 1000, "ms", 25, false);
    if (!peer.is_null() && peer.contains("inference_bound") && peer["inference_bound"].is_object()) {
        // What no plan can beat here: the convolutions' arithmetic at the machine's measured
        // matrix-multiply rate in the tuned precision.
        const json &b = peer["inference_bound"];
        std::cout << "    (its convolutions are " << std::fixed << std::setprecision(1) << b.value("conv_gflop", 0.0)
                  << " GFLOP; " << b.value("precision", std::string("fp32")) << " matrix multiply here, measured now: "
                  << std::setprecision(0) << b.value("matmul_gflops", 0.0) << " GFLOP/s, so at least "
                  << std::setprecision(1) << b.value("min_conv_seconds", 0.0) * 1000 << " ms in "
                  << b.value("precision", std::string("fp32")) << ")\n";
    }
    if (int8Faster)
        std::cout << "    (int8 runs where it keeps the model's accuracy: `eval --precision int8` gives a\n"
                     "     checkpoint's metrics in int8 and fp32 and how many pixels change class)\n";
    target("minimal training (tuned)", batch / find(results, "minimal", "train_step", "tuned"), "img/s", 100, true);
    if (rssMb > 0) target("peak RSS training small-unet at batch 8", rssMb, "MB", 1536, false);

    if (args.has("json")) {
        json planJson = json::object();
        for (const auto &[model, plan] : plans) planJson[model] = toJson(plan);
        std::cout << json{{"command", "bench"},
                          {"pytorch_peer", peer},
                          {"device", device},
                          {"device_description", describeDevice(device)},
                          {"threads", threads},
                          {"cpu", cpuModel()},
                          {"cpu_features", cpuFeatures()},
                          {"libtorch_version", torchVersion()},
                          {"size", size},
                          {"plans", planJson},
                          {"peak_rss_mb", rss.is_null() ? json(nullptr) : json(rssMb)},
                          {"targets", targets},
                          {"results", results}}
                         .dump()
                  << "\n";
    }
    return 0;
}

int run(int argc, char **argv) {
    if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h" ||
        std::string(argv[1]) == "help") {
        std::cout << kUsage;
        return argc < 2 ? 2 : 0;
    }
    if (std::string(argv[1]) == "--version") {
        std::cout << "unetlab-cli " << UNETLAB_VERSION << "\n";
        return 0;
    }
    const std::string command = argv[1];
    const std::vector<std::string> rest(argv + 2, argv + argc);
    if (command == "info") return cmdInfo(rest);
    if (command == "models") return cmdModels(rest);
    if (command == "train") return cmdTrain(rest);
    if (command == "eval") return cmdEval(rest);
    if (command == "inspect") return cmdInspect(rest);
    if (command == "bench") return cmdBench(rest);
    if (command == "compare") return cmdCompare(rest);
    if (command == "predict") return cmdPredict(rest);
    if (command == "export") return cmdExport(rest);
    throw UsageError("unknown command '" + command +
                     "' (known: info, models, train, eval, inspect, bench, compare, predict, export)");
}

}  // namespace
}  // namespace unetlab::cli

int main(int argc, char **argv) {
    unetlab::installReusingCpuAllocator();  // before any tensor is made
    try {
        return unetlab::cli::run(argc, argv);
    } catch (const unetlab::cli::UsageError &e) {
        std::cerr << "unetlab-cli: error: " << e.what() << "\n";
        return 2;
    } catch (const std::exception &e) {
        std::string message = e.what();
        if (const auto nl = message.find('\n'); nl != std::string::npos) message = message.substr(0, nl);
        std::cerr << "unetlab-cli: error: " << message << "\n";
        return 1;
    }
}
