#pragma once
// The bad inputs of issue #9, made by the tests themselves (a few KB each): broken images, odd
// masks, absurd headers, hostile and foreign checkpoints, and a way to make "permission
// denied" bite when the tests run as root. Shared by the engine, CLI and GUI suites; OpenCV
// and the C++ library only (no LibTorch, no Qt).
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/capability.h>

#include <dirent.h>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "../RemoveTree.h"

namespace badinput {

namespace fs = std::filesystem;

// A fresh folder for the running test: /tmp/unetlab-<what>-<pid>-<test name>.
inline fs::path freshTestFolder(const std::string &what) {
    const fs::path dir = fs::temp_directory_path() /
                         ("unetlab-" + what + "-" + std::to_string(::getpid()) + "-" +
                          ::testing::UnitTest::GetInstance()->current_test_info()->name());
    unetlab::testing::removeTree(dir);
    fs::create_directories(dir);
    return dir;
}

// Removes a test's folder, first giving back the permissions a test took away.
inline void removeTestFolder(const fs::path &dir) {
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec))
        fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ec);
    fs::permissions(dir, fs::perms::owner_all, fs::perm_options::add, ec);
    unetlab::testing::removeTree(dir);
}

inline void writeBytes(const fs::path &p, const std::string &bytes) {
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << bytes;
}

inline std::string readBytes(const fs::path &p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// A grey gradient that differs per seed, and a binary 0/255 mask with a filled square.
inline cv::Mat greyImage(int side, int seed = 0) {
    cv::Mat m(side, side, CV_8UC1);
    for (int y = 0; y < side; ++y)
        for (int x = 0; x < side; ++x)
            m.at<std::uint8_t>(y, x) = static_cast<std::uint8_t>((x * 7 + y * 13 + seed * 31) % 251);
    return m;
}
inline cv::Mat binaryMask(int side) {
    cv::Mat m = cv::Mat::zeros(side, side, CV_8UC1);
    cv::rectangle(m, cv::Rect(side / 4, side / 4, side / 2, side / 2), cv::Scalar(255), cv::FILLED);
    return m;
}

inline std::string encoded(const std::string &ext, const cv::Mat &m) {
    std::vector<std::uint8_t> buffer;
    if (!cv::imencode(ext, m, buffer)) return {};
    return std::string(buffer.begin(), buffer.end());
}

inline void writeImage(const fs::path &p, const cv::Mat &m) {
    fs::create_directories(p.parent_path());
    cv::imwrite(p.string(), m);
}

// FOLDER/images + FOLDER/masks with `n` valid 32x32 pairs good0..good{n-1}.png.
// A 16-bit image using only 0 and 65535 (as deep.png) and a float TIFF whose first columns
// are NaN and then `infinity` (+inf or -inf), the rest finite (as float.tif), in FOLDER/images.
inline void writeDeepImages(const fs::path &folder, float infinity) {
    cv::Mat extremes(32, 32, CV_16UC1, cv::Scalar(0));
    extremes(cv::Rect(0, 0, 16, 32)) = 65535;
    writeImage(folder / "images" / "deep.png", extremes);
    cv::Mat f(32, 32, CV_32FC1);
    for (int y = 0; y < 32; ++y)
        for (int x = 0; x < 32; ++x) f.at<float>(y, x) = x < 4 ? NAN : x < 8 ? infinity : static_cast<float>(x);
    writeImage(folder / "images" / "float.tif", f);
}

inline void writeGoodPairs(const fs::path &folder, int n, int side = 32) {
    for (int i = 0; i < n; ++i) {
        writeImage(folder / "images" / ("good" + std::to_string(i) + ".png"), greyImage(side, i));
        writeImage(folder / "masks" / ("good" + std::to_string(i) + ".png"), binaryMask(side));
    }
}

inline std::uint32_t crc32(const std::string &bytes) {
    std::uint32_t c = 0xFFFFFFFFu;
    for (unsigned char b : bytes) {
        c ^= b;
        for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
    }
    return c ^ 0xFFFFFFFFu;
}

inline std::string bigEndian32(std::uint32_t v) {
    std::string s;
    for (int shift = 24; shift >= 0; shift -= 8) s += static_cast<char>((v >> shift) & 0xFF);
    return s;
}
inline std::string littleEndian(std::uint64_t v, int bytes) {
    std::string s;
    for (int i = 0; i < bytes; ++i) s += static_cast<char>((v >> (8 * i)) & 0xFF);
    return s;
}

inline std::string pngChunk(const std::string &type, const std::string &data) {
    return bigEndian32(static_cast<std::uint32_t>(data.size())) + type + data + bigEndian32(crc32(type + data));
}

// A well-formed PNG (correct checksums, IHDR, a small IDAT, IEND) whose header claims w x h
// 8-bit grey pixels: decoding it as it claims would need w * h bytes.
inline std::string pngClaiming(std::uint32_t w, std::uint32_t h) {
    const std::string ihdr = bigEndian32(w) + bigEndian32(h) + std::string("\x08\x00\x00\x00\x00", 5);
    // A zlib stream of a few zero bytes (a stored block), as far as it goes.
    const std::string idat = std::string("\x78\x01\x01\x10\x00\xef\xff", 7) + std::string(16, '\0');
    return std::string("\x89PNG\r\n\x1a\n", 8) + pngChunk("IHDR", ihdr) + pngChunk("IDAT", idat) + pngChunk("IEND", "");
}

// A valid encoding of `m` with bytes in the middle scrambled (the structure is kept).
inline std::string scrambledMiddle(std::string bytes, std::size_t count = 40) {
    for (std::size_t i = bytes.size() / 2; i < bytes.size() / 2 + count && i + 4 < bytes.size(); ++i)
        bytes[i] = static_cast<char>(bytes[i] ^ 0x5A);
    return bytes;
}

// A little-endian TIFF of `m` whose pixel data is said to lie past the end of the file (its
// StripOffsets tag): the header and sizes are sound, the pixels cannot be read.
inline std::string tiffWithMissingPixels(const cv::Mat &m) {
    std::string t = encoded(".tif", m);
    if (t.size() < 8 || t[0] != 'I') return {};
    auto number = [&](std::size_t at, int n) {
        std::uint64_t v = 0;
        for (int i = n - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(t[at + static_cast<std::size_t>(i)]);
        return v;
    };
    const std::size_t ifd = number(4, 4);
    const std::size_t entries = number(ifd, 2);
    for (std::size_t e = 0; e < entries; ++e) {
        const std::size_t at = ifd + 2 + e * 12;
        if (number(at, 2) == 273 && number(at + 4, 4) == 1) t.replace(at + 8, 4, littleEndian(1000000, 4));
    }
    return t;
}

// Deterministic noise.
inline std::string randomBytes(std::size_t n, std::uint64_t seed = 12345) {
    std::string s(n, '\0');
    for (auto &c : s) {
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        c = static_cast<char>(seed >> 56);
    }
    return s;
}

// A zip archive of stored (uncompressed) files, as zipfile.ZipFile writes it.
inline std::string zipOf(const std::vector<std::pair<std::string, std::string>> &files) {
    std::string out, central;
    for (const auto &[name, data] : files) {
        const std::uint32_t offset = static_cast<std::uint32_t>(out.size()), crc = crc32(data);
        const std::string sizes = littleEndian(crc, 4) + littleEndian(data.size(), 4) + littleEndian(data.size(), 4);
        out += std::string("PK\x03\x04", 4) + littleEndian(20, 2) + littleEndian(0, 2) + littleEndian(0, 2) +
               littleEndian(0, 4) + sizes + littleEndian(name.size(), 2) + littleEndian(0, 2) + name + data;
        central += std::string("PK\x01\x02", 4) + littleEndian(20, 2) + littleEndian(20, 2) + littleEndian(0, 2) +
                   littleEndian(0, 2) + littleEndian(0, 4) + sizes + littleEndian(name.size(), 2) + littleEndian(0, 2) +
                   littleEndian(0, 2) + littleEndian(0, 2) + littleEndian(0, 2) + littleEndian(0, 4) +
                   littleEndian(offset, 4) + name;
    }
    const std::uint32_t centralAt = static_cast<std::uint32_t>(out.size());
    out += central;
    out += std::string("PK\x05\x06", 4) + littleEndian(0, 2) + littleEndian(0, 2) + littleEndian(files.size(), 2) +
           littleEndian(files.size(), 2) + littleEndian(central.size(), 4) + littleEndian(centralAt, 4) +
           littleEndian(0, 2);
    return out;
}

// Pickles that run `command` in Python's pickle.loads, each naming a different global or
// using a different opcode: what a malicious .pt file holds.
struct HostilePickle {
    std::string name;  // for messages
    std::string bytes;
    std::string refusal;  // part of the refusal the loader must give
};
inline std::vector<HostilePickle> hostilePickles(const std::string &command) {
    auto text0 = [](const std::string &s) { return "S'" + s + "'\n"; };  // protocol 0 string
    auto unicode = [](const std::string &s) {                            // SHORT_BINUNICODE (s shorter than 256)
        return std::string("\x8c", 1) + static_cast<char>(s.size()) + s;
    };
    const std::string python = "__import__('os').system('" + command + "')";
    return {
        // GLOBAL os.system, MARK, the command, TUPLE, REDUCE: os.system(command).
        {"os.system", "cos\nsystem\n(" + text0(command) + "tR.", "names the Python object 'os.system'"},
        {"posix.system",
         "\x80\x02"
         "cposix\nsystem\n(" +
             text0(command) + "tR.",
         "names the Python object 'posix.system'"},
        // builtins.eval of Python source.
        {"builtins.eval", "cbuiltins\neval\n(" + text0("__import__(\"os\").system(\"" + command + "\")") + "tR.",
         "names the Python object 'builtins.eval'"},
        // Protocol 4: STACK_GLOBAL subprocess.getoutput, TUPLE1, REDUCE; a FRAME-less stream.
        {"subprocess.getoutput",
         std::string("\x80\x04", 2) + unicode("subprocess") + "\x94" + unicode("getoutput") + "\x94\x93\x94" +
             unicode(command) + "\x94\x85\x94R\x94.",
         "names the Python object 'subprocess.getoutput'"},
        // INST: builds os.system(command) without GLOBAL or REDUCE.
        {"INST os.system", "(" + unicode(command) + "ios\nsystem\n.", "refused"},
        // builtins.exec inside what looks like a state dict: {"w": exec(python)}.
        {"dict with exec",
         std::string("\x80\x02}q\x00", 5) + unicode("w") + "cbuiltins\nexec\n(" + text0(python) + "tRs.",
         "names the Python object 'builtins.exec'"},
    };
}

// A zip laid out as torch.save lays it out (archive/data.pkl, archive/version) around `pickle`.
inline std::string torchLikeZip(const std::string &pickle) {
    return zipOf({{"archive/data.pkl", pickle}, {"archive/version", "3\n"}});
}

// Another program's zip archive.
inline std::string foreignZip() { return zipOf({{"readme.txt", "not a model\n"}, {"images/a.txt", "hello\n"}}); }

// Root reads any folder whatever its mode (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH). Drops those
// two from this thread's effective capabilities (threads started later inherit that), so that
// mode 000 bites as it does for everyone else; `restore` raises them again. Does nothing for
// other users. Returns false when they could not be dropped.
inline bool filePermissionOverride(bool restore) {
    if (::geteuid() != 0) return true;
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[2] = {};
    if (::syscall(SYS_capget, &header, data) != 0) return false;
    const std::uint32_t bits = (1u << CAP_DAC_OVERRIDE) | (1u << CAP_DAC_READ_SEARCH);
    data[0].effective = restore ? data[0].effective | (data[0].permitted & bits) : data[0].effective & ~bits;
    return ::syscall(SYS_capset, &header, data) == 0;
}
inline bool dropFilePermissionOverride() { return filePermissionOverride(false); }
inline void restoreFilePermissionOverride() { filePermissionOverride(true); }

// For a child about to exec: drops the two from the bounding set, so the program it runs does
// not get them back (root's programs start with every capability of the bounding set).
inline void dropFilePermissionOverrideForChildren() {
    if (::geteuid() != 0) return;
    ::prctl(PR_CAPBSET_DROP, CAP_DAC_OVERRIDE, 0, 0, 0);
    ::prctl(PR_CAPBSET_DROP, CAP_DAC_READ_SEARCH, 0, 0, 0);
    dropFilePermissionOverride();
}

// True when this thread cannot list a folder of mode 000 (so a permission test means something).
inline bool permissionsBite(const fs::path &scratch) {
    fs::create_directories(scratch / "locked");
    fs::permissions(scratch / "locked", fs::perms::none);
    DIR *d = ::opendir((scratch / "locked").c_str());
    const bool bites = d == nullptr;
    if (d) ::closedir(d);
    fs::permissions(scratch / "locked", fs::perms::owner_all);
    unetlab::testing::removeTree(scratch / "locked");
    return bites;
}

}  // namespace badinput
