#pragma once
// The files `unetlab-cli inspect` writes, built from the inspection results: contact sheets
// (stage maps, kernels, worst cases) as RGB pictures, and the ranking and N/C tables as CSV.
// Plain C++ over inspect/Render.h; the structs come from the torch-free inspect/Inspect.h.

#include <string>
#include <vector>

#include "inspect/Inspect.h"
#include "inspect/Render.h"

namespace unetlab {

// The input, truth (when known) and prediction, then the stage's top-k maps with their
// channel, score and range, and the colour scale.
RgbImage stageSheet(const ImageInspection &inspection, const StageMaps &stage,
                    const std::vector<std::string> &classNames);
// First layer: every kernel as an RGB tile, then each input channel's weights on a shared
// diverging scale; any other layer: one mosaic (rows: output channels, columns: input
// channels, at most maxChannels of each). Then Sobel, Gaussian and Laplacian for comparison.
RgbImage kernelSheet(const KernelSet &kernels, int maxChannels = 32);
// Rows: the worst cases, each with image, truth, prediction and error overlay; legend below.
RgbImage worstCaseSheet(const SplitReview &review, const std::string &splitName);
// Under a worst case's error overlay (`errors`: its errorMap): "errors: 961 FP, 4966 FN", then
// ", N wrong class" where there can be any (countsWrongClass), and ", outline +2 px" where the
// prediction matches best grown or shrunk (shownOutlineOffset).
std::string worstCaseErrorCaption(const SplitReview &review, const CaseView &c,
                                  const std::vector<std::uint8_t> &errors);
// The class colours of the overlays: "overlays: cytoplasm green, nucleus magenta".
std::string overlayLegend(const std::vector<std::string> &classNames);

// A whole layer in one picture: a cell of `cell` pixels per (output, input) kernel, on one
// diverging scale -limit..limit, for the first `outs` outputs and `ins` inputs.
RgbImage kernelMosaic(const KernelSet &kernels, int outs, int ins, float limit, int cell = 15);

// stage,channel,class,variance,magnitude,magnitude_rank,correlation,correlation_rank,correlation_images
// (one row per channel in channel order; ranks 1-based; undefined values empty).
std::string rankingCsv(const RankingReport &report);
// index,id,nc_true,nc_pred,abs_error,nuclei_true,nuclei_pred (undefined values empty).
std::string ncCsv(const SplitReview &review);

// "0.0342", "12.5", "1.2e-05": three significant digits; "n/a" for NaN.
std::string formatScore(double value);

}  // namespace unetlab
