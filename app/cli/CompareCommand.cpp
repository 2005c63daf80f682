// unetlab-cli compare: train two or more models side by side on the same data, split,
// seed, epochs, loss and optimiser, stepping them in turn, and compare them on the test
// split (Dice, IoU, pixel accuracy, boundary F1) and image by image.

#include <unistd.h>

#include <chrono>
#include <iomanip>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli/Args.h"
#include "cli/Commands.h"
#include "cli/Common.h"
#include "cli/Format.h"
#include "core/Device.h"
#include "train/Comparison.h"

namespace unetlab::cli {
namespace {

using json = nlohmann::json;

const char *kCompareHelp = R"(Usage: unetlab-cli compare [options]

Trains two or more models side by side on the same data, split, seed, epochs, loss and
optimiser, one batch of each in turn, then compares them on the test split: per-class
Dice and IoU, pixel accuracy and boundary F1 (boundaries matched within 2 pixels), and
the images where they differ most.

  --models A,B[,C...]     presets to compare (default small-unet,small-unet-noskip)
  --data SPEC             synthetic[:COUNT[:SEED]]            (default synthetic)
  --size N                image side in pixels                 (default 256)
  --epochs N              (default 5)
  --batch N               (default 8)
  --lr X                  (default 1e-3)
  --optimizer NAME        adam | adamw | sgd | rmsprop         (default adam)
  --loss NAME             ce | wce | focal | dice | ce+dice    (default ce)
  --seed S                model init, split and shuffling      (default 1)
  --device D              auto | cpu | cuda                    (default auto)
  --threads N             CPU threads
  --images N              how many most-different test images to list (default 5)
  --json                  end stdout with one JSON object holding each run's figures
  --quiet                 no progress on stderr
)";

std::vector<std::string> splitList(const std::string &text) {
    std::vector<std::string> out;
    std::stringstream s(text);
    std::string item;
    while (std::getline(s, item, ','))
        if (!item.empty()) out.push_back(item);
    return out;
}

std::string fixed3(double x) {
    if (!std::isfinite(x)) return "n/a";
    std::ostringstream s;
    s << std::fixed << std::setprecision(3) << x;
    return s.str();
}

}  // namespace

int cmdCompare(const std::vector<std::string> &argv) {
    if (wantsHelp(argv)) {
        std::cout << kCompareHelp;
        return 0;
    }
    const Args args("compare", argv,
                    {"models", "data", "size", "epochs", "batch", "lr", "optimizer", "loss", "seed", "device", "threads",
                     "images"},
                    {"json", "quiet"});
    const std::vector<std::string> models = splitList(args.text("models", "small-unet,small-unet-noskip"));
    if (models.size() < 2) throw UsageError("--models needs at least two presets, e.g. small-unet,small-unet-noskip");
    TrainConfig shared;
    shared.epochs = args.integer("epochs", 5, 1, 100000);
    shared.batchSize = args.integer("batch", 8, 1, 1024);
    shared.learningRate = args.real("lr", 1e-3, 0, 1);
    shared.seed = args.unsignedInteger("seed", 1);
    std::vector<Comparison::Run> runs;
    try {
        shared.optimizer = optimizerFromString(args.text("optimizer", "adam"));
        shared.loss.kind = lossFromString(args.text("loss", "ce"));
        shared.device = deviceFromString(args.text("device", "auto"));
        for (const auto &name : models) {
            TrainConfig c = shared;
            c.model = presetConfig(name);
            c.validate();
            runs.push_back({name, c});
        }
    } catch (const std::invalid_argument &e) {
        throw UsageError(e.what());
    }
    const int size = args.integer("size", 256, 32, 4096);
    const int listImages = args.integer("images", 5, 0, 100000);
    std::string dataSpec;
    const auto data = openData(args.text("data", "synthetic"), size, &dataSpec);
    setThreads(args);
    const bool quiet = args.has("quiet");

    Comparison comparison(runs, data);
    const auto classes = data->classNames();
    if (!quiet) {
        std::cerr << "Comparing " << models.size() << " models on " << data->name() << ", "
                  << describeDevice(comparison.trainer(0).device()) << "; " << shared.epochs << " epochs, batch "
                  << shared.batchSize << ", " << toString(shared.optimizer) << " lr " << shared.learningRate << ", "
                  << toString(shared.loss.kind) << " loss, seed " << shared.seed << "\n";
        for (int i = 0; i < comparison.runCount(); ++i)
            std::cerr << "  " << comparison.name(i) << ": " << withThousands(comparison.trainer(i).parameterCount())
                      << " parameters, " << comparison.trainer(i).config().model.describe() << "\n";
    }
    const auto started = std::chrono::steady_clock::now();
    std::vector<double> seconds(models.size(), 0.0);
    while (!comparison.finished()) {
        const auto t0 = std::chrono::steady_clock::now();
        const Comparison::Step s = comparison.step();
        if (s.run < 0) break;
        seconds[static_cast<std::size_t>(s.run)] += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if (s.result.epochEnded && !quiet)
            std::cerr << std::left << std::setw(20) << comparison.name(s.run) << std::right
                      << epochLine(s.result.epoch, shared.epochs, classes) << "\n";
        if (s.result.kind == StepResult::Kind::Finished && s.result.diverged)
            std::cerr << comparison.name(s.run) << ": " << s.result.stopReason << "\n";
    }
    const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

    // Every run on the same test images.
    const DataSplit &split = comparison.trainer(0).split();
    std::vector<SplitMetrics> test;
    for (int i = 0; i < comparison.runCount(); ++i) test.push_back(comparison.trainer(i).evaluate(split.test));

    std::cout << "\n" << std::left << std::setw(20) << "model" << std::right << std::setw(12) << "parameters"
              << std::setw(8) << "best" << std::setw(10) << "seconds" << std::setw(11) << "val Dice";
    for (const auto &c : classes) std::cout << std::setw(12) << ("test " + c.substr(0, 5));
    std::cout << std::setw(11) << "test Dice" << std::setw(10) << "IoU" << std::setw(10) << "pix acc" << std::setw(13)
              << "boundary F1" << "\n";
    json jruns = json::array();
    for (int i = 0; i < comparison.runCount(); ++i) {
        const Trainer &t = comparison.trainer(i);
        const EpochReport &best = t.history()[static_cast<std::size_t>(std::max(1, t.bestEpoch()) - 1)];
        const SplitMetrics &m = test[static_cast<std::size_t>(i)];
        std::cout << std::left << std::setw(20) << comparison.name(i) << std::right << std::setw(12)
                  << withThousands(t.parameterCount()) << std::setw(8) << t.bestEpoch() << std::setw(10)
                  << std::fixed << std::setprecision(1) << seconds[static_cast<std::size_t>(i)] << std::setw(11)
                  << fixed3(best.valDiceMean);
        for (double d : m.dice) std::cout << std::setw(12) << fixed3(d);
        std::cout << std::setw(11) << fixed3(m.diceMean) << std::setw(10) << fixed3(m.iouMean) << std::setw(10)
                  << fixed3(m.pixelAccuracy) << std::setw(13) << fixed3(m.boundaryF1Mean) << "\n";
        jruns.push_back({{"model", comparison.name(i)},
                         {"config", toJson(t.config())},
                         {"params", t.parameterCount()},
                         {"epochs_run", t.history().size()},
                         {"best_epoch", t.bestEpoch()},
                         {"seconds", seconds[static_cast<std::size_t>(i)]},
                         {"val_dice_mean", jsonNumber(best.valDiceMean)},
                         {"val_dice", perClass(classes, best.valDice)},
                         {"val_boundary_f1", jsonNumber(best.valBoundaryF1)},
                         {"test_dice_mean", jsonNumber(m.diceMean)},
                         {"test_dice", perClass(classes, m.dice)},
                         {"test_iou_mean", jsonNumber(m.iouMean)},
                         {"test_iou", perClass(classes, m.iou)},
                         {"test_pixel_accuracy", jsonNumber(m.pixelAccuracy)},
                         {"test_boundary_f1", jsonNumber(m.boundaryF1Mean)},
                         {"test_boundary_f1_per_class", perClass(classes, m.boundaryF1)}});
    }
    std::cout << "(test split: " << split.test.size() << " images; total " << formatDuration(total) << ")\n";

    const auto rows = compareImages(test[0], test[1], split.test);
    json perImage = json::array();
    for (const auto &r : rows)
        perImage.push_back({{"id", r.id},
                            {"index", r.index},
                            {"dice", {jsonNumber(r.diceA), jsonNumber(r.diceB)}},
                            {"boundary_f1", {jsonNumber(r.boundaryF1A), jsonNumber(r.boundaryF1B)}}});
    if (listImages > 0 && !rows.empty()) {
        std::cout << "\nTest images where " << comparison.name(1) << " and " << comparison.name(0)
                  << " differ most (mean Dice):\n"
                  << std::left << std::setw(20) << "image" << std::right << std::setw(14) << comparison.name(0).substr(0, 13)
                  << std::setw(20) << comparison.name(1).substr(0, 19) << std::setw(12) << "difference" << "\n";
        std::vector<ImageComparison> shown(rows.begin(), rows.begin() + std::min<std::size_t>(rows.size(), listImages / 2 + listImages % 2));
        for (std::size_t k = rows.size() - std::min<std::size_t>(rows.size() - shown.size(), listImages / 2); k < rows.size(); ++k)
            shown.push_back(rows[k]);
        for (const auto &r : shown)
            std::cout << std::left << std::setw(20) << r.id << std::right << std::setw(14) << fixed3(r.diceA)
                      << std::setw(20) << fixed3(r.diceB) << std::setw(12) << std::showpos << fixed3(r.difference())
                      << std::noshowpos << "\n";
    }
    if (args.has("json"))
        std::cout << json{{"command", "compare"},
                          {"data", dataSpec},
                          {"size", size},
                          {"device", comparison.trainer(0).device()},
                          {"threads", currentThreads()},
                          {"seconds", total},
                          {"test_images", split.test.size()},
                          {"runs", jruns},
                          {"per_image", perImage}}
                         .dump()
                  << "\n";
    return 0;
}

}  // namespace unetlab::cli
