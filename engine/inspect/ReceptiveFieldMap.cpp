#include "inspect/ReceptiveFieldMap.h"

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <string>

#include <torch/torch.h>

#include "models/Networks.h"
#include "train/Batch.h"

namespace unetlab {
namespace {

void findBoundingBox(EmpiricalReceptiveField &field) {
    for (int r = 0; r < field.height; ++r)
        for (int c = 0; c < field.width; ++c) {
            if (field.magnitude[static_cast<std::size_t>(r) * field.width + c] == 0.0f) continue;
            if (field.left < 0) {
                field.left = field.right = c;
                field.top = field.bottom = r;
            }
            field.left = std::min(field.left, c);
            field.right = std::max(field.right, c);
            field.top = std::min(field.top, r);
            field.bottom = std::max(field.bottom, r);
        }
}

}  // namespace

EmpiricalReceptiveField empiricalReceptiveField(SegmentationModel &model, const Sample &sample,
                                                const Normalisation &normalisation, int x, int y, int classIndex) {
    if (x < 0 || y < 0 || x >= sample.width || y >= sample.height)
        throw std::invalid_argument("the output pixel (" + std::to_string(x) + ", " + std::to_string(y) +
                                    ") is outside the " + std::to_string(sample.width) + "x" +
                                    std::to_string(sample.height) + " image");
    const int classes = model.config().numClasses;
    if (classIndex < -1 || classIndex >= classes)
        throw std::invalid_argument("class " + std::to_string(classIndex) + " does not exist (the model has " +
                                    std::to_string(classes) + ")");
    const auto parameters = model.parameters();
    const torch::Device dev = parameters.empty() ? torch::Device(torch::kCPU) : parameters.front().device();
    EvalModeGuard evalMode(model);

    // Differentiate with respect to the normalised input the model sees, then apply the
    // chain rule through (x - mean) / std by hand: d/d pixel = d/d normalised / std. This
    // keeps prepareInput() the one place that normalises.
    torch::Tensor input =
        prepareInput(stackImages({sample}), dev, /*channelsLast=*/false, normalisation).detach().requires_grad_(true);
    const torch::Tensor logits = model.forward(input);
    const torch::Tensor atPixel = logits.index({0, torch::indexing::Slice(), y, x});
    const torch::Tensor target = classIndex < 0 ? atPixel.sum() : atPixel[classIndex];
    // autograd::grad computes only this gradient: the parameters' .grad stay untouched.
    torch::Tensor gradient = torch::autograd::grad({target}, {input})[0].detach();
    if (!normalisation.std.empty()) {  // per-image preprocessing keeps no dataset divisors
        const auto channels = static_cast<int64_t>(normalisation.std.size());
        const torch::Tensor std =
            torch::tensor(normalisation.std, torch::kDouble).to(gradient.options()).view({1, channels, 1, 1});
        gradient = gradient / std;
    }
    const torch::Tensor magnitude = gradient.abs().sum(1)[0].to(torch::kCPU, torch::kFloat).contiguous();

    EmpiricalReceptiveField field;
    field.width = sample.width;
    field.height = sample.height;
    field.x = x;
    field.y = y;
    field.classIndex = classIndex;
    field.magnitude.assign(magnitude.data_ptr<float>(), magnitude.data_ptr<float>() + magnitude.numel());
    field.maxMagnitude = magnitude.max().item<float>();
    findBoundingBox(field);
    return field;
}

}  // namespace unetlab
