#include "cli/Format.h"

#include <cmath>
#include <cstdint>
#include <iomanip>
#include <sstream>

#include "cli/Common.h"
#include "inspect/Analysis.h"

namespace unetlab::cli {

std::string withThousands(std::int64_t n) {
    std::string digits = std::to_string(n < 0 ? -n : n), out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return n < 0 ? "-" + out : out;
}

std::string joined(const std::vector<std::string> &items, const std::string &sep) {
    std::string out;
    for (const auto &item : items) out += (out.empty() ? "" : sep) + item;
    return out;
}

std::string formatDuration(double seconds) {
    std::ostringstream s;
    if (!std::isfinite(seconds) || seconds < 0) return "?";
    if (seconds < 60) {
        s << std::fixed << std::setprecision(1) << seconds << " s";
    } else if (seconds < 3600) {
        const int t = static_cast<int>(std::lround(seconds));
        s << t / 60 << "m" << std::setw(2) << std::setfill('0') << t % 60 << "s";
    } else {
        const int m = static_cast<int>(std::lround(seconds / 60));
        s << m / 60 << "h" << std::setw(2) << std::setfill('0') << m % 60 << "m";
    }
    return s.str();
}

nlohmann::json jsonNumber(double x) { return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(nullptr); }

nlohmann::json confusionJson(const ConfusionMatrix &m) {
    nlohmann::json rows = nlohmann::json::array();
    for (int t = 0; t < m.numClasses(); ++t) {
        nlohmann::json row = nlohmann::json::array();
        for (int p = 0; p < m.numClasses(); ++p) row.push_back(m.at(t, p));
        rows.push_back(row);
    }
    return rows;
}

namespace {

std::string fixed(double x, int digits = 3) {
    if (!std::isfinite(x)) return "n/a";
    std::ostringstream s;
    s << std::fixed << std::setprecision(digits) << x;
    return s.str();
}

std::string shortName(const std::string &cls) { return cls.size() <= 4 ? cls : cls.substr(0, 4); }

const OutlineOffset *outlineOf(const ImageScores &s, std::size_t c) {
    return c < s.outline.size() && s.outline[c].defined ? &s.outline[c] : nullptr;
}

// Per foreground class: images at each offset, and the mean Dice with every prediction moved
// to its own offset (an image without one keeps its Dice: no move helps it).
struct OutlineSummary {
    std::vector<int> images = std::vector<int>(2 * kOutlineMaxShift + 1, 0);
    double diceMoved = kUndefined;
};

OutlineSummary outlineSummary(const SplitMetrics &m, std::size_t c) {
    OutlineSummary sum;
    std::vector<double> moved;
    for (const ImageScores &s : m.perImage) {
        const OutlineOffset *o = outlineOf(s, c);
        if (o) ++sum.images[static_cast<std::size_t>(o->pixels + kOutlineMaxShift)];
        moved.push_back(o ? o->dice : s.dice[c]);
    }
    sum.diceMoved = meanDefined(moved);
    return sum;
}

}  // namespace

std::string epochLine(const EpochReport &e, int epochs, const std::vector<std::string> &classes) {
    std::ostringstream s;
    const int width = static_cast<int>(std::to_string(epochs).size());
    s << "epoch " << std::setw(width) << e.epoch << "/" << epochs << "  train loss " << fixed(e.trainLoss, 4)
      << "  val loss " << fixed(e.valLoss, 4) << "  val Dice " << fixed(e.valDiceMean) << " (";
    for (std::size_t c = 0; c < e.valDice.size(); ++c)
        s << (c ? " " : "") << shortName(c < classes.size() ? classes[c] : std::to_string(c)) << " "
          << fixed(e.valDice[c]);
    s << ")  " << formatDuration(e.seconds) << "  " << fixed(e.imagesPerSecond, 1) << " img/s";
    if (e.best) s << "  *best";
    return s.str();
}

void printMetricsTable(std::ostream &out, const std::vector<std::string> &classes,
                       const std::vector<std::pair<std::string, const SplitMetrics *>> &splits) {
    std::vector<std::pair<std::string, const SplitMetrics *>> used;
    for (const auto &s : splits)
        if (s.second && s.second->images > 0) used.push_back(s);
    out << std::left << std::setw(16) << "class" << std::right;
    for (const auto &[name, m] : used) out << std::setw(12) << (name + " Dice") << std::setw(11) << (name + " IoU");
    out << "\n";
    for (std::size_t c = 0; c <= classes.size(); ++c) {
        const bool mean = c == classes.size();
        out << std::left << std::setw(16) << (mean ? "mean" : classes[c]) << std::right;
        for (const auto &[name, m] : used)
            out << std::setw(12) << fixed(mean ? m->diceMean : m->dice[c]) << std::setw(11)
                << fixed(mean ? m->iouMean : m->iou[c]);
        out << "\n";
    }
    out << std::left << std::setw(16) << "pixel accuracy" << std::right;
    for (const auto &[name, m] : used) out << std::setw(12) << fixed(m->pixelAccuracy) << std::setw(11) << "";
    out << "\n";
    bool anyBoundary = false;
    for (const auto &[name, m] : used) anyBoundary = anyBoundary || !m->boundaryF1.empty();
    if (anyBoundary) {
        out << std::left << std::setw(16) << "boundary F1" << std::right;
        for (const auto &[name, m] : used) out << std::setw(12) << fixed(m->boundaryF1Mean) << std::setw(11) << "";
        out << "\n";
    }
    bool anyNc = false;
    for (const auto &[name, m] : used) anyNc = anyNc || m->ncImages > 0;
    if (anyNc) {
        out << std::left << std::setw(16) << "N/C abs error" << std::right;
        for (const auto &[name, m] : used) out << std::setw(12) << fixed(m->ncMeanAbsError) << std::setw(11) << "";
        out << "\n";
    }
    out << std::left << std::setw(16) << "images" << std::right;
    for (const auto &[name, m] : used) out << std::setw(12) << m->images << std::setw(11) << "";
    out << "\n";
}

void printConfusion(std::ostream &out, const std::vector<std::string> &classes, const ConfusionMatrix &m) {
    out << "confusion (rows: truth, columns: prediction, pixels)\n" << std::left << std::setw(16) << "" << std::right;
    for (int p = 0; p < m.numClasses(); ++p) out << std::setw(14) << classes[static_cast<std::size_t>(p)];
    out << "\n";
    for (int t = 0; t < m.numClasses(); ++t) {
        out << std::left << std::setw(16) << classes[static_cast<std::size_t>(t)] << std::right;
        for (int p = 0; p < m.numClasses(); ++p) out << std::setw(14) << withThousands(m.at(t, p));
        out << "\n";
    }
}

void ProgressBar::update(int epoch, int epochs, int batch, int batches, double loss, double imagesPerSecond,
                         double elapsed, double eta) {
    if (!m_enabled) return;
    const auto now = std::chrono::steady_clock::now();
    if (m_drawn && batch != batches && now - m_lastDraw < std::chrono::milliseconds(100)) return;
    m_lastDraw = now;
    constexpr int kWidth = 24;
    const int filled = batches ? kWidth * batch / batches : 0;
    m_out << "\r\033[Kepoch " << epoch << "/" << epochs << " [" << std::string(static_cast<std::size_t>(filled), '#')
          << std::string(static_cast<std::size_t>(kWidth - filled), '.') << "] " << batch << "/" << batches
          << "  loss " << fixed(loss, 4) << "  " << fixed(imagesPerSecond, 1) << " img/s  elapsed "
          << formatDuration(elapsed) << "  ETA " << formatDuration(eta) << std::flush;
    m_drawn = true;
}

void ProgressBar::clear() {
    if (m_enabled && m_drawn) m_out << "\r\033[K" << std::flush;
    m_drawn = false;
}

void printPerImage(std::ostream &out, const std::vector<std::string> &classes, const std::vector<std::size_t> &indices,
                   const SplitMetrics &m) {
    out << "per image: the Dice of each class besides the background; offset: the pixels its prediction\n"
           "must grow (+) or shrink (-) to match the truth best (where the annotation's outline lies);\n"
           "moved: the Dice then\n"
        << std::right << std::setw(8) << "index";
    for (std::size_t c = 1; c < classes.size(); ++c)
        out << std::setw(14) << classes[c] << std::setw(9) << "offset" << std::setw(8) << "moved";
    out << "  id\n";
    for (std::size_t i = 0; i < m.perImage.size(); ++i) {
        const ImageScores &s = m.perImage[i];
        out << std::setw(8) << (i < indices.size() ? std::to_string(indices[i]) : "?");
        for (std::size_t c = 1; c < classes.size(); ++c) {
            const OutlineOffset *o = outlineOf(s, c);
            out << std::setw(14) << fixed(s.dice[c]) << std::setw(9) << (o ? signedPixels(o->pixels) : "n/a")
                << std::setw(8) << (o ? fixed(o->dice) : "n/a");
        }
        out << "  " << s.id << "\n";
    }
    for (std::size_t c = 1; c < classes.size(); ++c) {
        const OutlineSummary sum = outlineSummary(m, c);
        out << classes[c] << " outline offsets:";
        for (int k = -kOutlineMaxShift; k <= kOutlineMaxShift; ++k)
            out << " " << signedPixels(k) << ": " << sum.images[static_cast<std::size_t>(k + kOutlineMaxShift)];
        out << " images; mean Dice " << fixed(m.dice[c]) << ", " << fixed(sum.diceMoved)
            << " with every prediction moved to its own offset\n";
    }
}

nlohmann::json perImageJson(const std::vector<std::string> &classes, const std::vector<std::size_t> &indices,
                            const SplitMetrics &m) {
    nlohmann::json images = nlohmann::json::array();
    for (std::size_t i = 0; i < m.perImage.size(); ++i) {
        const ImageScores &s = m.perImage[i];
        nlohmann::json outline = nlohmann::json::object();
        for (std::size_t c = 1; c < classes.size(); ++c) {
            const OutlineOffset *o = outlineOf(s, c);
            outline[classes[c]] =
                o ? nlohmann::json{{"pixels", o->pixels}, {"dice", o->dice}} : nlohmann::json(nullptr);
        }
        images.push_back({{"index", i < indices.size() ? nlohmann::json(indices[i]) : nlohmann::json(nullptr)},
                          {"id", s.id},
                          {"dice_mean", jsonNumber(s.diceMean)},
                          {"dice", perClass(classes, s.dice)},
                          {"outline", outline}});
    }
    nlohmann::json summary = nlohmann::json::object();
    for (std::size_t c = 1; c < classes.size(); ++c) {
        const OutlineSummary sum = outlineSummary(m, c);
        nlohmann::json offsets = nlohmann::json::object();
        for (int k = -kOutlineMaxShift; k <= kOutlineMaxShift; ++k)
            offsets[signedPixels(k)] = sum.images[static_cast<std::size_t>(k + kOutlineMaxShift)];
        summary[classes[c]] = {{"offsets", offsets}, {"dice_moved", jsonNumber(sum.diceMoved)}};
    }
    return {{"images", images}, {"outline", summary}};
}

}  // namespace unetlab::cli
