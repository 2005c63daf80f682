// The converter from engine results to QImages: OpenCV's viridis on each map's own range,
// the shared error colours, the diverging kernel scale and nucleus outlines.
#include <cstdint>
#include <QColor>

#include <gtest/gtest.h>

#include "InspectImages.h"
#include "InspectTestData.h"
#include "inspect/Analysis.h"

namespace {

QColor colourOf(unetlab::ColourMap map, double t) { return inspect::toQColor(unetlab::colourAt(map, t)); }

}  // namespace

TEST(InspectImages, MapsUseViridisOnTheirOwnRange) {
    const unetlab::ActivationMap m = inspecttest::rampMap(0, 8, 1.0);
    const QImage image = inspect::mapImage(m);
    ASSERT_EQ(image.size(), QSize(8, 8));
    EXPECT_EQ(image.pixelColor(0, 0), colourOf(unetlab::ColourMap::Viridis, 0));
    EXPECT_EQ(image.pixelColor(7, 7), colourOf(unetlab::ColourMap::Viridis, 1));
    // Viridis runs from dark purple-blue to yellow.
    EXPECT_LT(image.pixelColor(0, 0).lightness(), 80);
    EXPECT_GT(image.pixelColor(7, 7).red(), 200);
    EXPECT_GT(image.pixelColor(7, 7).green(), 200);
}

TEST(InspectImages, ErrorsInTheirColoursOnAFadedImage) {
    unetlab::Sample s = inspecttest::cellSample("x", 32);
    std::vector<std::uint8_t> pred = s.mask;
    const std::size_t fp = 0, fn = static_cast<std::size_t>(16 * 32 + 16);  // a background corner, the nucleus centre
    pred[fp] = 2;
    pred[fn] = 0;
    const QImage nucleus = inspect::errorImage(s, pred, 2);
    EXPECT_EQ(nucleus.pixelColor(0, 0), inspect::toQColor(unetlab::kFalsePositiveColour));
    EXPECT_EQ(nucleus.pixelColor(16, 16), inspect::toQColor(unetlab::kFalseNegativeColour));
    const QColor correct = nucleus.pixelColor(5, 5);
    EXPECT_EQ(correct.red(), correct.green());  // faded to grey
    EXPECT_EQ(correct.green(), correct.blue());

    pred[fn] = 1;  // nucleus called cytoplasm: the wrong class, over all classes
    EXPECT_EQ(inspect::errorImage(s, pred, -1).pixelColor(16, 16), inspect::toQColor(unetlab::kWrongClassColour));
}

TEST(InspectImages, KernelsOnADivergingScaleAroundZero) {
    const float weights[9] = {-1, 0, 1, -1, 0, 1, -1, 0, 1};
    const QImage image = inspect::kernelWeightsImage(weights, 3, 3, 1.0f);
    ASSERT_EQ(image.size(), QSize(3, 3));
    EXPECT_GT(image.pixelColor(0, 0).blue(), image.pixelColor(0, 0).red());  // negative: blue
    EXPECT_GT(image.pixelColor(2, 0).red(), image.pixelColor(2, 0).blue());  // positive: red
    EXPECT_GT(image.pixelColor(1, 0).lightness(), 230);                      // zero: white

    const unetlab::KernelSet k = inspecttest::kernels(2, 3, true);
    const QImage rgb = inspect::kernelRgbImage(k, 0);
    EXPECT_EQ(rgb.size(), QSize(3, 3));
}

TEST(InspectImages, NucleiOutlinedInTheirOwnColours) {
    const unetlab::Sample s = inspecttest::cellSample("x", 64, true);
    const unetlab::InstanceSeparation inst = unetlab::separateNuclei(
        s.mask.data(), s.width, s.height, unetlab::separationFor({"background", "cytoplasm", "nucleus"}));
    ASSERT_EQ(inst.count(), 2);
    const QImage image = inspect::instancesImage(s, inst);
    int first = 0, second = 0;
    for (int y = 0; y < image.height(); ++y)
        for (int x = 0; x < image.width(); ++x) {
            const QColor c = image.pixelColor(x, y);
            first += c == inspect::instanceColour(1);
            second += c == inspect::instanceColour(2);
        }
    EXPECT_GT(first, 20);
    EXPECT_GT(second, 20);
}
