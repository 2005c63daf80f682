// The receptive-field panel: the table holds the chapter's numbers and the exact reach;
// the map is asked of the engine with a plain request and drawn only from its answer.
#include <QLabel>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTableWidget>

#include <gtest/gtest.h>

#include "ConvolutionWidget.h"
#include "LearnArea.h"
#include "LearnTestSupport.h"
#include "ReceptiveFieldPanel.h"
#include "ReceptiveFieldView.h"
#include "UpsamplingWidget.h"

namespace {

QString lastRow(const QTableWidget *table, int column) { return table->item(table->rowCount() - 1, column)->text(); }

QString rowOf(const QTableWidget *table, const QString &stage, int column) {
    QString text;  // the last row of the stage
    for (int r = 0; r < table->rowCount(); ++r)
        if (table->item(r, 0)->text() == stage) text = table->item(r, column)->text();
    return text;
}

QImage testImage(int size) {
    QImage image(size, size, QImage::Format_RGB888);
    image.fill(QColor(230, 200, 210));
    return image;
}

// A map like the engine's: non-zero on a square of `side` around (x, y).
ReceptiveFieldResult squareMap(quint64 id, int size, int x, int y, int side) {
    ReceptiveFieldResult r;
    r.requestId = id;
    r.width = r.height = size;
    r.magnitude.assign(static_cast<std::size_t>(size) * size, 0.0f);
    for (int row = y - side / 2; row <= y + side / 2; ++row)
        for (int col = x - side / 2; col <= x + side / 2; ++col)
            r.magnitude[static_cast<std::size_t>(row) * size + col] =
                1.0f / (1 + std::abs(row - y) + std::abs(col - x));
    return r;
}

}  // namespace

TEST(ReceptiveFieldPanel, TableHoldsTheChaptersNumbers) {
    ReceptiveFieldPanel panel;
    panel.setPreset(QStringLiteral("minimal"));
    EXPECT_EQ(lastRow(panel.table(), 3), QStringLiteral("5"));
    EXPECT_EQ(lastRow(panel.table(), 4), QStringLiteral("5"));
    panel.setPreset(QStringLiteral("small-unet"));
    EXPECT_EQ(rowOf(panel.table(), QStringLiteral("enc1"), 3), QStringLiteral("5"));
    EXPECT_EQ(rowOf(panel.table(), QStringLiteral("pool1"), 3), QStringLiteral("6"));
    EXPECT_EQ(rowOf(panel.table(), QStringLiteral("enc2"), 3), QStringLiteral("14"));
    EXPECT_EQ(rowOf(panel.table(), QStringLiteral("pool2"), 3), QStringLiteral("16"));
    EXPECT_EQ(rowOf(panel.table(), QStringLiteral("bottleneck"), 3), QStringLiteral("32"));
    EXPECT_EQ(rowOf(panel.table(), QStringLiteral("bottleneck"), 2), QStringLiteral("4"));  // jump
    EXPECT_EQ(lastRow(panel.table(), 3), QStringLiteral("44"));
    EXPECT_EQ(lastRow(panel.table(), 4), QStringLiteral("52"));
    EXPECT_TRUE(panel.summaryText().contains(QStringLiteral("44 × 44")));
    EXPECT_TRUE(panel.summaryText().contains(QStringLiteral("32 × 32 at the bottleneck")));
    EXPECT_TRUE(panel.summaryText().contains(QStringLiteral("52 × 52")));
    for (const QString &preset : {QStringLiteral("small-unet-noskip"), QStringLiteral("unet")}) {
        panel.setPreset(preset);
        EXPECT_EQ(panel.preset(), preset);
        EXPECT_GT(panel.table()->rowCount(), 10);
    }
}

TEST(ReceptiveFieldPanel, SaysTheMapComesFromTheEngineUntilOneIsConnected) {
    ReceptiveFieldPanel panel;
    EXPECT_TRUE(panel.statusText().contains(QStringLiteral("No image yet")));
    panel.setImages({testImage(64)}, {QStringLiteral("cell")});
    EXPECT_TRUE(panel.statusText().contains(QStringLiteral("No engine is connected")))
        << panel.statusText().toStdString();
    EXPECT_FALSE(panel.view()->hasMap());
}

TEST(ReceptiveFieldPanel, AsksWithAPlainRequestAndDrawsTheAnswer) {
    ReceptiveFieldPanel panel;
    showAtLectureSize(&panel);
    QSignalSpy requests(&panel, &ReceptiveFieldPanel::mapRequested);
    panel.setClassNames({QStringLiteral("background"), QStringLiteral("cytoplasm"), QStringLiteral("nucleus")});
    panel.setImages({testImage(64), testImage(64)}, {QStringLiteral("a"), QStringLiteral("b")});
    panel.setPreset(QStringLiteral("minimal"));
    panel.setImageIndex(1);
    panel.setClassIndex(2);
    panel.setOutputPixel(QPoint(20, 30));
    ASSERT_TRUE(waitFor([&] { return requests.count() == 1; }, 2000));  // one request for the burst
    const auto request = requests.front().at(0).value<ReceptiveFieldRequest>();
    EXPECT_EQ(request.preset, QStringLiteral("minimal"));
    EXPECT_EQ(request.imageIndex, 1);
    EXPECT_EQ(request.outputPixel, QPoint(20, 30));
    EXPECT_EQ(request.classIndex, 2);
    EXPECT_FALSE(request.trained);
    EXPECT_EQ(request.image.size(), QSize(64, 64));
    EXPECT_TRUE(panel.statusText().contains(QStringLiteral("Computing")));

    panel.showResult(squareMap(request.id + 1, 64, 20, 30, 5));  // not the latest request: ignored
    EXPECT_FALSE(panel.view()->hasMap());
    panel.showResult(squareMap(request.id, 64, 20, 30, 5));
    EXPECT_TRUE(panel.view()->hasMap());
    EXPECT_EQ(panel.view()->measuredBox(), QRect(18, 28, 5, 5));
    EXPECT_TRUE(panel.statusText().contains(QStringLiteral("<b>5 × 5</b>"))) << panel.statusText().toStdString();

    // A new choice clears the old map at once and asks again.
    panel.setOutputPixel(QPoint(10, 10));
    EXPECT_FALSE(panel.view()->hasMap());
    ASSERT_TRUE(waitFor([&] { return requests.count() == 2; }, 2000));
    ReceptiveFieldResult failed;
    failed.requestId = requests.back().at(0).value<ReceptiveFieldRequest>().id;
    failed.error = QStringLiteral("the model needs sizes divisible by 4");
    panel.showResult(failed);
    EXPECT_TRUE(panel.statusText().contains(failed.error));
    EXPECT_FALSE(panel.view()->hasMap());
}

TEST(ReceptiveFieldPanel, OffersTrainedWeightsOnlyWhereTheEngineHasThem) {
    ReceptiveFieldPanel panel;
    panel.setPreset(QStringLiteral("small-unet"));
    panel.setTrained(true);
    EXPECT_FALSE(panel.currentRequest().trained);
    panel.setTrainedPresets({QStringLiteral("small-unet")});
    panel.setTrained(true);
    EXPECT_TRUE(panel.currentRequest().trained);
    panel.setPreset(QStringLiteral("minimal"));
    EXPECT_FALSE(panel.currentRequest().trained);
}

TEST(ReceptiveFieldView, ClickingPicksThePixelUnderTheCursor) {
    ReceptiveFieldView view;
    view.resize(300, 300);
    view.setImage(testImage(100));
    view.show();
    QSignalSpy chosen(&view, &ReceptiveFieldView::pixelChosen);
    const QRectF r = view.imageRect();
    EXPECT_EQ(r.width(), 300);  // 3x zoom
    QTest::mouseClick(&view, Qt::LeftButton, Qt::NoModifier, QPoint(int(r.x() + 3 * 40 + 1), int(r.y() + 3 * 7 + 1)));
    ASSERT_EQ(chosen.count(), 1);
    EXPECT_EQ(view.pixel(), QPoint(40, 7));
    // Zoomed in: a 16 x 16 window around the pixel, slid inside the image at the border.
    view.setZoomWindow(16);
    EXPECT_EQ(view.shownRegion(), QRect(32, 0, 16, 16));
    const QRectF z = view.imageRect();
    EXPECT_EQ(z.width(), 288);  // 18x zoom
    QTest::mouseClick(&view, Qt::LeftButton, Qt::NoModifier, QPoint(int(z.x() + 18 * 5 + 2), int(z.y() + 18 * 9 + 2)));
    EXPECT_EQ(view.pixel(), QPoint(37, 9));
    EXPECT_EQ(view.shownRegion(), QRect(32, 0, 16, 16));  // a click does not move the window
}

TEST(LearnArea, HostsTheFourLessons) {
    LearnArea area;
    ASSERT_EQ(area.tabs()->count(), 4);
    EXPECT_EQ(area.tabs()->widget(0), static_cast<QWidget *>(area.convolution()));
    EXPECT_EQ(area.tabs()->widget(3), static_cast<QWidget *>(area.receptiveField()));
    area.showLesson(LearnArea::Lesson::Upsampling);
    EXPECT_EQ(area.tabs()->currentWidget(), static_cast<QWidget *>(area.upsampling()));
}
