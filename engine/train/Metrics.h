#pragma once
// Segmentation metrics on class-index masks (MISSION §7), plain C++.
//
// Per image and class c: TP, FP, FN counted over pixels;
//   Dice = 2TP / (2TP + FP + FN), IoU = TP / (TP + FP + FN).
// Empty-mask rule: when class c is absent from both the truth and the prediction of an
// image, its Dice and IoU on that image are undefined (NaN) and the image is left out of
// that class's average; absent from the truth but predicted gives 0; present in the
// truth but not predicted gives 0. A split's per-class Dice is the mean over the images
// where it is defined, and mean Dice is the mean over the classes that are defined
// (NaN only if no class is defined anywhere).
//
// N/C ratio = nucleus pixels / cytoplasm pixels; undefined (NaN) without cytoplasm.

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "train/OutlineOffset.h"

namespace unetlab {

inline constexpr double kUndefined = std::numeric_limits<double>::quiet_NaN();

class ConfusionMatrix {
public:
    ConfusionMatrix() = default;
    explicit ConfusionMatrix(int numClasses);
    int numClasses() const { return m_k; }
    // Counts pixels; values of `truth` or `pred` >= numClasses throw std::out_of_range.
    void add(const std::uint8_t *truth, const std::uint8_t *pred, std::size_t n);
    void add(const ConfusionMatrix &other);
    std::int64_t at(int truth, int pred) const { return m_counts[static_cast<std::size_t>(truth) * m_k + pred]; }
    std::int64_t total() const;
    std::int64_t truePositives(int c) const { return at(c, c); }
    std::int64_t falsePositives(int c) const;
    std::int64_t falseNegatives(int c) const;
    double dice(int c) const;   // NaN when TP + FP + FN == 0
    double iou(int c) const;    // NaN when TP + FP + FN == 0
    double pixelAccuracy() const;

private:
    int m_k = 0;
    std::vector<std::int64_t> m_counts;  // [truth][pred]
};

double ncRatio(const std::uint8_t *mask, std::size_t n, int nucleusClass, int cytoplasmClass);

struct ImageScores {
    std::string id;
    std::vector<double> dice;  // per class, NaN when undefined
    std::vector<double> iou;
    double diceMean = kUndefined;
    std::vector<double> boundaryF1;      // per class (2-px tolerance, train/BoundaryF1.h); empty if not computed
    double boundaryF1Mean = kUndefined;  // over the foreground classes (1..K-1) where defined
    std::vector<OutlineOffset> outline;  // per class (train/OutlineOffset.h); empty if not computed
    double pixelAccuracy = 0;
    double ncTrue = kUndefined;
    double ncPred = kUndefined;
};

struct SplitMetrics {
    int images = 0;
    std::vector<double> dice;  // per class, mean over images where defined
    std::vector<double> iou;
    double diceMean = kUndefined;
    double iouMean = kUndefined;
    double pixelAccuracy = kUndefined;   // mean over images
    std::vector<double> boundaryF1;      // per class, mean over images where defined (if computed)
    double boundaryF1Mean = kUndefined;  // over the foreground classes
    ConfusionMatrix confusion;           // summed over images
    double ncMeanAbsError = kUndefined;  // over images where both N/C ratios are defined
    int ncImages = 0;
    std::vector<ImageScores> perImage;
};

// NaN-aware mean: ignores NaN entries; NaN when none is defined.
double meanDefined(const std::vector<double> &values);

// The classes N/C and nucleus counts are read from, found by name ("nucleus", "cytoplasm");
// -1 where the data has none (the nuclei sample has a nucleus class and no cytoplasm).
struct CellClasses {
    int nucleus = -1, cytoplasm = -1;
};
CellClasses cellClassesOf(const std::vector<std::string> &classNames);

class MetricsAccumulator {
public:
    // N/C per image needs both cell classes (cellClassesOf the data's class names); without
    // them (the default) no N/C is computed, whatever the number of classes.
    explicit MetricsAccumulator(int numClasses, CellClasses cells = {});
    const ImageScores &addImage(const std::string &id, const std::uint8_t *truth, const std::uint8_t *pred,
                                std::size_t n);
    // The same, knowing the image's shape, so the boundary F1 is computed too.
    const ImageScores &addImage(const std::string &id, const std::uint8_t *truth, const std::uint8_t *pred,
                                int width, int height);
    SplitMetrics finish() const;

private:
    int m_k;
    int m_nucleus, m_cytoplasm;
    ConfusionMatrix m_total;
    std::vector<ImageScores> m_images;
};

}  // namespace unetlab
