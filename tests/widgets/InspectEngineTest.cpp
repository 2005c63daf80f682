// The Inspect area inside the main window: its requests reach the engine thread and come
// back as results about the model it names — the one in training (also live, with "Follow
// training") or an opened checkpoint — and bad requests come back as messages.

#include <QComboBox>
#include <QRegularExpression>
#include <QFile>
#include <QRegion>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>

#include <gtest/gtest.h>

#include <cstdlib>
#include <thread>

#include "WaitFor.h"
#include "core/BusyProcess.h"

#include "ChannelRankingPanel.h"
#include "FeatureMapViewer.h"
#include "InspectArea.h"
#include "KernelViewer.h"
#include "LargeImagePanel.h"
#include "NcPanel.h"
#include "TrainingDashboard.h"
#include "TrainingSettings.h"
#include "WorstCasesGallery.h"
#include "gui/EngineThread.h"
#include "gui/EngineWorker.h"
#include "gui/MainWindow.h"
#include "interop/StateDict.h"
#include "train/Checkpoint.h"
#include "train/ExecutionPlan.h"
#include "models/Networks.h"

using unetlab::gui::EngineWorker;
using unetlab::gui::MainWindow;

namespace {

// A quick MinimalCNN run through the real knobs: 24 images of 64 x 64.
void smallRun(TrainingDashboard *d, int epochs) {
    d->settings()->applyChapterPreset(QStringLiteral("Chapter: MinimalCNN"));
    for (QSpinBox *s : d->settings()->findChildren<QSpinBox *>())
        if (s->accessibleName() == QStringLiteral("Number of images")) s->setValue(24);
    for (QComboBox *c : d->settings()->findChildren<QComboBox *>())
        if (c->accessibleName() == QStringLiteral("Image size")) c->setCurrentText(QStringLiteral("64"));
    d->settings()->setEpochs(epochs);
}

}  // namespace

TEST(InspectEngine, FollowsTheModelInTrainingAndAnswersEveryView) {
    MainWindow w;
    w.resize(1600, 950);
    w.show();
    InspectArea *in = w.inspectArea();
    EngineWorker *worker = w.engine()->worker();
    ASSERT_TRUE(w.showArea(QStringLiteral("inspect")));
    in->featureMaps()->setFollowTraining(true);
    in->kernels()->setFollowTraining(true);
    // The image to follow, once the run has told the area its data (indices 0..23).
    QObject::connect(worker, &EngineWorker::inspectDataset, in, [in] { in->featureMaps()->setDatasetIndex(3); });
    EngineSpy maps(worker, &EngineWorker::featureMapsReady);
    EngineSpy kernels(worker, &EngineWorker::kernelsReady);
    EngineSpy errors(worker, &EngineWorker::inspectError);
    TrainingDashboard *d = w.dashboard();
    smallRun(d, 3);
    QSignalSpy finished(d, &TrainingDashboard::runFinished);
    d->start();
    ASSERT_TRUE(finished.wait(120000));
    QTest::qWait(300);
    EXPECT_EQ(errors.count(), 0) << errors.at(0).at(0).toString().toStdString();
    // "Follow training": feature maps and kernels came back after the epochs (one request at a
    // time, so at least one and at most one per epoch).
    EXPECT_GE(maps.count(), 1);
    EXPECT_LE(maps.count(), 3);
    EXPECT_GE(kernels.count(), 1);
    const auto result = maps.last().at(0).value<unetlab::ImageInspection>();
    EXPECT_EQ(result.datasetIndex, 3);
    EXPECT_TRUE(result.hasTruth);
    ASSERT_EQ(result.stages.size(), 3u);
    EXPECT_EQ(result.stages[0].name, "conv1");
    EXPECT_EQ(result.stages[0].channels, 16);
    EXPECT_EQ(result.stages[0].width, 64);
    EXPECT_EQ(result.stages[2].name, "head");
    EXPECT_EQ(result.stages[0].top.size(), 4u);
    const auto k = kernels.last().at(0).value<unetlab::KernelSet>();
    EXPECT_EQ(k.layer, "conv1");
    EXPECT_EQ(k.outChannels, 16);
    EXPECT_EQ(k.inChannels, 3);
    EXPECT_TRUE(k.firstLayer);

    // Ranking and review on the finished model, through the views' own buttons.
    QSignalSpy answered(in, &InspectArea::answered);
    EngineSpy ranking(worker, &EngineWorker::rankingReady);
    EngineSpy review(worker, &EngineWorker::reviewReady);
    in->ranking()->request();
    ASSERT_TRUE(waitFor(ranking, 1, 60000));
    const auto report = ranking.at(0).at(0).value<unetlab::RankingReport>();
    EXPECT_GT(report.images, 0);
    EXPECT_EQ(report.stages.size(), 2u);  // conv1, conv2: the head is not ranked
    EXPECT_FALSE(report.verdictText.empty());
    in->worstCases()->request();
    ASSERT_TRUE(waitFor(review, 1, 60000));
    const auto r = review.at(0).at(0).value<unetlab::SplitReview>();
    ASSERT_FALSE(r.worst.empty());
    for (std::size_t i = 1; i < r.worst.size(); ++i) EXPECT_LE(r.worst[i - 1].rankingDice, r.worst[i].rankingDice);
    QTest::qWait(50);
    EXPECT_GE(answered.count(), 2);
    EXPECT_EQ(errors.count(), 0);

    // The same weights from a checkpoint give the same maps: the finished run's (best) weights
    // against the checkpoint saved from them.
    const int atEnd = maps.count();
    in->featureMaps()->request();
    ASSERT_TRUE(waitFor(maps, atEnd + 1, 30000));
    const auto finalMaps = maps.last().at(0).value<unetlab::ImageInspection>();
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("minimal.ckpt"));
    EngineSpy saved(worker, &EngineWorker::checkpointSaved);
    QMetaObject::invokeMethod(worker, [worker, path] { worker->saveCheckpoint(path); }, Qt::QueuedConnection);
    ASSERT_TRUE(waitFor(saved, 1, 20000));
    EngineSpy opened(worker, &EngineWorker::checkpointOpened);
    w.openCheckpointFile(path);
    ASSERT_TRUE(waitFor(opened, 1, 20000));
    QTest::qWait(50);
    EXPECT_EQ(in->modelChoice().source, InspectModelChoice::Source::Checkpoint);
    EXPECT_EQ(w.inspectArea(), in);
    const int before = maps.count();
    in->featureMaps()->request();
    ASSERT_TRUE(waitFor(maps, before + 1, 30000));
    const auto fromFile = maps.last().at(0).value<unetlab::ImageInspection>();
    ASSERT_EQ(fromFile.stages.size(), finalMaps.stages.size());
    EXPECT_EQ(fromFile.stages[1].top[0].channel, finalMaps.stages[1].top[0].channel);
    EXPECT_FLOAT_EQ(fromFile.stages[1].top[0].max, finalMaps.stages[1].top[0].max);
    EXPECT_EQ(fromFile.prediction, finalMaps.prediction);

    // Large image: a 150 x 97 picture, larger than the 64 x 64 training size, is cut into
    // overlapping tiles of 64 that cover it, and the mask saves as a PNG of the same size.
    QImage picture(150, 97, QImage::Format_RGB888);
    for (int y = 0; y < picture.height(); ++y)
        for (int x = 0; x < picture.width(); ++x)
            picture.setPixelColor(x, y, ((x / 20 + y / 20) % 2) ? QColor(200, 120, 170) : QColor(235, 230, 225));
    const QString imagePath = dir.filePath(QStringLiteral("slide.png"));
    ASSERT_TRUE(picture.save(imagePath));
    EngineSpy large(worker, &EngineWorker::largeImageReady);
    in->showView(InspectArea::View::LargeImage);
    in->largeImage()->setImagePath(imagePath);
    in->largeImage()->setOverlap(0.25);
    in->largeImage()->request();
    ASSERT_TRUE(waitFor(large, 1, 30000));
    QTest::qWait(50);
    const auto big = in->largeImage()->result();
    EXPECT_EQ(big.width, 150);
    EXPECT_EQ(big.height, 97);
    EXPECT_EQ(big.tileWidth, 64);
    EXPECT_EQ(big.tilesX, 3);  // starts 0, 43, 86: at most 48 (= 64 * 0.75) apart, the last ends at 150
    EXPECT_EQ(big.tilesY, 2);
    ASSERT_EQ(big.tiles.size(), big.tilesX * big.tilesY);
    QRegion covered;
    for (const QRect &t : big.tiles) {
        EXPECT_TRUE(QRect(0, 0, 150, 97).contains(t));
        covered += t;
    }
    EXPECT_EQ(covered, QRegion(0, 0, 150, 97));
    ASSERT_EQ(big.mask.size(), 150 * 97);
    double share = 0;
    for (const double f : big.classFractions) share += f;
    EXPECT_NEAR(share, 1.0, 1e-9);
    EXPECT_EQ(big.overlay.size(), QSize(150, 97));
    EXPECT_TRUE(in->largeImage()->summaryText().contains(QStringLiteral("6 tiles")));
    // In the arithmetic the run trained in where it is fast here (bf16 on AVX512-BF16/AMX).
    const auto trained = unetlab::trainedPrecision(unetlab::readCheckpointHeader(path.toStdString()));
    const QString precision = QString::fromStdString(unetlab::toString(unetlab::inferencePrecision(trained, "cpu")));
    EXPECT_TRUE(in->largeImage()->summaryText().contains(QStringLiteral(", %1, ").arg(precision)))
        << in->largeImage()->summaryText().toStdString();
    const QString maskPath = dir.filePath(QStringLiteral("slide-mask.png"));
    EXPECT_TRUE(in->largeImage()->saveMask(maskPath, QStringLiteral("index")).isEmpty());
    const QImage maskFile(maskPath);
    ASSERT_EQ(maskFile.size(), QSize(150, 97));
    EXPECT_EQ(qGray(maskFile.pixel(75, 50)), static_cast<unsigned char>(big.mask[50 * 150 + 75]));
    EXPECT_EQ(errors.count(), 0);

    // A file that is not an image: a message in the area, nothing else changes.
    const QString fake = dir.filePath(QStringLiteral("notes.png"));
    QFile text(fake);
    ASSERT_TRUE(text.open(QIODevice::WriteOnly));
    text.write("not an image\n");
    text.close();
    in->largeImage()->setImagePath(fake);
    in->largeImage()->request();
    ASSERT_TRUE(waitFor(errors, 1, 10000));
    QTest::qWait(50);
    EXPECT_TRUE(in->statusText().startsWith(QStringLiteral("Inspect: "))) << in->statusText().toStdString();
    EXPECT_EQ(in->largeImage()->result().width, 150);  // the last result stays
    EXPECT_FALSE(in->largeImage()->isPending());
}

TEST(InspectEngine, RequestsWithoutAModelOrWithBadInputAreMessages) {
    QTemporaryDir dir;
    unetlab::gui::EngineThread engine(dir.path());
    engine.start();
    EngineWorker *w = engine.worker();
    EngineSpy errors(w, &EngineWorker::inspectError);
    FeatureMapRequest request;  // the model in training: there is none
    QMetaObject::invokeMethod(w, [w, request] { w->inspectFeatureMaps(request); }, Qt::QueuedConnection);
    ASSERT_TRUE(waitFor(errors, 1, 10000));
    EXPECT_TRUE(errors.at(0).at(0).toString().contains(QStringLiteral("no model is in training")));
    KernelRequest kernels;
    kernels.model.source = InspectModelChoice::Source::Checkpoint;
    kernels.model.checkpointPath = dir.filePath(QStringLiteral("missing.ckpt"));
    QMetaObject::invokeMethod(w, [w, kernels] { w->inspectKernels(kernels); }, Qt::QueuedConnection);
    ASSERT_TRUE(waitFor(errors, 2, 10000));
    EXPECT_TRUE(errors.at(1).at(0).toString().contains(QStringLiteral("could not be opened")));
    engine.shutdown();
}

// A PyTorch state dict names no data: it opens with the data chosen in the app when that fits
// the model (RGB in, 2 classes: the nuclei sample), and says so plainly when nothing fits.
TEST(InspectEngine, StateDictOpensWithTheChosenDataThatFitsIt) {
    QTemporaryDir dir;
    unetlab::ModelConfig config = unetlab::presetConfig("minimal");
    config.inChannels = 3;
    config.numClasses = 2;
    const auto model = unetlab::buildModel(config);
    const std::string path = dir.filePath(QStringLiteral("nuclei.pt")).toStdString();
    unetlab::saveStateDict(*model, path);

    unetlab::gui::EngineThread engine(dir.path());
    engine.start();
    EngineWorker *w = engine.worker();
    EngineSpy opened(w, &EngineWorker::checkpointOpened);
    EngineSpy data(w, &EngineWorker::inspectDataset);
    EngineSpy errors(w, &EngineWorker::errorOccurred);
    const QString file = QString::fromStdString(path);
    // Synthetic cells have 3 classes: nothing fits.
    QMetaObject::invokeMethod(w, [w, file] {
        w->setPreferredData(QStringLiteral("synthetic:20:1"));
        w->loadCheckpoint(file);
    }, Qt::QueuedConnection);
    ASSERT_TRUE(waitFor(errors, 1, 20000));
    const QString message = errors.at(0).at(0).toString();
    EXPECT_TRUE(message.contains(QStringLiteral("3 channel(s) into 2 classes"))) << message.toStdString();
    EXPECT_TRUE(message.contains(QStringLiteral("choose matching data"))) << message.toStdString();
    EXPECT_EQ(opened.count(), 0);
    QMetaObject::invokeMethod(w, [w, file] {
        w->setPreferredData(QStringLiteral("sample:nuclei;size=64"));
        w->loadCheckpoint(file);
    }, Qt::QueuedConnection);
    ASSERT_TRUE(waitFor(opened, 1, 60000));
    ASSERT_GE(data.count(), 1);
    EXPECT_TRUE(data.last().at(0).toString().contains(QStringLiteral("Nuclei"))) << data.last().at(0).toString().toStdString();
    EXPECT_EQ(data.last().at(1).toInt(), 201);
    EXPECT_EQ(data.last().at(2).toStringList(), (QStringList{QStringLiteral("background"), QStringLiteral("nucleus")}));
    engine.shutdown();
}

// Between runs the engine looks at the load again before a large image, as `unetlab-cli
// predict` does: with another program spinning on a core it segments on fewer threads than
// the machine has (the result's device line says how many).
TEST(InspectEngine, ALargeImageBetweenRunsLeavesTheBusyCoresOut) {
    std::string omp;
    if (const char *env = std::getenv("OMP_NUM_THREADS")) omp = env;
    ::unsetenv("OMP_NUM_THREADS");  // automatic threads (the test preset fixes them)
    QTemporaryDir dir;
    unetlab::ModelConfig config = unetlab::presetConfig("minimal");
    config.inChannels = 3;
    config.numClasses = 2;
    const QString file = dir.filePath(QStringLiteral("nuclei.pt"));
    unetlab::saveStateDict(*unetlab::buildModel(config), file.toStdString());
    QImage picture(128, 128, QImage::Format_RGB888);
    picture.fill(QColor(40, 40, 40));
    const QString imagePath = dir.filePath(QStringLiteral("slide.png"));
    ASSERT_TRUE(picture.save(imagePath));

    unetlab::gui::EngineThread engine(dir.path());
    engine.start();
    EngineWorker *w = engine.worker();
    EngineSpy opened(w, &EngineWorker::checkpointOpened);
    EngineSpy large(w, &EngineWorker::largeImageReady);
    QMetaObject::invokeMethod(w, [w, file] {
        w->setPreferredData(QStringLiteral("sample:nuclei;size=64"));
        w->loadCheckpoint(file);
    }, Qt::QueuedConnection);
    ASSERT_TRUE(waitFor(opened, 1, 60000));
    LargeImageRequest request;
    request.model.source = InspectModelChoice::Source::Checkpoint;
    request.model.checkpointPath = file;
    request.imagePath = imagePath;
    unetlab::BusyProcess busy;
    ASSERT_TRUE(busy.started());
    QTest::qWait(100);  // the other program is running
    QMetaObject::invokeMethod(w, [w, request] { w->inspectLargeImage(request); }, Qt::QueuedConnection);
    ASSERT_TRUE(waitFor(large, 1, 30000));
    busy.stop();
    engine.shutdown();
    if (!omp.empty()) ::setenv("OMP_NUM_THREADS", omp.c_str(), 1);

    const QString device = large.last().at(0).value<LargeImageResult>().device;  // "CPU, 1 thread, fp32"
    const QRegularExpressionMatch m = QRegularExpression(QStringLiteral("(\\d+) threads?")).match(device);
    ASSERT_TRUE(m.hasMatch()) << device.toStdString();
    const int threads = m.captured(1).toInt();
    EXPECT_GE(threads, 1);
    if (std::thread::hardware_concurrency() > 1) {
        EXPECT_LT(threads, static_cast<int>(std::thread::hardware_concurrency())) << device.toStdString();
    }
}
