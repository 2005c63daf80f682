// Issue #9, the bad-input list, at the engine's API: every case refused with a one-line
// reason (or, for images, listed as a problem of that file while the valid pairs stay usable),
// nothing crashes, nothing is decoded or allocated on a header's word, and nothing in a
// hostile checkpoint runs. The CLI and GUI suites go through the same list.
#include <sys/resource.h>
#include <sys/wait.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "../RemoveTree.h"
#include "BadFiles.h"
#include "data/DataSpec.h"
#include "data/ImageDecode.h"
#include "data/ImageFolder.h"
#include "data/TiffStack.h"
#include "inspect/ImageFile.h"
#include "interop/StateDict.h"
#include "interop/TorchSave.h"
#include "models/Networks.h"
#include "train/Checkpoint.h"
#include "train/TrainConfig.h"

using namespace unetlab;
using namespace badinput;

namespace {

template <typename F>
std::string errorOf(F f) {
    try {
        f();
    } catch (const std::exception &e) {
        return e.what();
    }
    return "(no error)";
}

bool oneLine(const std::string &s) { return !s.empty() && s.find('\n') == std::string::npos; }

class BadInputEngine : public ::testing::Test {
protected:
    void SetUp() override { root = freshTestFolder("badinput"); }
    void TearDown() override {
        restoreFilePermissionOverride();
        removeTestFolder(root);
    }

    // Opens root/data (three valid pairs plus whatever the test added) and expects the three
    // to be usable and `file` to be listed with `reason`.
    void expectValidPartUsable(const std::string &file, const std::string &reason, std::size_t valid = 3) {
        const ImageFolder data((root / "data").string(), opts);
        EXPECT_EQ(data.size(), valid) << problems(data);
        bool listed = false;
        for (const auto &p : data.problems()) {
            EXPECT_TRUE(oneLine(p.reason)) << p.file << ": " << p.reason;
            listed = listed || (p.file == file && p.reason.find(reason) != std::string::npos);
        }
        EXPECT_TRUE(listed) << "expected " << file << " '" << reason << "' in:\n" << problems(data);
        std::size_t good = 0;
        for (std::size_t i = 0; i < data.size(); ++i) good += data.get(i).id.rfind("good", 0) == 0;
        EXPECT_EQ(good, 3u) << "every valid pair is kept";
    }
    // Only `file` (with a good mask) in a folder: opening fails with one line naming it.
    void expectAloneRefused(const std::string &name, const std::string &bytes, const std::string &reason) {
        const fs::path alone = root / ("alone-" + name);
        writeBytes(alone / "images" / name, bytes);
        writeImage(alone / "masks" / (fs::path(name).stem().string() + ".png"), binaryMask(32));
        const std::string e = errorOf([&] { ImageFolder f(alone.string(), options()); });
        EXPECT_TRUE(oneLine(e)) << e;
        EXPECT_NE(e.find("images/" + name), std::string::npos) << e;
        EXPECT_NE(e.find(reason), std::string::npos) << e;
    }
    static ImageDatasetOptions options() {
        ImageDatasetOptions o;
        o.size = 32;
        return o;
    }
    static std::string problems(const Dataset &d) {
        std::string s;
        for (const auto &p : d.problems()) s += "  " + p.file + ": " + p.reason + "\n";
        return s;
    }
    fs::path data() const { return root / "data"; }
    ImageDatasetOptions opts = options();
    void goodPairs() const { writeGoodPairs(data(), 3); }
    void maskFor(const std::string &stem) const { writeImage(data() / "masks" / (stem + ".png"), binaryMask(32)); }

    fs::path root;
};

}  // namespace

// ------------------------------------------------------------------------------- images

TEST_F(BadInputEngine, ZeroByteImagesAndMasks) {
    writeBytes(root / "zero.png", "");
    EXPECT_EQ(errorOf([&] { probeImageFile((root / "zero.png").string()); }), "is empty (0 bytes)");
    EXPECT_EQ(errorOf([&] { readImagePages((root / "zero.png").string(), false); }), "is empty (0 bytes)");
    goodPairs();
    writeBytes(data() / "images" / "zero.png", "");
    maskFor("zero");
    writeImage(data() / "images" / "zeromask.png", greyImage(32));
    writeBytes(data() / "masks" / "zeromask.png", "");
    expectValidPartUsable("images/zero.png", "is empty (0 bytes)");
    expectValidPartUsable("masks/zeromask.png", "is empty (0 bytes)");
    expectAloneRefused("zero.tif", "", "is empty (0 bytes)");
    // A zero-byte TIFF stack.
    writeBytes(root / "stack.tif", "");
    const std::string e =
        errorOf([&] { TiffStack s((root / "stack.tif").string(), (root / "stack.tif").string(), options()); });
    EXPECT_TRUE(oneLine(e)) << e;
    EXPECT_NE(e.find("is empty (0 bytes)"), std::string::npos) << e;
}

TEST_F(BadInputEngine, TruncatedImages) {
    goodPairs();
    const std::string png = encoded(".png", greyImage(32, 5)), jpg = encoded(".jpg", greyImage(32, 6)),
                      tif = encoded(".tif", greyImage(32, 7));
    writeBytes(data() / "images" / "cut.png", png.substr(0, png.size() / 2));
    writeBytes(data() / "images" / "cutj.jpg", jpg.substr(0, jpg.size() / 2));
    writeBytes(data() / "images" / "cutheader.png", png.substr(0, 20));
    for (const char *stem : {"cut", "cutj", "cutheader"}) maskFor(stem);
    writeImage(data() / "images" / "cutmask.png", greyImage(32));
    writeBytes(data() / "masks" / "cutmask.png", encoded(".png", binaryMask(32)).substr(0, 60));
    const ImageFolder folder(data().string(), options());
    EXPECT_EQ(folder.size(), 3u) << problems(folder);
    expectValidPartUsable("images/cut.png", "truncated PNG");
    expectValidPartUsable("images/cutheader.png", "truncated PNG header");
    expectValidPartUsable("masks/cutmask.png", "truncated PNG");
    expectValidPartUsable("images/cutj.jpg", "truncated JPEG (no end-of-image marker)");
    expectAloneRefused("cut.jpg", jpg.substr(0, jpg.size() / 2), "truncated JPEG");
    expectAloneRefused("cut.tif", tif.substr(0, tif.size() / 2), "truncated TIFF");
    // A truncated stack.
    writeBytes(root / "stack.tif", tif.substr(0, tif.size() - 10));
    const std::string e =
        errorOf([&] { TiffStack s((root / "stack.tif").string(), (root / "stack.tif").string(), options()); });
    EXPECT_TRUE(oneLine(e)) << e;
    EXPECT_NE(e.find("truncated TIFF"), std::string::npos) << e;
}

TEST_F(BadInputEngine, CorruptImagesAreRefusedWithoutStrayOutput) {
    goodPairs();
    writeBytes(data() / "images" / "scrambled.png", scrambledMiddle(encoded(".png", greyImage(64, 1))));
    writeBytes(data() / "images" / "scrambled-jpeg.jpg", scrambledMiddle(encoded(".jpg", greyImage(64, 2))));
    writeBytes(data() / "images" / "strips.tif", tiffWithMissingPixels(greyImage(32, 3)));
    for (const char *stem : {"scrambled", "scrambled-jpeg", "strips"}) maskFor(stem);
    // libpng and libjpeg complain on stderr; their words belong in the reason, not on the terminal.
    ::testing::internal::CaptureStderr();
    expectValidPartUsable("images/scrambled.png", "could not be decoded (truncated or corrupt PNG");
    const std::string stray = ::testing::internal::GetCapturedStderr();
    EXPECT_EQ(stray, "");
    expectValidPartUsable("images/scrambled-jpeg.jpg", "corrupt JPEG");
    expectValidPartUsable("images/strips.tif", "could not be decoded (truncated or corrupt TIFF)");
    // The codecs' own words are kept in the one line.
    const std::string e = errorOf([&] { readImagePages((data() / "images" / "scrambled.png").string(), false); });
    EXPECT_NE(e.find("libpng"), std::string::npos) << e;
    EXPECT_TRUE(oneLine(e)) << e;
}

TEST_F(BadInputEngine, TextFilesWithImageExtensions) {
    goodPairs();
    for (const char *name : {"notes.png", "readme.jpg", "list.tif", "table.tiff"}) {
        writeBytes(data() / "images" / name, "This is a text file, not a picture.\nSecond line.\n");
        maskFor(fs::path(name).stem().string());
    }
    writeBytes(data() / "images" / "noise.png", randomBytes(300));
    maskFor("noise");
    expectValidPartUsable("images/notes.png", "is a text file, not an image");
    expectValidPartUsable("images/readme.jpg", "is a text file, not an image");
    expectValidPartUsable("images/table.tiff", "is a text file, not an image");
    expectValidPartUsable("images/noise.png", "is not a PNG, JPEG or TIFF image");
    // A text file as a mask, and as a TIFF stack.
    writeImage(data() / "images" / "textmask.png", greyImage(32));
    writeBytes(data() / "masks" / "textmask.png", "0 0 1 1\n");
    expectValidPartUsable("masks/textmask.png", "is a text file, not an image");
    writeBytes(root / "stack.tif", "not a stack\n");
    const std::string e =
        errorOf([&] { TiffStack s((root / "stack.tif").string(), (root / "stack.tif").string(), options()); });
    EXPECT_NE(e.find("is a text file, not an image"), std::string::npos) << e;
}

// ------------------------------------------------------------------------------- masks

TEST_F(BadInputEngine, MissingMasks) {
    goodPairs();
    writeImage(data() / "images" / "lonely.png", greyImage(32));
    writeImage(data() / "masks" / "orphan.png", binaryMask(32));
    expectValidPartUsable("images/lonely.png", "has no mask (looked for masks/lonely.png");
    expectValidPartUsable("masks/orphan.png", "has no image");
    // No masks at all: one line, naming the first image.
    unetlab::testing::removeTree(data() / "masks");
    fs::create_directories(data() / "masks");
    const std::string e = errorOf([&] { ImageFolder f(data().string(), options()); });
    EXPECT_TRUE(oneLine(e)) << e;
    EXPECT_NE(e.find("has no mask"), std::string::npos) << e;
    // A label stack with fewer pages leaves the other image pages without masks.
    std::vector<cv::Mat> pages{greyImage(32, 1), greyImage(32, 2), greyImage(32, 3), greyImage(32, 4)};
    std::vector<cv::Mat> labels{binaryMask(32), binaryMask(32), binaryMask(32)};
    ASSERT_TRUE(cv::imwritemulti((root / "volume.tif").string(), pages));
    ASSERT_TRUE(cv::imwritemulti((root / "labels.tif").string(), labels));
    const TiffStack stack((root / "volume.tif").string(), (root / "labels.tif").string(), options());
    EXPECT_EQ(stack.size(), 3u);
    ASSERT_EQ(stack.problems().size(), 1u);
    EXPECT_EQ(stack.problems()[0].file, "volume.tif page 4");
    EXPECT_NE(stack.problems()[0].reason.find("has no label page"), std::string::npos);
}

TEST_F(BadInputEngine, MasksOfTheWrongSize) {
    goodPairs();
    writeImage(data() / "images" / "small.png", greyImage(32));
    writeImage(data() / "masks" / "small.png", binaryMask(16));
    writeImage(data() / "images" / "wide.png", greyImage(32));
    writeImage(data() / "masks" / "wide.png", cv::Mat::zeros(32, 48, CV_8UC1));
    expectValidPartUsable("masks/small.png", "mask is 16x16, its image 32x32");
    expectValidPartUsable("masks/wide.png", "mask is 48x32, its image 32x32");
}

TEST_F(BadInputEngine, MasksWithUnexpectedLabelValues) {
    goodPairs();
    cv::Mat odd = binaryMask(32);
    odd(cv::Rect(0, 0, 4, 4)) = 128;
    writeImage(data() / "images" / "odd.png", greyImage(32));
    writeImage(data() / "masks" / "odd.png", odd);
    opts.mapping = MaskMapping::Binary;
    expectValidPartUsable("masks/odd.png",
                          "has unexpected label value 128 (binary masks: 0 -> background, 255 -> foreground)");
    // With the automatic mapping too: 3 of 4 masks hold only 0 and 255, and the stray 128
    // (16 pixels) is a problem of that mask, not a third class; the summary says why.
    opts.mapping = MaskMapping::Auto;
    expectValidPartUsable("masks/odd.png",
                          "has unexpected label value 128 (binary masks: 0 -> background, 255 -> "
                          "foreground; mapping=auto chose binary as 3 of 4 masks hold only 0 and "
                          "255; say mapping=palette if other values are classes)");
    const ImageFolder automatic(data().string(), options());
    EXPECT_EQ(automatic.numClasses(), 2) << automatic.summary().mapping;
    EXPECT_NE(automatic.summary().mapping.find("binary masks"), std::string::npos) << automatic.summary().mapping;
    // Said to be a palette, 128 is a class of its own.
    ImageDatasetOptions palette = options();
    palette.mapping = MaskMapping::Palette;
    const ImageFolder asPalette(data().string(), palette);
    EXPECT_EQ(asPalette.size(), 4u);
    EXPECT_NE(asPalette.summary().mapping.find("128 -> class 1"), std::string::npos) << asPalette.summary().mapping;
    // With index masks and two class names, values 2 and above are unexpected.
    cv::Mat index = cv::Mat::zeros(32, 32, CV_8UC1);
    index(cv::Rect(0, 0, 8, 8)) = 1;
    cv::Mat tooHigh = index.clone();
    tooHigh(cv::Rect(8, 8, 4, 4)) = 7;
    const fs::path idx = root / "index";
    for (int i = 0; i < 3; ++i) {
        writeImage(idx / "images" / ("good" + std::to_string(i) + ".png"), greyImage(32, i));
        writeImage(idx / "masks" / ("good" + std::to_string(i) + ".png"), index);
    }
    writeImage(idx / "images" / "seven.png", greyImage(32));
    writeImage(idx / "masks" / "seven.png", tooHigh);
    ImageDatasetOptions o = options();
    o.mapping = MaskMapping::Index;
    o.classNames = {"background", "cell"};
    const ImageFolder folder(idx.string(), o);
    EXPECT_EQ(folder.size(), 3u) << problems(folder);
    ASSERT_EQ(folder.problems().size(), 1u) << problems(folder);
    EXPECT_NE(folder.problems()[0].reason.find("has unexpected label value 7"), std::string::npos);
    // A float mask holds no labels at all.
    writeImage(data() / "images" / "floatmask.png", greyImage(32));
    cv::Mat f(32, 32, CV_32FC1, cv::Scalar(0.5f));
    writeImage(data() / "masks" / "floatmask.tif", f);
    fs::remove(data() / "images" / "odd.png");
    fs::remove(data() / "masks" / "odd.png");
    expectValidPartUsable("masks/floatmask.tif", "is a 32-bit float mask");
}

// ------------------------------------------------------------------------------- sizes

// The 60000x60000 PNG is refused on its header: the message says it was not decoded, and a
// child process that may allocate only 64 MB more than it holds gets the same answer.
TEST_F(BadInputEngine, AbsurdDimensionsAreRefusedBeforeAnyAllocation) {
    const fs::path huge = root / "huge.png";
    writeBytes(huge, pngClaiming(60000, 60000));
    EXPECT_LT(fs::file_size(huge), 200u);
    const std::string e = errorOf([&] { readImagePages(huge.string(), false); });
    EXPECT_NE(e.find("PNG header claims 60000x60000 pixels"), std::string::npos) << e;
    EXPECT_NE(e.find("not decoded"), std::string::npos) << e;
    EXPECT_TRUE(oneLine(e)) << e;

    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        long kib = 0;
        std::ifstream status("/proc/self/status");
        for (std::string line; std::getline(status, line);)
            if (line.rfind("VmSize:", 0) == 0) kib = std::atol(line.c_str() + 7);
        const rlim_t limit = static_cast<rlim_t>(kib + 64 * 1024) * 1024;
        const rlimit r{limit, limit};
        if (kib == 0 || ::setrlimit(RLIMIT_AS, &r) != 0) ::_exit(3);
        int code = 1;
        try {
            readImagePages(huge.string(), false);
        } catch (const std::bad_alloc &) {
            code = 2;
        } catch (const std::exception &x) {
            code = std::string(x.what()).find("not decoded") != std::string::npos ? 0 : 1;
        }
        ::_exit(code);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status)) << "the child was killed by signal " << WTERMSIG(status);
    EXPECT_EQ(WEXITSTATUS(status), 0) << "1: another message, 2: it tried to allocate, 3: no limit set";

    // JPEG and TIFF headers, and sides or areas just past the limits.
    std::string jpeg = encoded(".jpg", greyImage(32));
    const auto sof = jpeg.find("\xFF\xC0");
    ASSERT_NE(sof, std::string::npos);
    jpeg[sof + 5] = jpeg[sof + 7] = static_cast<char>(0xEA);  // height and width 0xEA60 = 60000
    jpeg[sof + 6] = jpeg[sof + 8] = static_cast<char>(0x60);
    writeBytes(root / "huge.jpg", jpeg);
    EXPECT_NE(errorOf([&] { probeImageFile((root / "huge.jpg").string()); }).find("JPEG header claims 60000x60000"),
              std::string::npos);
    writeBytes(root / "wide.png", pngClaiming(kMaxImageSide + 1, 1));
    EXPECT_NE(errorOf([&] { probeImageFile((root / "wide.png").string()); }).find("not decoded"), std::string::npos);
    writeBytes(root / "largest.png", pngClaiming(kMaxImageSide, 8));
    EXPECT_EQ(probeImageFile((root / "largest.png").string()).front().width,
              kMaxImageSide);  // the limit itself is fine

    // In a folder: listed, the valid pairs kept. As a stack: refused before any page is read.
    goodPairs();
    writeBytes(data() / "images" / "huge.png", pngClaiming(60000, 60000));
    maskFor("huge");
    writeImage(data() / "images" / "hugemask.png", greyImage(32));
    writeBytes(data() / "masks" / "hugemask.png", pngClaiming(60000, 60000));
    expectValidPartUsable("images/huge.png", "PNG header claims 60000x60000 pixels");
    expectValidPartUsable("masks/hugemask.png", "not decoded");
    std::string tiff = encoded(".tif", greyImage(32));
    const std::size_t ifd = static_cast<unsigned char>(tiff[4]) | static_cast<unsigned char>(tiff[5]) << 8 |
                            static_cast<unsigned char>(tiff[6]) << 16 | static_cast<unsigned char>(tiff[7]) << 24;
    const int entries = static_cast<unsigned char>(tiff[ifd]) | static_cast<unsigned char>(tiff[ifd + 1]) << 8;
    for (int i = 0; i < entries; ++i) {
        const std::size_t at = ifd + 2 + static_cast<std::size_t>(i) * 12;
        const int tag = static_cast<unsigned char>(tiff[at]) | static_cast<unsigned char>(tiff[at + 1]) << 8;
        if (tag == 256 || tag == 257)
            tiff.replace(at + 2, 10, littleEndian(4, 2) + littleEndian(1, 4) + littleEndian(60000, 4));
    }
    writeBytes(root / "huge.tif", tiff);
    const std::string s =
        errorOf([&] { TiffStack t((root / "huge.tif").string(), (root / "huge.tif").string(), options()); });
    EXPECT_NE(s.find("TIFF header claims 60000x60000 pixels"), std::string::npos) << s;
    EXPECT_TRUE(oneLine(s)) << s;
}

// One image a user picks (unetlab-cli predict and inspect --image, the Inspect area): every
// reason names the file; the file's content decides its format, not its name; BMP and PNM
// headers are checked like PNG's before anything is decoded; other formats are refused.
TEST_F(BadInputEngine, SingleImageFilesAreNamedProbedAndSizeChecked) {
    const int channels[] = {1, 3};
    // Both readers, the same message.
    auto refusals = [&](const fs::path &p) {
        const std::string a = errorOf([&] { readImageFile(p.string()); });
        for (int c : channels) EXPECT_EQ(errorOf([&] { readImageForNetwork(p.string(), c); }), a) << c;
        EXPECT_TRUE(oneLine(a)) << a;
        return a;
    };
    const std::string named = "cannot read image '";

    // A text file named .png is recognised as text, not as "something OpenCV cannot decode".
    writeBytes(root / "notes.png", "These are notes, not a picture.\n");
    EXPECT_EQ(refusals(root / "notes.png"),
              named + (root / "notes.png").string() + "': it is a text file, not an image");
    writeBytes(root / "notes.bmp", "BMP notes\n");
    EXPECT_NE(refusals(root / "notes.bmp").find("': it is a text file, not an image"), std::string::npos);
    writeBytes(root / "zero.ppm", "");
    EXPECT_EQ(refusals(root / "zero.ppm"), named + (root / "zero.ppm").string() + "': it is empty (0 bytes)");
    EXPECT_EQ(refusals(root / "missing.png"), named + (root / "missing.png").string() + "': no such file");
    EXPECT_EQ(refusals(root), named + root.string() + "': it is not a file");

    // Reasons that are not sentences read as such ("it PNG header claims" was one).
    writeBytes(root / "huge.png", pngClaiming(60000, 60000));
    const std::string huge = refusals(root / "huge.png");
    EXPECT_EQ(huge.rfind(named + (root / "huge.png").string() + "': PNG header claims 60000x60000 pixels", 0), 0u)
        << huge;
    EXPECT_EQ(huge.find(": it PNG"), std::string::npos) << huge;

    // BMP: a valid 8x8 file whose info header then claims 60000 x 60000 (bottom-up and top-down).
    const std::string bmp = encoded(".bmp", greyImage(8));
    ASSERT_GT(bmp.size(), 26u);
    for (const std::int64_t height : {std::int64_t{60000}, std::int64_t{-60000}}) {
        SCOPED_TRACE(height);
        std::string b = bmp;
        b.replace(18, 8, littleEndian(60000, 4) + littleEndian(static_cast<std::uint32_t>(height), 4));
        writeBytes(root / "huge.bmp", b);
        const std::string e = refusals(root / "huge.bmp");
        EXPECT_NE(e.find("BMP header claims 60000x60000 pixels"), std::string::npos) << e;
        EXPECT_NE(e.find("not decoded"), std::string::npos) << e;
    }
    std::string wide = bmp;
    wide.replace(18, 4, littleEndian(static_cast<std::uint64_t>(kMaxImageSide) + 1, 4));
    writeBytes(root / "wide.bmp", wide);
    EXPECT_NE(refusals(root / "wide.bmp").find("BMP header claims 16385x8 pixels"), std::string::npos);
    writeBytes(root / "short.bmp", bmp.substr(0, 20));
    EXPECT_NE(refusals(root / "short.bmp").find("truncated BMP header"), std::string::npos);

    // PNM: binary and ASCII, grey and colour and bitmap, comments in the header.
    const std::pair<std::string, std::string> pnm[] = {
        {"huge.ppm", "P6\n# written by hand\n60000 60000\n255\n" + std::string(64, '\x7f')},
        {"huge.pgm", "P5 60000\t60000 65535\n" + std::string(64, '\x01')},
        {"huge.pbm", "P4\n60000 60000\n" + std::string(64, '\x55')},
        {"huge.pnm", "P3\n60000 #a comment\n60000\n255\n1 2 3\n"},
    };
    for (const auto &[name, bytes] : pnm) {
        SCOPED_TRACE(name);
        writeBytes(root / name, bytes);
        const std::string e = refusals(root / name);
        EXPECT_NE(e.find("PNM header claims 60000x60000 pixels"), std::string::npos) << e;
    }
    writeBytes(root / "tall.pgm", "P5\n1 " + std::to_string(kMaxImageSide + 1) + "\n255\n");
    EXPECT_NE(refusals(root / "tall.pgm").find("PNM header claims 1x16385 pixels"), std::string::npos);
    writeBytes(root / "cut.ppm", "P6\n32 32");
    EXPECT_NE(refusals(root / "cut.ppm").find("truncated PNM header"), std::string::npos);
    writeBytes(root / "odd.ppm", "P6\n32 x 255\n");
    EXPECT_NE(refusals(root / "odd.ppm").find("malformed PNM header"), std::string::npos);
    writeBytes(root / "deep.pgm", "P5\n2 2\n70000\n" + std::string(8, '\0'));
    EXPECT_NE(refusals(root / "deep.pgm").find("largest value 70000"), std::string::npos);
    // A sound header over too few pixels: the decoder's refusal, still one line naming the file.
    writeBytes(root / "few.pgm", "P5\n32 32\n255\n" + std::string(10, '\x40'));
    EXPECT_NE(refusals(root / "few.pgm").find("could not be decoded (truncated or corrupt PNM"), std::string::npos);

    // Formats without a header check are refused, not handed to OpenCV unchecked.
    const std::string pam = encoded(".pam", greyImage(8));  // "P7": PAM, not probed
    if (!pam.empty()) {
        writeBytes(root / "image.pam", pam);
        EXPECT_NE(refusals(root / "image.pam").find("is not a PNG, JPEG, TIFF, BMP or PNM image"), std::string::npos);
    }
    writeBytes(root / "noise.bmp", randomBytes(300));
    EXPECT_NE(refusals(root / "noise.bmp").find("is not a PNG, JPEG, TIFF, BMP or PNM image"), std::string::npos);

    // Sound BMP and PNM files are read as dataset images are, by both readers.
    const cv::Mat grey = greyImage(12, 5);
    cv::Mat bgr;
    cv::Mat parts[] = {greyImage(12, 1), greyImage(12, 2), greyImage(12, 3)};
    cv::merge(parts, 3, bgr);
    writeImage(root / "grey.pgm", grey);
    writeImage(root / "grey.bmp", grey);
    writeImage(root / "colour.ppm", bgr);
    writeImage(root / "colour.bmp", bgr);
    for (const char *name : {"grey.pgm", "grey.bmp"}) {
        SCOPED_TRACE(name);
        const Sample one = readImageForNetwork((root / name).string(), 1);
        ASSERT_EQ(one.width, 12);
        ASSERT_EQ(one.height, 12);
        EXPECT_EQ(one.image, std::vector<std::uint8_t>(grey.datastart, grey.dataend));
        const Sample rgb = readImageFile((root / name).string());
        ASSERT_EQ(rgb.image.size(), 3u * 144);
        EXPECT_EQ(rgb.image[3 * 17 + 2], grey.data[17]);
    }
    for (const char *name : {"colour.ppm", "colour.bmp"}) {
        SCOPED_TRACE(name);
        const Sample rgb = readImageForNetwork((root / name).string(), 3);
        ASSERT_EQ(rgb.image.size(), 3u * 144);
        EXPECT_EQ(rgb.image[3 * 17 + 0], bgr.data[3 * 17 + 2]);  // R from OpenCV's BGR
        EXPECT_EQ(rgb.image[3 * 17 + 2], bgr.data[3 * 17 + 0]);
        EXPECT_EQ(readImageFile((root / name).string()).image, rgb.image);
    }
    // A dataset still takes PNG, JPEG and TIFF only.
    EXPECT_EQ(errorOf([&] { probeImageFile((root / "grey.bmp").string()); }), "is not a PNG, JPEG or TIFF image");
    EXPECT_EQ(probeAnyImageFile((root / "grey.bmp").string()).format, "BMP");
    EXPECT_EQ(probeAnyImageFile((root / "colour.ppm").string()).format, "PNM");
}

// ------------------------------------------------------------------------------- folders

TEST_F(BadInputEngine, EmptyFolders) {
    auto refusal = [&](const fs::path &p) {
        const std::string e = errorOf([&] { ImageFolder f(p.string(), options()); });
        EXPECT_TRUE(oneLine(e)) << e;
        return e;
    };
    fs::create_directories(root / "empty");
    EXPECT_NE(refusal(root / "empty").find("has no image and mask folders"), std::string::npos);
    fs::create_directories(root / "hollow" / "images");
    fs::create_directories(root / "hollow" / "masks");
    EXPECT_NE(refusal(root / "hollow").find("holds no PNG, JPEG or TIFF images"), std::string::npos);
    writeBytes(root / "hollow" / "images" / "notes.txt", "other extensions are ignored");
    EXPECT_NE(refusal(root / "hollow").find("holds no PNG, JPEG or TIFF images"), std::string::npos);
    EXPECT_NE(refusal(root / "missing").find("does not exist"), std::string::npos);
    writeBytes(root / "file.png", "x");
    EXPECT_NE(refusal(root / "file.png").find("is not a folder"), std::string::npos);
    // Through a data spec, as the CLI and the GUI open it.
    const std::string e = errorOf([&] { openDataset(parseDataSpec("folder:" + (root / "empty").string(), 32)); });
    EXPECT_NE(e.find("has no image and mask folders"), std::string::npos) << e;
}

TEST_F(BadInputEngine, FoldersWithoutPermission) {
    ASSERT_TRUE(dropFilePermissionOverride());
    if (!permissionsBite(root)) GTEST_SKIP() << "mode 000 does not stop this process from reading a folder";
    goodPairs();
    // One unreadable image: listed, the rest used.
    writeImage(data() / "images" / "secret.png", greyImage(32));
    maskFor("secret");
    fs::permissions(data() / "images" / "secret.png", fs::perms::none);
    expectValidPartUsable("images/secret.png", "cannot be opened (missing or not readable)");
    // The image folder unreadable, then the dataset folder itself.
    fs::permissions(data() / "images", fs::perms::none);
    std::string e = errorOf([&] { ImageFolder f(data().string(), options()); });
    EXPECT_TRUE(oneLine(e)) << e;
    EXPECT_NE(e.find("cannot be read: Permission denied"), std::string::npos) << e;
    fs::permissions(data() / "images", fs::perms::owner_all);
    fs::permissions(data(), fs::perms::none);
    e = errorOf([&] { ImageFolder f(data().string(), options()); });
    EXPECT_TRUE(oneLine(e)) << e;
    EXPECT_NE(e.find("cannot be read: Permission denied"), std::string::npos) << e;
    fs::permissions(data(), fs::perms::owner_all);
    // An unreadable TIFF stack.
    ASSERT_TRUE(cv::imwritemulti((root / "volume.tif").string(), std::vector<cv::Mat>{greyImage(32)}));
    fs::permissions(root / "volume.tif", fs::perms::none);
    e = errorOf([&] { TiffStack t((root / "volume.tif").string(), (root / "volume.tif").string(), options()); });
    EXPECT_NE(e.find("cannot be opened"), std::string::npos) << e;
}

// ------------------------------------------------------------------------------- depths

TEST_F(BadInputEngine, SixteenBitImagesWithExtremeValues) {
    // 0 and 65535 side by side: stretched to 0 and 255.
    cv::Mat extremes(32, 32, CV_16UC1, cv::Scalar(0));
    extremes(cv::Rect(0, 0, 16, 32)) = 65535;
    writeImage(root / "extremes.png", extremes);
    const DecodedImage d = readImagePages((root / "extremes.png").string(), false).front();
    EXPECT_TRUE(d.rescaled);
    EXPECT_EQ(d.pixels.front(), 255);
    EXPECT_EQ(d.pixels.back(), 0);
    // Every pixel 65535 (a saturated frame): flat, so 0 — not a crash, not a division by zero.
    writeImage(root / "saturated.tif", cv::Mat(32, 32, CV_16UC1, cv::Scalar(65535)));
    const DecodedImage flat = readImagePages((root / "saturated.tif").string(), false).front();
    EXPECT_EQ(*std::max_element(flat.pixels.begin(), flat.pixels.end()), 0);
    // In a folder next to 8-bit pairs, with a 16-bit mask whose "on" is 65535.
    goodPairs();
    writeImage(data() / "images" / "deep.tif", extremes);
    cv::Mat mask16(32, 32, CV_16UC1, cv::Scalar(0));
    mask16(cv::Rect(8, 8, 16, 16)) = 65535;
    writeImage(data() / "masks" / "deep.png", mask16);
    const ImageFolder folder(data().string(), options());
    EXPECT_EQ(folder.size(), 4u) << problems(folder);
    EXPECT_TRUE(folder.problems().empty()) << problems(folder);
}

TEST_F(BadInputEngine, FloatImagesWithNanAndInfinity) {
    cv::Mat f(32, 32, CV_32FC1);
    for (int y = 0; y < 32; ++y)
        for (int x = 0; x < 32; ++x)
            f.at<float>(y, x) = x < 4 ? NAN : x < 8 ? INFINITY : x < 12 ? -INFINITY : static_cast<float>(x);
    writeImage(root / "nan.tif", f);
    const DecodedImage d = readImagePages((root / "nan.tif").string(), false).front();
    EXPECT_TRUE(d.rescaled);
    EXPECT_EQ(d.pixels[0], 0);     // NaN counts as the minimum
    EXPECT_EQ(d.pixels[5], 0);     // so do both infinities
    EXPECT_EQ(d.pixels[12], 0);    // the finite minimum, 12
    EXPECT_EQ(d.pixels[31], 255);  // the finite maximum, 31
    // Nothing finite at all: refused, rather than trained on as a black image.
    writeImage(root / "allnan.tif", cv::Mat(32, 32, CV_32FC1, cv::Scalar(NAN)));
    const std::string e = errorOf([&] { readImagePages((root / "allnan.tif").string(), false); });
    EXPECT_EQ(e, "has no finite pixel value (every pixel is NaN or infinite)");
    cv::Mat inf(32, 32, CV_32FC1, cv::Scalar(INFINITY));
    writeImage(root / "inf.tif", inf);
    EXPECT_NE(errorOf([&] { readImagePages((root / "inf.tif").string(), false); }).find("no finite"),
              std::string::npos);

    goodPairs();
    writeImage(data() / "images" / "nan.tif", f);
    maskFor("nan");
    writeImage(data() / "images" / "allnan.tif", cv::Mat(32, 32, CV_32FC1, cv::Scalar(NAN)));
    maskFor("allnan");
    expectValidPartUsable("images/allnan.tif", "has no finite pixel value", 4);  // nan.tif is used
    // A float stack with one all-NaN page: the stack is refused as a whole, in one line.
    ASSERT_TRUE(cv::imwritemulti((root / "stack.tif").string(),
                                 std::vector<cv::Mat>{f, cv::Mat(32, 32, CV_32FC1, cv::Scalar(NAN))}));
    const std::string s =
        errorOf([&] { TiffStack t((root / "stack.tif").string(), (root / "stack.tif").string(), options()); });
    EXPECT_TRUE(oneLine(s)) << s;
    EXPECT_NE(s.find("no finite pixel value"), std::string::npos) << s;
}

// ------------------------------------------------------------------------------- checkpoints

TEST_F(BadInputEngine, EmptyCheckpoints) {
    for (const char *name : {"empty.ckpt", "empty.pt"}) {
        writeBytes(root / name, "");
        const std::string e = errorOf([&] { loadCheckpoint((root / name).string()); });
        EXPECT_EQ(e, "'" + (root / name).string() + "' is empty");
        EXPECT_NE(errorOf([&] { readCheckpointHeader((root / name).string()); }), "(no error)");
    }
    EXPECT_NE(errorOf([&] { readTorchSave("", "empty.pt"); }).find("not a zip archive"), std::string::npos);
}

TEST_F(BadInputEngine, TruncatedCheckpoints) {
    torch::manual_seed(1);
    ModelConfig config = presetConfig("minimal");
    const std::string good = (root / "good.ckpt").string();
    saveCheckpoint(good, *buildModel(config), {});
    ASSERT_NO_THROW(loadCheckpoint(good));
    const std::string bytes = readBytes(good);
    for (std::size_t cut : {std::size_t(5), std::size_t(25), bytes.size() / 3, bytes.size() - 1}) {
        SCOPED_TRACE(cut);
        writeBytes(root / "cut.ckpt", bytes.substr(0, cut));
        const std::string e = errorOf([&] { loadCheckpoint((root / "cut.ckpt").string()); });
        EXPECT_TRUE(oneLine(e)) << e;
        EXPECT_TRUE(e.find("truncated") != std::string::npos ||
                    e.find("not a UNet Lab checkpoint") != std::string::npos)
            << e;
    }
    // A state dict cut short.
    const std::string pt = writeTorchSave({{"w", torch::ones({64})}});
    writeBytes(root / "cut.pt", pt.substr(0, pt.size() - 30));
    const std::string e = errorOf([&] { loadCheckpoint((root / "cut.pt").string()); });
    EXPECT_NE(e.find("truncated"), std::string::npos) << e;
    EXPECT_TRUE(oneLine(e)) << e;
}

// LibTorch's zip reader allocates the size a record's directory entry declares before reading
// it: a damaged entry claiming 4 GiB is refused with what is wrong, before anything is allocated
// — in a state dict (the fuzzer found this one; tests/fuzz/corpus/checkpoint/
// regress-directory-claims-4gib-record.pt) and in a UNet Lab checkpoint's weights archive.
TEST_F(BadInputEngine, AZipDirectoryClaimingMoreThanTheFileHoldsIsRefusedBeforeReading) {
    const std::string pt = writeTorchSave({{"w", torch::ones({64})}});
    ASSERT_NO_THROW(readTorchSave(pt, "good.pt"));
    // The central directory entry of each record: "PK\1\2", its uncompressed size 24 bytes in.
    auto withSize = [&](const std::string &suffix, std::uint32_t size) {
        std::string bytes = pt;
        for (std::size_t at = bytes.find("PK\x01\x02"); at != std::string::npos;
             at = bytes.find("PK\x01\x02", at + 4)) {
            const std::size_t nameLength = static_cast<std::uint8_t>(bytes[at + 28]) |
                                           static_cast<std::size_t>(static_cast<std::uint8_t>(bytes[at + 29])) << 8;
            const std::string name = bytes.substr(at + 46, nameLength);
            if (name.size() < suffix.size() || name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
                continue;
            for (int i = 0; i < 4; ++i) bytes[at + 24 + i] = static_cast<char>(size >> (8 * i));
            return bytes;
        }
        ADD_FAILURE() << "no record ending in " << suffix;
        return bytes;
    };
    const std::string huge = errorOf([&] { readTorchSave(withSize("/data.pkl", 0xFFFFFFFFu), "huge.pt"); });
    EXPECT_TRUE(oneLine(huge)) << huge;
    EXPECT_NE(huge.find("record 'archive/data.pkl' claims 4294967295 bytes, more than the file can hold"),
              std::string::npos)
        << huge;
    // A tensor's storage claiming one byte more than the whole file: refused the same way, also
    // through the checkpoint loader the app and the CLI call.
    writeBytes(root / "long.pt", withSize("/data/0", static_cast<std::uint32_t>(pt.size() + 1)));
    const std::string viaCheckpoint = errorOf([&] { loadCheckpoint((root / "long.pt").string()); });
    EXPECT_TRUE(oneLine(viaCheckpoint)) << viaCheckpoint;
    EXPECT_NE(viaCheckpoint.find("record 'archive/data/0' claims " + std::to_string(pt.size() + 1)), std::string::npos)
        << viaCheckpoint;
    EXPECT_NE(errorOf([&] { readCheckpointHeader((root / "long.pt").string()); }), "(no error)");

    // A UNet Lab checkpoint whose weights archive claims 4 GiB for a record, with the checksum
    // made to match (it finds damage, not forgery).
    torch::manual_seed(1);
    saveCheckpoint((root / "good.ckpt").string(), *buildModel(presetConfig("minimal")), {});
    const std::string ckpt = readBytes(root / "good.ckpt");
    const std::size_t lengthAt = ckpt.find('\n') + 1, headerAt = ckpt.find('\n', lengthAt) + 1;
    nlohmann::json header = nlohmann::json::parse(ckpt.substr(headerAt, std::stoul(ckpt.substr(lengthAt))));
    std::string payload = ckpt.substr(headerAt + std::stoul(ckpt.substr(lengthAt)));
    const std::size_t entry = payload.find("PK\x01\x02");
    ASSERT_NE(entry, std::string::npos);
    payload.replace(entry + 24, 4, "\xff\xff\xff\xff");
    std::uint64_t hash = 1469598103934665603ULL;  // FNV-1a, 64 bits
    for (const char c : payload) hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
    header["payload_fnv1a64"] = std::to_string(hash);
    const std::string headerText = header.dump(2);
    writeBytes(root / "forged.ckpt",
               std::string(kCheckpointMagic) + "\n" + std::to_string(headerText.size()) + "\n" + headerText + payload);
    const std::string forged = errorOf([&] { loadCheckpoint((root / "forged.ckpt").string()); });
    EXPECT_TRUE(oneLine(forged)) << forged;
    EXPECT_NE(forged.find("is corrupt (the zip archive's record"), std::string::npos) << forged;
    EXPECT_NE(forged.find("claims 4294967295 bytes"), std::string::npos) << forged;
}

TEST_F(BadInputEngine, RandomBytesAsCheckpoints) {
    for (const std::size_t n : {std::size_t(1), std::size_t(64), std::size_t(100000)}) {
        writeBytes(root / "noise.ckpt", randomBytes(n, n));
        const std::string e = errorOf([&] { loadCheckpoint((root / "noise.ckpt").string()); });
        EXPECT_TRUE(oneLine(e)) << e;
        EXPECT_NE(e.find("is not a UNet Lab checkpoint"), std::string::npos) << e;
    }
    // Noise after a genuine magic line, and after a zip signature.
    writeBytes(root / "magic.ckpt", std::string(kCheckpointMagic) + "\n" + randomBytes(500));
    EXPECT_NE(errorOf([&] { loadCheckpoint((root / "magic.ckpt").string()); }).find("corrupt"), std::string::npos);
    writeBytes(root / "pk.pt", std::string("PK\x03\x04", 4) + randomBytes(500));
    const std::string e = errorOf([&] { loadCheckpoint((root / "pk.pt").string()); });
    EXPECT_TRUE(oneLine(e)) << e;
    EXPECT_NE(e.find("not a UNet Lab checkpoint"), std::string::npos) << e;
}

TEST_F(BadInputEngine, AnotherProgramsZipAsCheckpoint) {
    writeBytes(root / "photos.zip", foreignZip());
    const std::string e = errorOf([&] { loadCheckpoint((root / "photos.zip").string()); });
    EXPECT_TRUE(oneLine(e)) << e;
    EXPECT_NE(e.find("not one torch.save wrote"), std::string::npos) << e;
    // A zip with torch.save's layout but no pickle in it.
    writeBytes(root / "nopickle.pt", zipOf({{"archive/version", "3\n"}, {"archive/readme.txt", "hi"}}));
    EXPECT_NE(errorOf([&] { loadCheckpoint((root / "nopickle.pt").string()); }).find("has no data.pkl"),
              std::string::npos);
}

// Pickles that would run a command in Python are refused when the name is read; the marker
// file each command would create never appears. Python's own unpickler runs the very same
// bytes (when /usr/bin/python3 is there), which shows the payloads are live.
TEST_F(BadInputEngine, PicklesNamingArbitraryGlobalsAreRefusedWithoutRunningAnything) {
    const fs::path marker = root / "MARKER";
    for (const HostilePickle &p : hostilePickles("touch " + marker.string())) {
        SCOPED_TRACE(p.name);
        const fs::path file = root / "hostile.pt";
        writeBytes(file, torchLikeZip(p.bytes));
        const std::string direct = errorOf([&] { readTorchSave(torchLikeZip(p.bytes), "hostile.pt"); });
        EXPECT_NE(direct.find(p.refusal), std::string::npos) << direct;
        EXPECT_NE(direct.find("refused"), std::string::npos) << direct;
        const std::string viaCheckpoint = errorOf([&] { loadCheckpoint(file.string()); });
        EXPECT_TRUE(oneLine(viaCheckpoint)) << viaCheckpoint;
        EXPECT_NE(viaCheckpoint.find("not a UNet Lab checkpoint"), std::string::npos) << viaCheckpoint;
        EXPECT_NE(viaCheckpoint.find(p.refusal), std::string::npos) << viaCheckpoint;
        EXPECT_NE(errorOf([&] { listStateDict(file.string()); }), "(no error)");
        EXPECT_NE(errorOf([&] { readCheckpointHeader(file.string()); }), "(no error)");
        // A bare pickle (no zip) is refused too.
        writeBytes(root / "hostile.pkl", p.bytes);
        EXPECT_NE(errorOf([&] { loadCheckpoint((root / "hostile.pkl").string()); }), "(no error)");
        EXPECT_FALSE(fs::exists(marker)) << "loading a hostile file ran its payload";
    }
    if (!fs::exists("/usr/bin/python3")) return;
    for (const HostilePickle &p : hostilePickles("touch " + (root / "PYTHON-RAN").string())) {
        SCOPED_TRACE(p.name);
        writeBytes(root / "live.pkl", p.bytes);
        const std::string cmd =
            "/usr/bin/python3 -c \"import pickle,sys; pickle.loads(open(sys.argv[1],'rb').read())\" '" +
            (root / "live.pkl").string() + "' >/dev/null 2>&1";
        std::system(cmd.c_str());
        EXPECT_TRUE(fs::exists(root / "PYTHON-RAN")) << "the payload is not live: Python did not run it";
        fs::remove(root / "PYTHON-RAN");
    }
}

// ------------------------------------------------------------------------------- knobs

TEST_F(BadInputEngine, AbsurdKnobs) {
    auto refusal = [](auto change) {
        TrainConfig c;
        change(c);
        return errorOf([&] { c.validate(); });
    };
    EXPECT_EQ(refusal([](TrainConfig &c) { c.learningRate = 10; }), "learning rate must be in (0, 1]");
    EXPECT_EQ(refusal([](TrainConfig &c) { c.learningRate = NAN; }), "learning rate must be in (0, 1]");
    EXPECT_EQ(refusal([](TrainConfig &c) { c.batchSize = 4096; }), "batch size must be between 1 and 1024");
    EXPECT_EQ(refusal([](TrainConfig &c) { c.epochs = 0; }), "epochs must be between 1 and 100000");
    EXPECT_EQ(refusal([](TrainConfig &c) { c.model.base = 100000; }), "U-Net base width must be between 1 and 256");
    EXPECT_EQ(refusal([](TrainConfig &) {}), "(no error)");
    // Size 7, wherever a size is given.
    EXPECT_EQ(errorOf([] { parseDataSpec("synthetic", 7); }), "image size must be between 32 and 4096");
    EXPECT_EQ(errorOf([] { parseDataSpec("folder:/data;size=7", 256); }),
              "data spec: size must be between 32 and 4096");
    ImageDatasetOptions o;
    o.size = 7;
    EXPECT_EQ(errorOf([&] { o.validate(); }), "size must be between 32 and 4096 pixels");
    // A checkpoint header naming an absurd network is refused before anything is built.
    nlohmann::json model = toJson(presetConfig("small-unet"));
    model["base"] = 100000;
    EXPECT_NE(errorOf([&] { modelConfigFromJson(model); }).find("base width"), std::string::npos);
}
