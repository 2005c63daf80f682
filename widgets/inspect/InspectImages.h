#pragma once
// The one place where the Inspect area turns engine results into QImages (ARCHITECTURE
// boundary 3 for this area): colour-mapped activation maps, kernels, overlays, error maps
// and nucleus outlines. The colours come from engine/inspect/Render.h, so the app and the
// CLI's PNGs agree. Every image is at its data's own resolution; views scale them.

#include <QColor>
#include <QImage>

#include <cstdint>
#include <vector>

#include "inspect/Inspect.h"
#include "inspect/Nuclei.h"
#include "inspect/Render.h"

namespace inspect {

QColor toQColor(unetlab::Rgb colour);
QImage toQImage(const unetlab::RgbImage &image);  // RGB888, deep copy

// A stage's channel on its own range, viridis (dark blue low, yellow high).
QImage mapImage(const unetlab::ActivationMap &map);
// The same, blended over `background` (scaled to the map's size) at `opacity`.
QImage mapOverlayImage(const unetlab::ActivationMap &map, const QImage &background, double opacity);
QImage sampleImage(const unetlab::Sample &sample);
// The image with each foreground class tinted (cytoplasm green, nucleus magenta, ...).
QImage classOverlayImage(const unetlab::Sample &sample, const std::vector<std::uint8_t> &mask);
// Errors of `prediction` against the sample's truth (classIndex < 0: all classes) on the
// faded image: false positives amber, false negatives azure, wrong class red.
QImage errorImage(const unetlab::Sample &sample, const std::vector<std::uint8_t> &prediction, int classIndex);

// One first-layer kernel as an RGB (or grey) tile, rescaled to [0, 1] on its own.
QImage kernelRgbImage(const unetlab::KernelSet &kernels, int out);
// One kernel slice (kh x kw weights) on a diverging scale -limit..limit (blue < 0 < red).
QImage kernelWeightsImage(const float *weights, int kernelHeight, int kernelWidth, float limit);
// A colour bar, low to high along `orientation` (vertical: high at the top).
QImage colourBarImage(unetlab::ColourMap map, int length, int thickness, Qt::Orientation orientation);

// The image with every nucleus outlined in its own colour and its cell outlined in white.
QImage instancesImage(const unetlab::Sample &sample, const unetlab::InstanceSeparation &instances);
// Distinct colours for instances, cycling.
QColor instanceColour(int label);

}  // namespace inspect
