#include "data/ImageDecode.h"

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <fstream>
#include <limits>
#include <set>
#include <stdexcept>

namespace unetlab {
namespace {

[[noreturn]] void fail(const std::string &reason) { throw std::runtime_error(reason); }

// Reads bytes at absolute offsets; a short read means the header is truncated.
class ByteReader {
public:
    explicit ByteReader(const std::string &path) : m_in(path, std::ios::binary) {
        if (!m_in) fail("cannot be opened (missing or not readable)");
        m_in.seekg(0, std::ios::end);
        m_size = static_cast<std::uint64_t>(m_in.tellg());
        m_in.seekg(0);
    }
    std::uint64_t size() const { return m_size; }
    // `count` bytes at `offset`, or an empty vector when the file is shorter.
    std::vector<std::uint8_t> at(std::uint64_t offset, std::size_t count) {
        if (offset > m_size || count > m_size - offset) return {};
        std::vector<std::uint8_t> bytes(count);
        m_in.seekg(static_cast<std::streamoff>(offset));
        m_in.read(reinterpret_cast<char *>(bytes.data()), static_cast<std::streamsize>(count));
        if (!m_in) return {};
        return bytes;
    }

private:
    std::ifstream m_in;
    std::uint64_t m_size = 0;
};

std::uint64_t bigEndian(const std::uint8_t *p, int n) {
    std::uint64_t v = 0;
    for (int i = 0; i < n; ++i) v = (v << 8) | p[i];
    return v;
}
std::uint64_t littleEndian(const std::uint8_t *p, int n) {
    std::uint64_t v = 0;
    for (int i = n - 1; i >= 0; --i) v = (v << 8) | p[i];
    return v;
}

void checkSize(const std::string &format, std::uint64_t width, std::uint64_t height) {
    if (width == 0 || height == 0)
        fail(format + " header claims an empty image (" + std::to_string(width) + "x" + std::to_string(height) + ")");
    if (width > static_cast<std::uint64_t>(kMaxImageSide) || height > static_cast<std::uint64_t>(kMaxImageSide) ||
        width * height > kMaxImagePixels)
        fail(format + " header claims " + std::to_string(width) + "x" + std::to_string(height) +
             " pixels, more than the limit of " + std::to_string(kMaxImageSide) + " per side and " +
             std::to_string(kMaxImagePixels) + " in all; not decoded");
}

ImageHeader probePng(ByteReader &in) {
    const auto b = in.at(0, 24);
    if (b.empty()) fail("truncated PNG header");
    if (std::string(b.begin() + 12, b.begin() + 16) != "IHDR") fail("malformed PNG (no IHDR chunk first)");
    const std::uint64_t w = bigEndian(&b[16], 4), h = bigEndian(&b[20], 4);
    checkSize("PNG", w, h);
    // Walk the chunks to IEND: a cut-off file is named as such here, rather than through
    // libpng's complaints on stderr halfway through decoding.
    std::uint64_t pos = 8;
    for (int chunks = 0; chunks < 1000000; ++chunks) {
        const auto head = in.at(pos, 8);
        if (head.empty()) break;
        const std::uint64_t length = bigEndian(head.data(), 4);
        const std::string type(head.begin() + 4, head.end());
        if (pos + 12 + length > in.size()) fail("truncated PNG (the file ends inside its " + type + " chunk)");
        if (type == "IEND") return {"PNG", static_cast<int>(w), static_cast<int>(h)};
        pos += 12 + length;
    }
    fail("truncated PNG (no IEND chunk)");
}

ImageHeader probeJpeg(ByteReader &in) {
    std::uint64_t pos = 2;
    for (int segments = 0; segments < 10000; ++segments) {
        auto b = in.at(pos, 1);
        if (b.empty()) break;
        if (b[0] != 0xFF) fail("malformed JPEG (expected a marker at byte " + std::to_string(pos) + ")");
        // Markers may be preceded by any number of 0xFF fill bytes.
        std::uint8_t marker = 0xFF;
        while (marker == 0xFF) {
            b = in.at(++pos, 1);
            if (b.empty()) fail("truncated JPEG header");
            marker = b[0];
        }
        ++pos;
        if (marker == 0x01 || marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7)) continue;  // no length
        if (marker == 0xD9 || marker == 0xDA) fail("malformed JPEG (no frame header before the image data)");
        const auto len = in.at(pos, 2);
        if (len.empty()) break;
        const std::uint64_t length = bigEndian(len.data(), 2);
        if (length < 2) fail("malformed JPEG (segment length " + std::to_string(length) + ")");
        const bool frame = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
        if (frame) {
            const auto f = in.at(pos + 2, 5);
            if (f.empty()) break;
            const std::uint64_t h = bigEndian(&f[1], 2), w = bigEndian(&f[3], 2);
            checkSize("JPEG", w, h);
            // libjpeg decodes a cut-off file with grey filling and only a warning, so look for
            // the end-of-image marker near the end (a few writers append bytes after it).
            const std::uint64_t tail = std::min<std::uint64_t>(in.size(), 1024);
            const auto end = in.at(in.size() - tail, static_cast<std::size_t>(tail));
            bool ended = false;
            for (std::size_t i = 0; i + 1 < end.size() && !ended; ++i) ended = end[i] == 0xFF && end[i + 1] == 0xD9;
            if (!ended) fail("truncated JPEG (no end-of-image marker)");
            return {"JPEG", static_cast<int>(w), static_cast<int>(h)};
        }
        pos += length;
    }
    fail("truncated JPEG header (no frame header found)");
}

std::vector<ImageHeader> probeTiff(ByteReader &in, bool little, std::size_t maxPages) {
    auto number = [little](const std::uint8_t *p, int n) { return little ? littleEndian(p, n) : bigEndian(p, n); };
    const auto h8 = in.at(0, 8);
    if (h8.empty()) fail("truncated TIFF header");
    const std::uint64_t magic = number(&h8[2], 2);
    const bool big = magic == 43;
    if (magic != 42 && !big) fail("malformed TIFF (version " + std::to_string(magic) + ")");
    std::uint64_t offset = 0;
    if (big) {
        const auto head = in.at(0, 16);
        if (head.empty()) fail("truncated BigTIFF header");
        offset = number(&head[8], 8);
    } else {
        offset = number(&h8[4], 4);
    }
    const int countBytes = big ? 8 : 2, entryBytes = big ? 20 : 12, nextBytes = big ? 8 : 4;
    std::vector<ImageHeader> pages;
    std::set<std::uint64_t> seen;
    while (offset != 0) {
        if (pages.size() >= maxPages) fail("TIFF has more than " + std::to_string(maxPages) + " pages");
        if (!seen.insert(offset).second) fail("malformed TIFF (its pages form a loop)");
        const auto c = in.at(offset, static_cast<std::size_t>(countBytes));
        if (c.empty()) fail("truncated TIFF (page " + std::to_string(pages.size() + 1) + " is missing)");
        const std::uint64_t entries = number(c.data(), countBytes);
        if (entries == 0 || entries > 4096) fail("malformed TIFF (a page with " + std::to_string(entries) + " tags)");
        const auto table = in.at(offset + static_cast<std::uint64_t>(countBytes),
                                 static_cast<std::size_t>(entries * entryBytes + nextBytes));
        if (table.empty()) fail("truncated TIFF (page " + std::to_string(pages.size() + 1) + " is cut short)");
        std::uint64_t width = 0, height = 0;
        for (std::uint64_t e = 0; e < entries; ++e) {
            const std::uint8_t *entry = &table[e * entryBytes];
            const std::uint64_t tag = number(entry, 2), type = number(entry + 2, 2);
            if (tag != 256 && tag != 257) continue;
            const std::uint8_t *value = entry + (big ? 12 : 8);
            // SHORT (3), LONG (4) or LONG8 (16): the value sits in the entry itself.
            const std::uint64_t v = type == 3    ? number(value, 2)
                                    : type == 4  ? number(value, 4)
                                    : type == 16 ? number(value, 8)
                                                 : 0;
            (tag == 256 ? width : height) = v;
        }
        if (width == 0 || height == 0)
            fail("malformed TIFF (page " + std::to_string(pages.size() + 1) + " states no width or height)");
        checkSize("TIFF", width, height);
        pages.push_back({"TIFF", static_cast<int>(width), static_cast<int>(height)});
        offset = number(&table[entries * entryBytes], nextBytes);
        if (maxPages == 1) break;  // a single image: only the first page is decoded
    }
    if (pages.empty()) fail("malformed TIFF (no pages)");
    return pages;
}

bool looksLikeText(const std::vector<std::uint8_t> &bytes) {
    if (bytes.empty()) return false;
    for (std::uint8_t c : bytes)
        if (c < 0x09 || (c > 0x0D && c < 0x20)) return false;
    return true;
}

// Any depth -> 8 bits, stretched by the image's own finite min and max (see the header).
cv::Mat to8Bit(const cv::Mat &m, bool *rescaled) {
    if (m.depth() == CV_8U) return m;
    *rescaled = true;
    cv::Mat d;
    m.convertTo(d, CV_64F);
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    const cv::Mat flat = d.reshape(1);
    for (int y = 0; y < flat.rows; ++y) {
        const double *p = flat.ptr<double>(y);
        for (int x = 0; x < flat.cols; ++x)
            if (std::isfinite(p[x])) {
                lo = std::min(lo, p[x]);
                hi = std::max(hi, p[x]);
            }
    }
    cv::Mat out(m.rows, m.cols, CV_8UC(m.channels()));
    cv::Mat outFlat = out.reshape(1);
    const double scale = hi > lo ? 255.0 / (hi - lo) : 0.0;
    for (int y = 0; y < flat.rows; ++y) {
        const double *p = flat.ptr<double>(y);
        std::uint8_t *q = outFlat.ptr<std::uint8_t>(y);
        for (int x = 0; x < flat.cols; ++x)
            q[x] = std::isfinite(p[x]) && scale > 0 ? cv::saturate_cast<std::uint8_t>((p[x] - lo) * scale) : 0;
    }
    return out;
}

std::string depthName(int depth) {
    switch (depth) {
        case CV_8U:
            return "8-bit";
        case CV_8S:
            return "signed 8-bit";
        case CV_16U:
            return "16-bit";
        case CV_16S:
            return "signed 16-bit";
        case CV_32S:
            return "32-bit integer";
        case CV_32F:
            return "32-bit float";
        case CV_64F:
            return "64-bit float";
        default:
            return "unusual";
    }
}

DecodedImage toImage(const cv::Mat &m) {
    cv::Mat c;
    switch (m.channels()) {
        case 1:
            c = m;
            break;
        case 2:
            cv::extractChannel(m, c, 0);
            break;  // grey + alpha
        case 3:
            cv::cvtColor(m, c, cv::COLOR_BGR2RGB);
            break;
        case 4:
            cv::cvtColor(m, c, cv::COLOR_BGRA2RGB);
            break;
        default:
            fail("has " + std::to_string(m.channels()) + " channels (grey, grey+alpha, RGB or RGBA expected)");
    }
    DecodedImage out;
    const cv::Mat e = to8Bit(c, &out.rescaled);
    out.width = e.cols;
    out.height = e.rows;
    out.channels = e.channels();
    const cv::Mat dense = e.isContinuous() ? e : e.clone();
    out.pixels.assign(dense.data, dense.data + dense.total() * dense.elemSize());
    return out;
}

template <typename T>
DecodedMask maskCodes(const cv::Mat &m) {
    DecodedMask out;
    out.width = m.cols;
    out.height = m.rows;
    out.codes.resize(static_cast<std::size_t>(m.cols) * m.rows);
    const int ch = m.channels();
    bool grey = true;
    for (int y = 0; y < m.rows && grey; ++y) {
        const T *p = m.ptr<T>(y);
        for (int x = 0; x < m.cols && ch >= 3; ++x)
            if (p[x * ch] != p[x * ch + 1] || p[x * ch] != p[x * ch + 2]) {
                grey = false;
                break;
            }
    }
    if (!grey && sizeof(T) > 1) fail("is a 16-bit colour mask (grey label values or 8-bit colours expected)");
    out.colour = !grey;
    std::size_t i = 0;
    for (int y = 0; y < m.rows; ++y) {
        const T *p = m.ptr<T>(y);
        for (int x = 0; x < m.cols; ++x, ++i) {
            const T *px = p + static_cast<std::ptrdiff_t>(x) * ch;
            // OpenCV stores colour as BGR(A).
            out.codes[i] = grey ? static_cast<std::uint32_t>(px[0])
                                : (static_cast<std::uint32_t>(px[2]) << 16) | (static_cast<std::uint32_t>(px[1]) << 8) |
                                      static_cast<std::uint32_t>(px[0]);
        }
    }
    return out;
}

DecodedMask toMask(const cv::Mat &m) {
    if (m.depth() != CV_8U && m.depth() != CV_16U)
        fail("is a " + depthName(m.depth()) + " mask (masks hold 8- or 16-bit whole numbers)");
    if (m.channels() > 4) fail("is a mask with " + std::to_string(m.channels()) + " channels");
    return m.depth() == CV_8U ? maskCodes<std::uint8_t>(m) : maskCodes<std::uint16_t>(m);
}

std::vector<cv::Mat> decodePages(const std::string &path, bool stack) {
    const std::vector<ImageHeader> headers = probeImageFile(path, stack ? kMaxStackPages : 1);
    std::vector<cv::Mat> pages;
    try {
        if (stack && headers.front().format == "TIFF") {
            if (!cv::imreadmulti(path, pages, cv::IMREAD_UNCHANGED)) pages.clear();
        } else {
            cv::Mat m = cv::imread(path, cv::IMREAD_UNCHANGED);
            if (!m.empty()) pages.push_back(m);
        }
    } catch (const cv::Exception &) {
        pages.clear();
    }
    if (pages.empty()) fail("could not be decoded (truncated or corrupt " + headers.front().format + ")");
    if (stack && pages.size() != headers.size())
        fail("could be decoded only partly (" + std::to_string(pages.size()) + " of " + std::to_string(headers.size()) +
             " pages)");
    return pages;
}

}  // namespace

std::vector<ImageHeader> probeImageFile(const std::string &path, std::size_t maxPages) {
    ByteReader in(path);
    if (in.size() == 0) fail("is empty (0 bytes)");
    const auto sig = in.at(0, std::min<std::uint64_t>(in.size(), 8));
    static const std::array<std::uint8_t, 8> kPng = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
    if (sig.size() == 8 && std::equal(kPng.begin(), kPng.end(), sig.begin())) return {probePng(in)};
    if (sig.size() >= 3 && sig[0] == 0xFF && sig[1] == 0xD8 && sig[2] == 0xFF) return {probeJpeg(in)};
    if (sig.size() >= 4 && ((sig[0] == 'I' && sig[1] == 'I') || (sig[0] == 'M' && sig[1] == 'M')))
        return probeTiff(in, sig[0] == 'I', std::max<std::size_t>(1, maxPages));
    const auto start = in.at(0, std::min<std::uint64_t>(in.size(), 512));
    if (looksLikeText(start)) fail("is a text file, not an image");
    fail("is not a PNG, JPEG or TIFF image");
}

std::vector<DecodedImage> readImagePages(const std::string &path, bool stack) {
    std::vector<DecodedImage> out;
    for (const cv::Mat &m : decodePages(path, stack)) out.push_back(toImage(m));
    return out;
}

std::vector<DecodedMask> readMaskPages(const std::string &path, bool stack) {
    std::vector<DecodedMask> out;
    for (const cv::Mat &m : decodePages(path, stack)) out.push_back(toMask(m));
    return out;
}

std::string opencvVersion() { return CV_VERSION; }

}  // namespace unetlab
