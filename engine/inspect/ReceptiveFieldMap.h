#pragma once
// The empirical receptive field (MISSION §5, §8): how strongly each input pixel moves one
// chosen output pixel, measured as the gradient of that pixel's logits with respect to the
// input image. Torch-free header (plain results) so the GUI's engine thread and the CLI
// can call it without including LibTorch; the work is in the .cpp.

#include <vector>

#include "data/Normalisation.h"
#include "data/Sample.h"

namespace unetlab {

class SegmentationModel;

struct EmpiricalReceptiveField {
    int width = 0;  // the image's size
    int height = 0;
    int x = 0;  // the output pixel
    int y = 0;
    int classIndex = -1;  // the logit differentiated; -1 = the sum over all classes
    // height x width, row-major: sum over input channels of |d logit / d pixel|, pixels in
    // [0, 1] units (the model's normalisation is part of the derivative).
    std::vector<float> magnitude;
    float maxMagnitude = 0;
    // Bounding box of the non-zero entries (inclusive); all -1 when every entry is zero.
    int left = -1, top = -1, right = -1, bottom = -1;

    int extentX() const { return left < 0 ? 0 : right - left + 1; }
    int extentY() const { return top < 0 ? 0 : bottom - top + 1; }
};

// Runs `model` on `sample`, normalised as `normalisation` says, on the device its
// parameters are on and in eval mode (BatchNorm on its running statistics, so pixels do
// not mix through batch statistics), and differentiates the logit(s) at (x, y). The
// model's training mode, parameters and their gradients are left as they were. Throws
// std::invalid_argument for a pixel outside the image, an unknown class, or an image the
// model cannot take (U-Net sizes must be multiples of its downsampling factor).
EmpiricalReceptiveField empiricalReceptiveField(SegmentationModel &model, const Sample &sample,
                                                const Normalisation &normalisation, int x, int y, int classIndex = -1);

}  // namespace unetlab
