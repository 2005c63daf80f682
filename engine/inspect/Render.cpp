#include "inspect/Render.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <sstream>
#include <stdexcept>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/AtomicFile.h"
#include "inspect/Analysis.h"

namespace unetlab {
namespace {

// Stops of ColorBrewer's RdBu (reversed: blue for negative), which stays readable in grey.
const Rgb kDivergingStops[] = {{33, 102, 172},  {67, 147, 195}, {146, 197, 222}, {247, 247, 247},
                               {244, 165, 130}, {214, 96, 77},  {178, 24, 43}};
const Rgb kNaNColour{128, 128, 128};
const Rgb kBackgroundColour{60, 60, 60};
const Rgb kSheetInk{20, 20, 20};

std::array<Rgb, 256> viridisTable() {
    cv::Mat ramp(1, 256, CV_8U), bgr;
    for (int i = 0; i < 256; ++i) ramp.at<std::uint8_t>(0, i) = static_cast<std::uint8_t>(i);
    cv::applyColorMap(ramp, bgr, cv::COLORMAP_VIRIDIS);
    std::array<Rgb, 256> table;
    for (int i = 0; i < 256; ++i) {
        const cv::Vec3b c = bgr.at<cv::Vec3b>(0, i);
        table[static_cast<std::size_t>(i)] = {c[2], c[1], c[0]};
    }
    return table;
}

std::array<Rgb, 256> divergingTable() {
    constexpr int kStops = static_cast<int>(sizeof kDivergingStops / sizeof kDivergingStops[0]);
    std::array<Rgb, 256> table;
    for (int i = 0; i < 256; ++i) {
        const double pos = i / 255.0 * (kStops - 1);
        const int a = std::min(kStops - 2, static_cast<int>(pos));
        const double f = pos - a;
        const Rgb &p = kDivergingStops[a], &q = kDivergingStops[a + 1];
        auto mix = [f](int x, int y) { return static_cast<std::uint8_t>(std::lround(x + (y - x) * f)); };
        table[static_cast<std::size_t>(i)] = {mix(p.r, q.r), mix(p.g, q.g), mix(p.b, q.b)};
    }
    return table;
}

void put(RgbImage &img, std::size_t pixel, Rgb c) {
    img.pixels[3 * pixel] = c.r;
    img.pixels[3 * pixel + 1] = c.g;
    img.pixels[3 * pixel + 2] = c.b;
}

RgbImage blank(int width, int height, Rgb fill) {
    RgbImage img{width, height, std::vector<std::uint8_t>(static_cast<std::size_t>(width) * height * 3)};
    for (std::size_t i = 0; i < static_cast<std::size_t>(width) * height; ++i) put(img, i, fill);
    return img;
}

cv::Mat wrap(RgbImage &img) { return cv::Mat(img.height, img.width, CV_8UC3, img.pixels.data()); }
cv::Mat wrap(const RgbImage &img) {
    return cv::Mat(img.height, img.width, CV_8UC3, const_cast<std::uint8_t *>(img.pixels.data()));
}

constexpr int kFont = cv::FONT_HERSHEY_SIMPLEX;
constexpr double kCaptionScale = 0.42;
constexpr double kRowTitleScale = 0.55;
constexpr double kTitleScale = 0.75;
constexpr int kMargin = 14;
constexpr int kGap = 10;

int lineHeight(double scale) {
    int baseline = 0;
    return cv::getTextSize("Ag", kFont, scale, 1, &baseline).height + baseline + 6;
}

std::vector<std::string> lines(const std::string &text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
}

void text(cv::Mat &canvas, const std::string &s, int x, int y, double scale, int thickness = 1) {
    cv::putText(canvas, s, cv::Point(x, y), kFont, scale, cv::Scalar(kSheetInk.r, kSheetInk.g, kSheetInk.b), thickness,
                cv::LINE_AA);
}

}  // namespace

const std::array<Rgb, 256> &colourTable(ColourMap map) {
    static const std::array<Rgb, 256> viridis = viridisTable();
    static const std::array<Rgb, 256> diverging = divergingTable();
    return map == ColourMap::Viridis ? viridis : diverging;
}

Rgb colourAt(ColourMap map, double t) {
    const double c = std::isnan(t) ? 0.5 : std::clamp(t, 0.0, 1.0);
    return colourTable(map)[static_cast<std::size_t>(std::lround(c * 255))];
}

RgbImage colourMapped(const float *values, int width, int height, float lo, float hi, ColourMap map) {
    const auto &table = colourTable(map);
    RgbImage img{width, height, std::vector<std::uint8_t>(static_cast<std::size_t>(width) * height * 3)};
    const double span = hi > lo ? static_cast<double>(hi) - lo : 0.0;
    for (std::size_t i = 0; i < static_cast<std::size_t>(width) * height; ++i) {
        const float v = values[i];
        if (std::isnan(v)) {
            put(img, i, kNaNColour);
            continue;
        }
        // A constant map is drawn at the middle of the scale rather than at either end.
        const double t = span > 0 ? (v - lo) / span : 0.5;
        put(img, i, table[static_cast<std::size_t>(std::lround(std::clamp(t, 0.0, 1.0) * 255))]);
    }
    return img;
}

RgbImage colourBar(ColourMap map, int width, int height) {
    RgbImage img = blank(width, height, {});
    for (int x = 0; x < width; ++x) {
        const Rgb c = colourAt(map, width > 1 ? static_cast<double>(x) / (width - 1) : 0.5);
        for (int y = 0; y < height; ++y) put(img, static_cast<std::size_t>(y) * width + x, c);
    }
    return img;
}

Rgb classColour(int c) {
    static const Rgb kPalette[] = {kBackgroundColour, {67, 176, 71}, {233, 30, 99}, {33, 150, 243}, {255, 193, 7},
                                   {156, 39, 176},    {0, 188, 212}, {255, 87, 34}, {121, 85, 72}};
    constexpr int kCount = static_cast<int>(sizeof kPalette / sizeof kPalette[0]);
    if (c >= 0 && c < kCount) return kPalette[c];
    return {static_cast<std::uint8_t>((c * 67) % 256), static_cast<std::uint8_t>((c * 151) % 256),
            static_cast<std::uint8_t>((c * 211) % 256)};
}

std::string classColourName(int c) {
    static const char *kNames[] = {"dark grey", "green", "magenta", "blue", "amber",
                                   "purple",    "cyan",  "orange",  "brown"};
    constexpr int kCount = static_cast<int>(sizeof kNames / sizeof kNames[0]);
    return c >= 0 && c < kCount ? kNames[c] : "colour " + std::to_string(c);
}

Rgb errorColour(std::uint8_t e) {
    switch (e) {
        case kFalsePositive:
            return kFalsePositiveColour;
        case kFalseNegative:
            return kFalseNegativeColour;
        case kWrongClass:
            return kWrongClassColour;
        default:
            return {};
    }
}

RgbImage sampleRgb(const Sample &s) {
    RgbImage img{s.width, s.height, std::vector<std::uint8_t>(s.pixelCount() * 3)};
    for (std::size_t i = 0; i < s.pixelCount(); ++i)
        for (int c = 0; c < 3; ++c) img.pixels[3 * i + c] = s.image[i * s.channels + (s.channels == 3 ? c : 0)];
    return img;
}

RgbImage maskOverlay(const Sample &s, const std::uint8_t *mask, double opacity) {
    RgbImage img = sampleRgb(s);
    for (std::size_t i = 0; i < s.pixelCount(); ++i) {
        if (mask[i] == 0) continue;
        const Rgb c = classColour(mask[i]);
        const std::uint8_t rgb[] = {c.r, c.g, c.b};
        for (int k = 0; k < 3; ++k)
            img.pixels[3 * i + k] =
                static_cast<std::uint8_t>(std::lround((1 - opacity) * img.pixels[3 * i + k] + opacity * rgb[k]));
    }
    return img;
}

RgbImage errorOverlay(const Sample &s, const std::vector<std::uint8_t> &errors) {
    RgbImage img = sampleRgb(s);
    for (std::size_t i = 0; i < s.pixelCount(); ++i) {
        if (i < errors.size() && errors[i] != kPixelCorrect) {
            put(img, i, errorColour(errors[i]));
            continue;
        }
        // Faded to light grey so the error colours are the only saturated ones.
        const int grey = (img.pixels[3 * i] * 30 + img.pixels[3 * i + 1] * 59 + img.pixels[3 * i + 2] * 11) / 100;
        const auto faded = static_cast<std::uint8_t>(140 + grey * 100 / 255);
        put(img, i, {faded, faded, faded});
    }
    return img;
}

RgbImage kernelRgbTile(const float *w, int in, int kh, int kw) {
    const std::size_t plane = static_cast<std::size_t>(kh) * kw;
    const auto range = std::minmax_element(w, w + plane * in);
    const float lo = *range.first;  // not a structured binding: C++17 lambdas cannot capture those (clang)
    const double span = *range.second - lo;
    auto unit = [&](float v) {
        return static_cast<std::uint8_t>(std::lround(span > 0 ? (v - lo) / span * 255 : 128));
    };
    RgbImage img{kw, kh, std::vector<std::uint8_t>(plane * 3)};
    for (std::size_t p = 0; p < plane; ++p) {
        if (in == 3) {
            for (int c = 0; c < 3; ++c) img.pixels[3 * p + c] = unit(w[c * plane + p]);
        } else {
            float mean = 0;
            for (int c = 0; c < in; ++c) mean += w[c * plane + p];
            const std::uint8_t g = unit(in == 1 ? mean : mean / in);
            put(img, p, {g, g, g});
        }
    }
    return img;
}

RgbImage resized(const RgbImage &image, int width, int height, bool nearest) {
    RgbImage out{width, height, std::vector<std::uint8_t>(static_cast<std::size_t>(width) * height * 3)};
    if (image.empty() || width <= 0 || height <= 0) return out;
    cv::Mat dst = wrap(out);
    cv::resize(wrap(image), dst, cv::Size(width, height), 0, 0, nearest ? cv::INTER_NEAREST : cv::INTER_AREA);
    return out;
}

RgbImage composeSheet(const std::string &title, const std::vector<SheetRow> &rows, int tileSide,
                      const std::vector<std::string> &footer) {
    const int captionLine = lineHeight(kCaptionScale), rowTitle = lineHeight(kRowTitleScale);
    const int titleHeight = title.empty() ? 0 : lineHeight(kTitleScale) + 6;
    auto sideOf = [&](const SheetRow &row) { return row.tileSide > 0 ? row.tileSide : tileSide; };
    // A tile is as wide as its picture or its widest caption line, whichever is wider.
    auto advance = [&](const SheetTile &t, int side) {
        int w = side, baseline = 0;
        for (const std::string &line : lines(t.caption))
            w = std::max(w, cv::getTextSize(line, kFont, kCaptionScale, 1, &baseline).width);
        return w + kGap;
    };
    // A tile's picture scaled to `side` on its longer side.
    auto scaledSize = [](const RgbImage &image, int side) {
        if (image.empty()) return cv::Size(side, side);
        const double s = static_cast<double>(side) / std::max(image.width, image.height);
        return cv::Size(std::max(1, static_cast<int>(std::lround(image.width * s))),
                        std::max(1, static_cast<int>(std::lround(image.height * s))));
    };
    // Every row is as tall as its tallest picture plus its longest caption.
    int width = 0, height = kMargin + titleHeight;
    std::vector<int> captionLines(rows.size(), 0), pictureHeights(rows.size(), 0);
    for (std::size_t r = 0; r < rows.size(); ++r) {
        int w = kMargin;
        for (const SheetTile &t : rows[r].tiles) {
            w += advance(t, sideOf(rows[r]));
            captionLines[r] = std::max(captionLines[r], static_cast<int>(lines(t.caption).size()));
            pictureHeights[r] = std::max(pictureHeights[r], scaledSize(t.image, sideOf(rows[r])).height);
        }
        width = std::max(width, w + kMargin);
        height += (rows[r].title.empty() ? 0 : rowTitle) + pictureHeights[r] + captionLines[r] * captionLine + kGap;
    }
    int baseline = 0;
    for (const std::string &line : footer)
        width = std::max(width, 2 * kMargin + cv::getTextSize(line, kFont, kCaptionScale, 1, &baseline).width);
    for (const SheetRow &row : rows)
        width = std::max(width, 2 * kMargin + cv::getTextSize(row.title, kFont, kRowTitleScale, 1, &baseline).width);
    height += static_cast<int>(footer.size()) * captionLine + kMargin;
    if (!title.empty())
        width = std::max(width, 2 * kMargin + cv::getTextSize(title, kFont, kTitleScale, 2, &baseline).width);
    RgbImage sheet = blank(width, height, {255, 255, 255});
    cv::Mat canvas = wrap(sheet);
    int y = kMargin;
    if (!title.empty()) {
        text(canvas, title, kMargin, y + lineHeight(kTitleScale) - 8, kTitleScale, 2);
        y += titleHeight;
    }
    for (std::size_t r = 0; r < rows.size(); ++r) {
        const int side = sideOf(rows[r]);
        if (!rows[r].title.empty()) {
            text(canvas, rows[r].title, kMargin, y + rowTitle - 7, kRowTitleScale, 1);
            y += rowTitle;
        }
        int x = kMargin;
        for (const SheetTile &t : rows[r].tiles) {
            if (!t.image.empty()) {
                const cv::Size size = scaledSize(t.image, side);
                const RgbImage scaled = resized(t.image, size.width, size.height, size.width >= t.image.width);
                wrap(scaled).copyTo(canvas(cv::Rect(x, y, size.width, size.height)));
            }
            int ly = y + pictureHeights[r] + captionLine - 6;
            for (const std::string &line : lines(t.caption)) {
                text(canvas, line, x, ly, kCaptionScale);
                ly += captionLine;
            }
            x += advance(t, side);
        }
        y += pictureHeights[r] + captionLines[r] * captionLine + kGap;
    }
    for (const std::string &line : footer) {
        text(canvas, line, kMargin, y + captionLine - 6, kCaptionScale);
        y += captionLine;
    }
    return sheet;
}

void writePng(const std::string &path, const RgbImage &image) {
    if (image.empty()) throw std::runtime_error("cannot write '" + path + "': empty picture");
    cv::Mat bgr;
    cv::cvtColor(wrap(image), bgr, cv::COLOR_RGB2BGR);
    std::vector<std::uint8_t> png;
    if (!cv::imencode(".png", bgr, png)) throw std::runtime_error("cannot encode '" + path + "' as PNG");
    writeFileAtomically(path, std::string(png.begin(), png.end()));
}

}  // namespace unetlab
