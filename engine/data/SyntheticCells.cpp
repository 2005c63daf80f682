#include "data/SyntheticCells.h"

// Synthetic Papanicolaou-style urothelial cytology (MISSION §9).
//
// Every image is painted in optical density (Beer-Lambert): a pale, warm,
// unevenly lit background, a faint mucus smear, translucent cytoplasm of several
// cells (overlaps add density, so they look darker), dark blue-purple nuclei with
// chromatin texture, granules, and background debris. The mask is filled from the
// very polygons that were painted, so it is exact. Cytoplasm is translucent, so a
// nucleus stays visible (and is labelled nucleus) where another cell overlaps it.
//
// Determinism: all randomness comes from splitmix64 streams seeded by a hash of
// (seed, index); uniform and normal variates are computed here from the raw 64-bit
// draws, never through std::*_distribution or cv::RNG. Geometry is drawn in a
// 256-unit frame and scaled by size/256, so the same (seed, index) gives the same
// scene at every size.

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <stdexcept>

#include "core/Random.h"

namespace unetlab {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kFrame = 256.0;   // geometry is specified in this frame
constexpr int kShift = 4;          // sub-pixel bits for cv::fillPoly

// ---------------------------------------------------------------- random numbers

using Rng = SplitMix64;

// Independent streams for the different parts of a scene, so that (for example)
// sensor noise, whose draw count depends on the size, never shifts the geometry.
enum Stream : std::uint64_t {
    kGeometry = 1, kStain, kNoiseFields, kTexture, kDebris, kSensor
};

Rng streamFor(std::uint64_t seed, std::size_t index, Stream stream) {
    const std::uint64_t h = mix64(mix64(seed ^ 0x5bd1e9955bd1e995ULL) + mix64(index + 0x2545f491ULL));
    return Rng(mix64(h ^ (static_cast<std::uint64_t>(stream) * 0x9e3779b97f4a7c15ULL)));
}

// ---------------------------------------------------------------- noise fields

// Smooth value noise in about [-1, 1]: random values on a grid with spacing
// `cell` pixels, interpolated with a cubic B-spline (smooth, without the blocky
// look of bilinear interpolation). Separable: rows first, then columns.
cv::Mat1f valueNoise(int size, double cell, Rng &rng) {
    const int grid = static_cast<int>(std::ceil(size / cell)) + 4;
    std::vector<float> values(static_cast<std::size_t>(grid) * grid);
    for (float &v : values) v = static_cast<float>(1.4 * rng.uniform(-1.0, 1.0));

    std::vector<int> index(static_cast<std::size_t>(size));
    std::vector<std::array<float, 4>> weight(static_cast<std::size_t>(size));
    for (int i = 0; i < size; ++i) {
        const double g = (i + 0.5) / cell;
        const int base = std::min(static_cast<int>(g), grid - 4);
        const double f = g - base, f2 = f * f, f3 = f2 * f;
        index[static_cast<std::size_t>(i)] = base;   // taps base .. base+3 (grid is offset by one)
        weight[static_cast<std::size_t>(i)] = {static_cast<float>((1 - f) * (1 - f) * (1 - f) / 6.0),
                                               static_cast<float>((3 * f3 - 6 * f2 + 4) / 6.0),
                                               static_cast<float>((-3 * f3 + 3 * f2 + 3 * f + 1) / 6.0),
                                               static_cast<float>(f3 / 6.0)};
    }

    // Along x for every grid row.
    std::vector<float> rows(static_cast<std::size_t>(grid) * size);
    for (int gy = 0; gy < grid; ++gy) {
        const float *src = &values[static_cast<std::size_t>(gy) * grid];
        float *dst = &rows[static_cast<std::size_t>(gy) * size];
        for (int x = 0; x < size; ++x) {
            const int gx = index[static_cast<std::size_t>(x)];
            const auto &w = weight[static_cast<std::size_t>(x)];
            dst[x] = w[0] * src[gx] + w[1] * src[gx + 1] + w[2] * src[gx + 2] + w[3] * src[gx + 3];
        }
    }
    // Then along y.
    cv::Mat1f out(size, size);
    for (int y = 0; y < size; ++y) {
        const int gy = index[static_cast<std::size_t>(y)];
        const auto &w = weight[static_cast<std::size_t>(y)];
        const float *r0 = &rows[static_cast<std::size_t>(gy) * size];
        const float *r1 = r0 + size, *r2 = r1 + size, *r3 = r2 + size;
        float *dst = out.ptr<float>(y);
        for (int x = 0; x < size; ++x) dst[x] = w[0] * r0[x] + w[1] * r1[x] + w[2] * r2[x] + w[3] * r3[x];
    }
    return out;
}

// ---------------------------------------------------------------- shapes

// An ellipse whose radius is perturbed by a few low harmonics: r(θ)·(1 + Σ a_j cos(jθ + φ_j)).
struct Blob {
    double cx = 0, cy = 0;   // centre, frame units
    double a = 1, b = 1;     // semi-axes, frame units
    double rotation = 0;     // radians
    std::array<double, 5> amp{};     // harmonics 2..6
    std::array<double, 5> phase{};

    double maxExtent() const {
        double total = 0;
        for (double v : amp) total += v;
        return std::max(a, b) * (1.0 + total);
    }
    double minExtent() const {
        double total = 0;
        for (double v : amp) total += v;
        return std::min(a, b) * (1.0 - total);
    }
    double equivalentRadius() const { return std::sqrt(a * b); }
};

Blob makeBlob(Rng &rng, double cx, double cy, double radius, double aspect, double irregularity) {
    Blob blob;
    blob.cx = cx;
    blob.cy = cy;
    const double s = std::sqrt(aspect);
    blob.a = radius * s;
    blob.b = radius / s;
    blob.rotation = rng.uniform(0.0, kPi);
    std::array<double, 5> w{};
    double sum = 0;
    for (std::size_t j = 0; j < w.size(); ++j) {
        w[j] = rng.uniform(0.15, 1.0) / (1.0 + 0.5 * static_cast<double>(j));
        sum += w[j];
        blob.phase[j] = rng.uniform(0.0, 2.0 * kPi);
    }
    for (std::size_t j = 0; j < w.size(); ++j) blob.amp[j] = irregularity * w[j] / sum;
    return blob;
}

// Polygon in pixel coordinates with kShift fractional bits.
std::vector<cv::Point> polygon(const Blob &blob, double scale, int vertices = 72) {
    std::vector<cv::Point> pts;
    pts.reserve(static_cast<std::size_t>(vertices));
    const double c = std::cos(blob.rotation), s = std::sin(blob.rotation);
    for (int i = 0; i < vertices; ++i) {
        const double t = 2.0 * kPi * i / vertices;
        double p = 1.0;
        for (std::size_t j = 0; j < blob.amp.size(); ++j)
            p += blob.amp[j] * std::cos(static_cast<double>(j + 2) * t + blob.phase[j]);
        double ex = blob.a * std::cos(t) * p, ey = blob.b * std::sin(t) * p;
        // cv::fillPoly also fills the pixels its edges pass through, which makes a
        // shape about half a pixel fatter all round; pull the outline in by that much
        // so that areas (and the N/C ratio) do not depend on the image size.
        const double length = std::hypot(ex, ey) * scale;
        const double shrink = length > 1.0 ? (length - 0.5) / length : 0.5;
        ex *= shrink;
        ey *= shrink;
        const double x = (blob.cx + c * ex - s * ey) * scale - 0.5;
        const double y = (blob.cy + s * ex + c * ey) * scale - 0.5;
        pts.emplace_back(static_cast<int>(std::lround(x * (1 << kShift))),
                         static_cast<int>(std::lround(y * (1 << kShift))));
    }
    return pts;
}

// Fills `blob` into an 8-bit mask (255 inside) covering `roi` of the image.
cv::Mat1b fillBlob(const Blob &blob, double scale, const cv::Rect &roi) {
    cv::Mat1b out = cv::Mat1b::zeros(roi.size());
    std::vector<cv::Point> pts = polygon(blob, scale);
    const cv::Point offset(roi.x << kShift, roi.y << kShift);
    for (cv::Point &p : pts) p -= offset;
    const std::vector<std::vector<cv::Point>> polys{pts};
    cv::fillPoly(out, polys, cv::Scalar(255), cv::LINE_8, kShift);
    return out;
}

// Pixel bounding box of a blob (with a margin), clipped to the image.
cv::Rect boundsOf(const Blob &blob, double scale, int size, int margin) {
    const double r = blob.maxExtent() * scale;
    const int x0 = static_cast<int>(std::floor(blob.cx * scale - r)) - margin;
    const int y0 = static_cast<int>(std::floor(blob.cy * scale - r)) - margin;
    const int x1 = static_cast<int>(std::ceil(blob.cx * scale + r)) + margin;
    const int y1 = static_cast<int>(std::ceil(blob.cy * scale + r)) + margin;
    return cv::Rect(cv::Point(x0, y0), cv::Point(x1, y1)) & cv::Rect(0, 0, size, size);
}

// Distance (pixels) from every inside pixel to the outside of the shape.
cv::Mat1f insideDistance(const cv::Mat1b &inside) {
    cv::Mat1b padded;
    cv::copyMakeBorder(inside, padded, 1, 1, 1, 1, cv::BORDER_REPLICATE);
    cv::Mat1f dist;
    cv::distanceTransform(padded, dist, cv::DIST_L2, cv::DIST_MASK_3, CV_32F);
    return dist(cv::Rect(1, 1, inside.cols, inside.rows)).clone();
}

using OD = cv::Vec3f;   // optical density per channel (R, G, B)

// Adds a soft disc of density `od` (anti-aliased edge) at (cx, cy) in pixels,
// only where `allow` (full-image mask; may be empty) is non-zero.
void addDot(cv::Mat3f &density, double cx, double cy, double radius, const OD &od,
            const cv::Mat1b &allow) {
    const int x0 = std::max(0, static_cast<int>(std::floor(cx - radius - 1)));
    const int y0 = std::max(0, static_cast<int>(std::floor(cy - radius - 1)));
    const int x1 = std::min(density.cols - 1, static_cast<int>(std::ceil(cx + radius + 1)));
    const int y1 = std::min(density.rows - 1, static_cast<int>(std::ceil(cy + radius + 1)));
    for (int y = y0; y <= y1; ++y) {
        for (int x = x0; x <= x1; ++x) {
            if (!allow.empty() && allow(y, x) == 0) continue;
            const double dx = x + 0.5 - cx, dy = y + 0.5 - cy;
            const double cover = std::clamp(radius + 0.5 - std::sqrt(dx * dx + dy * dy), 0.0, 1.0);
            if (cover > 0) density(y, x) += od * static_cast<float>(cover);
        }
    }
}

// ---------------------------------------------------------------- scene description

struct Cell {
    Blob cytoplasm;
    std::vector<Blob> nuclei;    // usually one, occasionally two touching
    OD cytoplasmOD;              // stain colour times density
    OD nucleusOD;
    double rim = 0;              // membrane darkening
    double chromatin = 0;        // texture contrast
    double granules = 0;         // granules per 1000 frame units² of cytoplasm
};

OD lerp(const OD &a, const OD &b, double t) {
    return a * static_cast<float>(1.0 - t) + b * static_cast<float>(t);
}

// Papanicolaou-like cytoplasm colours (optical density, R G B): cyanophilic
// blue-green, blue-grey, eosinophilic pink, green, orangeophilic.
const OD kCytoplasmStains[] = {
    {0.42f, 0.16f, 0.09f}, {0.34f, 0.24f, 0.12f}, {0.06f, 0.34f, 0.19f},
    {0.36f, 0.12f, 0.24f}, {0.04f, 0.22f, 0.42f},
};
const double kCytoplasmStainWeights[] = {0.32, 0.22, 0.22, 0.18, 0.06};

std::vector<Cell> planCells(Rng &rng, Rng &stain) {
    // Per-image stain: haematoxylin hue and strength, cytoplasm tint.
    const OD hemBlue(0.98f, 1.02f, 0.46f), hemPurple(0.80f, 1.12f, 0.36f), hemGrey(0.95f, 0.92f, 0.58f);
    const double hue = stain.uniform(-1.0, 1.0);
    const OD hem = hue >= 0 ? lerp(hemBlue, hemPurple, hue) : lerp(hemBlue, hemGrey, -hue);
    const double hemStrength = stain.uniform(0.8, 1.2);
    const double cytoStrength = stain.uniform(0.75, 1.25);
    const double paleNucleusRate = stain.uniform(0.15, 0.40);
    const OD cytoTint(static_cast<float>(stain.uniform(0.9, 1.1)), static_cast<float>(stain.uniform(0.9, 1.1)),
                      static_cast<float>(stain.uniform(0.9, 1.1)));

    const int wanted = rng.integer(2, 7);
    const double crowding = rng.uniform(0.55, 0.95);   // < 1: cells may overlap
    const double areaBudget = rng.uniform(0.30, 0.55) * kFrame * kFrame;
    const bool binucleate = rng.chance(0.3);
    const int binucleateCell = rng.integer(0, wanted - 1);

    std::vector<Cell> cells;
    double usedArea = 0;
    for (int i = 0; i < wanted; ++i) {
        // Nucleus: 30–60 px area-equivalent diameter (smaller when crowded).
        const bool twoNuclei = binucleate && i == binucleateCell;
        const double largest = 60.0 - 3.0 * (wanted - 2) - (twoNuclei ? 6.0 : 0.0);
        const double nucleusRadius = 0.5 * rng.uniform(twoNuclei ? 36.0 : 30.0, largest);
        const double nucAspect = rng.uniform(1.0, 1.4);
        const double nucIrregular = rng.uniform(0.02, 0.10);

        // Cytoplasm: area-equivalent radius = factor × nucleus radius.
        const double factor = rng.uniform(1.5, 2.7);
        const double cellAspect = rng.uniform(1.0, 1.55);
        const double cellIrregular = rng.uniform(0.05, 0.16);
        double cellRadius = factor * nucleusRadius * (twoNuclei ? 1.35 : 1.0);
        const double remaining = areaBudget - usedArea;
        if (i > 0 && kPi * cellRadius * cellRadius > remaining) {
            cellRadius = std::sqrt(std::max(remaining, 0.0) / kPi);
            if (cellRadius < 1.45 * nucleusRadius * (twoNuclei ? 1.35 : 1.0)) break;
        }

        Cell cell;
        // Shapes are made at the origin first; the cell is then placed.
        cell.cytoplasm = makeBlob(rng, 0, 0, cellRadius, cellAspect, cellIrregular);
        const double r = twoNuclei ? nucleusRadius * 0.85 : nucleusRadius;
        Blob n0 = makeBlob(rng, 0, 0, r, nucAspect, nucIrregular);
        std::vector<Blob> nuclei{n0};
        if (twoNuclei) {
            Blob n1 = makeBlob(rng, 0, 0, r * rng.uniform(0.95, 1.1), rng.uniform(1.0, 1.3), nucIrregular);
            // Side by side along the cell's long axis, touching or slightly overlapping.
            const double gap = (n0.minExtent() + n1.minExtent()) * 0.5 * rng.uniform(0.95, 1.12);
            const double ax = std::cos(cell.cytoplasm.rotation), ay = std::sin(cell.cytoplasm.rotation);
            nuclei[0].cx = -ax * gap;
            nuclei[0].cy = -ay * gap;
            n1.cx = ax * gap;
            n1.cy = ay * gap;
            nuclei.push_back(n1);
        }
        // The nuclei must sit inside the cytoplasm: grow the cell if needed.
        double nucleiExtent = 0;
        for (const Blob &n : nuclei)
            nucleiExtent = std::max(nucleiExtent, std::hypot(n.cx, n.cy) + n.maxExtent());
        const double needed = nucleiExtent / 0.9;
        if (cell.cytoplasm.minExtent() < needed) {
            const double grow = needed / cell.cytoplasm.minExtent();
            cell.cytoplasm.a *= grow;
            cell.cytoplasm.b *= grow;
        }
        // Slightly off-centre.
        const double slack = std::max(0.0, 0.9 * cell.cytoplasm.minExtent() - nucleiExtent);
        const double offAngle = rng.uniform(0.0, 2.0 * kPi);
        const double off = slack * rng.uniform(0.1, 0.8);
        for (Blob &n : nuclei) {
            n.cx += off * std::cos(offAngle);
            n.cy += off * std::sin(offAngle);
        }

        // Placement: centres inside the frame, limited overlap, nuclei of
        // different cells apart (occasionally just touching).
        bool placed = false;
        for (int attempt = 0; attempt < 60 && !placed; ++attempt) {
            const double cx = rng.uniform(0.1, 0.9) * kFrame, cy = rng.uniform(0.1, 0.9) * kFrame;
            const double need = rng.uniform(0.97, 1.15);
            placed = true;
            for (const Cell &other : cells) {
                const double d = std::hypot(cx - other.cytoplasm.cx, cy - other.cytoplasm.cy);
                if (d < crowding * (cell.cytoplasm.equivalentRadius() + other.cytoplasm.equivalentRadius())) {
                    placed = false;
                    break;
                }
                for (const Blob &n : nuclei)
                    for (const Blob &m : other.nuclei)
                        if (std::hypot(cx + n.cx - m.cx, cy + n.cy - m.cy) <
                            need * (n.maxExtent() + m.maxExtent())) {
                            placed = false;
                        }
                if (!placed) break;
            }
            if (placed) {
                cell.cytoplasm.cx = cx;
                cell.cytoplasm.cy = cy;
                for (Blob &n : nuclei) {
                    n.cx += cx;
                    n.cy += cy;
                }
            }
        }
        if (!placed) continue;
        cell.nuclei = nuclei;

        // Stain of this cell.
        double pick = rng.uniform();
        std::size_t family = 0;
        for (; family + 1 < std::size(kCytoplasmStains); ++family) {
            if (pick < kCytoplasmStainWeights[family]) break;
            pick -= kCytoplasmStainWeights[family];
        }
        const OD base = kCytoplasmStains[family].mul(cytoTint);
        cell.cytoplasmOD = base * static_cast<float>(cytoStrength * rng.uniform(0.25, 1.5));
        const bool pale = rng.chance(paleNucleusRate);
        const double nucDensity = pale ? rng.uniform(0.25, 0.48) : rng.uniform(0.55, 1.2);
        cell.nucleusOD = hem * static_cast<float>(hemStrength * nucDensity);
        cell.rim = rng.uniform(0.0, 0.8);
        cell.chromatin = pale ? rng.uniform(0.25, 0.5) : rng.uniform(0.3, 0.65);
        cell.granules = rng.chance(0.7) ? rng.uniform(0.5, 6.0) : 0.0;

        usedArea += kPi * cell.cytoplasm.a * cell.cytoplasm.b;
        cells.push_back(cell);
    }
    return cells;
}

}  // namespace

// ---------------------------------------------------------------- SyntheticCells

SyntheticCells::SyntheticCells(SyntheticOptions options) : m_options(options) {
    if (m_options.count < 1)
        throw std::invalid_argument("SyntheticCells: count must be at least 1 (got 0)");
    if (m_options.size < 32 || m_options.size > 4096)
        throw std::invalid_argument("SyntheticCells: size must be between 32 and 4096 pixels (got " +
                                    std::to_string(m_options.size) + ")");
}

std::string SyntheticCells::name() const {
    return "Synthetic cells (" + std::to_string(m_options.count) + " \u00d7 " + std::to_string(m_options.size) +
           "\u00b2, seed " + std::to_string(m_options.seed) + ")";
}

std::vector<std::string> SyntheticCells::classNames() const { return {"background", "cytoplasm", "nucleus"}; }

Sample SyntheticCells::get(std::size_t index) const {
    if (index >= m_options.count)
        throw std::out_of_range("SyntheticCells: index " + std::to_string(index) + " out of range (dataset has " +
                                std::to_string(m_options.count) + " images)");
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        if (m_cache.size() != m_options.count) m_cache.resize(m_options.count);
        if (m_cache[index]) return *m_cache[index];
    }
    // Generate outside the lock; if two threads race, both results are identical.
    auto sample = std::make_shared<const Sample>(generate(m_options, index));
    std::lock_guard<std::mutex> lock(m_mutex);
    if (!m_cache[index]) m_cache[index] = sample;
    return *m_cache[index];
}

Sample SyntheticCells::generate(const SyntheticOptions &options, std::size_t index) {
    const int size = options.size;
    if (size < 32 || size > 4096)
        throw std::invalid_argument("SyntheticCells::generate: size must be between 32 and 4096 pixels (got " +
                                    std::to_string(size) + ")");
    const double k = size / kFrame;   // pixels per frame unit

    Rng geometry = streamFor(options.seed, index, kGeometry);
    Rng stain = streamFor(options.seed, index, kStain);
    Rng fields = streamFor(options.seed, index, kNoiseFields);
    Rng texture = streamFor(options.seed, index, kTexture);
    Rng debrisRng = streamFor(options.seed, index, kDebris);
    Rng sensor = streamFor(options.seed, index, kSensor);

    const std::vector<Cell> cells = planCells(geometry, stain);

    // Image-wide look: background colour, brightness, blur, noise.
    const cv::Vec3f background(static_cast<float>(stain.uniform(228, 246)),
                               static_cast<float>(stain.uniform(221, 238)),
                               static_cast<float>(stain.uniform(205, 226)));
    const double gain = stain.uniform(0.86, 1.04);
    const double illumAmount = stain.uniform(0.03, 0.09);
    const double vignette = stain.uniform(0.0, 0.12);
    const double mucusAmount = stain.chance(0.75) ? stain.uniform(0.2, 1.5) : 0.0;
    // The smear takes up the cytoplasm stains, so pale cytoplasm and mucus overlap in colour.
    const OD mucusOD = kCytoplasmStains[stain.integer(0, 3)] * static_cast<float>(stain.uniform(0.5, 1.0));
    const double blurSigma = stain.uniform(0.9, 2.0) * k;
    const double noiseSigma = stain.uniform(2.0, 6.0);

    const cv::Mat1f illum = valueNoise(size, 100.0 * k, fields);
    const cv::Mat1f mucus = valueNoise(size, 34.0 * k, fields);
    const cv::Mat1f cytoLow = valueNoise(size, 14.0 * k, fields);
    const cv::Mat1f cytoHigh = valueNoise(size, 3.5 * k, fields);
    const cv::Mat1f chromA = valueNoise(size, 1.8 * k, fields);
    const cv::Mat1f chromB = valueNoise(size, 4.5 * k, fields);

    cv::Mat3f density(size, size, OD(0, 0, 0));
    cv::Mat1b label = cv::Mat1b::zeros(size, size);

    // Mucus smear: faint, patchy, part of the background.
    if (mucusAmount > 0) {
        for (int y = 0; y < size; ++y) {
            const float *m = mucus.ptr<float>(y);
            OD *d = density.ptr<OD>(y);
            for (int x = 0; x < size; ++x) {
                const float w = std::max(0.0f, m[x] - 0.2f) / 0.8f;
                d[x] += mucusOD * static_cast<float>(w * mucusAmount);
            }
        }
    }

    // Cytoplasm first (all cells), then nuclei on top: cytoplasm is translucent.
    std::vector<cv::Mat1b> cytoMasks;   // full-image masks per cell, for granules
    for (const Cell &cell : cells) {
        cv::Mat1b full = cv::Mat1b::zeros(size, size);
        const cv::Rect roi = boundsOf(cell.cytoplasm, k, size, 3);
        if (roi.area() > 0) {
            const cv::Mat1b inside = fillBlob(cell.cytoplasm, k, roi);
            inside.copyTo(full(roi));
            const cv::Mat1f dist = insideDistance(inside);
            const float rimWidth = static_cast<float>(2.0 * k);
            for (int y = 0; y < roi.height; ++y) {
                const std::uint8_t *in = inside.ptr<std::uint8_t>(y);
                const float *dd = dist.ptr<float>(y);
                const float *lo = cytoLow.ptr<float>(y + roi.y) + roi.x;
                const float *hi = cytoHigh.ptr<float>(y + roi.y) + roi.x;
                OD *d = density.ptr<OD>(y + roi.y) + roi.x;
                std::uint8_t *lab = label.ptr<std::uint8_t>(y + roi.y) + roi.x;
                for (int x = 0; x < roi.width; ++x) {
                    if (!in[x]) continue;
                    const float tex = 1.0f + 0.35f * lo[x] + 0.18f * hi[x];
                    const float rim = 1.0f + static_cast<float>(cell.rim) * std::exp(-dd[x] / rimWidth);
                    d[x] += cell.cytoplasmOD * (tex * rim);
                    if (lab[x] == 0) lab[x] = 1;
                }
            }
        }
        cytoMasks.push_back(full);
    }

    for (std::size_t c = 0; c < cells.size(); ++c) {
        const Cell &cell = cells[c];
        for (const Blob &nucleus : cell.nuclei) {
            const cv::Rect roi = boundsOf(nucleus, k, size, 3);
            if (roi.area() == 0) continue;
            const cv::Mat1b inside = fillBlob(nucleus, k, roi);
            const cv::Mat1f dist = insideDistance(inside);
            const float rimWidth = static_cast<float>(1.6 * k);
            const float chrom = static_cast<float>(cell.chromatin);
            cv::Mat1b full = cv::Mat1b::zeros(size, size);
            inside.copyTo(full(roi));
            for (int y = 0; y < roi.height; ++y) {
                const std::uint8_t *in = inside.ptr<std::uint8_t>(y);
                const float *dd = dist.ptr<float>(y);
                const float *ca = chromA.ptr<float>(y + roi.y) + roi.x;
                const float *cb = chromB.ptr<float>(y + roi.y) + roi.x;
                OD *d = density.ptr<OD>(y + roi.y) + roi.x;
                std::uint8_t *lab = label.ptr<std::uint8_t>(y + roi.y) + roi.x;
                for (int x = 0; x < roi.width; ++x) {
                    if (!in[x]) continue;
                    const float tex = std::max(0.2f, 1.0f + chrom * (0.6f * ca[x] + 0.55f * cb[x]));
                    const float rim = 1.0f + 0.35f * std::exp(-dd[x] / rimWidth);
                    d[x] += cell.nucleusOD * (tex * rim);
                    lab[x] = 2;
                }
            }
            // Chromatin clumps and, sometimes, a nucleolus.
            const double area = kPi * nucleus.a * nucleus.b;
            const int clumps = static_cast<int>(area / texture.uniform(40.0, 90.0));
            for (int i = 0; i < clumps; ++i) {
                const double t = texture.uniform(0.0, 2.0 * kPi), rr = std::sqrt(texture.uniform());
                const double px = (nucleus.cx + rr * nucleus.a * std::cos(t)) * k;
                const double py = (nucleus.cy + rr * nucleus.b * std::sin(t)) * k;
                addDot(density, px, py, texture.uniform(0.6, 1.8) * k,
                       cell.nucleusOD * static_cast<float>(texture.uniform(0.15, 0.6) * cell.chromatin * 2.0), full);
            }
            if (texture.chance(0.3)) {
                const double px = (nucleus.cx + texture.uniform(-0.4, 0.4) * nucleus.a) * k;
                const double py = (nucleus.cy + texture.uniform(-0.4, 0.4) * nucleus.b) * k;
                addDot(density, px, py, texture.uniform(1.2, 2.4) * k, OD(0.15f, 0.55f, 0.25f), full);
            }
        }
    }

    // Granules: small dots in the cytoplasm of their cell (never in a nucleus).
    for (std::size_t c = 0; c < cells.size(); ++c) {
        const Cell &cell = cells[c];
        const Blob &body = cell.cytoplasm;
        const int count = static_cast<int>(cell.granules * kPi * body.a * body.b / 1000.0);
        cv::Mat1b allow;
        cv::bitwise_and(cytoMasks[c], label == 1, allow);
        for (int i = 0; i < count; ++i) {
            const double t = texture.uniform(0.0, 2.0 * kPi), rr = std::sqrt(texture.uniform());
            const double ex = rr * body.a * std::cos(t), ey = rr * body.b * std::sin(t);
            const double cr = std::cos(body.rotation), sr = std::sin(body.rotation);
            const double px = (body.cx + cr * ex - sr * ey) * k, py = (body.cy + sr * ex + cr * ey) * k;
            const double radius = texture.uniform(0.5, 1.4) * k;
            const OD od = texture.chance(0.5) ? cell.cytoplasmOD * static_cast<float>(texture.uniform(1.0, 2.5))
                                              : OD(0.45f, 0.45f, 0.30f) * static_cast<float>(texture.uniform(0.4, 1.1));
            const int ix = static_cast<int>(px), iy = static_cast<int>(py);
            if (ix < 0 || iy < 0 || ix >= size || iy >= size || allow(iy, ix) == 0) continue;
            addDot(density, px, py, radius, od, allow);
        }
    }

    // Debris in the background (labelled background): dark blobs and fibres.
    {
        const cv::Mat1b backgroundOnly = label == 0;
        const OD hemLike = cells.empty() ? OD(0.9f, 1.0f, 0.45f) : cells.front().nucleusOD;
        const int blobs = debrisRng.integer(6, 26);
        for (int i = 0; i < blobs; ++i) {
            const double radius = debrisRng.uniform(1.2, 7.0);
            const Blob blob = makeBlob(debrisRng, debrisRng.uniform(0, kFrame), debrisRng.uniform(0, kFrame), radius,
                                       debrisRng.uniform(1.0, 2.2), debrisRng.uniform(0.05, 0.3));
            const OD od = debrisRng.chance(0.6) ? hemLike * static_cast<float>(debrisRng.uniform(0.5, 1.3))
                                                : OD(0.35f, 0.55f, 0.85f) * static_cast<float>(debrisRng.uniform(0.4, 1.0));
            const cv::Rect roi = boundsOf(blob, k, size, 2);
            if (roi.area() == 0 || cv::countNonZero(backgroundOnly(roi)) != roi.area()) continue;
            const cv::Mat1b inside = fillBlob(blob, k, roi);
            for (int y = 0; y < roi.height; ++y)
                for (int x = 0; x < roi.width; ++x)
                    if (inside(y, x)) density(y + roi.y, x + roi.x) += od;
        }
        const int fibres = debrisRng.integer(0, 3);
        for (int i = 0; i < fibres; ++i) {
            cv::Mat1b layer = cv::Mat1b::zeros(size, size);
            double x = debrisRng.uniform(0, kFrame), y = debrisRng.uniform(0, kFrame);
            double angle = debrisRng.uniform(0, 2 * kPi);
            const int steps = debrisRng.integer(6, 22);
            std::vector<cv::Point> pts;
            for (int s = 0; s <= steps; ++s) {
                pts.emplace_back(static_cast<int>(std::lround((x * k - 0.5) * (1 << kShift))),
                                 static_cast<int>(std::lround((y * k - 0.5) * (1 << kShift))));
                x += 4.0 * std::cos(angle);
                y += 4.0 * std::sin(angle);
                angle += 0.25 * debrisRng.normal();
            }
            const int thickness = std::max(1, static_cast<int>(std::lround(debrisRng.uniform(0.8, 2.2) * k)));
            const std::vector<std::vector<cv::Point>> lines{pts};
            cv::polylines(layer, lines, false, cv::Scalar(255), thickness, cv::LINE_AA, kShift);
            const OD od = debrisRng.chance(0.5) ? OD(0.10f, 0.40f, 0.25f) * static_cast<float>(debrisRng.uniform(0.6, 1.4))
                                                : OD(0.55f, 0.55f, 0.45f) * static_cast<float>(debrisRng.uniform(0.4, 1.0));
            for (int yy = 0; yy < size; ++yy) {
                const std::uint8_t *l = layer.ptr<std::uint8_t>(yy);
                const std::uint8_t *bg = backgroundOnly.ptr<std::uint8_t>(yy);
                OD *d = density.ptr<OD>(yy);
                for (int xx = 0; xx < size; ++xx)
                    if (l[xx] && bg[xx]) d[xx] += od * (l[xx] / 255.0f);
            }
        }
    }

    // Light through the slide: background × illumination × exp(-density).
    cv::Mat3b rgb(size, size);
    for (int y = 0; y < size; ++y) {
        const float *il = illum.ptr<float>(y);
        const OD *d = density.ptr<OD>(y);
        cv::Vec3b *out = rgb.ptr<cv::Vec3b>(y);
        const double vy = (y + 0.5) / size - 0.5;
        for (int x = 0; x < size; ++x) {
            const double vx = (x + 0.5) / size - 0.5;
            const float light = static_cast<float>(gain * (1.0 + illumAmount * il[x] - vignette * (vx * vx + vy * vy)));
            for (int ch = 0; ch < 3; ++ch)
                out[x][ch] = cv::saturate_cast<std::uint8_t>(background[ch] * light * std::exp(-d[x][ch]));
        }
    }

    // Slight defocus (8-bit Gaussian blur is bit-exact in OpenCV), then sensor noise.
    if (blurSigma >= 0.3) cv::GaussianBlur(rgb, rgb, cv::Size(0, 0), blurSigma, blurSigma, cv::BORDER_REFLECT_101);

    Sample sample;
    char id[32];
    std::snprintf(id, sizeof id, "synthetic-%04zu", index);
    sample.id = id;
    sample.width = size;
    sample.height = size;
    sample.channels = 3;
    sample.image.resize(static_cast<std::size_t>(size) * size * 3);
    sample.mask.resize(static_cast<std::size_t>(size) * size);
    std::size_t p = 0;
    for (int y = 0; y < size; ++y) {
        const cv::Vec3b *row = rgb.ptr<cv::Vec3b>(y);
        const std::uint8_t *lab = label.ptr<std::uint8_t>(y);
        for (int x = 0; x < size; ++x) {
            for (int ch = 0; ch < 3; ++ch) {
                const double v = row[x][ch] + noiseSigma * sensor.normal();
                sample.image[p * 3 + static_cast<std::size_t>(ch)] = cv::saturate_cast<std::uint8_t>(v);
            }
            sample.mask[p] = lab[x];
            ++p;
        }
    }
    return sample;
}

}  // namespace unetlab
