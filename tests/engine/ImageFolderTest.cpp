// Real data from files (issue #7): folder layouts, formats, class mappings, size policies,
// TIFF stacks, the problems report and the bundled DSB2018 sample. Every fixture is written
// by the test into a temporary folder (a few KB each).
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <set>

#include <gtest/gtest.h>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "../RemoveTree.h"
#include "data/DataSpec.h"
#include "data/ImageFolder.h"
#include "data/TiffStack.h"

using namespace unetlab;
namespace fs = std::filesystem;

namespace {

class DataFiles : public ::testing::Test {
protected:
    void SetUp() override {
        root = fs::temp_directory_path() / ("unetlab-data-" + std::to_string(::getpid()) + "-" +
                                            ::testing::UnitTest::GetInstance()->current_test_info()->name());
        unetlab::testing::removeTree(root);
        fs::create_directories(root);
    }
    void TearDown() override {
        std::error_code ec;
        fs::permissions(root, fs::perms::owner_all, fs::perm_options::add, ec);
        unetlab::testing::removeTree(root);
    }

    fs::path dir(const std::string &relative) const {
        fs::create_directories(root / relative);
        return root / relative;
    }
    static void write(const fs::path &p, const cv::Mat &m) { ASSERT_TRUE(cv::imwrite(p.string(), m)) << p; }
    static void writeBytes(const fs::path &p, const std::string &bytes) { std::ofstream(p, std::ios::binary) << bytes; }
    // A grey image whose pixels differ (so crops and patches can be located), and a binary
    // 0/255 mask with a filled rectangle.
    static cv::Mat greyImage(int w, int h, int seed = 0) {
        cv::Mat m(h, w, CV_8UC1);
        for (int y = 0; y < h; ++y)
            for (int x = 0; x < w; ++x)
                m.at<std::uint8_t>(y, x) = static_cast<std::uint8_t>((x * 7 + y * 13 + seed) % 251);
        return m;
    }
    static cv::Mat rgbImage(int w, int h, int seed = 0) {
        cv::Mat grey = greyImage(w, h, seed), bgr;
        cv::Mat parts[] = {grey, 255 - grey, grey / 2};
        cv::merge(parts, 3, bgr);
        return bgr;
    }
    static cv::Mat binaryMask(int w, int h) {
        cv::Mat m = cv::Mat::zeros(h, w, CV_8UC1);
        cv::rectangle(m, cv::Rect(w / 4, h / 4, w / 2, h / 2), cv::Scalar(255), cv::FILLED);
        return m;
    }
    static std::set<int> values(const std::vector<std::uint8_t> &mask) { return {mask.begin(), mask.end()}; }
    static bool hasProblem(const Dataset &d, const std::string &file, const std::string &reasonPart) {
        for (const auto &p : d.problems())
            if (p.file == file && p.reason.find(reasonPart) != std::string::npos) return true;
        return false;
    }
    static std::string problemList(const Dataset &d) {
        std::string s;
        for (const auto &p : d.problems()) s += p.file + ": " + p.reason + "\n";
        return s;
    }
    // A minimal PNG: signature and an IHDR chunk claiming `w` x `h`, and nothing else.
    static std::string pngHeader(std::uint32_t w, std::uint32_t h) {
        std::string s = "\x89PNG\r\n\x1a\n";
        s += std::string("\0\0\0\x0d", 4) + "IHDR";
        for (std::uint32_t v : {w, h})
            for (int shift = 24; shift >= 0; shift -= 8) s += static_cast<char>((v >> shift) & 0xFF);
        s += std::string("\x08\x00\x00\x00\x00", 5) + std::string(4, '\0');  // depth, colour, ..., CRC
        return s;
    }

    fs::path root;
};

}  // namespace

// ---------------------------------------------------------------------------- layouts

TEST_F(DataFiles, ImagesAndMasksFoldersMatchByStem) {
    for (int i = 0; i < 3; ++i) {
        write(dir("images") / ("cell" + std::to_string(i) + ".png"), rgbImage(64, 64, i));
        write(dir("masks") / ("cell" + std::to_string(i) + ".png"), binaryMask(64, 64));
    }
    // A mask named with a suffix, other files and hidden files are handled too.
    write(dir("images") / "extra.png", rgbImage(64, 64, 9));
    write(dir("masks") / "extra_mask.png", binaryMask(64, 64));
    writeBytes(dir("images") / "notes.txt", "not an image");
    writeBytes(dir("images") / ".hidden.png", "junk");

    const ImageFolder data(root.string());
    EXPECT_EQ(data.size(), 4u) << problemList(data);
    EXPECT_TRUE(data.problems().empty()) << problemList(data);
    EXPECT_EQ(data.name(), root.filename().string());
    EXPECT_EQ(data.inChannels(), 3);
    EXPECT_EQ(data.width(), 256);  // the default policy resizes to 256
    EXPECT_EQ(data.classNames(), (std::vector<std::string>{"background", "foreground"}));
    const Sample s = data.get(0);
    EXPECT_EQ(s.id, "cell0");
    EXPECT_EQ(values(s.mask), (std::set<int>{0, 1}));
    EXPECT_EQ(data.get(3).id, "extra");
    // RGB is stored as R, G, B (OpenCV's BGR was converted).
    ImageDatasetOptions native;
    native.size = 64;
    const Sample n = ImageFolder(root.string(), native).get(0);
    const cv::Mat bgr = rgbImage(64, 64, 0);
    EXPECT_EQ(n.image[0], bgr.at<cv::Vec3b>(0, 0)[2]);
    EXPECT_EQ(n.image[2], bgr.at<cv::Vec3b>(0, 0)[0]);
    EXPECT_EQ(n.image.size(), 64u * 64 * 3);

    const DatasetSummary sum = data.summary();
    EXPECT_EQ(sum.count, 4u);
    ASSERT_EQ(sum.sourceSizes.size(), 1u);
    EXPECT_EQ(sum.sourceSizes[0].width, 64);
    EXPECT_EQ(sum.sourceSizes[0].count, 4u);
    ASSERT_EQ(sum.classFractions.size(), 2u);
    EXPECT_NEAR(sum.classFractions[1], 0.25, 0.01);
    EXPECT_NE(sum.mapping.find("binary"), std::string::npos) << sum.mapping;
}

TEST_F(DataFiles, TrainImageLabelLayoutWithGreyJpegsAndIndexMasks) {
    for (int i = 0; i < 2; ++i) {
        write(dir("train/image") / (std::to_string(i) + ".jpg"), greyImage(48, 40, i));
        cv::Mat labels = cv::Mat::zeros(40, 48, CV_8UC1);
        labels(cv::Rect(0, 0, 10, 10)) = 1;
        labels(cv::Rect(20, 20, 10, 10)) = 2;
        write(dir("train/label") / (std::to_string(i) + ".png"), labels);
    }
    dir("test");  // unlabelled test images are not looked at
    ImageDatasetOptions o;
    o.policy = SizePolicy::Pad;
    const ImageFolder data(root.string(), o);
    EXPECT_EQ(data.size(), 2u) << problemList(data);
    EXPECT_EQ(data.layout().root, (root / "train").string());
    EXPECT_EQ(data.inChannels(), 1);  // every image is grey
    EXPECT_EQ(data.numClasses(), 3);  // index masks 0..2
    EXPECT_EQ(data.classNames()[2], "class 2");
    EXPECT_EQ(data.width(), 48);
    EXPECT_EQ(data.height(), 48);  // padded up to a multiple of 16
}

TEST_F(DataFiles, OtherFolderNamesAndTheFolderItselfAsTrain) {
    write(dir("train/imgs") / "a.png", greyImage(32, 32));
    write(dir("train/labels") / "a.png", binaryMask(32, 32));
    ImageDatasetOptions o;
    o.size = 32;
    EXPECT_EQ(ImageFolder(root.string(), o).size(), 1u);
    EXPECT_EQ(ImageFolder((root / "train").string(), o).size(), 1u);
    EXPECT_THROW(findFolderLayout((root / "train" / "imgs").string()), DataError);
}

TEST_F(DataFiles, SixteenBitAndFloatTiffsAreStretchedPerImage) {
    cv::Mat deep(32, 32, CV_16UC1);
    for (int y = 0; y < 32; ++y)
        for (int x = 0; x < 32; ++x) deep.at<std::uint16_t>(y, x) = static_cast<std::uint16_t>(1000 + 2 * (y * 32 + x));
    write(dir("images") / "deep.tif", deep);
    cv::Mat flt(32, 32, CV_32FC1);
    for (int y = 0; y < 32; ++y)
        for (int x = 0; x < 32; ++x) flt.at<float>(y, x) = -0.5f + static_cast<float>(x) / 31.0f;
    write(dir("images") / "float.tif", flt);
    write(dir("masks") / "deep.tif", binaryMask(32, 32));
    cv::Mat mask16(32, 32, CV_16UC1, cv::Scalar(0));
    mask16(cv::Rect(0, 0, 8, 8)) = 65535;
    write(dir("masks") / "float.png", mask16);

    ImageDatasetOptions o;
    o.size = 32;
    const ImageFolder data(root.string(), o);
    ASSERT_EQ(data.size(), 2u) << problemList(data);
    // v -> round(255 (v - min) / (max - min)): min 1000, max 1000 + 2 * 1023.
    const Sample d = data.get(0);
    EXPECT_EQ(d.id, "deep");
    EXPECT_EQ(d.image[0], 0);
    EXPECT_EQ(d.image[32 * 32 - 1], 255);
    EXPECT_EQ(d.image[512], static_cast<int>(std::lround(255.0 * 1024 / 2046)));
    const Sample f = data.get(1);
    EXPECT_EQ(f.image[0], 0);
    EXPECT_EQ(f.image[31], 255);
    EXPECT_EQ(f.image[15], static_cast<int>(std::lround(255.0 * 15 / 31)));
    // A 16-bit 0/65535 mask is binary too.
    EXPECT_EQ(std::count(f.mask.begin(), f.mask.end(), 1), 64);
}

// ---------------------------------------------------------------------------- class mapping

TEST_F(DataFiles, BinaryMasksInvertAndNamedClasses) {
    write(dir("images") / "a.png", greyImage(32, 32));
    write(dir("masks") / "a.png", binaryMask(32, 32));
    ImageDatasetOptions o;
    o.size = 32;
    o.classNames = {"cell", "membrane"};
    o.invert = true;
    const ImageFolder data(root.string(), o);
    const Sample s = data.get(0);
    const cv::Mat m = binaryMask(32, 32);
    for (int p = 0; p < 32 * 32; ++p) ASSERT_EQ(s.mask[static_cast<std::size_t>(p)], m.data[p] ? 0 : 1) << p;
    EXPECT_EQ(data.classNames(), (std::vector<std::string>{"cell", "membrane"}));
    EXPECT_NE(data.summary().mapping.find("0 -> membrane, 255 -> cell"), std::string::npos) << data.summary().mapping;
}

TEST_F(DataFiles, IndexMasksWithNamesFlagValuesOutsideTheClasses) {
    write(dir("images") / "good.png", greyImage(32, 32));
    write(dir("images") / "bad.png", greyImage(32, 32));
    cv::Mat good = cv::Mat::zeros(32, 32, CV_8UC1), bad = good.clone();
    good(cv::Rect(0, 0, 4, 4)) = 2;
    bad(cv::Rect(0, 0, 4, 4)) = 7;
    write(dir("masks") / "good.png", good);
    write(dir("masks") / "bad.png", bad);
    ImageDatasetOptions o;
    o.size = 32;
    o.mapping = MaskMapping::Index;
    o.classNames = {"background", "cytoplasm", "nucleus"};
    const ImageFolder data(root.string(), o);
    EXPECT_EQ(data.size(), 1u);
    EXPECT_EQ(data.numClasses(), 3);
    EXPECT_TRUE(hasProblem(data, "masks/bad.png", "unexpected label value 7")) << problemList(data);
}

TEST_F(DataFiles, PaletteMasksMapColoursInAStableOrder) {
    // Colour masks: black, red and blue regions. Sorted as 0xRRGGBB: black, blue, red.
    for (const char *name : {"a", "b"}) {
        write(dir("images") / (std::string(name) + ".png"), rgbImage(32, 32));
        cv::Mat m(32, 32, CV_8UC3, cv::Scalar(0, 0, 0));
        m(cv::Rect(0, 0, 8, 8)) = cv::Scalar(0, 0, 255);    // BGR: red
        m(cv::Rect(16, 16, 8, 8)) = cv::Scalar(255, 0, 0);  // BGR: blue
        write(dir("masks") / (std::string(name) + ".png"), m);
    }
    ImageDatasetOptions o;
    o.size = 32;
    const ImageFolder data(root.string(), o);
    ASSERT_EQ(data.numClasses(), 3) << problemList(data);
    const Sample s = data.get(0);
    EXPECT_EQ(s.mask[0], 2);             // red
    EXPECT_EQ(s.mask[16 * 32 + 16], 1);  // blue
    EXPECT_EQ(s.mask[31 * 32 + 31], 0);  // black
    ASSERT_EQ(data.classColours().size(), 3u);
    EXPECT_EQ(toString(data.classColours()[2]), "#ff0000");

    // Given colours fix the order; a colour not listed is a problem of that file.
    o.classColours = {classColourFromString("#000000"), classColourFromString("#ff0000"),
                      classColourFromString("#0000ff")};
    o.classNames = {"background", "red", "blue"};
    const ImageFolder ordered(root.string(), o);
    EXPECT_EQ(ordered.get(0).mask[0], 1);
    EXPECT_EQ(ordered.get(0).mask[16 * 32 + 16], 2);
    o.classColours.pop_back();
    o.classNames.pop_back();
    try {
        ImageFolder missing(root.string(), o);
        FAIL() << "every mask holds blue, which is not listed";
    } catch (const DataError &e) {
        EXPECT_EQ(e.problems().size(), 2u);
        EXPECT_NE(e.problems()[0].reason.find("#0000ff"), std::string::npos) << e.problems()[0].reason;
    }
}

TEST_F(DataFiles, GreyLevelsNonzeroAndTooManyValues) {
    write(dir("images") / "a.png", greyImage(32, 32));
    cv::Mat levels = cv::Mat::zeros(32, 32, CV_8UC1);
    levels(cv::Rect(0, 0, 8, 8)) = 128;
    levels(cv::Rect(8, 8, 8, 8)) = 255;
    write(dir("masks") / "a.png", levels);
    ImageDatasetOptions o;
    o.size = 32;
    const ImageFolder grey(root.string(), o);
    EXPECT_EQ(grey.numClasses(), 3);  // 0, 128, 255 as three classes
    EXPECT_EQ(grey.get(0).mask[0], 1);
    EXPECT_EQ(grey.get(0).mask[8 * 32 + 8], 2);

    // 16-bit instance labels: far too many values for auto; nonzero makes them foreground.
    cv::Mat instances(32, 32, CV_16UC1);
    for (int i = 0; i < 32 * 32; ++i) instances.at<std::uint16_t>(i / 32, i % 32) = static_cast<std::uint16_t>(i % 300);
    write(dir("masks") / "a.png", instances);
    EXPECT_THROW(ImageFolder(root.string(), o), DataError);
    o.mapping = MaskMapping::NonZero;
    const ImageFolder nonzero(root.string(), o);
    EXPECT_EQ(nonzero.numClasses(), 2);
    const Sample instanceSample = nonzero.get(0);
    EXPECT_EQ(std::count(instanceSample.mask.begin(), instanceSample.mask.end(), 0), 4);  // i % 300 == 0

    // Inversion needs two classes.
    o.mapping = MaskMapping::Index;
    o.invert = true;
    write(dir("masks") / "a.png", levels / 64);  // 0, 2, 3
    EXPECT_THROW(ImageFolder(root.string(), o), DataError);
}

// ---------------------------------------------------------------------------- size policies

TEST_F(DataFiles, ResizeCropPadAndPatch) {
    write(dir("images") / "wide.png", greyImage(100, 60));
    cv::Mat m = cv::Mat::zeros(60, 100, CV_8UC1);
    m(cv::Rect(40, 20, 30, 20)) = 255;
    write(dir("masks") / "wide.png", m);
    write(dir("images") / "small.png", greyImage(40, 40, 5));
    write(dir("masks") / "small.png", binaryMask(40, 40));

    ImageDatasetOptions o;
    o.size = 64;
    const ImageFolder resized(root.string(), o);
    ASSERT_EQ(resized.size(), 2u);
    EXPECT_EQ(resized.get(0).width, 64);
    EXPECT_EQ(values(resized.get(1).mask), (std::set<int>{0, 1}));  // nearest keeps labels

    o.size = 48;
    o.policy = SizePolicy::Crop;
    const ImageFolder cropped(root.string(), o);
    ASSERT_EQ(cropped.size(), 1u);
    EXPECT_TRUE(hasProblem(cropped, "images/small.png", "smaller than the 48x48 crop")) << problemList(cropped);
    const Sample c = cropped.get(0);  // "wide"; "small" was left out
    const cv::Mat original = greyImage(100, 60);
    for (int y = 0; y < 48; ++y)
        for (int x = 0; x < 48; ++x)
            ASSERT_EQ(c.image[static_cast<std::size_t>(y * 48 + x)], original.at<std::uint8_t>(y + 6, x + 26));

    o.policy = SizePolicy::Pad;
    o.multiple = 32;
    const ImageFolder padded(root.string(), o);
    EXPECT_EQ(padded.width(), 128);  // 100 -> 128
    EXPECT_EQ(padded.height(), 64);  // 60 -> 64
    const Sample p = padded.get(0);  // "small", 40x40 centred in 128x64
    const cv::Mat small = greyImage(40, 40, 5);
    const int left = (128 - 40) / 2, top = (64 - 40) / 2;
    EXPECT_EQ(p.image[static_cast<std::size_t>(top * 128 + left)], small.at<std::uint8_t>(0, 0));
    // Mirrored (reflect-101): one pixel left of the image repeats its second column.
    EXPECT_EQ(p.image[static_cast<std::size_t>(top * 128 + left - 1)], small.at<std::uint8_t>(0, 1));
    EXPECT_EQ(p.mask[static_cast<std::size_t>(top * 128 + left - 1)],
              p.mask[static_cast<std::size_t>(top * 128 + left + 1)]);

    o.policy = SizePolicy::Patch;
    o.size = 32;
    o.seed = 3;
    const ImageFolder patches(root.string(), o);
    EXPECT_TRUE(patches.variesPerEpoch());
    const Sample centre = patches.get(1);  // "wide"
    EXPECT_EQ(centre.width, 32);
    EXPECT_EQ(centre.image[0], original.at<std::uint8_t>((60 - 32) / 2, (100 - 32) / 2));
    // Training patches: the same for the same (seed, epoch, index), new per epoch, and always
    // a true sub-image with its own mask.
    const Sample e1 = patches.trainingSample(1, 1), again = patches.trainingSample(1, 1);
    EXPECT_EQ(e1.image, again.image);
    bool differs = false;
    for (std::uint64_t epoch = 2; epoch < 8; ++epoch) differs |= patches.trainingSample(1, epoch).image != e1.image;
    EXPECT_TRUE(differs);
    int matches = 0;
    for (int y = 0; y + 32 <= 60; ++y)
        for (int x = 0; x + 32 <= 100; ++x) {
            const cv::Mat crop = original(cv::Rect(x, y, 32, 32)).clone(), maskCrop = m(cv::Rect(x, y, 32, 32)) / 255;
            matches += std::equal(e1.image.begin(), e1.image.end(), crop.data) &&
                       std::equal(e1.mask.begin(), e1.mask.end(), maskCrop.clone().data);
        }
    EXPECT_EQ(matches, 1);
    o.seed = 4;
    EXPECT_NE(ImageFolder(root.string(), o).trainingSample(1, 1).image, e1.image);
}

// A 0/255 mask set in which a few masks hold a stray grey level (an anti-aliased edge, a JPEG
// artifact) stays binary with mapping=auto: those masks are problems, not a quiet third class.
// A grey level that is a real class (in many masks, or covering a real area) is still one.
TEST_F(DataFiles, AutoMappingKeepsBinaryMasksBinaryDespiteStrayValues) {
    for (int i = 0; i < 6; ++i) {
        write(dir("images") / ("cell" + std::to_string(i) + ".png"), greyImage(32, 32, i));
        write(dir("masks") / ("cell" + std::to_string(i) + ".png"), binaryMask(32, 32));
    }
    write(dir("images") / "edge.png", greyImage(32, 32, 9));
    cv::Mat edge = binaryMask(32, 32);
    edge.at<std::uint8_t>(8, 8) = 128;  // one anti-aliased pixel
    write(dir("masks") / "edge.png", edge);
    ImageDatasetOptions o;
    o.size = 32;
    const ImageFolder stray(root.string(), o);
    EXPECT_EQ(stray.numClasses(), 2) << stray.summary().mapping;
    EXPECT_EQ(stray.size(), 6u) << problemList(stray);
    ASSERT_EQ(stray.problems().size(), 1u) << problemList(stray);
    EXPECT_TRUE(hasProblem(stray, "masks/edge.png", "has unexpected label value 128 (binary masks"))
        << problemList(stray);
    EXPECT_TRUE(hasProblem(stray, "masks/edge.png", "say mapping=palette")) << problemList(stray);
    EXPECT_NE(stray.summary().mapping.find("binary masks: 0 -> background, 255 -> foreground"), std::string::npos)
        << stray.summary().mapping;
    EXPECT_NE(stray.summary().mapping.find("6 of 7 masks hold only 0 and 255"), std::string::npos)
        << stray.summary().mapping;
    // Asked for, the palette keeps 128 as a class of its own.
    o.mapping = MaskMapping::Palette;
    EXPECT_EQ(ImageFolder(root.string(), o).numClasses(), 3);
    o.mapping = MaskMapping::Auto;

    // Fewer than 3 in 4 masks purely 0/255: 128 is a class (4 of 7 masks hold it).
    for (int i = 0; i < 3; ++i) write(dir("masks") / ("cell" + std::to_string(i) + ".png"), edge);
    const ImageFolder many(root.string(), o);
    EXPECT_EQ(many.numClasses(), 3) << many.summary().mapping;
    EXPECT_TRUE(many.problems().empty()) << problemList(many);

    // In one mask only, but covering a real area (over 1 % of all mask pixels): a class too.
    for (int i = 0; i < 3; ++i) write(dir("masks") / ("cell" + std::to_string(i) + ".png"), binaryMask(32, 32));
    cv::Mat region = binaryMask(32, 32);
    region(cv::Rect(0, 0, 12, 12)) = 128;  // 144 of 7 x 1024 pixels, 2 %
    write(dir("masks") / "edge.png", region);
    const ImageFolder area(root.string(), o);
    EXPECT_EQ(area.numClasses(), 3) << area.summary().mapping;
    EXPECT_EQ(area.size(), 7u) << problemList(area);

    // Purely 0/255 masks are binary as before, with nothing more said.
    write(dir("masks") / "edge.png", binaryMask(32, 32));
    const ImageFolder pure(root.string(), o);
    EXPECT_EQ(pure.numClasses(), 2);
    EXPECT_EQ(pure.summary().mapping, "binary masks: 0 -> background, 255 -> foreground");
    EXPECT_TRUE(pure.problems().empty()) << problemList(pure);
}

// ---------------------------------------------------------------------------- problems

TEST_F(DataFiles, ProblemsAreListedAndTheValidPairsStayUsable) {
    for (const char *name : {"good1", "good2", "wrongsize", "nomask", "badlabel", "zero", "truncated", "text", "huge"})
        write(dir("images") / (std::string(name) + ".png"), greyImage(32, 32));
    for (const char *name : {"good1", "good2", "zero", "truncated", "text", "huge"})
        write(dir("masks") / (std::string(name) + ".png"), binaryMask(32, 32));
    write(dir("masks") / "wrongsize.png", binaryMask(16, 16));
    cv::Mat odd = binaryMask(32, 32);
    odd.at<std::uint8_t>(0, 0) = 128;
    write(dir("masks") / "badlabel.png", odd);
    write(dir("masks") / "orphan.png", binaryMask(32, 32));
    writeBytes(dir("images") / "zero.png", "");
    std::vector<std::uint8_t> png;
    cv::imencode(".png", greyImage(32, 32), png);
    writeBytes(dir("images") / "truncated.png",
               std::string(png.begin(), png.begin() + static_cast<long>(png.size() / 2)));
    std::vector<std::uint8_t> jpeg;
    cv::imencode(".jpg", greyImage(32, 32), jpeg);
    writeBytes(dir("images") / "cut.jpg", std::string(jpeg.begin(), jpeg.begin() + static_cast<long>(jpeg.size() / 2)));
    write(dir("masks") / "cut.png", binaryMask(32, 32));
    writeBytes(dir("images") / "text.png", "This is a README, not a picture.\n");
    writeBytes(dir("images") / "huge.png", pngHeader(60000, 60000));

    ImageDatasetOptions o;
    o.size = 32;
    o.mapping = MaskMapping::Binary;
    const ImageFolder data(root.string(), o);
    EXPECT_EQ(data.size(), 2u) << problemList(data);
    EXPECT_TRUE(hasProblem(data, "images/zero.png", "empty (0 bytes)")) << problemList(data);
    EXPECT_TRUE(hasProblem(data, "images/truncated.png", "truncated PNG")) << problemList(data);
    EXPECT_TRUE(hasProblem(data, "images/cut.jpg", "truncated JPEG")) << problemList(data);
    EXPECT_TRUE(hasProblem(data, "images/text.png", "text file")) << problemList(data);
    EXPECT_TRUE(hasProblem(data, "images/huge.png", "60000x60000")) << problemList(data);
    EXPECT_TRUE(hasProblem(data, "images/huge.png", "not decoded")) << problemList(data);
    EXPECT_TRUE(hasProblem(data, "images/nomask.png", "has no mask")) << problemList(data);
    EXPECT_TRUE(hasProblem(data, "masks/wrongsize.png", "mask is 16x16, its image 32x32")) << problemList(data);
    EXPECT_TRUE(hasProblem(data, "masks/badlabel.png", "unexpected label value 128")) << problemList(data);
    EXPECT_TRUE(hasProblem(data, "masks/orphan.png", "has no image")) << problemList(data);
    EXPECT_EQ(data.problems().size(), 9u) << problemList(data);
    for (const auto &p : data.problems()) EXPECT_EQ(p.reason.find('\n'), std::string::npos);
    EXPECT_EQ(data.get(0).id, "good1");
}

TEST_F(DataFiles, AbsurdHeadersAreRefusedBeforeDecoding) {
    writeBytes(root / "huge.png", pngHeader(60000, 60000));
    try {
        probeImageFile((root / "huge.png").string());
        FAIL();
    } catch (const std::runtime_error &e) {
        EXPECT_NE(std::string(e.what()).find("PNG header claims 60000x60000"), std::string::npos) << e.what();
    }
    // A JPEG whose frame header claims 60000 x 60000 (SOI, APP0 of 16 bytes, SOF0).
    std::string jpeg = "\xFF\xD8\xFF\xE0";
    jpeg += std::string("\x00\x10", 2) + "JFIF" + std::string(10, '\0');
    jpeg += std::string("\xFF\xC0\x00\x11\x08\xEA\x60\xEA\x60\x03", 10) + std::string(9, '\0');
    writeBytes(root / "huge.jpg", jpeg);
    EXPECT_THROW(probeImageFile((root / "huge.jpg").string()), std::runtime_error);
    // A little-endian TIFF with one page of 60000 x 60000 (two SHORT tags).
    std::string tiff("II*\0\x08\0\0\0", 8);
    tiff += std::string("\x02\0", 2);
    tiff += std::string("\x00\x01\x03\x00\x01\x00\x00\x00\x60\xEA\x00\x00", 12);
    tiff += std::string("\x01\x01\x03\x00\x01\x00\x00\x00\x60\xEA\x00\x00", 12);
    tiff += std::string(4, '\0');
    writeBytes(root / "huge.tif", tiff);
    EXPECT_THROW(probeImageFile((root / "huge.tif").string()), std::runtime_error);
    // Real files of each format probe to their true size.
    write(root / "ok.png", greyImage(40, 30));
    write(root / "ok.jpg", greyImage(40, 30));
    write(root / "ok.tif", greyImage(40, 30));
    for (const char *f : {"ok.png", "ok.jpg", "ok.tif"}) {
        const auto h = probeImageFile((root / f).string());
        ASSERT_EQ(h.size(), 1u);
        EXPECT_EQ(h[0].width, 40) << f;
        EXPECT_EQ(h[0].height, 30) << f;
    }
}

TEST_F(DataFiles, EmptyMissingUnreadableOrAllBadIsAClearError) {
    EXPECT_THROW(ImageFolder((root / "nowhere").string()), DataError);
    dir("images");
    dir("masks");
    try {
        ImageFolder empty(root.string());
        FAIL();
    } catch (const DataError &e) {
        EXPECT_NE(std::string(e.what()).find("holds no PNG, JPEG or TIFF images"), std::string::npos) << e.what();
    }
    writeBytes(dir("images") / "a.png", "");
    write(dir("masks") / "a.png", binaryMask(32, 32));
    try {
        ImageFolder bad(root.string());
        FAIL();
    } catch (const DataError &e) {
        ASSERT_EQ(e.problems().size(), 1u);
        EXPECT_EQ(e.problems()[0].file, "images/a.png");
        EXPECT_NE(std::string(e.what()).find("images/a.png"), std::string::npos) << e.what();
    }
    try {
        ImageFolder none(dir("other").string());
        FAIL();
    } catch (const DataError &e) {
        EXPECT_NE(std::string(e.what()).find("expected images/ + masks/"), std::string::npos) << e.what();
    }
    if (::geteuid() != 0) {  // root reads anything
        fs::permissions(root / "images", fs::perms::none);
        EXPECT_THROW(ImageFolder(root.string()), DataError);
        fs::permissions(root / "images", fs::perms::owner_all);
    }
}

// ---------------------------------------------------------------------------- TIFF stacks

TEST_F(DataFiles, TiffStacksLikeIsbiWithDarkMembranes) {
    std::vector<cv::Mat> pages, labels;
    for (int i = 0; i < 3; ++i) {
        pages.push_back(greyImage(64, 64, i));
        cv::Mat l(64, 64, CV_8UC1, cv::Scalar(255));                                 // cells white
        cv::line(l, cv::Point(0, 10 + i), cv::Point(63, 10 + i), cv::Scalar(0), 2);  // membranes dark
        labels.push_back(l);
    }
    ASSERT_TRUE(cv::imwritemulti((root / "volume.tif").string(), pages));
    ASSERT_TRUE(cv::imwritemulti((root / "labels.tif").string(), labels));
    ImageDatasetOptions o;
    o.size = 64;
    o.invert = true;
    o.classNames = {"cell", "membrane"};
    const TiffStack stack((root / "volume.tif").string(), (root / "labels.tif").string(), o);
    ASSERT_EQ(stack.size(), 3u) << problemList(stack);
    EXPECT_EQ(stack.get(2).id, "volume-003");
    EXPECT_EQ(stack.inChannels(), 1);
    const Sample s = stack.get(0);
    EXPECT_EQ(s.mask[10 * 64 + 5], 1);  // the dark membrane is the positive class
    EXPECT_EQ(s.mask[40 * 64 + 5], 0);
    EXPECT_LT(stack.summary().classFractions[1], 0.1);

    // A label stack with a page less: the extra image page is a problem, the rest opens.
    labels.pop_back();
    ASSERT_TRUE(cv::imwritemulti((root / "short.tif").string(), labels));
    const TiffStack shorter((root / "volume.tif").string(), (root / "short.tif").string(), o);
    EXPECT_EQ(shorter.size(), 2u);
    EXPECT_TRUE(hasProblem(shorter, "volume.tif page 3", "has no label page")) << problemList(shorter);
    writeBytes(root / "text.tif", "hello");
    EXPECT_THROW(TiffStack((root / "volume.tif").string(), (root / "text.tif").string(), o), DataError);
}

// ---------------------------------------------------------------------------- specs and the sample

TEST_F(DataFiles, SpecsOpenFoldersAndStacksAndRoundTrip) {
    write(dir("images") / "a.png", greyImage(64, 64));
    write(dir("masks") / "a.png", binaryMask(64, 64));
    const std::string folder = root.string();
    const DataSpec spec = parseDataSpec("folder:" + folder + ";size=64;classes=bg,cell;invert=1", 128);
    EXPECT_EQ(spec.kind, "folder");
    EXPECT_EQ(spec.path, folder);
    EXPECT_EQ(spec.size, 64);  // the spec's size wins over the argument
    const auto data = openDataset(spec);
    EXPECT_EQ(data->width(), 64);
    EXPECT_EQ(data->classNames()[1], "cell");
    EXPECT_EQ(data->get(0).mask[0], 1);  // inverted

    // Relative paths become absolute, so the canonical text opens the same data anywhere.
    const fs::path cwd = fs::current_path();
    fs::current_path(root);
    const DataSpec relative = parseDataSpec("folder:.;policy=pad;multiple=8");
    fs::current_path(cwd);
    EXPECT_EQ(relative.path, folder);
    EXPECT_EQ(relative.toString(), "folder:" + folder + ";policy=pad;multiple=8");

    for (const std::string &text : std::vector<std::string>{
             "folder:" + folder + ";size=64;policy=resize",
             "folder:" + folder +
                 ";size=96;policy=patch;mapping=binary;invert=1;classes=a,b;colours=#000000,#ff8800;"
                 "channels=3;seed=7",
             "tiff:" + folder + "/v.tif," + folder + "/l.tif;size=256;policy=crop;mapping=nonzero",
             "sample:nuclei;size=128;policy=crop", "sample:nuclei;size=256;policy=resize;classes=bg,nucleus"}) {
        const DataSpec a = parseDataSpec(text, 32);
        EXPECT_EQ(a.toString(), text);
        const DataSpec b = parseDataSpec(a.toString(), 256);
        EXPECT_EQ(b.toString(), text);
        EXPECT_EQ(b.size, a.size);
        EXPECT_EQ(b.images.classNames, a.images.classNames);
        EXPECT_EQ(b.images.classColours, a.images.classColours);
        EXPECT_EQ(b.images.policy, a.images.policy);
        EXPECT_EQ(b.images.invert, a.images.invert);
        EXPECT_EQ(b.images.seed, a.images.seed);
    }
    EXPECT_EQ(parseDataSpec("sample:nuclei").toString(), "sample:nuclei;size=256;policy=resize");
    EXPECT_EQ(parseDataSpec("synthetic:40:9", 64).toString(), "synthetic:40:9");
    for (const std::string &bad : std::vector<std::string>{
             "folder:", "folder:" + folder + ";size=8", "folder:" + folder + ";policy=stretch",
             "folder:" + folder + ";zoom=2", "folder:" + folder + ";size=64;size=64",
             "folder:" + folder + ";invert=maybe", "folder:" + folder + ";classes=a",
             "folder:" + folder + ";colours=red,blue", "folder:" + folder + ";channels=2", "folder:" + folder + ";size",
             "tiff:" + folder + "/v.tif", "sample:cats", "synthetic:10;size=64", "pictures:/x"})
        EXPECT_THROW(parseDataSpec(bad), std::invalid_argument) << bad;
    EXPECT_THROW(openDataset(parseDataSpec("folder:" + (root / "missing").string())), DataError);
}

TEST(BundledSample, NucleiOpensWith201PairsAndTwoClasses) {
    const auto data = openDataset(parseDataSpec("sample:nuclei"));
    EXPECT_EQ(data->name(), "Nuclei (DSB2018 sample)");
    EXPECT_EQ(data->size(), 201u);
    EXPECT_EQ(data->classNames(), (std::vector<std::string>{"background", "nucleus"}));
    EXPECT_EQ(data->inChannels(), 3);
    EXPECT_EQ(expectedClassCount(parseDataSpec("sample:nuclei")), data->numClasses());
    EXPECT_EQ(data->width(), 256);
    EXPECT_TRUE(data->problems().empty());
    const DatasetSummary s = data->summary();
    ASSERT_EQ(s.sourceSizes.size(), 1u);
    EXPECT_EQ(s.sourceSizes[0].count, 201u);
    EXPECT_GT(s.classFractions[1], 0.05);
    EXPECT_LT(s.classFractions[1], 0.5);
    // The attribution ships beside the images.
    EXPECT_TRUE(fs::exists(fs::path(bundledSampleFolder("nuclei")) / "SOURCE.md"));
    // $UNETLAB_SAMPLES_DIR comes first.
    ::setenv("UNETLAB_SAMPLES_DIR", "/nonexistent", 1);
    EXPECT_NO_THROW(bundledSampleFolder("nuclei"));  // falls through to the next place
    ::unsetenv("UNETLAB_SAMPLES_DIR");
}

// Issue #9: a folder too large for the memory budget is streamed from disk, with exactly the
// samples, summary, problems and classes it has in memory.
namespace {

// Sets UNETLAB_DATA_MEMORY_MB for one scope.
struct MemoryBudget {
    explicit MemoryBudget(const char *mb) { ::setenv("UNETLAB_DATA_MEMORY_MB", mb, 1); }
    ~MemoryBudget() { ::unsetenv("UNETLAB_DATA_MEMORY_MB"); }
};

std::shared_ptr<ImageFolder> openWithBudget(const std::string &folder, const ImageDatasetOptions &o, const char *mb) {
    MemoryBudget budget(mb);
    return std::make_shared<ImageFolder>(folder, o);
}

void expectSameDataset(const ImageDataset &memory, const ImageDataset &streamed, const std::string &what) {
    SCOPED_TRACE(what);
    EXPECT_FALSE(memory.streamed());
    EXPECT_TRUE(streamed.streamed());
    ASSERT_EQ(memory.size(), streamed.size());
    EXPECT_EQ(memory.width(), streamed.width());
    EXPECT_EQ(memory.height(), streamed.height());
    EXPECT_EQ(memory.inChannels(), streamed.inChannels());
    EXPECT_EQ(memory.classNames(), streamed.classNames());
    EXPECT_EQ(memory.classColours(), streamed.classColours());
    const auto pa = memory.problems(), pb = streamed.problems();
    ASSERT_EQ(pa.size(), pb.size());
    for (std::size_t i = 0; i < pa.size(); ++i) {
        EXPECT_EQ(pa[i].file, pb[i].file);
        EXPECT_EQ(pa[i].reason, pb[i].reason);
    }
    const DatasetSummary a = memory.summary(), b = streamed.summary();
    EXPECT_EQ(a.name, b.name);
    EXPECT_EQ(a.count, b.count);
    EXPECT_EQ(a.width, b.width);
    EXPECT_EQ(a.height, b.height);
    EXPECT_EQ(a.channels, b.channels);
    ASSERT_EQ(a.sourceSizes.size(), b.sourceSizes.size());
    for (std::size_t i = 0; i < a.sourceSizes.size(); ++i) {
        EXPECT_EQ(a.sourceSizes[i].width, b.sourceSizes[i].width);
        EXPECT_EQ(a.sourceSizes[i].height, b.sourceSizes[i].height);
        EXPECT_EQ(a.sourceSizes[i].count, b.sourceSizes[i].count);
    }
    EXPECT_EQ(a.classNames, b.classNames);
    EXPECT_EQ(a.classPixels, b.classPixels);
    EXPECT_EQ(a.classFractions, b.classFractions);
    EXPECT_EQ(a.mapping, b.mapping);
    EXPECT_EQ(a.sizePolicy, b.sizePolicy);
    EXPECT_TRUE(a.storage.empty());
    EXPECT_NE(b.storage.find("streamed from disk"), std::string::npos) << b.storage;
    auto same = [](const Sample &x, const Sample &y) {
        return x.id == y.id && x.width == y.width && x.height == y.height && x.channels == y.channels &&
               x.image == y.image && x.mask == y.mask;
    };
    for (std::size_t i = 0; i < memory.size(); ++i) {
        EXPECT_TRUE(same(memory.get(i), streamed.get(i))) << "sample " << i;
        for (std::uint64_t epoch = 0; epoch < 2; ++epoch)
            EXPECT_TRUE(same(memory.trainingSample(i, epoch), streamed.trainingSample(i, epoch)))
                << "sample " << i << " epoch " << epoch;
    }
}

}  // namespace

TEST_F(DataFiles, TiffStackOverTheMemoryBudgetIsStreamedPageByPage) {
    // Six pages of mixed sizes; the label stack has a page with a stray value, one of another
    // size and one page fewer than the images.
    std::vector<cv::Mat> pages, labels;
    const int sizes[][2] = {{48, 40}, {64, 48}, {48, 64}, {40, 40}, {56, 40}, {40, 48}};
    for (int i = 0; i < 6; ++i) {
        const int w = sizes[i][0], h = sizes[i][1];
        pages.push_back(greyImage(w, h, i));
        cv::Mat l = binaryMask(i == 4 ? w + 8 : w, h);
        cv::circle(l, cv::Point(w / 3, h / 3), 4 + i, cv::Scalar(0), cv::FILLED);
        if (i == 2) l.at<std::uint8_t>(1, 1) = 7;
        if (i < 5) labels.push_back(l);
    }
    ASSERT_TRUE(cv::imwritemulti((root / "volume.tif").string(), pages));
    ASSERT_TRUE(cv::imwritemulti((root / "labels.tif").string(), labels));
    const std::string images = (root / "volume.tif").string(), masks = (root / "labels.tif").string();
    for (SizePolicy policy : {SizePolicy::Resize, SizePolicy::Crop, SizePolicy::Pad, SizePolicy::Patch}) {
        ImageDatasetOptions o;
        o.size = 32;
        o.policy = policy;
        o.mapping = MaskMapping::Binary;
        ::setenv("UNETLAB_DATA_MEMORY_MB", "4096", 1);
        const TiffStack memory(images, masks, o);
        ::setenv("UNETLAB_DATA_MEMORY_MB", "0", 1);
        const TiffStack streamed(images, masks, o);
        ::unsetenv("UNETLAB_DATA_MEMORY_MB");
        expectSameDataset(memory, streamed, toString(policy));
        EXPECT_EQ(streamed.size(), 3u) << problemList(streamed);
        EXPECT_EQ(streamed.get(1).id, "volume-002");
        EXPECT_TRUE(hasProblem(streamed, "labels.tif page 3", "unexpected label value 7")) << problemList(streamed);
        EXPECT_TRUE(hasProblem(streamed, "labels.tif page 5", "mask is 64x40")) << problemList(streamed);
        EXPECT_TRUE(hasProblem(streamed, "volume.tif page 6", "has no label page")) << problemList(streamed);
    }
    // A page that cannot be read any more is a one-line error naming the stack and the page.
    ImageDatasetOptions o;
    o.size = 32;
    ::setenv("UNETLAB_DATA_MEMORY_MB", "0", 1);
    const TiffStack streamed(images, masks, o);
    ::unsetenv("UNETLAB_DATA_MEMORY_MB");
    writeBytes(root / "volume.tif", "gone");
    try {
        streamed.get(0);
        FAIL() << "a changed stack was read";
    } catch (const std::runtime_error &e) {
        EXPECT_NE(std::string(e.what()).find("volume.tif page 1"), std::string::npos) << e.what();
    }
}

TEST_F(DataFiles, FolderOverTheMemoryBudgetIsStreamedWithTheSameSamples) {
    // Mixed sizes, grey and RGB images, and problem files of every kind the build checks.
    const fs::path images = dir("set/images"), masks = dir("set/masks");
    const int sizes[][2] = {{40, 36}, {64, 48}, {48, 64}, {40, 36}, {80, 80}, {36, 52}};
    for (int i = 0; i < 6; ++i) {
        const int w = sizes[i][0], h = sizes[i][1];
        write(images / ("p" + std::to_string(i) + ".png"), i % 2 ? rgbImage(w, h, i) : greyImage(w, h, i));
        cv::Mat m = binaryMask(w, h);
        cv::circle(m, cv::Point(w / 3, h / 3), 4 + i, cv::Scalar(0), cv::FILLED);
        write(masks / ("p" + std::to_string(i) + ".png"), m);
    }
    write(images / "small.png", greyImage(20, 20));  // too small for crop and patch
    write(masks / "small.png", binaryMask(20, 20));
    write(images / "other.png", greyImage(40, 40));  // mask of another size
    write(masks / "other.png", binaryMask(30, 40));
    write(images / "odd.png", greyImage(40, 40));  // a stray value: binary refuses it
    cv::Mat odd = binaryMask(40, 40);
    odd.at<std::uint8_t>(1, 1) = 7;
    write(masks / "odd.png", odd);
    writeBytes(images / "broken.png", "not a png at all");
    write(masks / "broken.png", binaryMask(40, 40));
    write(images / "lonely.png", greyImage(40, 40));  // no mask

    const std::string folder = (root / "set").string();
    for (SizePolicy policy : {SizePolicy::Resize, SizePolicy::Crop, SizePolicy::Pad, SizePolicy::Patch}) {
        ImageDatasetOptions o;
        o.size = 32;
        o.policy = policy;
        o.mapping = MaskMapping::Binary;
        const auto memory = openWithBudget(folder, o, "4096");
        const auto streamed = openWithBudget(folder, o, "0");
        expectSameDataset(*memory, *streamed, toString(policy));
        EXPECT_TRUE(hasProblem(*streamed, "masks/odd.png", "unexpected label value 7")) << problemList(*streamed);
        EXPECT_TRUE(hasProblem(*streamed, "masks/other.png", "mask is 30x40")) << problemList(*streamed);
    }
    // Other mappings: index (invert), channels forced, palette with colour masks.
    ImageDatasetOptions o;
    o.size = 32;
    o.mapping = MaskMapping::NonZero;
    o.invert = true;
    o.channels = 3;
    expectSameDataset(*openWithBudget(folder, o, "1000"), *openWithBudget(folder, o, "0"), "nonzero inverted");

    const fs::path ci = dir("colour/images"), cm = dir("colour/masks");
    for (int i = 0; i < 4; ++i) {
        write(ci / ("c" + std::to_string(i) + ".png"), rgbImage(40 + 8 * i, 40));
        cv::Mat m(40, 40 + 8 * i, CV_8UC3, cv::Scalar(0, 0, 0));
        cv::rectangle(m, cv::Rect(2, 2, 10, 10), cv::Scalar(0, 0, 255), cv::FILLED);
        cv::rectangle(m, cv::Rect(20, 5, 10 + i, 20), cv::Scalar(0, 255, 0), cv::FILLED);
        write(cm / ("c" + std::to_string(i) + ".png"), m);
    }
    write(ci / "grey.png", greyImage(40, 40));  // a grey mask among colour ones
    write(cm / "grey.png", binaryMask(40, 40));
    ImageDatasetOptions auto_;
    auto_.size = 32;
    auto_.policy = SizePolicy::Pad;
    expectSameDataset(*openWithBudget((root / "colour").string(), auto_, "1000"),
                      *openWithBudget((root / "colour").string(), auto_, "0"), "auto palette");
}

TEST_F(DataFiles, StreamedBundledSampleMatchesMemoryAndAFileGoneIsAOneLineError) {
    // Twelve real DSB2018 pairs, copied so that one can be removed.
    const fs::path sample(bundledSampleFolder("nuclei"));
    const FolderLayout layout = findFolderLayout(sample.string());
    const fs::path images = dir("dsb/images"), masks = dir("dsb/masks");
    std::vector<fs::path> files;
    for (const auto &e : fs::directory_iterator(layout.images)) files.push_back(e.path());
    std::sort(files.begin(), files.end());
    files.resize(std::min<std::size_t>(files.size(), 12));
    for (const fs::path &f : files) {
        fs::copy_file(f, images / f.filename());
        for (const auto &m : fs::directory_iterator(layout.masks))
            if (m.path().stem().string().rfind(f.stem().string(), 0) == 0)
                fs::copy_file(m.path(), masks / m.path().filename());
    }
    ImageDatasetOptions o;
    o.size = 128;
    const auto memory = openWithBudget((root / "dsb").string(), o, "1024");
    const auto streamed = openWithBudget((root / "dsb").string(), o, "1");
    EXPECT_EQ(streamed->size(), 12u);
    expectSameDataset(*memory, *streamed, "dsb2018");
    // The budget comes from the environment; without it, half of the memory available.
    {
        MemoryBudget budget("3");
        EXPECT_EQ(dataMemoryBudgetBytes(), 3u << 20);
    }
    EXPECT_GT(dataMemoryBudgetBytes(), 0u);

    // A file removed (or rewritten) after opening: a one-line error naming it, from get() only.
    const std::string gone = streamed->get(3).id;
    fs::remove(images / files[3].filename());
    try {
        streamed->get(3);
        ADD_FAILURE() << "no error for a removed file";
    } catch (const std::runtime_error &e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("images/" + files[3].filename().string()), std::string::npos) << what;
        EXPECT_EQ(what.find('\n'), std::string::npos) << what;
    }
    EXPECT_NO_THROW(streamed->get(2));
    write(images / files[3].filename(), rgbImage(64, 64));
    EXPECT_THROW(streamed->get(3), std::runtime_error);
    EXPECT_EQ(memory->get(3).id, gone);  // in memory nothing is read again
}
