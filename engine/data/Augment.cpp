#include "data/Augment.h"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <cmath>
#include <cstdint>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "core/Random.h"

namespace unetlab {
namespace {

constexpr double kPi = 3.14159265358979323846;

struct Kind {
    const char *name;
    bool AugmentationConfig::*flag;
};
const Kind kKinds[] = {{"flip", &AugmentationConfig::flips},
                       {"rot90", &AugmentationConfig::rotate90},
                       {"rotate", &AugmentationConfig::rotate},
                       {"elastic", &AugmentationConfig::elastic},
                       {"intensity", &AugmentationConfig::intensity}};

// Everything random about one variant, drawn up front in a fixed order.
struct Draws {
    bool flipH = false, flipV = false;
    int quarterTurns = 0;
    double degrees = 0, brightness = 0, contrast = 1;
    std::uint64_t elasticSeed = 0;
};

Draws draw(const AugmentationConfig &c, std::uint64_t seed) {
    SplitMix64 rng(seed);
    Draws d;
    d.flipH = rng.chance(0.5);
    d.flipV = rng.chance(0.5);
    d.quarterTurns = rng.integer(0, 3);
    d.degrees = rng.uniform(-c.maxDegrees, c.maxDegrees);
    d.brightness = rng.uniform(-c.brightness, c.brightness) * 255.0;
    d.contrast = 1.0 + rng.uniform(-c.contrast, c.contrast);
    d.elasticSeed = rng.next();
    return d;
}

// Source coordinates of every output pixel: elastic displacement, then a rotation about the
// centre; one remap, so the image is interpolated only once.
void warpMaps(const AugmentationConfig &c, const Draws &d, int width, int height, cv::Mat1f &mapX, cv::Mat1f &mapY) {
    cv::Mat1f dx = cv::Mat1f::zeros(height, width), dy = cv::Mat1f::zeros(height, width);
    if (c.elastic) {
        SplitMix64 rng(d.elasticSeed);
        const double sigma = c.elasticSigma * std::min(width, height) / 256.0;
        cv::Mat1f gx(c.elasticGrid, c.elasticGrid), gy(c.elasticGrid, c.elasticGrid);
        for (int i = 0; i < c.elasticGrid; ++i)
            for (int j = 0; j < c.elasticGrid; ++j) {
                gx(i, j) = static_cast<float>(sigma * rng.normal());
                gy(i, j) = static_cast<float>(sigma * rng.normal());
            }
        cv::resize(gx, dx, cv::Size(width, height), 0, 0, cv::INTER_CUBIC);
        cv::resize(gy, dy, cv::Size(width, height), 0, 0, cv::INTER_CUBIC);
    }
    const double radians = c.rotate ? d.degrees * kPi / 180.0 : 0.0;
    const double cs = std::cos(radians), sn = std::sin(radians);
    const double cx = (width - 1) / 2.0, cy = (height - 1) / 2.0;
    mapX.create(height, width);
    mapY.create(height, width);
    for (int y = 0; y < height; ++y)
        for (int x = 0; x < width; ++x) {
            const double px = x + dx(y, x) - cx, py = y + dy(y, x) - cy;
            mapX(y, x) = static_cast<float>(cx + cs * px - sn * py);
            mapY(y, x) = static_cast<float>(cy + sn * px + cs * py);
        }
}

}  // namespace

void AugmentationConfig::validate() const {
    auto fail = [](const std::string &m) { throw std::invalid_argument(m); };
    if (!(maxDegrees >= 0 && maxDegrees <= 180)) fail("augmentation: rotation must be within 0..180 degrees");
    if (elasticGrid < 2 || elasticGrid > 32) fail("augmentation: elastic grid must be between 2 and 32");
    if (!(elasticSigma >= 0 && elasticSigma <= 64)) fail("augmentation: elastic sigma must be within 0..64 pixels");
    if (!(brightness >= 0 && brightness <= 1)) fail("augmentation: brightness must be within 0..1");
    if (!(contrast >= 0 && contrast < 1)) fail("augmentation: contrast must be within 0..1 (exclusive)");
}

bool AugmentationConfig::operator==(const AugmentationConfig &o) const {
    return flips == o.flips && rotate90 == o.rotate90 && rotate == o.rotate && maxDegrees == o.maxDegrees &&
           elastic == o.elastic && elasticGrid == o.elasticGrid && elasticSigma == o.elasticSigma &&
           intensity == o.intensity && brightness == o.brightness && contrast == o.contrast &&
           smoothImages == o.smoothImages;
}

std::string toString(const AugmentationConfig &c) {
    std::string s;
    int on = 0;
    for (const Kind &k : kKinds)
        if (c.*k.flag) {
            s += (s.empty() ? "" : ",") + std::string(k.name);
            ++on;
        }
    if (on == 0) return "none";
    if (on == static_cast<int>(std::size(kKinds))) return "all";
    return s;
}

AugmentationConfig parseAugmentation(const std::string &text) {
    AugmentationConfig c;
    if (text == "none") return c;
    if (text == "all") {
        for (const Kind &k : kKinds) c.*k.flag = true;
        return c;
    }
    std::size_t start = 0;
    while (true) {
        const std::size_t comma = text.find(',', start);
        const std::string name = text.substr(start, comma - start);
        bool known = false;
        for (const Kind &k : kKinds)
            if (name == k.name) {
                c.*k.flag = true;
                known = true;
            }
        if (!known)
            throw std::invalid_argument("unknown augmentation '" + name +
                                        "' (known: flip, rot90, rotate, elastic, intensity, all, none)");
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return c;
}

nlohmann::json toJson(const AugmentationConfig &c) {
    return {{"flips", c.flips},
            {"rotate90", c.rotate90},
            {"rotate", c.rotate},
            {"max_degrees", c.maxDegrees},
            {"elastic", c.elastic},
            {"elastic_grid", c.elasticGrid},
            {"elastic_sigma", c.elasticSigma},
            {"intensity", c.intensity},
            {"brightness", c.brightness},
            {"contrast", c.contrast},
            {"smooth_images", c.smoothImages}};
}

AugmentationConfig augmentationFromJson(const nlohmann::json &j) {
    AugmentationConfig c;
    try {
        c.flips = j.at("flips").get<bool>();
        c.rotate90 = j.at("rotate90").get<bool>();
        c.rotate = j.at("rotate").get<bool>();
        c.maxDegrees = j.at("max_degrees").get<double>();
        c.elastic = j.at("elastic").get<bool>();
        c.elasticGrid = j.at("elastic_grid").get<int>();
        c.elasticSigma = j.at("elastic_sigma").get<double>();
        c.intensity = j.at("intensity").get<bool>();
        c.brightness = j.at("brightness").get<double>();
        c.contrast = j.at("contrast").get<double>();
        c.smoothImages = j.at("smooth_images").get<bool>();
    } catch (const nlohmann::json::exception &e) {
        throw std::invalid_argument(std::string("augmentation settings are incomplete: ") + e.what());
    }
    c.validate();
    return c;
}

std::uint64_t augmentationSeed(std::uint64_t runSeed, std::uint64_t epoch, std::size_t index) {
    return mix64(mix64(mix64(runSeed ^ 0xA0C3E6B1D2F48597ULL) + epoch) + static_cast<std::uint64_t>(index));
}

Sample augmentSample(const Sample &sample, const AugmentationConfig &config, std::uint64_t seed) {
    if (sample.image.size() != sample.pixelCount() * static_cast<std::size_t>(sample.channels) ||
        sample.mask.size() != sample.pixelCount())
        throw std::invalid_argument("augmentSample: the image or mask of '" + sample.id + "' does not match its size");
    if (!config.any()) return sample;
    const Draws d = draw(config, seed);
    cv::Mat image =
        cv::Mat(sample.height, sample.width, CV_8UC(sample.channels), const_cast<std::uint8_t *>(sample.image.data()))
            .clone();
    cv::Mat mask =
        cv::Mat(sample.height, sample.width, CV_8UC1, const_cast<std::uint8_t *>(sample.mask.data())).clone();

    if (config.flips && (d.flipH || d.flipV)) {
        const int code = d.flipH && d.flipV ? -1 : d.flipH ? 1 : 0;
        cv::flip(image, image, code);
        cv::flip(mask, mask, code);
    }
    if (config.rotate90) {
        // A quarter turn of a non-square sample would change its size, so those turn by 0 or 180°.
        const int turns = image.rows == image.cols ? d.quarterTurns : (d.quarterTurns & 2);
        if (turns) {
            const int code = turns == 1   ? cv::ROTATE_90_CLOCKWISE
                             : turns == 2 ? cv::ROTATE_180
                                          : cv::ROTATE_90_COUNTERCLOCKWISE;
            cv::rotate(image, image, code);
            cv::rotate(mask, mask, code);
        }
    }
    if (config.rotate || config.elastic) {
        cv::Mat1f mapX, mapY;
        warpMaps(config, d, image.cols, image.rows, mapX, mapY);
        cv::Mat warpedImage, warpedMask;
        cv::remap(image, warpedImage, mapX, mapY, config.smoothImages ? cv::INTER_LINEAR : cv::INTER_NEAREST,
                  cv::BORDER_REFLECT_101);
        cv::remap(mask, warpedMask, mapX, mapY, cv::INTER_NEAREST, cv::BORDER_REFLECT_101);
        image = warpedImage;
        mask = warpedMask;
    }
    if (config.intensity) {
        const double mean = cv::mean(image.reshape(1))[0];
        image.convertTo(image, -1, d.contrast, (1.0 - d.contrast) * mean + d.brightness);
    }

    Sample out;
    out.id = sample.id;
    out.width = image.cols;
    out.height = image.rows;
    out.channels = sample.channels;
    out.image.assign(image.data, image.data + image.total() * image.elemSize());
    out.mask.assign(mask.data, mask.data + mask.total());
    return out;
}

std::vector<Sample> augmentedExamples(const Sample &sample, const AugmentationConfig &config, int count,
                                      std::uint64_t seed) {
    std::vector<Sample> out;
    for (int i = 0; i < count; ++i)
        out.push_back(augmentSample(sample, config, augmentationSeed(seed, 0, static_cast<std::size_t>(i))));
    return out;
}

}  // namespace unetlab
