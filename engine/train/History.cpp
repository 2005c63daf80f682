#include "train/History.h"

#include <iomanip>
#include <sstream>

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

}  // namespace unetlab
