#include <QLabel>
#include <QSlider>

#include <gtest/gtest.h>

#include "SampleGallery.h"

namespace {
GalleryItem item(const QString &title, QColor pixel, QColor maskColour) {
    GalleryItem i;
    i.title = title;
    i.image = QImage(8, 8, QImage::Format_RGB888);
    i.image.fill(pixel);
    i.mask = QImage(8, 8, QImage::Format_ARGB32);
    i.mask.fill(maskColour);
    return i;
}
}  // namespace

TEST(SampleGallery, OverlayBlendsTheMaskWithTheChosenOpacity) {
    const GalleryItem i = item("a", QColor(200, 100, 0), QColor(0, 0, 255));
    const QImage half = SampleGallery::overlay(i.image, i.mask, 0.5);
    const QColor c = half.pixelColor(3, 3);
    EXPECT_NEAR(c.red(), 100, 2);
    EXPECT_NEAR(c.green(), 50, 2);
    EXPECT_NEAR(c.blue(), 128, 2);
    // Transparent mask pixels (background) leave the image untouched.
    const GalleryItem clear = item("b", QColor(10, 20, 30), QColor(0, 0, 0, 0));
    EXPECT_EQ(SampleGallery::overlay(clear.image, clear.mask, 1.0).pixelColor(0, 0), QColor(10, 20, 30));
}

TEST(SampleGallery, ShowsOneTileOfThreeViewsPerItem) {
    SampleGallery g;
    g.resize(1400, 900);
    g.setClasses({{QStringLiteral("background"), QColor(0, 0, 0, 0)}, {QStringLiteral("nucleus"), Qt::magenta}});
    g.setItems({item("one", Qt::white, Qt::red), item("two", Qt::gray, Qt::blue)});
    EXPECT_EQ(g.itemCount(), 2);
    int images = 0;
    for (QLabel *l : g.findChildren<QLabel *>())
        if (!l->pixmap().isNull()) ++images;
    EXPECT_EQ(images, 6);  // image, mask, overlay for each
    g.setShowMaskColumn(false);
    images = 0;
    for (QLabel *l : g.findChildren<QLabel *>())
        if (!l->pixmap().isNull()) ++images;
    EXPECT_EQ(images, 4);
    g.setOverlayOpacity(80);
    EXPECT_EQ(g.overlayOpacity(), 80);
}
