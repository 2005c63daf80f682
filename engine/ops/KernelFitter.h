#pragma once
// "Learn the kernel" (MISSION §2): fits the 3x3 weights and the threshold of the
// convolution widget by gradient descent, one step per call, so the GUI can animate it.
//
// The hard threshold has no gradient, so training relaxes it: the probability of
// foreground is p = sigmoid(sharpness * (feature - threshold)), and the loss is
// bceWeight * binary cross-entropy + (1 - bceWeight) * (1 - soft Dice), soft Dice with
// smooth 1 as in MISSION §6. Soft Dice alone stalls at "everything is foreground" from a
// positive kernel; the cross-entropy term pushes each background cell down and avoids
// that. Adam updates the ten numbers; they stay within the editors' limits.

#include "ops/Conv2d.h"
#include "ops/Dice.h"
#include "ops/Grid.h"

namespace unetlab::ops {

struct FitSettings {
    double learningRate = 0.1;    // Adam step size
    double sharpness = 4.0;       // slope of the relaxed threshold
    double bceWeight = 0.5;       // share of cross-entropy in the loss
    double weightLimit = 5.0;     // weights stay in [-limit, limit] (the kernel editor's range)
    double thresholdLimit = 5.0;  // the threshold slider's range
    int maxSteps = 400;
    double targetSoftDice = 0.95;  // stop once every cell is right and the soft Dice reaches this
};

struct FitState {
    int step = 0;          // steps taken
    Grid kernel;           // current weights
    double threshold = 0;  // current threshold
    double loss = 0;       // relaxed loss before this step's update
    double softDice = 0;   // relaxed Dice before this step's update
    DiceScore dice;        // hard Dice of the current kernel and threshold
};

class KernelFitter {
public:
    // `truth` has the input's size; it is lined up with the feature map by windowCentres().
    KernelFitter(Grid input, const Grid &truth, ConvOptions conv, Grid kernel, double threshold,
                 FitSettings settings = {});

    // One Adam step; returns the new state.
    const FitState &step();
    const FitState &state() const { return m_state; }
    bool finished() const;

private:
    Grid m_input;
    Grid m_truth;  // at the feature map's cells
    ConvOptions m_conv;
    FitSettings m_settings;
    FitState m_state;
    std::vector<double> m_firstMoment;  // Adam, over the 9 weights then the threshold
    std::vector<double> m_secondMoment;
};

}  // namespace unetlab::ops
