// Input preprocessing (MISSION §6): every mapping against hand computations, histogram
// equalisation and CLAHE against OpenCV called directly, the command-line forms and the
// JSON that checkpoints store (old forms included).
#include <algorithm>
#include <cmath>
#include <cstdint>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "data/Normalisation.h"
#include "data/SyntheticCells.h"

using namespace unetlab;

namespace {

// A tiny in-memory dataset with hand-made pixels.
class HandData final : public Dataset {
public:
    explicit HandData(std::vector<Sample> samples) : m_samples(std::move(samples)) {}
    std::string name() const override { return "hand"; }
    std::size_t size() const override { return m_samples.size(); }
    Sample get(std::size_t i) const override { return m_samples.at(i); }
    int width() const override { return m_samples[0].width; }
    int height() const override { return m_samples[0].height; }
    int inChannels() const override { return m_samples[0].channels; }
    std::vector<std::string> classNames() const override { return {"background", "foreground"}; }

private:
    std::vector<Sample> m_samples;
};

Sample sampleOf(int w, int h, int channels, std::vector<std::uint8_t> pixels) {
    Sample s;
    s.id = "s";
    s.width = w;
    s.height = h;
    s.channels = channels;
    s.image = std::move(pixels);
    s.mask.assign(static_cast<std::size_t>(w * h), 0);
    return s;
}

// 2x2 RGB images; channel c of pixel p is the listed value.
Sample rgb(std::vector<std::uint8_t> interleaved) { return sampleOf(2, 2, 3, std::move(interleaved)); }

Sample noisyGrey(int side, int seed) {
    cv::Mat m(side, side, CV_8UC1);
    cv::randu(m, cv::Scalar(40 + seed), cv::Scalar(160));
    cv::GaussianBlur(m, m, cv::Size(5, 5), 1.5);
    return sampleOf(side, side, 1, std::vector<std::uint8_t>(m.data, m.data + m.total()));
}

}  // namespace

TEST(Preprocessing, DatasetStatisticsMatchHandComputations) {
    const HandData data({rgb({0, 10, 20, 50, 10, 20, 100, 10, 20, 150, 10, 20}),
                         rgb({200, 30, 20, 250, 30, 20, 250, 30, 20, 250, 30, 20})});
    const std::vector<std::size_t> all{0, 1};

    Preprocessing p;
    p.mapping = IntensityMapping::MinMax;
    Normalisation n = computeNormalisation(p, data, all);
    ASSERT_EQ(n.mean.size(), 3u);
    EXPECT_DOUBLE_EQ(n.mean[0], 0.0);
    EXPECT_DOUBLE_EQ(n.std[0], 250.0 / 255.0);
    EXPECT_DOUBLE_EQ(n.mean[1], 10.0 / 255.0);
    EXPECT_DOUBLE_EQ(n.std[1], 20.0 / 255.0);
    EXPECT_DOUBLE_EQ(n.std[2], 1.0 / 255.0);                        // a flat channel: the range is floored at one level
    const std::vector<float> x = preprocessSample(data.get(0), n);  // CHW
    EXPECT_FLOAT_EQ(x[1], (50.0f / 255.0f - 0.0f) / (250.0f / 255.0f));
    EXPECT_FLOAT_EQ(x[4], 0.0f);  // channel 1, pixel 0: (10 - 10) / 20

    // Nearest-rank percentiles of channel 0's eight values 0, 50, 100, 150, 200, 250, 250, 250:
    // p25 -> rank 2 -> 50; p75 -> rank 6 -> 250.
    p.mapping = IntensityMapping::Percentile;
    p.lowPercentile = 25;
    p.highPercentile = 75;
    n = computeNormalisation(p, data, all);
    EXPECT_DOUBLE_EQ(n.mean[0], 50.0 / 255.0);
    EXPECT_DOUBLE_EQ(n.std[0], 200.0 / 255.0);
    EXPECT_TRUE(n.clips());
    const std::vector<float> clipped = preprocessSample(data.get(0), n);
    EXPECT_FLOAT_EQ(clipped[0], 0.0f);  // 0 lies below p25: clipped
    EXPECT_FLOAT_EQ(clipped[2], (100.0f / 255.0f - 50.0f / 255.0f) / (200.0f / 255.0f));

    // The default z-score is the one earlier versions computed.
    const Normalisation z = computeNormalisation(Preprocessing{}, data, all);
    const Normalisation old = datasetStatistics(data, all);
    EXPECT_EQ(z.mean, old.mean);
    EXPECT_EQ(z.std, old.std);
    const double mean0 = (0 + 50 + 100 + 150 + 200 + 250 * 3) / 8.0 / 255.0;
    EXPECT_NEAR(z.mean[0], mean0, 1e-12);
    double var = 0;
    for (double v : {0, 50, 100, 150, 200, 250, 250, 250}) var += (v / 255.0 - mean0) * (v / 255.0 - mean0);
    EXPECT_NEAR(z.std[0], std::sqrt(var / 8.0), 1e-9);
    EXPECT_DOUBLE_EQ(z.std[2], 1e-3);  // floored
}

TEST(Preprocessing, PerImageStatisticsUseAllChannelsOfThatImage) {
    const Sample s = rgb({0, 10, 20, 50, 10, 20, 100, 10, 20, 150, 10, 20});
    Normalisation n;
    n.method.scope = StatisticsScope::Image;
    n.method.mapping = IntensityMapping::MinMax;
    EXPECT_TRUE(n.perImage());
    std::vector<float> x = preprocessSample(s, n);
    EXPECT_FLOAT_EQ(x[0], 0.0f);                                   // min 0
    EXPECT_FLOAT_EQ(x[3], (150.0f / 255.0f) / (150.0f / 255.0f));  // max 150
    EXPECT_FLOAT_EQ(x[4], (10.0f / 255.0f) / (150.0f / 255.0f));

    n.method.mapping = IntensityMapping::ZScore;
    x = preprocessSample(s, n);
    double mean = 0, sq = 0;
    for (double v : {0, 50, 100, 150, 10, 10, 10, 10, 20, 20, 20, 20}) mean += v / 255.0 / 12.0;
    for (double v : {0, 50, 100, 150, 10, 10, 10, 10, 20, 20, 20, 20}) sq += (v / 255.0 - mean) * (v / 255.0 - mean);
    EXPECT_NEAR(x[2], (100.0 / 255.0 - mean) / std::sqrt(sq / 12.0), 1e-5);

    n.method.mapping = IntensityMapping::Percentile;
    n.method.lowPercentile = 10;   // rank ceil(1.2) = 2 of the sorted 12 values -> 10
    n.method.highPercentile = 90;  // rank ceil(10.8) = 11 -> 100
    x = preprocessSample(s, n);
    EXPECT_FLOAT_EQ(x[0], 0.0f);  // clipped
    EXPECT_FLOAT_EQ(x[3], 1.0f);  // 150 above p90: clipped
    EXPECT_FLOAT_EQ(x[1], (50.0f / 255.0f - 10.0f / 255.0f) / (90.0f / 255.0f));

    // A flat image: no division by zero.
    const Sample flat = sampleOf(2, 2, 1, {7, 7, 7, 7});
    for (IntensityMapping m : {IntensityMapping::MinMax, IntensityMapping::ZScore, IntensityMapping::Percentile}) {
        n.method.mapping = m;
        for (float v : preprocessSample(flat, n)) EXPECT_TRUE(std::isfinite(v));
    }
}

// Otsu's threshold found the textbook way, independently of the implementation: the level t
// maximising w0 w1 (mu0 - mu1)^2 over the classes v <= t and v > t (the first such t).
int bruteForceOtsu(const std::vector<std::uint8_t> &v) {
    int best = 255;
    double bestBetween = -1;
    for (int t = 0; t < 255; ++t) {
        double n0 = 0, n1 = 0, s0 = 0, s1 = 0;
        for (std::uint8_t x : v) (x <= t ? n0 : n1) += 1, (x <= t ? s0 : s1) += x;
        if (n0 == 0 || n1 == 0) continue;
        const double w0 = n0 / static_cast<double>(v.size()), w1 = 1 - w0;
        const double between = w0 * w1 * (s0 / n0 - s1 / n1) * (s0 / n0 - s1 / n1);
        if (between > bestBetween + 1e-9) bestBetween = between, best = t;
    }
    return best;
}

TEST(Preprocessing, OtsuMapsEachImagesDarkClassToZeroAndItsBrightClassToOneHalf) {
    // By hand: six pixels at 10 and two at 110; any threshold between them splits the same.
    const Sample twoLevels = sampleOf(4, 2, 1, {10, 10, 10, 110, 10, 10, 110, 10});
    Normalisation n({}, {}, parsePreprocessing("otsu"));
    EXPECT_TRUE(n.perImage());
    EXPECT_TRUE(n.clips());
    EXPECT_FALSE(n.standardisesAfterClipping());  // no training statistics yet
    std::vector<float> x = preprocessSample(twoLevels, n);
    EXPECT_FLOAT_EQ(x[0], 0.0f);  // the dark class's mean
    EXPECT_FLOAT_EQ(x[3], 0.5f);  // the bright class's mean

    // A noisy image against the textbook threshold; values above 2 m_bright - m_dark clip to 1.
    const Sample noisy = noisyGrey(48, 3);
    const int t = bruteForceOtsu(noisy.image);
    double dark = 0, bright = 0, nDark = 0, nBright = 0;
    for (std::uint8_t v : noisy.image) (v <= t ? dark : bright) += v, (v <= t ? nDark : nBright) += 1;
    dark /= nDark * 255.0;
    bright /= nBright * 255.0;
    x = preprocessSample(noisy, n);
    bool clipped = false;
    for (std::size_t i = 0; i < x.size(); ++i) {
        const double expected = std::clamp((noisy.image[i] / 255.0 - dark) / (2 * (bright - dark)), 0.0, 1.0);
        EXPECT_NEAR(x[i], expected, 1e-5) << i;
        clipped = clipped || expected == 1.0;
    }
    EXPECT_TRUE(clipped);

    // Training statistics: the mean and std of the clipped maps (0 six times, 0.5 twice per
    // image: mean 0.125, variance 0.5 / 8 - 0.125^2), then the z-score of them.
    const HandData data({twoLevels, twoLevels});
    n = computeNormalisation(parsePreprocessing("otsu"), data, {0, 1});
    ASSERT_EQ(n.mean.size(), 1u);
    EXPECT_NEAR(n.mean[0], 0.125, 1e-12);
    EXPECT_NEAR(n.std[0], std::sqrt(0.0625 - 0.125 * 0.125), 1e-12);
    EXPECT_TRUE(n.standardisesAfterClipping());
    x = preprocessSample(twoLevels, n);
    EXPECT_NEAR(x[0], -0.125 / n.std[0], 1e-5);
    EXPECT_NEAR(x[3], 0.375 / n.std[0], 1e-5);

    // A flat image has no second class: finite values, no division by zero.
    for (float v : preprocessSample(sampleOf(2, 2, 1, {7, 7, 7, 7}), n)) EXPECT_TRUE(std::isfinite(v));
    EXPECT_NE(n.describe().find("Otsu"), std::string::npos);
}

TEST(Preprocessing, HistogramEqualisationAndClaheAreOpenCvs) {
    const Sample grey = noisyGrey(64, 0);
    const cv::Mat g(64, 64, CV_8UC1, const_cast<std::uint8_t *>(grey.image.data()));
    Normalisation n;
    n.method.mapping = IntensityMapping::Scale;
    n.method.equalisation = Equalisation::Histogram;
    cv::Mat expected;
    cv::equalizeHist(g, expected);
    std::vector<float> x = preprocessSample(grey, n);
    for (int i = 0; i < 64 * 64; ++i) ASSERT_FLOAT_EQ(x[static_cast<std::size_t>(i)], expected.data[i] / 255.0f) << i;

    n.method.equalisation = Equalisation::Clahe;
    n.method.claheClipLimit = 3.0;
    n.method.claheTiles = 4;
    cv::createCLAHE(3.0, cv::Size(4, 4))->apply(g, expected);
    x = preprocessSample(grey, n);
    for (int i = 0; i < 64 * 64; ++i) ASSERT_FLOAT_EQ(x[static_cast<std::size_t>(i)], expected.data[i] / 255.0f) << i;
    EXPECT_EQ(equaliseSample(grey, n.method).image, std::vector<std::uint8_t>(expected.data, expected.data + 64 * 64));

    // RGB: equalised on the luma channel (YCrCb), so hues stay.
    SyntheticOptions o;
    o.size = 64;
    const Sample colour = SyntheticCells::generate(o, 0);
    cv::Mat rgbMat(64, 64, CV_8UC3, const_cast<std::uint8_t *>(colour.image.data())), ycrcb;
    cv::cvtColor(rgbMat, ycrcb, cv::COLOR_RGB2YCrCb);
    std::vector<cv::Mat> parts;
    cv::split(ycrcb, parts);
    cv::createCLAHE(3.0, cv::Size(4, 4))->apply(parts[0], parts[0]);
    cv::merge(parts, ycrcb);
    cv::cvtColor(ycrcb, expected, cv::COLOR_YCrCb2RGB);
    EXPECT_EQ(equaliseSample(colour, n.method).image,
              std::vector<std::uint8_t>(expected.data, expected.data + 64 * 64 * 3));
    x = preprocessSample(colour, n);
    EXPECT_FLOAT_EQ(x[64 * 64 + 5], expected.data[5 * 3 + 1] / 255.0f);  // channel G of pixel 5

    // Dataset statistics are taken after equalisation.
    const HandData data({grey});
    n.method.mapping = IntensityMapping::ZScore;
    const Normalisation stats = computeNormalisation(n.method, data, {0});
    const cv::Scalar mean = cv::mean(equaliseSample(grey, n.method).image);
    EXPECT_NEAR(stats.mean[0], mean[0] / 255.0, 1e-9);
}

TEST(Preprocessing, CommandLineFormsRoundTrip) {
    EXPECT_EQ(parsePreprocessing("zscore"), Preprocessing{});
    const Preprocessing clahe = parsePreprocessing("clahe");
    EXPECT_EQ(clahe.equalisation, Equalisation::Clahe);
    EXPECT_EQ(clahe.mapping, IntensityMapping::ZScore);
    const Preprocessing p = parsePreprocessing("histeq+percentile:per-image:0.5-99.5");
    EXPECT_EQ(p.equalisation, Equalisation::Histogram);
    EXPECT_EQ(p.mapping, IntensityMapping::Percentile);
    EXPECT_EQ(p.scope, StatisticsScope::Image);
    EXPECT_DOUBLE_EQ(p.lowPercentile, 0.5);
    EXPECT_DOUBLE_EQ(p.highPercentile, 99.5);
    for (const char *text : {"zscore", "none", "minmax", "minmax:per-image", "percentile", "percentile:per-image",
                             "percentile:2-98", "histeq", "clahe", "clahe+minmax:per-image", "histeq+none",
                             "clahe+zscore:per-image", "histeq+percentile:per-image:0.5-99.5", "otsu",
                             "clahe+otsu"}) {
        EXPECT_EQ(toString(parsePreprocessing(text)), text);
        EXPECT_EQ(parsePreprocessing(toString(parsePreprocessing(text))), parsePreprocessing(text)) << text;
    }
    for (const char *bad : {"", "median", "clahe+", "blur+zscore", "zscore:sometimes", "percentile:90-10",
                            "percentile:a-b", "minmax:1-99", "zscore:per-image:per-image"})
        EXPECT_THROW(parsePreprocessing(bad), std::invalid_argument) << bad;
    // Otsu's threshold is each image's own: always per image.
    EXPECT_EQ(parsePreprocessing("otsu:per-image"), parsePreprocessing("otsu"));
    EXPECT_EQ(parsePreprocessing("otsu").scope, StatisticsScope::Image);
    EXPECT_THROW(parsePreprocessing("otsu:dataset"), std::invalid_argument);
}

TEST(Preprocessing, JsonKeepsTheOldFormsAndRoundTripsTheNewOnes) {
    // Checkpoints in the wild.
    Normalisation n = normalisationFromJson(nlohmann::json{{"kind", "scale"}});
    EXPECT_TRUE(n.isIdentity());
    n = normalisationFromJson(nlohmann::json{{"kind", "zscore-dataset"}, {"mean", {0.5, 0.4}}, {"std", {0.2, 0.1}}});
    EXPECT_EQ(n.method, Preprocessing{});
    EXPECT_EQ(n.std, (std::vector<double>{0.2, 0.1}));
    // The default still writes the old form, so older readers keep working.
    EXPECT_EQ(toJson(n)["kind"], "zscore-dataset");
    EXPECT_EQ(toJson(Normalisation{})["kind"], "scale");

    Normalisation clahe({0.3}, {0.2}, parsePreprocessing("clahe+percentile:2-98"));
    Normalisation perImage({}, {}, parsePreprocessing("minmax:per-image"));
    Normalisation otsu({0.12}, {0.21}, parsePreprocessing("otsu"));
    for (const Normalisation &m : {clahe, perImage, otsu}) {
        const nlohmann::json j = toJson(m);
        EXPECT_EQ(j["kind"], "preprocessing");
        const Normalisation back = normalisationFromJson(j);
        EXPECT_EQ(back.method, m.method);
        EXPECT_EQ(back.mean, m.mean);
        EXPECT_EQ(back.std, m.std);
        EXPECT_EQ(toJson(back), j);
    }
    EXPECT_EQ(preprocessingFromJson(toJson(clahe.method)), clahe.method);
    EXPECT_THROW(normalisationFromJson(nlohmann::json{{"kind", "preprocessing"}, {"method", toJson(clahe.method)}}),
                 std::invalid_argument);  // dataset statistics missing
    EXPECT_THROW(normalisationFromJson(nlohmann::json{{"kind", "preprocessing"}, {"method", toJson(otsu.method)}}),
                 std::invalid_argument);  // otsu's statistics after clipping missing
    EXPECT_THROW(normalisationFromJson(nlohmann::json{{"kind", "wavelets"}}), std::invalid_argument);
    EXPECT_FALSE(clahe.describe().empty());
}
