#include "ops/Reach.h"

#include <algorithm>
#include <regex>
#include <stdexcept>

namespace unetlab::ops {
namespace {

// Cell positions tried at each stage: enough phases for six stride-2 layers.
constexpr int kPhases = 64;
// Far from the borders, so the walk never meets an edge (and indices stay positive).
constexpr int kOrigin = 1 << 20;

struct Span {
    int first;
    int last;
};

// The cells of the previous layer that the cells [first, last] of this one read.
Span readsFrom(const ReachLayer &layer, Span s) {
    switch (layer.kind) {
        case ReachLayerKind::Conv:
            return {s.first - layer.kernel / 2, s.last + (layer.kernel - 1) / 2};
        case ReachLayerKind::MaxPool:
            return {2 * s.first, 2 * s.last + 1};
        case ReachLayerKind::TransposedUp:
            return {s.first / 2, s.last / 2};
        case ReachLayerKind::BilinearUp:
            // Output o samples the input at o/2 - 1/4: cells floor((o-1)/2) and the next one,
            // both with a non-zero weight (1/4 and 3/4) away from the borders.
            return {(s.first - 1) / 2, (s.last + 1) / 2};
    }
    return s;
}

}  // namespace

ReachLayer reachLayerFromName(const std::string &name) {
    static const std::regex conv(R"(conv (\d+)x\1)");
    std::smatch m;
    if (std::regex_match(name, m, conv)) return {ReachLayerKind::Conv, std::stoi(m[1].str())};
    if (name == "maxpool 2x2/2") return {ReachLayerKind::MaxPool, 2};
    if (name == "bilinear x2") return {ReachLayerKind::BilinearUp, 2};
    if (name == "transposed conv 2x2/2") return {ReachLayerKind::TransposedUp, 2};
    throw std::invalid_argument("no reach rule for the layer '" + name + "'");
}

std::vector<int> exactReach(const std::vector<ReachLayer> &layers) {
    std::vector<int> reach;
    for (std::size_t end = 0; end < layers.size(); ++end) {
        int widest = 0;
        for (int phase = 0; phase < kPhases; ++phase) {
            Span s{kOrigin + phase, kOrigin + phase};
            for (std::size_t i = end + 1; i-- > 0;) s = readsFrom(layers[i], s);
            widest = std::max(widest, s.last - s.first + 1);
        }
        reach.push_back(widest);
    }
    return reach;
}

}  // namespace unetlab::ops
