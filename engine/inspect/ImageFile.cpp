#include "inspect/ImageFile.h"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <stdexcept>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/EnumNames.h"
#include "data/ImageDecode.h"

namespace unetlab {
namespace {

const EnumName<FitMode> kFitNames[] = {{FitMode::Pad, "pad"}, {FitMode::Resize, "resize"}};

// The file as readAnyImage decodes it; every reason names the file, e.g. "cannot read image
// 'a.png': it is a text file, not an image" or "cannot read image 'b.png': PNG header claims ...".
DecodedImage decodeNamed(const std::string &path) {
    const std::string prefix = "cannot read image '" + path + "': ";
    std::error_code ec;
    const auto status = std::filesystem::status(path, ec);
    if (status.type() == std::filesystem::file_type::not_found) throw std::runtime_error(prefix + "no such file");
    // A folder, a FIFO or a device (reading one could block); "permission denied" is the reader's.
    if (!ec && !std::filesystem::is_regular_file(status)) throw std::runtime_error(prefix + "it is not a file");
    try {
        return readAnyImage(path);
    } catch (const std::runtime_error &e) {
        // The decoder's reasons are predicates ("is empty (0 bytes)") or names ("truncated PNG header").
        const std::string why = e.what();
        bool predicate = false;
        for (const char *verb : {"is ", "has ", "could ", "cannot "}) predicate |= why.rfind(verb, 0) == 0;
        throw std::runtime_error(prefix + (predicate ? "it " : "") + why);
    }
}

std::string sizeText(int w, int h) { return std::to_string(w) + "x" + std::to_string(h); }

cv::Mat imageMat(const Sample &s) {
    return cv::Mat(s.height, s.width, CV_8UC(s.channels), const_cast<std::uint8_t *>(s.image.data())).clone();
}

void storeImage(Sample &s, const cv::Mat &m) {
    s.width = m.cols;
    s.height = m.rows;
    s.image.assign(m.datastart, m.dataend);
}

}  // namespace

std::string toString(FitMode m) { return enumToName(kFitNames, m); }
FitMode fitModeFromString(const std::string &s) { return enumFromName(kFitNames, s, "fit mode"); }

Sample readImageFile(const std::string &path) {
    const DecodedImage decoded = decodeNamed(path);
    Sample s;
    s.id = std::filesystem::path(path).stem().string();
    s.channels = 3;
    const cv::Mat m(decoded.height, decoded.width, CV_8UC(decoded.channels),
                    const_cast<std::uint8_t *>(decoded.pixels.data()));
    cv::Mat rgb;
    if (decoded.channels == 1)
        cv::cvtColor(m, rgb, cv::COLOR_GRAY2RGB);
    else
        rgb = m;
    storeImage(s, rgb.isContinuous() ? rgb : rgb.clone());
    return s;
}

FittedSample fitToMultiple(const Sample &sample, int factor, FitMode mode) {
    if (factor < 1) throw std::invalid_argument("fitToMultiple: factor must be positive");
    FittedSample out{sample, false, {}};
    const int w = sample.width, h = sample.height;
    if (w % factor == 0 && h % factor == 0) return out;
    const bool hasMask = sample.mask.size() == sample.pixelCount();
    cv::Mat image = imageMat(sample), mask;
    if (hasMask) mask = cv::Mat(h, w, CV_8U, const_cast<std::uint8_t *>(sample.mask.data())).clone();
    int newW = 0, newH = 0;
    if (mode == FitMode::Pad) {
        newW = (w + factor - 1) / factor * factor;
        newH = (h + factor - 1) / factor * factor;
        const int left = (newW - w) / 2, top = (newH - h) / 2;
        cv::copyMakeBorder(image, image, top, newH - h - top, left, newW - w - left, cv::BORDER_REPLICATE);
        if (hasMask) cv::copyMakeBorder(mask, mask, top, newH - h - top, left, newW - w - left, cv::BORDER_CONSTANT, 0);
        out.note = "centre-padded from " + sizeText(w, h) + " to " + sizeText(newW, newH) +
                   " (border pixels repeated) to fit the model's downsampling factor " + std::to_string(factor);
    } else {
        newW = std::max(factor, (w + factor / 2) / factor * factor);
        newH = std::max(factor, (h + factor / 2) / factor * factor);
        cv::resize(image, image, cv::Size(newW, newH), 0, 0, cv::INTER_LINEAR);
        if (hasMask) cv::resize(mask, mask, cv::Size(newW, newH), 0, 0, cv::INTER_NEAREST);
        out.note = "resized from " + sizeText(w, h) + " to " + sizeText(newW, newH) +
                   " to fit the model's downsampling factor " + std::to_string(factor);
    }
    storeImage(out.sample, image);
    if (hasMask) out.sample.mask.assign(mask.datastart, mask.dataend);
    out.changed = true;
    return out;
}

Sample readImageForNetwork(const std::string &path, int channels) {
    if (channels != 1 && channels != 3)
        throw std::runtime_error("the network takes " + std::to_string(channels) +
                                 " input channels; an image file gives 1 (grey) or 3 (RGB)");
    DecodedImage decoded = decodeNamed(path);
    Sample s;
    s.id = path;
    s.width = decoded.width;
    s.height = decoded.height;
    s.channels = channels;
    const std::size_t n = s.pixelCount();
    if (decoded.channels == channels) {
        s.image = std::move(decoded.pixels);
    } else if (channels == 3) {
        s.image.resize(3 * n);
        for (std::size_t i = 0; i < 3 * n; ++i) s.image[i] = decoded.pixels[i / 3];
    } else {
        s.image.resize(n);
        const std::vector<std::uint8_t> &p = decoded.pixels;
        for (std::size_t i = 0; i < n; ++i)
            s.image[i] =
                static_cast<std::uint8_t>((299 * p[3 * i] + 587 * p[3 * i + 1] + 114 * p[3 * i + 2] + 500) / 1000);
    }
    return s;
}

}  // namespace unetlab
