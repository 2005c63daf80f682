#include "data/ImageDecode.h"

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <limits>
#include <mutex>
#include <set>
#include <stdexcept>
#include <utility>

#ifdef __unix__
#include <unistd.h>
#endif

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
        bool widthSeen = false, heightSeen = false;
        for (std::uint64_t e = 0; e < entries; ++e) {
            const std::uint8_t *entry = &table[e * entryBytes];
            const std::uint64_t tag = number(entry, 2), type = number(entry + 2, 2);
            if (tag != 256 && tag != 257) continue;
            // libtiff keeps the first of duplicated tags: a second width or height here would
            // let a page pass this check with one size and be decoded with another.
            if (std::exchange(tag == 256 ? widthSeen : heightSeen, true))
                fail("malformed TIFF (page " + std::to_string(pages.size() + 1) + " states its " +
                     (tag == 256 ? "width" : "height") + " twice)");
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

// BMP: "BM", a 14-byte file header, then an info header whose first field is its own size:
// 12 bytes (OS/2 1.x: 16-bit width and height) or 40 and more (32-bit, height negative for
// rows stored top-down).
ImageHeader probeBmp(ByteReader &in) {
    const auto b = in.at(0, 26);
    if (b.empty()) fail("truncated BMP header");
    const std::uint64_t infoSize = littleEndian(&b[14], 4);
    std::int64_t w = 0, h = 0;
    if (infoSize == 12) {
        w = static_cast<std::int64_t>(littleEndian(&b[18], 2));
        h = static_cast<std::int64_t>(littleEndian(&b[20], 2));
    } else if (infoSize >= 40 && infoSize <= 256) {
        const auto c = in.at(18, 8);
        if (c.empty()) fail("truncated BMP header");
        w = static_cast<std::int32_t>(static_cast<std::uint32_t>(littleEndian(&c[0], 4)));
        h = static_cast<std::int32_t>(static_cast<std::uint32_t>(littleEndian(&c[4], 4)));
    } else {
        fail("malformed BMP (an info header of " + std::to_string(infoSize) + " bytes)");
    }
    if (w < 0) fail("malformed BMP (negative width " + std::to_string(w) + ")");
    checkSize("BMP", static_cast<std::uint64_t>(w), static_cast<std::uint64_t>(h < 0 ? -h : h));
    return {"BMP", static_cast<int>(w), static_cast<int>(h < 0 ? -h : h)};
}

// PNM (PBM, PGM, PPM): "P1".."P6", then width, height and (but for bitmaps) the largest value
// as ASCII numbers separated by white space, with "#" comments to the end of a line.
ImageHeader probePnm(ByteReader &in) {
    const auto head = in.at(0, static_cast<std::size_t>(std::min<std::uint64_t>(in.size(), 4096)));
    const char kind = static_cast<char>(head[1]);
    const bool bitmap = kind == '1' || kind == '4';
    std::uint64_t fields[3] = {0, 0, 0};
    std::size_t pos = 2;
    for (int f = 0; f < (bitmap ? 2 : 3); ++f) {
        // White space and comments, then digits.
        for (;;) {
            if (pos >= head.size()) fail("truncated PNM header");
            const char c = static_cast<char>(head[pos]);
            if (c == '#') {
                while (pos < head.size() && head[pos] != '\n' && head[pos] != '\r') ++pos;
            } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f') {
                ++pos;
            } else {
                break;
            }
        }
        if (head[pos] < '0' || head[pos] > '9')
            fail("malformed PNM header (a number expected at byte " + std::to_string(pos) + ")");
        std::uint64_t v = 0;
        for (; pos < head.size() && head[pos] >= '0' && head[pos] <= '9'; ++pos)
            v = std::min<std::uint64_t>(v * 10 + (head[pos] - '0'), std::uint64_t{1} << 40);
        if (pos >= head.size()) fail("truncated PNM header");
        fields[f] = v;
    }
    if (!bitmap && (fields[2] == 0 || fields[2] > 65535))
        fail("malformed PNM header (largest value " + std::to_string(fields[2]) + ", 1..65535 expected)");
    checkSize("PNM", fields[0], fields[1]);
    return {"PNM", static_cast<int>(fields[0]), static_cast<int>(fields[1])};
}

// libpng and libjpeg, as OpenCV drives them, print their complaints to stderr ("libpng
// error: bad adaptive filter value", "Corrupt JPEG data: 147 extraneous bytes ...") and
// libjpeg then decodes a damaged file anyway. While one decode runs, stderr goes to a
// temporary file, so the complaint becomes part of the one-line reason rather than stray
// lines on the user's terminal. The redirection is process-wide: decodes take turns.
class CodecMessages {
public:
    CodecMessages() : m_lock(mutex()) {
#ifdef __unix__
        std::fflush(stderr);
        m_file = std::tmpfile();
        if (m_file) m_saved = ::dup(STDERR_FILENO);
        if (m_saved >= 0 && ::dup2(::fileno(m_file), STDERR_FILENO) < 0) {
            ::close(m_saved);
            m_saved = -1;
        }
#endif
    }
    ~CodecMessages() {
        restore();
        if (m_file) std::fclose(m_file);
    }
    CodecMessages(const CodecMessages &) = delete;
    CodecMessages &operator=(const CodecMessages &) = delete;

    // Puts stderr back; what libpng and libjpeg printed, as one line ("" when nothing).
    // OpenCV's own log lines ("[ WARN:...", "imread_(...)") only repeat that a read failed.
    std::string finish() {
        restore();
        std::string text;
        if (!m_file) return text;
        std::rewind(m_file);
        char buffer[512];
        std::size_t n = 0;
        while (text.size() < 4096 && (n = std::fread(buffer, 1, sizeof buffer, m_file)) > 0) text.append(buffer, n);
        std::string joined, line;
        auto take = [&] {
            const bool opencv = line.rfind("[ WARN", 0) == 0 || line.rfind("[ERROR", 0) == 0 ||
                                line.rfind("[ INFO", 0) == 0 || line.rfind("imread", 0) == 0;
            if (!line.empty() && !opencv) joined += (joined.empty() ? "" : "; ") + line;
            line.clear();
        };
        for (char c : text) {
            if (c == '\n' || c == '\r')
                take();
            else if (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f)
                line += c;
        }
        take();
        return joined.size() > 200 ? joined.substr(0, 200) + "..." : joined;
    }

private:
    static std::mutex &mutex() {
        static std::mutex m;
        return m;
    }
    void restore() {
#ifdef __unix__
        if (m_saved >= 0) {
            std::fflush(stderr);
            ::dup2(m_saved, STDERR_FILENO);
            ::close(m_saved);
            m_saved = -1;
        }
#endif
    }

    std::lock_guard<std::mutex> m_lock;
    std::FILE *m_file = nullptr;
    int m_saved = -1;  // the real stderr while redirected
};

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
    if (lo > hi) fail("has no finite pixel value (every pixel is NaN or infinite)");
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

// `page` >= 0: that page of a TIFF alone (streaming), `stack` false.
std::vector<cv::Mat> decodePages(const std::string &path, bool stack, const std::vector<ImageHeader> &headers,
                                 int page = -1) {
    const std::string &format = headers.front().format;
    std::vector<cv::Mat> pages;
    std::string messages;
    {
        CodecMessages codec;
        try {
            if (page > 0 && format == "TIFF") {
                if (!cv::imreadmulti(path, pages, page, 1, cv::IMREAD_UNCHANGED) || pages.size() != 1) pages.clear();
            } else if (stack && format == "TIFF") {
                if (!cv::imreadmulti(path, pages, cv::IMREAD_UNCHANGED)) pages.clear();
            } else {
                cv::Mat m = cv::imread(path, cv::IMREAD_UNCHANGED);
                if (!m.empty()) pages.push_back(m);
            }
        } catch (const cv::Exception &) {
            pages.clear();
        }
        messages = codec.finish();
    }
    if (pages.empty())
        fail("could not be decoded (truncated or corrupt " + format + (messages.empty() ? "" : ": " + messages) + ")");
    // libjpeg fills what it cannot decode with grey and only warns: such an image is damaged.
    if (format == "JPEG" && (messages.find("Corrupt JPEG data") != std::string::npos ||
                             messages.find("Premature end of JPEG") != std::string::npos))
        fail("is a corrupt JPEG (" + messages + ")");
    if (stack && pages.size() != headers.size())
        fail("could be decoded only partly (" + std::to_string(pages.size()) + " of " + std::to_string(headers.size()) +
             " pages)");
    return pages;
}

// PNG, JPEG and TIFF; with `bmpAndPnm` also BMP and PNM.
std::vector<ImageHeader> probeHeaders(const std::string &path, std::size_t maxPages, bool bmpAndPnm) {
    ByteReader in(path);
    if (in.size() == 0) fail("is empty (0 bytes)");
    const auto sig = in.at(0, std::min<std::uint64_t>(in.size(), 8));
    static const std::array<std::uint8_t, 8> kPng = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
    if (sig.size() == 8 && std::equal(kPng.begin(), kPng.end(), sig.begin())) return {probePng(in)};
    if (sig.size() >= 3 && sig[0] == 0xFF && sig[1] == 0xD8 && sig[2] == 0xFF) return {probeJpeg(in)};
    if (sig.size() >= 4 && ((sig[0] == 'I' && sig[1] == 'I') || (sig[0] == 'M' && sig[1] == 'M')))
        return probeTiff(in, sig[0] == 'I', std::max<std::size_t>(1, maxPages));
    const bool text = looksLikeText(in.at(0, std::min<std::uint64_t>(in.size(), 512)));
    // A BMP header holds zero bytes (its reserved fields), so text starting "BM" is text.
    if (bmpAndPnm && !text && sig.size() >= 2 && sig[0] == 'B' && sig[1] == 'M') return {probeBmp(in)};
    // A PNM header is text itself ("P6 640 480 255", then the pixels; P1-P3 are text
    // throughout): text starting "P1 " and so on is refused by the header's numbers or the decoder.
    if (bmpAndPnm && sig.size() >= 3 && sig[0] == 'P' && sig[1] >= '1' && sig[1] <= '6' &&
        (sig[2] == ' ' || sig[2] == '\t' || sig[2] == '\n' || sig[2] == '\r' || sig[2] == '#'))
        return {probePnm(in)};
    if (text) fail("is a text file, not an image");
    fail(bmpAndPnm ? "is not a PNG, JPEG, TIFF, BMP or PNM image" : "is not a PNG, JPEG or TIFF image");
}

}  // namespace

std::vector<ImageHeader> probeImageFile(const std::string &path, std::size_t maxPages) {
    return probeHeaders(path, maxPages, false);
}

ImageHeader probeAnyImageFile(const std::string &path) { return probeHeaders(path, 1, true).front(); }

std::vector<DecodedImage> readImagePages(const std::string &path, bool stack) {
    std::vector<DecodedImage> out;
    for (const cv::Mat &m : decodePages(path, stack, probeImageFile(path, stack ? kMaxStackPages : 1)))
        out.push_back(toImage(m));
    return out;
}

DecodedImage readAnyImage(const std::string &path) {
    return toImage(decodePages(path, false, {probeAnyImageFile(path)}).front());
}

std::vector<DecodedMask> readMaskPages(const std::string &path, bool stack) {
    std::vector<DecodedMask> out;
    for (const cv::Mat &m : decodePages(path, stack, probeImageFile(path, stack ? kMaxStackPages : 1)))
        out.push_back(toMask(m));
    return out;
}

namespace {
std::vector<cv::Mat> decodeOnePage(const std::string &path, std::size_t page) {
    const std::vector<ImageHeader> headers = probeImageFile(path, kMaxStackPages);
    if (page >= headers.size())
        fail("has no page " + std::to_string(page + 1) + " (it has " + std::to_string(headers.size()) + ")");
    return decodePages(path, false, headers, static_cast<int>(page));
}
}  // namespace

DecodedImage readImagePage(const std::string &path, std::size_t page) {
    return toImage(decodeOnePage(path, page).front());
}

DecodedMask readMaskPage(const std::string &path, std::size_t page) {
    return toMask(decodeOnePage(path, page).front());
}

std::string opencvVersion() { return CV_VERSION; }

}  // namespace unetlab
