#include "train/History.h"

#include <cmath>
#include <iomanip>
#include <limits>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace unetlab {

std::string historyCsv(const std::vector<std::string> &classes, const std::vector<EpochReport> &history) {
    std::ostringstream csv;
    csv << "epoch,train_loss,val_loss,val_dice_mean";
    for (const auto &c : classes) csv << ",val_dice_" << c;
    csv << ",val_iou_mean,val_pixel_accuracy,val_boundary_f1,learning_rate,seconds,elapsed_seconds,images_per_second,"
           "best\n";
    csv << std::setprecision(6);
    for (const auto &e : history) {
        csv << e.epoch << "," << e.trainLoss << "," << e.valLoss << "," << e.valDiceMean;
        for (double d : e.valDice) csv << "," << d;
        csv << "," << e.valIoUMean << "," << e.valPixelAccuracy << "," << e.valBoundaryF1 << "," << e.learningRate << "," << e.seconds << ","
            << e.elapsedSeconds << "," << e.imagesPerSecond << "," << (e.best ? 1 : 0) << "\n";
    }
    return csv.str();
}

std::string batchesCsv(const std::vector<BatchReport> &batches) {
    std::ostringstream csv;
    csv << "epoch,batch,batches_per_epoch,loss,learning_rate,images_per_second,elapsed_seconds\n";
    csv << std::setprecision(std::numeric_limits<double>::max_digits10);
    for (const auto &b : batches)
        csv << b.epoch << "," << b.batch << "," << b.batchesPerEpoch << "," << b.loss << "," << b.learningRate << ","
            << b.imagesPerSecond << "," << b.elapsedSeconds << "\n";
    return csv.str();
}

std::vector<BatchReport> batchesFromCsv(const std::string &csv) {
    std::vector<BatchReport> batches;
    std::istringstream in(csv);
    std::string line;
    if (!std::getline(in, line) || line.rfind("epoch,batch,batches_per_epoch,", 0) != 0) return batches;
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        BatchReport b;
        char c[6] = {};
        fields >> b.epoch >> c[0] >> b.batch >> c[1] >> b.batchesPerEpoch >> c[2] >> b.loss >> c[3] >>
            b.learningRate >> c[4] >> b.imagesPerSecond >> c[5] >> b.elapsedSeconds;
        const bool commas = std::string(c, 6) == ",,,,,,";
        if (!fields || !commas || !(fields >> std::ws).eof() || b.epoch < 1 || b.batch < 1 ||
            b.batch > b.batchesPerEpoch)
            break;
        batches.push_back(b);
    }
    return batches;
}

namespace {

nlohmann::json number(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }
double numberFrom(const nlohmann::json &j) {
    if (j.is_null()) return std::numeric_limits<double>::quiet_NaN();
    if (!j.is_number()) throw std::invalid_argument("a saved history holds a value that is not a number");
    return j.get<double>();
}
nlohmann::json numbers(const std::vector<double> &v) {
    nlohmann::json a = nlohmann::json::array();
    for (double x : v) a.push_back(number(x));
    return a;
}
std::vector<double> numbersFrom(const nlohmann::json &j) {
    if (!j.is_array()) throw std::invalid_argument("a saved history holds a list that is not a list");
    std::vector<double> v;
    for (const auto &x : j) v.push_back(numberFrom(x));
    return v;
}

}  // namespace

nlohmann::json historyToJson(const std::vector<EpochReport> &history) {
    nlohmann::json a = nlohmann::json::array();
    for (const auto &e : history)
        a.push_back({{"epoch", e.epoch},
                     {"train_loss", number(e.trainLoss)},
                     {"val_loss", number(e.valLoss)},
                     {"val_dice", numbers(e.valDice)},
                     {"val_dice_mean", number(e.valDiceMean)},
                     {"val_iou", numbers(e.valIoU)},
                     {"val_iou_mean", number(e.valIoUMean)},
                     {"val_pixel_accuracy", number(e.valPixelAccuracy)},
                     {"val_nc_error", number(e.valNcError)},
                     {"val_boundary_f1", number(e.valBoundaryF1)},
                     {"learning_rate", number(e.learningRate)},
                     {"seconds", number(e.seconds)},
                     {"elapsed_seconds", number(e.elapsedSeconds)},
                     {"images_per_second", number(e.imagesPerSecond)},
                     {"best", e.best}});
    return a;
}

std::vector<EpochReport> historyFromJson(const nlohmann::json &j) {
    if (!j.is_array()) throw std::invalid_argument("a saved history is not a list of epochs");
    std::vector<EpochReport> history;
    try {
        for (const auto &x : j) {
            EpochReport e;
            e.epoch = x.at("epoch").get<int>();
            e.trainLoss = numberFrom(x.at("train_loss"));
            e.valLoss = numberFrom(x.at("val_loss"));
            e.valDice = numbersFrom(x.at("val_dice"));
            e.valDiceMean = numberFrom(x.at("val_dice_mean"));
            e.valIoU = numbersFrom(x.at("val_iou"));
            e.valIoUMean = numberFrom(x.at("val_iou_mean"));
            e.valPixelAccuracy = numberFrom(x.at("val_pixel_accuracy"));
            e.valNcError = numberFrom(x.at("val_nc_error"));
            e.valBoundaryF1 = numberFrom(x.at("val_boundary_f1"));
            e.learningRate = numberFrom(x.at("learning_rate"));
            e.seconds = numberFrom(x.at("seconds"));
            e.elapsedSeconds = numberFrom(x.at("elapsed_seconds"));
            e.imagesPerSecond = numberFrom(x.at("images_per_second"));
            e.best = x.at("best").get<bool>();
            if (e.epoch != static_cast<int>(history.size()) + 1)
                throw std::invalid_argument("a saved history skips or repeats an epoch");
            history.push_back(std::move(e));
        }
    } catch (const nlohmann::json::exception &) {
        throw std::invalid_argument("a saved history misses a field or has one of the wrong type");
    }
    return history;
}

}  // namespace unetlab
