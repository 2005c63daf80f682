#include "train/Comparison.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace unetlab {

Comparison::Comparison(std::vector<Run> runs, std::shared_ptr<const Dataset> data)
    : m_runs(std::move(runs)), m_data(std::move(data)) {
    if (m_runs.size() < 2) throw std::invalid_argument("a comparison needs at least two runs");
    if (!m_data) throw std::invalid_argument("a comparison needs data");
    for (const Run &run : m_runs) {
        try {
            m_trainers.push_back(std::make_unique<Trainer>(run.config, m_data));
        } catch (const std::invalid_argument &e) {
            throw std::invalid_argument(run.name + ": " + e.what());
        }
    }
}

Comparison::~Comparison() = default;

bool Comparison::finished() const {
    return std::all_of(m_trainers.begin(), m_trainers.end(), [](const auto &t) { return t->finished(); });
}

Comparison::Step Comparison::step() {
    Step s;
    for (int tries = 0; tries < runCount(); ++tries) {
        const int i = m_next;
        m_next = (m_next + 1) % runCount();
        if (!m_trainers[static_cast<std::size_t>(i)]->finished()) {
            s.run = i;
            s.result = m_trainers[static_cast<std::size_t>(i)]->step();
            return s;
        }
    }
    s.result.kind = StepResult::Kind::Finished;
    s.result.stopReason = "every run has finished";
    return s;
}

void Comparison::stop(const std::string &reason) {
    for (auto &t : m_trainers) t->stop(reason);
}

std::vector<ImageComparison> compareImages(const SplitMetrics &a, const SplitMetrics &b,
                                           const std::vector<std::size_t> &indices) {
    if (a.perImage.size() != b.perImage.size())
        throw std::invalid_argument("the two runs were evaluated on different images");
    std::vector<ImageComparison> rows;
    for (std::size_t i = 0; i < a.perImage.size(); ++i) {
        if (a.perImage[i].id != b.perImage[i].id)
            throw std::invalid_argument("the two runs were evaluated on different images");
        ImageComparison r;
        r.id = a.perImage[i].id;
        r.index = i < indices.size() ? indices[i] : i;
        r.diceA = a.perImage[i].diceMean;
        r.diceB = b.perImage[i].diceMean;
        r.boundaryF1A = a.perImage[i].boundaryF1Mean;
        r.boundaryF1B = b.perImage[i].boundaryF1Mean;
        rows.push_back(r);
    }
    std::stable_sort(rows.begin(), rows.end(), [](const ImageComparison &x, const ImageComparison &y) {
        const double dx = std::isnan(x.difference()) ? -1e9 : x.difference();
        const double dy = std::isnan(y.difference()) ? -1e9 : y.difference();
        return dx > dy;
    });
    return rows;
}

}  // namespace unetlab
