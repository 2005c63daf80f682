#include "train/Metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>

#include "train/BoundaryF1.h"

namespace unetlab {

ConfusionMatrix::ConfusionMatrix(int numClasses)
    : m_k(numClasses), m_counts(static_cast<std::size_t>(numClasses) * numClasses, 0) {
    if (numClasses < 0 || numClasses > 256) throw std::invalid_argument("number of classes must be 0..256");
}

void ConfusionMatrix::add(const std::uint8_t *truth, const std::uint8_t *pred, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
        if (truth[i] >= m_k || pred[i] >= m_k)
            throw std::out_of_range("mask value " + std::to_string(truth[i] >= m_k ? truth[i] : pred[i]) +
                                    " is not a class (expected 0.." + std::to_string(m_k - 1) + ")");
        ++m_counts[static_cast<std::size_t>(truth[i]) * m_k + pred[i]];
    }
}

void ConfusionMatrix::add(const ConfusionMatrix &other) {
    if (other.m_k != m_k) throw std::invalid_argument("confusion matrices of different class counts");
    for (std::size_t i = 0; i < m_counts.size(); ++i) m_counts[i] += other.m_counts[i];
}

std::int64_t ConfusionMatrix::total() const {
    std::int64_t t = 0;
    for (auto v : m_counts) t += v;
    return t;
}

std::int64_t ConfusionMatrix::falsePositives(int c) const {
    std::int64_t s = 0;
    for (int t = 0; t < m_k; ++t)
        if (t != c) s += at(t, c);
    return s;
}

std::int64_t ConfusionMatrix::falseNegatives(int c) const {
    std::int64_t s = 0;
    for (int p = 0; p < m_k; ++p)
        if (p != c) s += at(c, p);
    return s;
}

double ConfusionMatrix::dice(int c) const {
    const double tp = static_cast<double>(truePositives(c));
    const double denom = 2 * tp + falsePositives(c) + falseNegatives(c);
    return denom == 0 ? kUndefined : 2 * tp / denom;
}

double ConfusionMatrix::iou(int c) const {
    const double tp = static_cast<double>(truePositives(c));
    const double denom = tp + falsePositives(c) + falseNegatives(c);
    return denom == 0 ? kUndefined : tp / denom;
}

double ConfusionMatrix::pixelAccuracy() const {
    const std::int64_t n = total();
    if (n == 0) return kUndefined;
    std::int64_t correct = 0;
    for (int c = 0; c < m_k; ++c) correct += at(c, c);
    return static_cast<double>(correct) / static_cast<double>(n);
}

double ncRatio(const std::uint8_t *mask, std::size_t n, int nucleusClass, int cytoplasmClass) {
    std::size_t nucleus = 0, cytoplasm = 0;
    for (std::size_t i = 0; i < n; ++i) {
        nucleus += mask[i] == nucleusClass;
        cytoplasm += mask[i] == cytoplasmClass;
    }
    return cytoplasm == 0 ? kUndefined : static_cast<double>(nucleus) / static_cast<double>(cytoplasm);
}

CellClasses cellClassesOf(const std::vector<std::string> &classNames) {
    const auto find = [&](const char *name) {
        const auto it = std::find(classNames.begin(), classNames.end(), name);
        return it == classNames.end() ? -1 : static_cast<int>(it - classNames.begin());
    };
    return {find("nucleus"), find("cytoplasm")};
}

double meanDefined(const std::vector<double> &values) {
    double sum = 0;
    int count = 0;
    for (double v : values)
        if (!std::isnan(v)) {
            sum += v;
            ++count;
        }
    return count ? sum / count : kUndefined;
}

MetricsAccumulator::MetricsAccumulator(int numClasses, CellClasses cells)
    : m_k(numClasses), m_nucleus(cells.nucleus), m_cytoplasm(cells.cytoplasm), m_total(numClasses) {
    // N/C needs both classes: without one, no pass over the pixels.
    if (m_nucleus < 0 || m_cytoplasm < 0 || m_nucleus >= m_k || m_cytoplasm >= m_k) m_nucleus = m_cytoplasm = -1;
}

const ImageScores &MetricsAccumulator::addImage(const std::string &id, const std::uint8_t *truth,
                                                const std::uint8_t *pred, std::size_t n) {
    ConfusionMatrix cm(m_k);
    cm.add(truth, pred, n);
    m_total.add(cm);
    ImageScores s;
    s.id = id;
    for (int c = 0; c < m_k; ++c) {
        s.dice.push_back(cm.dice(c));
        s.iou.push_back(cm.iou(c));
    }
    s.diceMean = meanDefined(s.dice);
    s.pixelAccuracy = cm.pixelAccuracy();
    if (m_nucleus >= 0) {
        s.ncTrue = ncRatio(truth, n, m_nucleus, m_cytoplasm);
        s.ncPred = ncRatio(pred, n, m_nucleus, m_cytoplasm);
    }
    m_images.push_back(std::move(s));
    return m_images.back();
}

const ImageScores &MetricsAccumulator::addImage(const std::string &id, const std::uint8_t *truth,
                                                const std::uint8_t *pred, int width, int height) {
    addImage(id, truth, pred, static_cast<std::size_t>(width) * static_cast<std::size_t>(height));
    ImageScores &s = m_images.back();
    s.boundaryF1 = unetlab::boundaryF1(truth, pred, width, height, m_k);
    s.boundaryF1Mean = meanDefined(std::vector<double>(s.boundaryF1.begin() + (m_k > 1 ? 1 : 0), s.boundaryF1.end()));
    for (int c = 0; c < m_k; ++c) s.outline.push_back(outlineOffset(truth, pred, width, height, c));
    return s;
}

SplitMetrics MetricsAccumulator::finish() const {
    SplitMetrics m;
    m.images = static_cast<int>(m_images.size());
    m.confusion = m_total;
    m.perImage = m_images;
    std::vector<double> column;
    for (int c = 0; c < m_k; ++c) {
        column.clear();
        for (const auto &img : m_images) column.push_back(img.dice[c]);
        m.dice.push_back(meanDefined(column));
        column.clear();
        for (const auto &img : m_images) column.push_back(img.iou[c]);
        m.iou.push_back(meanDefined(column));
    }
    m.diceMean = meanDefined(m.dice);
    m.iouMean = meanDefined(m.iou);
    const bool withBoundary = !m_images.empty() && !m_images.front().boundaryF1.empty();
    if (withBoundary) {
        for (int c = 0; c < m_k; ++c) {
            column.clear();
            for (const auto &img : m_images) column.push_back(img.boundaryF1.empty() ? kUndefined : img.boundaryF1[c]);
            m.boundaryF1.push_back(meanDefined(column));
        }
        m.boundaryF1Mean = meanDefined(std::vector<double>(m.boundaryF1.begin() + (m_k > 1 ? 1 : 0), m.boundaryF1.end()));
    }
    column.clear();
    for (const auto &img : m_images) column.push_back(img.pixelAccuracy);
    m.pixelAccuracy = meanDefined(column);
    column.clear();
    for (const auto &img : m_images)
        if (!std::isnan(img.ncTrue) && !std::isnan(img.ncPred)) column.push_back(std::fabs(img.ncPred - img.ncTrue));
    m.ncImages = static_cast<int>(column.size());
    m.ncMeanAbsError = meanDefined(column);
    return m;
}

}  // namespace unetlab
