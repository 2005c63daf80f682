#include "train/Comparison.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>

#include "train/Evaluate.h"

namespace unetlab {

Comparison::Comparison(std::vector<Run> runs, std::shared_ptr<const Dataset> data, Mode mode)
    : m_runs(std::move(runs)), m_data(std::move(data)), m_mode(mode) {
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
        const int i = m_mode == Mode::Queue ? tries : m_next;
        if (m_mode == Mode::Interleaved) m_next = (m_next + 1) % runCount();
        Trainer &t = *m_trainers[static_cast<std::size_t>(i)];
        if (!t.finished()) {
            s.run = i;
            s.result = t.step();
            if (t.finished()) t.releaseTrainingState();
            return s;
        }
    }
    s.result.kind = StepResult::Kind::Finished;
    s.result.stopReason = "every run has finished";
    return s;
}

void Comparison::stop(const std::string &reason) {
    for (auto &t : m_trainers) {
        t->stop(reason);
        t->releaseTrainingState();
    }
}

std::string toString(Comparison::Mode mode) { return mode == Comparison::Mode::Queue ? "queue" : "interleaved"; }

MemoryEstimate estimateRunMemory(const TrainConfig &config, const Dataset &data, std::size_t trainImages) {
    const auto params = static_cast<std::uint64_t>(countParameters(config.model));
    const std::uint64_t pixels = static_cast<std::uint64_t>(data.width()) * static_cast<std::uint64_t>(data.height());
    MemoryEstimate m;
    // Weights (fp32) and the uint8 copy of the training images and masks (none for data
    // streamed from disk).
    m.state =
        4 * params + (data.streamed() ? 0 : trainImages * pixels * static_cast<std::uint64_t>(data.inChannels() + 1));
    // Activations: every level of the network keeps about six tensors (convolutions, their
    // normalisation and activation, the skip copy) for the backward pass, in the encoder and
    // the decoder; each level has `width` channels at (side / 2^level)^2 pixels.
    std::uint64_t perPixelChannels = 0;
    const ModelConfig &mc = config.model;
    if (mc.arch == Architecture::UNet) {
        for (int level = 0; level <= mc.levels; ++level)
            perPixelChannels += static_cast<std::uint64_t>(mc.base) * (1ULL << level) / (1ULL << (2 * level)) * 2;
    } else {
        for (const int w : mc.widths) perPixelChannels += static_cast<std::uint64_t>(w);
    }
    const std::uint64_t activations =
        6 * 4 * static_cast<std::uint64_t>(config.batchSize) * pixels * std::max<std::uint64_t>(1, perPixelChannels);
    m.training = 3 * 4 * params + activations;  // gradients and Adam's two moments, fp32
    return m;
}

std::uint64_t peakBytes(const std::vector<MemoryEstimate> &runs, Comparison::Mode mode) {
    std::uint64_t state = 0, training = 0, largest = 0;
    for (const MemoryEstimate &r : runs) {
        state += r.state;
        training += r.training;
        largest = std::max(largest, r.training);
    }
    return state + (mode == Comparison::Mode::Queue ? largest : training);
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
