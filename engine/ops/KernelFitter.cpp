#include "ops/KernelFitter.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace unetlab::ops {
namespace {

// Adam's usual constants.
constexpr double kBeta1 = 0.9;
constexpr double kBeta2 = 0.999;
constexpr double kEpsilon = 1e-8;
// Soft Dice smoothing (MISSION §6).
constexpr double kSmooth = 1.0;

double sigmoid(double z) { return 1.0 / (1.0 + std::exp(-z)); }

}  // namespace

KernelFitter::KernelFitter(Grid input, const Grid &truth, ConvOptions conv, Grid kernel, double threshold,
                           FitSettings settings)
    : m_input(std::move(input)), m_conv(conv), m_settings(settings) {
    if (!truth.sameShape(m_input)) throw std::invalid_argument("the ground truth must have the input's size");
    m_truth = windowCentres(truth, kernel.rows(), kernel.cols(), m_conv);
    m_state.kernel = std::move(kernel);
    m_state.threshold = threshold;
    m_state.dice = thresholdDice(conv2d(m_input, m_state.kernel, m_conv).output, threshold, m_truth);
    const std::size_t parameters = m_state.kernel.values().size() + 1;
    m_firstMoment.assign(parameters, 0.0);
    m_secondMoment.assign(parameters, 0.0);
}

bool KernelFitter::finished() const {
    if (m_state.step >= m_settings.maxSteps) return true;
    const bool allRight = m_state.dice.falsePositives == 0 && m_state.dice.falseNegatives == 0;
    return m_state.step > 0 && allRight && m_state.softDice >= m_settings.targetSoftDice;
}

const FitState &KernelFitter::step() {
    const OpResult conv = conv2d(m_input, m_state.kernel, m_conv);
    const double s = m_settings.sharpness;
    const double lambda = m_settings.bceWeight;
    const auto cells = conv.trace.size();

    // Forward: probabilities, soft Dice, loss.
    std::vector<double> p(cells);
    double intersection = 0, predicted = 0, truthSum = 0, bce = 0;
    for (std::size_t i = 0; i < cells; ++i) {
        const double g = m_truth.values()[i];
        p[i] = sigmoid(s * (conv.trace[i].value - m_state.threshold));
        intersection += p[i] * g;
        predicted += p[i];
        truthSum += g;
        const double pc = std::clamp(p[i], 1e-12, 1.0 - 1e-12);
        bce -= g * std::log(pc) + (1 - g) * std::log(1 - pc);
    }
    const double denominator = predicted + truthSum + kSmooth;
    const double softDice = (2 * intersection + kSmooth) / denominator;
    m_state.softDice = softDice;
    m_state.loss = lambda * bce / static_cast<double>(cells) + (1 - lambda) * (1 - softDice);

    // Backward: d loss / d z_i for z_i = s * (feature_i - threshold), then the chain rule
    // through the feature (its window's inputs) and the threshold.
    std::vector<double> gradient(m_firstMoment.size(), 0.0);
    const std::size_t thresholdIndex = gradient.size() - 1;
    for (std::size_t i = 0; i < cells; ++i) {
        const double g = m_truth.values()[i];
        const double dDiceDp = (2 * g - softDice) / denominator;
        const double dz = lambda * (p[i] - g) / static_cast<double>(cells) - (1 - lambda) * dDiceDp * p[i] * (1 - p[i]);
        for (const Term &t : conv.trace[i].terms)
            gradient[static_cast<std::size_t>(t.tap.row * m_state.kernel.cols() + t.tap.col)] += dz * s * t.input;
        gradient[thresholdIndex] -= dz * s;
    }

    // Adam update, kept inside the editors' ranges.
    ++m_state.step;
    const double correction1 = 1 - std::pow(kBeta1, m_state.step);
    const double correction2 = 1 - std::pow(kBeta2, m_state.step);
    for (std::size_t k = 0; k < gradient.size(); ++k) {
        m_firstMoment[k] = kBeta1 * m_firstMoment[k] + (1 - kBeta1) * gradient[k];
        m_secondMoment[k] = kBeta2 * m_secondMoment[k] + (1 - kBeta2) * gradient[k] * gradient[k];
        const double update = m_settings.learningRate * (m_firstMoment[k] / correction1) /
                              (std::sqrt(m_secondMoment[k] / correction2) + kEpsilon);
        if (k == thresholdIndex)
            m_state.threshold =
                std::clamp(m_state.threshold - update, -m_settings.thresholdLimit, m_settings.thresholdLimit);
        else
            m_state.kernel.values()[k] =
                std::clamp(m_state.kernel.values()[k] - update, -m_settings.weightLimit, m_settings.weightLimit);
    }
    m_state.dice = thresholdDice(conv2d(m_input, m_state.kernel, m_conv).output, m_state.threshold, m_truth);
    return m_state;
}

}  // namespace unetlab::ops
