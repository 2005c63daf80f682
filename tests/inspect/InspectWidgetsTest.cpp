// The Inspect area as a user meets it, with hand-made engine results (no model, no LibTorch):
// empty states, the plain requests it sends, drawing results, clicks, and Follow training.
#include <QBarCategoryAxis>
#include <QBarSeries>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QFontMetricsF>
#include <QHeaderView>
#include <QLabel>
#include <QScatterSeries>
#include <QSignalSpy>
#include <QStackedBarSeries>
#include <QTableWidget>
#include <QTest>

#include <gtest/gtest.h>

#include "ChannelRankingPanel.h"
#include "FeatureMapViewer.h"
#include "InspectArea.h"
#include "InspectTestData.h"
#include "KernelViewer.h"
#include "MapDetail.h"
#include "NcPanel.h"
#include "PresentationMode.h"
#include "TileGrid.h"
#include "WorstCasesGallery.h"

namespace {

const QStringList kClasses = {QStringLiteral("background"), QStringLiteral("cytoplasm"), QStringLiteral("nucleus")};

// An area with the synthetic data and a model in training, shown at lecture size.
struct Area {
    InspectArea area;
    Area() {
        area.setDataset(QStringLiteral("Synthetic cells"), 20, kClasses);
        area.setTrainingModel(QStringLiteral("small-unet, 472,899 parameters"));
        area.resize(1600, 900);
        area.show();
        QCoreApplication::processEvents();
    }
};

}  // namespace

TEST(InspectArea, ShowsAnEmptyStateUntilThereIsAModelAndAResult) {
    InspectArea area;
    area.setDataset(QStringLiteral("Synthetic cells"), 20, kClasses);
    EXPECT_TRUE(area.featureMaps()->emptyStateText().contains(QStringLiteral("No model")));
    EXPECT_TRUE(area.kernels()->emptyStateText().contains(QStringLiteral("No model")));
    EXPECT_TRUE(area.ranking()->emptyStateText().contains(QStringLiteral("No model")));
    EXPECT_TRUE(area.worstCases()->emptyStateText().contains(QStringLiteral("No model")));
    EXPECT_TRUE(area.ncPanel()->emptyStateText().contains(QStringLiteral("No model")));
    // Without a model nothing is asked for.
    QSignalSpy spy(&area, &InspectArea::featureMapsRequested);
    area.featureMaps()->request();
    EXPECT_EQ(spy.count(), 0);

    area.setTrainingModel(QStringLiteral("small-unet"));
    EXPECT_TRUE(area.featureMaps()->emptyStateText().contains(QStringLiteral("Pick an image")));
    EXPECT_TRUE(area.ranking()->emptyStateText().contains(QStringLiteral("Rank channels")));
    area.showFeatureMaps(inspecttest::inspection());
    EXPECT_TRUE(area.featureMaps()->emptyStateText().isEmpty());
}

TEST(InspectArea, RequestsCarryThePlainChoices) {
    Area a;
    FeatureMapViewer *viewer = a.area.featureMaps();
    viewer->setDatasetIndex(7);
    viewer->setTopK(6);
    viewer->setRanking(unetlab::ChannelRanking::Correlation);
    QSignalSpy spy(&a.area, &InspectArea::featureMapsRequested);
    viewer->request();
    ASSERT_EQ(spy.count(), 1);
    const auto r = spy.takeFirst().at(0).value<FeatureMapRequest>();
    EXPECT_EQ(r.model.source, InspectModelChoice::Source::Training);
    EXPECT_EQ(r.model.sourceName(), QStringLiteral("training"));
    EXPECT_EQ(r.datasetIndex, 7);
    EXPECT_EQ(r.topK, 6);
    EXPECT_EQ(r.ranking, unetlab::ChannelRanking::Correlation);
    EXPECT_EQ(r.classIndex, 2);  // nucleus by default
    EXPECT_FALSE(r.followTraining);
    EXPECT_TRUE(viewer->isPending());

    a.area.setCheckpointModel(QStringLiteral("/tmp/best.ckpt"), QStringLiteral("small-unet"));
    QSignalSpy kernels(&a.area, &InspectArea::kernelsRequested);
    a.area.kernels()->request();
    ASSERT_EQ(kernels.count(), 1);
    const auto k = kernels.takeFirst().at(0).value<KernelRequest>();
    EXPECT_EQ(k.model.source, InspectModelChoice::Source::Checkpoint);
    EXPECT_EQ(k.model.checkpointPath, QStringLiteral("/tmp/best.ckpt"));
    EXPECT_TRUE(k.layer.isEmpty());  // the first convolution

    QSignalSpy ranking(&a.area, &InspectArea::rankingRequested);
    a.area.ranking()->request();
    ASSERT_EQ(ranking.count(), 1);
    const auto rr = ranking.takeFirst().at(0).value<RankingRequest>();
    EXPECT_EQ(rr.classIndex, 2);
    EXPECT_EQ(rr.split, QStringLiteral("val"));

    QSignalSpy review(&a.area, &InspectArea::reviewRequested);
    a.area.worstCases()->request();
    a.area.ncPanel()->request();
    ASSERT_EQ(review.count(), 2);
    EXPECT_EQ(review.at(0).at(0).value<ReviewRequest>().worstCount, 4);
    EXPECT_EQ(review.at(0).at(0).value<ReviewRequest>().classIndex, -1);
    EXPECT_EQ(review.at(1).at(0).value<ReviewRequest>().split, QStringLiteral("test"));
}

TEST(InspectArea, DrawsEveryStageAndEnlargesAClickedMap) {
    Area a;
    a.area.showFeatureMaps(inspecttest::inspection(3));
    FeatureMapViewer *viewer = a.area.featureMaps();
    QCoreApplication::processEvents();
    ASSERT_EQ(viewer->stageCount(), 3);
    EXPECT_EQ(viewer->pictureGrid()->tiles().size(), 3);  // input, truth, prediction
    for (int s = 0; s < 3; ++s) EXPECT_EQ(viewer->stageGrid(s)->tiles().size(), 3);
    // The first map of the first stage is enlarged at once.
    EXPECT_TRUE(viewer->detail()->hasMap());
    EXPECT_EQ(viewer->detail()->map().channel, 7);

    TileGrid *bottleneck = viewer->stageGrid(1);
    QTest::mouseClick(bottleneck, Qt::LeftButton, {}, bottleneck->tileRect(1).center());
    EXPECT_EQ(bottleneck->selected(), 1);
    EXPECT_EQ(viewer->stageGrid(0)->selected(), -1);
    const unetlab::ActivationMap &m = viewer->detail()->map();
    EXPECT_EQ(m.channel, 14);  // the second of 16 channels, best first
    EXPECT_EQ(m.width, 16);

    // The value under the cursor: the ramp's value is x + 16 y.
    MapDetail *detail = viewer->detail();
    detail->resize(380, 600);
    QCoreApplication::processEvents();
    const QRect r = detail->mapRect();
    ASSERT_FALSE(r.isEmpty());
    const QPoint cell(r.x() + r.width() * 5 / 16 + 2, r.y() + r.height() * 3 / 16 + 2);  // cell (5, 3)
    QTest::mouseMove(detail->canvas(), cell);
    QCoreApplication::processEvents();
    EXPECT_EQ(detail->valueAt(cell).value_or(-1), 5 + 16 * 3);
    EXPECT_TRUE(detail->readout().contains(QStringLiteral("x 5, y 3: 53"))) << detail->readout().toStdString();

    // Tall, the explanation shows under the map; short (lecture-size fonts at 1366 x 768), it
    // gives way and the map is drawn smaller, never under the text.
    EXPECT_TRUE(detail->explanationShown());
    const auto textClearOfTheMap = [detail] {
        const QRect canvas = detail->canvas()->geometry();
        for (const QLabel *l : detail->findChildren<QLabel *>())
            if (l->isVisibleTo(detail) && l->geometry().intersects(canvas)) return false;
        return canvas.height() >= 120;
    };
    EXPECT_TRUE(textClearOfTheMap());
    PresentationMode::instance()->apply(true);
    a.area.resize(1366, 420);
    QCoreApplication::processEvents();
    QCoreApplication::processEvents();  // the re-fit after the fonts change is queued
    EXPECT_FALSE(detail->explanationShown());
    EXPECT_TRUE(textClearOfTheMap());
    PresentationMode::instance()->apply(false);
    a.area.resize(1600, 900);
    QCoreApplication::processEvents();
    QCoreApplication::processEvents();
    EXPECT_TRUE(detail->explanationShown());
}

// DSB2018's image names are 64-digit hashes: under the pictures (a column as narrow as they
// are) the name is shortened, whole in its tooltip and in the status line.
TEST(InspectArea, ALongImageNameIsShortenedUnderThePicturesAndWholeElsewhere) {
    Area a;
    unetlab::ImageInspection r = inspecttest::inspection(2);
    const std::string hash = "00071198d059ba7f5914a526d124d28e6d010c92466da21d4a04cd5413362552";
    r.sample.id = hash;
    a.area.showFeatureMaps(r);
    FeatureMapViewer *viewer = a.area.featureMaps();
    const QString id = QString::fromStdString(hash);
    const QString info = viewer->imageInfoText();
    EXPECT_TRUE(info.startsWith(QStringLiteral("<b>00071198"))) << info.toStdString();
    EXPECT_TRUE(info.contains(QStringLiteral("…</b>, 64 × 64"))) << info.toStdString();
    EXPECT_FALSE(info.contains(id));
    EXPECT_EQ(viewer->imageInfoToolTip(), id);
    EXPECT_TRUE(viewer->statusText().contains(id));
    // A short name stays whole.
    a.area.showFeatureMaps(inspecttest::inspection(2));
    EXPECT_TRUE(viewer->imageInfoText().contains(QStringLiteral("<b>synthetic-0007</b>")));
}

TEST(InspectArea, FollowTrainingRefreshesOnceAtATime) {
    Area a;
    QSignalSpy maps(&a.area, &InspectArea::featureMapsRequested);
    QSignalSpy kernels(&a.area, &InspectArea::kernelsRequested);
    a.area.onEpochFinished(1);
    EXPECT_EQ(maps.count() + kernels.count(), 0);  // nothing follows unless asked

    a.area.featureMaps()->setFollowTraining(true);
    a.area.kernels()->setFollowTraining(true);
    a.area.onEpochFinished(2);
    ASSERT_EQ(maps.count(), 1);
    ASSERT_EQ(kernels.count(), 1);
    EXPECT_TRUE(maps.at(0).at(0).value<FeatureMapRequest>().followTraining);
    EXPECT_TRUE(kernels.at(0).at(0).value<KernelRequest>().followTraining);

    a.area.onEpochFinished(3);  // answers still pending: skipped
    EXPECT_EQ(maps.count(), 1);
    EXPECT_EQ(kernels.count(), 1);

    a.area.showFeatureMaps(inspecttest::inspection());
    a.area.showKernels(inspecttest::kernels(8, 3, true));
    EXPECT_TRUE(a.area.featureMaps()->statusText().contains(QStringLiteral("after epoch 2")));
    a.area.onEpochFinished(4);
    EXPECT_EQ(maps.count(), 2);
    EXPECT_EQ(kernels.count(), 2);

    // A checkpoint does not change with the epochs.
    a.area.showFeatureMaps(inspecttest::inspection());
    a.area.showKernels(inspecttest::kernels(8, 3, true));
    a.area.setCheckpointModel(QStringLiteral("/tmp/best.ckpt"), QStringLiteral("small-unet"));
    a.area.onEpochFinished(5);
    EXPECT_EQ(maps.count(), 2);
    EXPECT_EQ(kernels.count(), 2);
}

TEST(InspectArea, ErrorsAreShownAndClearPendingWork) {
    Area a;
    a.area.featureMaps()->request();
    ASSERT_TRUE(a.area.featureMaps()->isPending());
    a.area.showError(QStringLiteral("image 'x' is 250x250; this model needs multiples of 4"));
    EXPECT_FALSE(a.area.featureMaps()->isPending());
    EXPECT_TRUE(a.area.statusText().contains(QStringLiteral("multiples of 4")));
}

TEST(KernelViewer, FirstLayerAsRgbTilesAndEveryInputChannel) {
    Area a;
    KernelViewer *viewer = a.area.kernels();
    a.area.showKernels(inspecttest::kernels(16, 3, true));
    EXPECT_EQ(viewer->rgbGrid()->tiles().size(), 16);
    EXPECT_EQ(viewer->weightGridCount(), 3);           // R, G, B
    EXPECT_EQ(viewer->handGrid()->tiles().size(), 4);  // Sobel x, Sobel y, Gaussian, Laplacian
    EXPECT_EQ(viewer->layerChoices(), (QStringList{QString(), QStringLiteral("conv2"), QStringLiteral("head")}));

    // A later layer: one mosaic of output x input channels, no RGB tiles.
    a.area.showKernels(inspecttest::kernels(32, 16, false));
    EXPECT_TRUE(viewer->rgbGrid()->tiles().isEmpty());
    EXPECT_EQ(viewer->weightGridCount(), 1);
    QSignalSpy spy(&a.area, &InspectArea::kernelsRequested);
    viewer->setLayer(QStringLiteral("conv2"));
    viewer->request();
    ASSERT_EQ(spy.count(), 1);
    EXPECT_EQ(spy.at(0).at(0).value<KernelRequest>().layer, QStringLiteral("conv2"));
}

TEST(ChannelRankingPanel, SortedBarsAndTheVerdict) {
    Area a;
    ChannelRankingPanel *panel = a.area.ranking();
    a.area.showRanking(inspecttest::ranking(32));
    EXPECT_EQ(panel->shownStage(), QStringLiteral("dec1"));  // where the verdict reads
    EXPECT_EQ(panel->magnitudeBars(), 16);                   // the top 16 of 32
    EXPECT_EQ(panel->correlationBars(), 16);
    EXPECT_TRUE(panel->verdictHeadline().contains(QStringLiteral("Healthy")));
    EXPECT_EQ(panel->verdictText().toStdString(), inspecttest::ranking(32).verdictText);

    // Strategy 1's bars fall from left to right.
    const auto *series = qobject_cast<QBarSeries *>(panel->magnitudeChart()->chart()->series().first());
    ASSERT_NE(series, nullptr);
    const QBarSet *set = series->barSets().first();
    for (int i = 1; i < set->count(); ++i) EXPECT_GE(set->at(i - 1), set->at(i));
    // Strategy 2 keeps the sign: positive and negative r in two colours, |r| falling.
    const auto *stacked = qobject_cast<QStackedBarSeries *>(panel->correlationChart()->chart()->series().first());
    ASSERT_NE(stacked, nullptr);
    const QBarSet *positive = stacked->barSets().at(0), *negative = stacked->barSets().at(1);
    EXPECT_NEAR(positive->at(0), 0.9, 1e-9);
    EXPECT_NEAR(negative->at(1), -0.88, 1e-9);
    for (int i = 1; i < positive->count(); ++i)
        EXPECT_GE(positive->at(i - 1) - negative->at(i - 1), positive->at(i) - negative->at(i));

    panel->showStage(QStringLiteral("enc1"));
    EXPECT_EQ(panel->shownStage(), QStringLiteral("enc1"));
    EXPECT_EQ(panel->magnitudeBars(), 16);
}

// With lecture-size fonts at 1366 x 768 sixteen channel numbers do not fit under the bars (Qt
// Charts cut them to "…"): the charts show as many channels as are labelled whole, upright.
TEST(ChannelRankingPanel, ShowsOnlyAsManyChannelsAsCanBeLabelled) {
    Area a;
    a.area.showView(InspectArea::View::Ranking);
    ChannelRankingPanel *panel = a.area.ranking();
    a.area.showRanking(inspecttest::ranking(32));
    const auto settle = [] {
        for (int i = 0; i < 4; ++i) QCoreApplication::processEvents();
    };
    settle();
    EXPECT_EQ(panel->magnitudeBars(), 16);
    PresentationMode::instance()->apply(true);
    a.area.resize(1366, 600);
    settle();
    const int bars = panel->magnitudeBars();
    EXPECT_GE(bars, 4);
    EXPECT_LT(bars, 16);
    EXPECT_EQ(panel->correlationBars(), bars);
    for (QChartView *view : {panel->magnitudeChart(), panel->correlationChart()}) {
        EXPECT_TRUE(view->chart()->title().contains(QStringLiteral("top %1 of 32 channels").arg(bars)))
            << view->chart()->title().toStdString();
        for (QAbstractAxis *axis : view->chart()->axes(Qt::Horizontal)) {
            auto *x = qobject_cast<QBarCategoryAxis *>(axis);
            if (!x) continue;
            EXPECT_EQ(x->count(), bars);
            EXPECT_EQ(x->labelsAngle(), 0);  // they fit side by side
            const QFontMetricsF metrics(x->labelsFont());
            // Qt Charts' room per label: the plot's width over one more than the labels, less 2 x 5 px.
            const qreal room = view->chart()->plotArea().width() / (bars + 1) - 10;
            for (const QString &label : x->categories()) EXPECT_LE(metrics.horizontalAdvance(label), room);
        }
    }
    PresentationMode::instance()->apply(false);
    a.area.resize(1600, 900);
    settle();
    EXPECT_EQ(panel->magnitudeBars(), 16);
}

namespace {

// The Worst cases view showing the test data's review.
WorstCasesGallery *showWorstCases(Area &a) {
    a.area.showView(InspectArea::View::WorstCases);
    a.area.showReview(inspecttest::review());
    return a.area.worstCases();
}

}  // namespace

TEST(WorstCasesGallery, ClickingACaseOpensItsFeatureMaps) {
    Area a;
    WorstCasesGallery *gallery = showWorstCases(a);
    ASSERT_EQ(gallery->caseCount(), 4);
    EXPECT_TRUE(gallery->caseTitle(0).contains(QStringLiteral("synthetic-0010")));
    EXPECT_TRUE(gallery->caseTitle(0).contains(QStringLiteral("0.600")));
    QSignalSpy spy(&a.area, &InspectArea::featureMapsRequested);
    QCoreApplication::processEvents();
    QTest::mouseClick(gallery->caseWidget(2), Qt::LeftButton);
    ASSERT_EQ(spy.count(), 1);
    EXPECT_EQ(spy.at(0).at(0).value<FeatureMapRequest>().datasetIndex, 12);
    EXPECT_EQ(a.area.currentView(), InspectArea::View::FeatureMaps);
}

// At lecture size the explanation under the cases gives way to their pictures, and the error
// counts, wider than the last picture, run on into the card's empty room instead of being cut
// to "961 FP · …".
TEST(WorstCasesGallery, CaptionsStayWholeAtLectureSize) {
    Area a;
    WorstCasesGallery *gallery = showWorstCases(a);
    ASSERT_EQ(gallery->caseCount(), 4);
    EXPECT_TRUE(gallery->explanationShown());
    EXPECT_TRUE(gallery->wrongClassKeyShown());
    PresentationMode::instance()->apply(true);
    a.area.resize(1366, 600);  // the Inspect area of a 1366 x 768 window with lecture-size fonts
    QCoreApplication::processEvents();
    QCoreApplication::processEvents();
    for (int i = 0; i < gallery->caseCount(); ++i) {
        const QStringList errors = gallery->caseCaption(i, 3);
        ASSERT_EQ(errors.size(), 2);
        EXPECT_TRUE(errors[1].contains(QStringLiteral("FN")) && errors[1].contains(QStringLiteral("wrong")) &&
                    !errors[1].contains(QChar(0x2026)))
            << errors[1].toStdString();
        EXPECT_EQ(gallery->caseCaption(i, 2), QStringList{QStringLiteral("prediction")});
    }
    EXPECT_FALSE(gallery->explanationShown());
    PresentationMode::instance()->apply(false);
    a.area.resize(1600, 900);
    QCoreApplication::processEvents();
    QCoreApplication::processEvents();
    EXPECT_TRUE(gallery->explanationShown());

    // With one class besides the background no pixel can be of the wrong class: not counted.
    unetlab::SplitReview binary = inspecttest::review();
    binary.classNames = {"background", "nucleus"};
    a.area.setDataset(QStringLiteral("Nuclei"), 20, {QStringLiteral("background"), QStringLiteral("nucleus")});
    a.area.showReview(binary);
    ASSERT_EQ(gallery->caseCount(), 4);
    const QStringList errors = gallery->caseCaption(0, 3);
    ASSERT_EQ(errors.size(), 2);
    EXPECT_TRUE(errors[1].contains(QStringLiteral("FN")) && !errors[1].contains(QStringLiteral("wrong")))
        << errors[1].toStdString();
    EXPECT_FALSE(gallery->wrongClassKeyShown());  // nor keyed
    // Nor when the cases are ranked by one class's Dice: its errors are false positives or negatives.
    unetlab::SplitReview byNucleus = inspecttest::review();
    byNucleus.options.classIndex = 2;
    a.area.setDataset(QStringLiteral("Cells"), 20,
                      {QStringLiteral("background"), QStringLiteral("cytoplasm"), QStringLiteral("nucleus")});
    a.area.showReview(byNucleus);
    EXPECT_FALSE(gallery->wrongClassKeyShown());
    EXPECT_FALSE(gallery->caseCaption(0, 3).join(QLatin1Char(' ')).contains(QStringLiteral("wrong")));
}

// Where the prediction would match its truth best grown or shrunk (the annotation's outlines
// lie outside or inside the model's), the error counts say by how much, whole at lecture size.
TEST(WorstCasesGallery, ErrorsSayHowFarThePredictionsOutlineIsFromWhereItMatchesBest) {
    Area a;
    WorstCasesGallery *gallery = showWorstCases(a);
    unetlab::SplitReview binary = inspecttest::review();
    binary.classNames = {"background", "nucleus"};
    ASSERT_GE(binary.worst.size(), 3u);
    binary.worst[0].scores.outline = {{true, -3, 0.91}, {true, 3, 0.93}};
    binary.worst[1].scores.outline = {{true, 0, 0.97}, {true, 0, 0.90}};
    binary.worst[2].scores.outline = {{true, 1, 0.99}, {true, -1, 0.88}};
    a.area.setDataset(QStringLiteral("Nuclei"), 20, {QStringLiteral("background"), QStringLiteral("nucleus")});
    const auto outlines = [&] {
        QStringList out;
        for (int i = 0; i < gallery->caseCount(); ++i) out << gallery->caseCaption(i, 3).value(2, QStringLiteral("-"));
        return out;
    };
    a.area.showReview(binary);
    ASSERT_EQ(gallery->caseCount(), 4);
    // The second is already where it matches best; the fourth's offset was not computed.
    const QStringList expected{QStringLiteral("outline +3 px"), QStringLiteral("-"), QStringLiteral("outline -1 px"),
                               QStringLiteral("-")};
    EXPECT_EQ(outlines(), expected);
    EXPECT_TRUE(gallery->explanationText().contains(QStringLiteral("Outline +3 px")));  // what it means
    PresentationMode::instance()->apply(true);
    a.area.resize(1366, 600);
    QCoreApplication::processEvents();
    QCoreApplication::processEvents();
    EXPECT_EQ(outlines(), expected);  // not cut to "outline +3…"
    PresentationMode::instance()->apply(false);

    // Where no case says it, neither does the explanation, and the pictures keep their room.
    const int withOutlines = gallery->caseWidget(0)->heightForWidth(800);
    a.area.showReview(inspecttest::review());
    EXPECT_EQ(outlines(), (QStringList(4, QStringLiteral("-"))));
    EXPECT_FALSE(gallery->explanationText().contains(QStringLiteral("Outline")));
    EXPECT_LT(gallery->caseWidget(0)->heightForWidth(800), withOutlines);
}

TEST(NcPanel, ScatterOfDefinedRatiosAndNucleiOneByOne) {
    Area a;
    NcPanel *panel = a.area.ncPanel();
    a.area.showReview(inspecttest::review());
    EXPECT_EQ(panel->pointCount(), 5);  // the sixth image's predicted N/C is undefined
    EXPECT_FALSE(panel->plotsCounts());
    EXPECT_TRUE(panel->summaryText().contains(QStringLiteral("0.010"))) << panel->summaryText().toStdString();

    // An inspected image with two touching nuclei: counted apart in truth and prediction.
    a.area.showFeatureMaps(inspecttest::inspection(2, /*twoNuclei=*/true));
    ASSERT_TRUE(panel->hasInstances());
    EXPECT_EQ(panel->truthInstances().components, 1);
    EXPECT_EQ(panel->truthInstances().count(), 2);
    EXPECT_EQ(panel->predictedInstances().count(), 2);
    EXPECT_EQ(panel->tableRows(), 2);

    // Choosing a point asks for that image.
    QSignalSpy spy(&a.area, &InspectArea::featureMapsRequested);
    panel->choosePoint(13);
    ASSERT_EQ(spy.count(), 1);
    EXPECT_EQ(spy.at(0).at(0).value<FeatureMapRequest>().datasetIndex, 13);
}

TEST(NcPanel, WithoutCytoplasmTheChartPlotsNucleiCountedPerImage) {
    // The nuclei sample: no image has an N/C, every image has its nuclei counted.
    Area a;
    NcPanel *panel = a.area.ncPanel();
    unetlab::SplitReview r = inspecttest::review();
    r.classNames = {"background", "nucleus"};
    const int counts[6][2] = {{10, 8}, {5, 5}, {7, 9}, {0, 1}, {3, 3}, {12, 12}};
    for (std::size_t i = 0; i < r.nc.size(); ++i) {
        r.nc[i].ncTrue = r.nc[i].ncPred = r.nc[i].absError = unetlab::kUndefined;
        r.nc[i].nucleiTrue = counts[i][0];
        r.nc[i].nucleiPred = counts[i][1];
    }
    r.ncMeanAbsError = unetlab::kUndefined;
    r.ncImages = 0;
    r.nucleiTrue = 37;
    r.nucleiPred = 38;
    a.area.showReview(r);
    EXPECT_TRUE(panel->plotsCounts());
    EXPECT_EQ(panel->pointCount(), 6);
    // |10-8| + 0 + |7-9| + |0-1| + 0 + 0 = 5 over 6 images.
    EXPECT_TRUE(panel->summaryText().contains(QStringLiteral("0.8"))) << panel->summaryText().toStdString();
    EXPECT_TRUE(panel->summaryText().contains(QStringLiteral("37 in the truth, 38 predicted")));
    EXPECT_TRUE(panel->summaryText().contains(QStringLiteral("needs a class named cytoplasm")));
    const QChart *chart = panel->chart()->chart();
    EXPECT_TRUE(chart->title().startsWith(QStringLiteral("Nuclei per image"))) << chart->title().toStdString();
    const auto *points = qobject_cast<QScatterSeries *>(chart->series().at(1));
    ASSERT_NE(points, nullptr);
    ASSERT_EQ(points->count(), 6);
    EXPECT_EQ(points->at(0), QPointF(10, 8));
    EXPECT_EQ(points->at(2), QPointF(7, 9));

    // The image shown on the right is marked at its counts.
    panel->choosePoint(12);
    const auto *selected = qobject_cast<QScatterSeries *>(chart->series().at(2));
    ASSERT_NE(selected, nullptr);
    ASSERT_EQ(selected->count(), 1);
    EXPECT_EQ(selected->at(0), QPointF(7, 9));

    // A cytoplasm class, but no image of the split with cytoplasm: counts, and the summary says why.
    r.classNames = {"background", "cytoplasm", "nucleus"};
    a.area.showReview(r);
    EXPECT_TRUE(panel->plotsCounts());
    EXPECT_TRUE(panel->summaryText().contains(QStringLiteral("No image of the split has cytoplasm")))
        << panel->summaryText().toStdString();

    // Data with N/C again: ratios, not counts.
    a.area.showReview(inspecttest::review());
    EXPECT_FALSE(panel->plotsCounts());
    EXPECT_EQ(panel->pointCount(), 5);
}

TEST(NcPanel, PicturesShrinkRatherThanOverlapTheirCaptionsWhenTheWindowIsShort) {
    Area a;
    a.area.showView(InspectArea::View::NcRatio);
    NcPanel *panel = a.area.ncPanel();
    a.area.showReview(inspecttest::review());
    a.area.showFeatureMaps(inspecttest::inspection(2, /*twoNuclei=*/true));
    QCoreApplication::processEvents();
    EXPECT_EQ(panel->pictureSide(), 300);  // 1600 x 900: room for the full size
    const auto *table = panel->findChild<QTableWidget *>();
    ASSERT_NE(table, nullptr);
    // Nothing drawn over anything else: no two visible labels (pictures, captions, title)
    // intersect, and those above the table end above it.
    const auto nothingOverlaps = [&] {
        const QRect tableRect(table->mapTo(panel, QPoint(0, 0)), table->size());
        std::vector<QRect> rects;
        for (const QLabel *l : panel->findChildren<QLabel *>())
            if (l->isVisibleTo(panel) && (!l->text().isEmpty() || !l->pixmap().isNull()))
                rects.emplace_back(l->mapTo(panel, QPoint(0, 0)), l->size());
        for (std::size_t i = 0; i < rects.size(); ++i) {
            if (rects[i].top() < tableRect.top() && rects[i].left() >= tableRect.left() &&
                rects[i].bottom() >= tableRect.top())
                return false;
            for (std::size_t j = i + 1; j < rects.size(); ++j)
                if (rects[i].intersects(rects[j])) return false;
        }
        return rects.size() >= 5;  // title, two pictures, two captions at least
    };
    EXPECT_TRUE(nothingOverlaps());

    a.area.resize(1100, 560);  // lecture-size fonts on a 1366 x 768 screen leave about this
    QCoreApplication::processEvents();
    EXPECT_LT(panel->pictureSide(), 300);
    EXPECT_GE(panel->pictureSide(), 150);
    EXPECT_TRUE(nothingOverlaps());
    EXPECT_GE(table->height(), table->horizontalHeader()->height() + table->verticalHeader()->defaultSectionSize());

    a.area.resize(1600, 900);  // and grow back
    QCoreApplication::processEvents();
    EXPECT_EQ(panel->pictureSide(), 300);

    // An image file has no truth: its slot says so, and the next dataset image is drawn again.
    unetlab::ImageInspection file = inspecttest::inspection(2, /*twoNuclei=*/true);
    file.hasTruth = false;
    file.datasetIndex = -1;
    a.area.showFeatureMaps(file);
    QCoreApplication::processEvents();
    const QLabel *slot = panel->truthPicture();
    EXPECT_EQ(slot->text(), QStringLiteral("no truth for an image file"));
    EXPECT_TRUE(slot->pixmap().isNull());
    EXPECT_EQ(panel->predictedInstances().count(), 2);
    a.area.showFeatureMaps(inspecttest::inspection(2, /*twoNuclei=*/true));
    QCoreApplication::processEvents();
    EXPECT_FALSE(slot->pixmap().isNull());
    EXPECT_TRUE(slot->text().isEmpty());
}

TEST(NcPanel, NucleiAreFoundByTheDatasClassNames) {
    // The nuclei sample's classes: the nucleus is class 1 and there is no cytoplasm.
    Area a;
    NcPanel *panel = a.area.ncPanel();
    a.area.setDataset(QStringLiteral("Nuclei (DSB2018 sample)"), 20,
                      {QStringLiteral("background"), QStringLiteral("nucleus")});
    unetlab::ImageInspection in = inspecttest::inspection(2, /*twoNuclei=*/true);
    for (std::vector<std::uint8_t> *m : {&in.sample.mask, &in.prediction})
        for (std::uint8_t &v : *m) v = v == 2 ? 1 : 0;
    a.area.showFeatureMaps(in);
    ASSERT_TRUE(panel->hasInstances());
    EXPECT_EQ(panel->truthInstances().count(), 2);
    EXPECT_EQ(panel->predictedInstances().count(), 2);
    EXPECT_EQ(panel->truthInstances().instances[0].cytoplasmPixels, 0);
    // No cytoplasm: the table shows no cytoplasm or N/C column.
    const QTableWidget *table = panel->findChild<QTableWidget *>();
    ASSERT_NE(table, nullptr);
    EXPECT_TRUE(table->isColumnHidden(2));
    EXPECT_TRUE(table->isColumnHidden(3));
    EXPECT_FALSE(table->isColumnHidden(1));

    // Data without a class named nucleus: nothing is counted.
    a.area.setDataset(QStringLiteral("Cells"), 20, {QStringLiteral("background"), QStringLiteral("cell")});
    a.area.showFeatureMaps(in);
    EXPECT_EQ(panel->truthInstances().count(), 0);
    EXPECT_EQ(panel->tableRows(), 0);
}
