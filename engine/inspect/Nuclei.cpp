#include "inspect/Nuclei.h"

#include <algorithm>
#include <cstdint>
#include <deque>
#include <queue>
#include <stdexcept>

#include <opencv2/imgproc.hpp>

namespace unetlab {
namespace {

// Multi-source breadth-first growth (4-neighbours): every pixel where `allowed` is set and
// `labels` is 0 takes the label of the nearest labelled pixel, measured inside `allowed`.
// Pixels out of reach of every label stay 0.
void growLabels(cv::Mat &labels, const cv::Mat &allowed) {
    const int w = labels.cols, h = labels.rows;
    std::deque<int> queue;
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
            if (labels.at<int>(y, x) > 0) queue.push_back(y * w + x);
    const int dx[] = {1, -1, 0, 0}, dy[] = {0, 0, 1, -1};
    while (!queue.empty()) {
        const int p = queue.front();
        queue.pop_front();
        const int x = p % w, y = p / w;
        const int label = labels.at<int>(y, x);
        for (int k = 0; k < 4; ++k) {
            const int nx = x + dx[k], ny = y + dy[k];
            if (nx < 0 || ny < 0 || nx >= w || ny >= h) continue;
            if (!allowed.at<std::uint8_t>(ny, nx) || labels.at<int>(ny, nx) != 0) continue;
            labels.at<int>(ny, nx) = label;
            queue.push_back(ny * w + nx);
        }
    }
}

// Marker-controlled watershed by immersion on -`depth`: unlabelled pixels where `allowed` is
// set take the label of the basin that reaches them first, basins growing into their deepest
// neighbour first. Where two basins first meet is the deepest point between them (the neck);
// if that neck is at least `neckRatio` of the shallower basin's peak, the two were one
// irregular nucleus and are merged. Returns the number of labels left (1..n, compacted).
int floodFromSeeds(cv::Mat &labels, const cv::Mat &depth, const cv::Mat &allowed, int seeds, double neckRatio) {
    const int w = labels.cols, h = labels.rows;
    std::vector<int> parent(static_cast<std::size_t>(seeds) + 1);
    std::vector<float> peak(static_cast<std::size_t>(seeds) + 1, 0.f);
    for (int i = 0; i <= seeds; ++i) parent[static_cast<std::size_t>(i)] = i;
    auto root = [&](int l) {
        while (parent[static_cast<std::size_t>(l)] != l)
            l = parent[static_cast<std::size_t>(l)] =
                parent[static_cast<std::size_t>(parent[static_cast<std::size_t>(l)])];
        return l;
    };
    struct Entry {
        float depth;
        std::uint64_t order;
        int pixel;
        bool operator<(const Entry &o) const { return depth != o.depth ? depth < o.depth : order > o.order; }
    };
    std::priority_queue<Entry> queue;
    std::uint64_t order = 0;
    const int dx[] = {1, -1, 0, 0}, dy[] = {0, 0, 1, -1};
    auto pushNeighbours = [&](int x, int y) {
        for (int k = 0; k < 4; ++k) {
            const int nx = x + dx[k], ny = y + dy[k];
            if (nx < 0 || ny < 0 || nx >= w || ny >= h) continue;
            if (!allowed.at<std::uint8_t>(ny, nx) || labels.at<int>(ny, nx) != 0) continue;
            queue.push({depth.at<float>(ny, nx), order++, ny * w + nx});
        }
    };
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
            if (const int l = labels.at<int>(y, x); l > 0) {
                peak[static_cast<std::size_t>(l)] = std::max(peak[static_cast<std::size_t>(l)], depth.at<float>(y, x));
                pushNeighbours(x, y);
            }
    while (!queue.empty()) {
        const Entry e = queue.top();
        queue.pop();
        const int x = e.pixel % w, y = e.pixel / w;
        if (labels.at<int>(y, x) != 0) continue;
        // The pixel joins the labelled neighbour that lies deepest (the basin it drains to);
        // basins meeting here are merged when the neck is nearly as deep as their peaks.
        int label = 0;
        float best = -1;
        for (int k = 0; k < 4; ++k) {
            const int nx = x + dx[k], ny = y + dy[k];
            if (nx < 0 || ny < 0 || nx >= w || ny >= h) continue;
            const int l = labels.at<int>(ny, nx);
            if (l <= 0) continue;
            const int r = root(l);
            if (label > 0 && r != label &&
                e.depth >=
                    neckRatio * std::min(peak[static_cast<std::size_t>(r)], peak[static_cast<std::size_t>(label)])) {
                const int keep = peak[static_cast<std::size_t>(r)] >= peak[static_cast<std::size_t>(label)] ? r : label;
                parent[static_cast<std::size_t>(keep == r ? label : r)] = keep;
                label = keep;
            }
            if (depth.at<float>(ny, nx) > best) {
                best = depth.at<float>(ny, nx);
                label = root(l);
            }
        }
        labels.at<int>(y, x) = label;
        pushNeighbours(x, y);
    }
    // Merged basins take their root's label; labels are renumbered 1..n in seed order.
    std::vector<int> compact(static_cast<std::size_t>(seeds) + 1, 0);
    int n = 0;
    for (int l = 1; l <= seeds; ++l)
        if (root(l) == l) compact[static_cast<std::size_t>(l)] = ++n;
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
            if (int &l = labels.at<int>(y, x); l > 0) l = compact[static_cast<std::size_t>(root(l))];
    return n;
}

// Outer contour of the pixels labelled `label` (the longest, if the region is in pieces).
std::vector<PixelPoint> outline(const cv::Mat &labels, int label) {
    const cv::Mat region = labels == label;
    std::vector<std::vector<cv::Point>> contours;
    cv::findContours(region, contours, cv::RETR_EXTERNAL, cv::CHAIN_APPROX_SIMPLE);
    std::vector<PixelPoint> out;
    if (contours.empty()) return out;
    const auto longest = std::max_element(contours.begin(), contours.end(),
                                          [](const auto &a, const auto &b) { return a.size() < b.size(); });
    for (const cv::Point &p : *longest) out.push_back({p.x, p.y});
    return out;
}

}  // namespace

SeparationOptions separationFor(const std::vector<std::string> &classNames) {
    const CellClasses cells = cellClassesOf(classNames);
    SeparationOptions o;
    o.nucleusClass = cells.nucleus;
    o.cytoplasmClass = cells.cytoplasm;
    return o;
}

InstanceSeparation separateNuclei(const std::uint8_t *mask, int width, int height, const SeparationOptions &o) {
    if (width <= 0 || height <= 0) throw std::invalid_argument("separateNuclei: empty mask");
    InstanceSeparation out;
    out.width = width;
    out.height = height;
    const cv::Mat classes(height, width, CV_8U, const_cast<std::uint8_t *>(mask));
    cv::Mat nucleus = classes == o.nucleusClass;

    // Specks are noise: drop components smaller than a nucleus can be.
    cv::Mat components, stats, centroids;
    const int n = cv::connectedComponentsWithStats(nucleus, components, stats, centroids, 8, CV_32S);
    for (int c = 1; c < n; ++c) {
        if (stats.at<int>(c, cv::CC_STAT_AREA) >= o.minNucleusPixels) {
            ++out.components;
            continue;
        }
        nucleus.setTo(0, components == c);
    }

    // Seeds: points of the distance transform that are the highest within minPeakDistance, so
    // two touching round nuclei get one seed each at their centres.
    cv::Mat dist;
    cv::distanceTransform(nucleus, dist, cv::DIST_L2, cv::DIST_MASK_PRECISE);
    const int r = std::max(1, o.minPeakDistance);
    cv::Mat dilated;
    cv::dilate(dist, dilated, cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(2 * r + 1, 2 * r + 1)));
    // A seed must lie at least minSeedDepth inside: the ripples of a thin sliver are not centres.
    cv::Mat peaks = (dist >= dilated) & (dist >= o.minSeedDepth) & nucleus;
    // A component whose peaks were all suppressed by a taller neighbour within reach still
    // needs a seed: its own highest point.
    cv::Mat kept;
    const int keptCount = cv::connectedComponents(nucleus, kept, 8, CV_32S);
    for (int c = 1; c < keptCount; ++c) {
        const cv::Mat inComponent = kept == c;
        if (cv::countNonZero(peaks & inComponent) > 0) continue;
        cv::Point top;
        cv::minMaxLoc(dist, nullptr, nullptr, nullptr, &top, inComponent);
        peaks.at<std::uint8_t>(top) = 255;
    }
    cv::Mat markers;
    const int seeds = cv::connectedComponents(peaks, markers, 8, CV_32S) - 1;

    // Watershed on the inverted distance: flood from every seed, always extending the basin
    // whose next pixel lies deepest inside a nucleus, so two basins meet where touching
    // nuclei pinch together. (cv::watershed floods by colour differences between neighbours,
    // which on a smooth distance relief does not find the pinch.)
    const int count = seeds > 0 ? floodFromSeeds(markers, dist, nucleus, seeds, o.neckRatio) : 0;

    // Cells: cytoplasm goes to the nearest nucleus through cell pixels, so two touching cells
    // split along the line midway between their nuclei.
    cv::Mat cellLabels = markers.clone();
    const cv::Mat cellPixels = (classes == o.nucleusClass) | (classes == o.cytoplasmClass);
    growLabels(cellLabels, cellPixels);

    out.instances.resize(static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i) out.instances[static_cast<std::size_t>(i)].label = i + 1;
    for (int y = 0; y < height; ++y)
        for (int x = 0; x < width; ++x) {
            const int nl = markers.at<int>(y, x);
            if (nl > 0) {
                CellInstance &c = out.instances[static_cast<std::size_t>(nl - 1)];
                ++c.nucleusPixels;
                c.centreX += x;
                c.centreY += y;
            }
            const int cl = cellLabels.at<int>(y, x);
            if (cl > 0 && classes.at<std::uint8_t>(y, x) == o.cytoplasmClass)
                ++out.instances[static_cast<std::size_t>(cl - 1)].cytoplasmPixels;
        }
    for (CellInstance &c : out.instances) {
        if (c.nucleusPixels > 0) {
            c.centreX /= c.nucleusPixels;
            c.centreY /= c.nucleusPixels;
        }
        c.nc = c.cytoplasmPixels > 0 ? static_cast<double>(c.nucleusPixels) / c.cytoplasmPixels : kUndefined;
        c.nucleusOutline = outline(markers, c.label);
        c.cellOutline = outline(cellLabels, c.label);
    }
    out.nuclei.assign(markers.begin<int>(), markers.end<int>());
    out.cells.assign(cellLabels.begin<int>(), cellLabels.end<int>());
    return out;
}

}  // namespace unetlab
