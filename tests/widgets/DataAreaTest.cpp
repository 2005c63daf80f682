// Real data in the GUI (issue #7): the data source knobs of the training settings round-trip
// through requests and QSettings, and the Data area opens folders (with their problems),
// refuses empty ones with a clear message, shows the bundled nuclei sample and previews
// augmentation. Every folder is written by the test (a few KB).
#include <QApplication>
#include <QDir>
#include <QFile>
#include <QImage>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>

#include <gtest/gtest.h>

#include "AugmentationPicker.h"
#include "SettingsCleanup.h"
#include "DataSourceForm.h"
#include "TrainingDashboard.h"
#include "TrainingSettings.h"
#include "gui/DatasetPage.h"
#include "gui/MainWindow.h"

using unetlab::DataSpec;
using unetlab::gui::DatasetPage;

namespace {

// A grey image with a gradient, and a binary 0/255 mask with a filled square.
QImage greyImage(int side, int seed) {
    QImage image(side, side, QImage::Format_Grayscale8);
    for (int y = 0; y < side; ++y)
        for (int x = 0; x < side; ++x) image.scanLine(y)[x] = static_cast<uchar>((x * 3 + y * 5 + seed * 40) % 256);
    return image;
}

QImage binaryMask(int side) {
    QImage mask(side, side, QImage::Format_Grayscale8);
    mask.fill(0);
    for (int y = side / 4; y < 3 * side / 4; ++y)
        for (int x = side / 4; x < 3 * side / 4; ++x) mask.scanLine(y)[x] = 255;
    return mask;
}

// images/ and masks/: three good pairs, a mask of the wrong size (d) and an image that is not
// a PNG at all (e).
void writeFolderWithProblems(const QString &root) {
    ASSERT_TRUE(QDir().mkpath(root + QStringLiteral("/images")));
    ASSERT_TRUE(QDir().mkpath(root + QStringLiteral("/masks")));
    const QStringList good{QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("c")};
    for (int i = 0; i < good.size(); ++i) {
        ASSERT_TRUE(greyImage(64, i).save(root + QStringLiteral("/images/%1.png").arg(good[i])));
        ASSERT_TRUE(binaryMask(64).save(root + QStringLiteral("/masks/%1.png").arg(good[i])));
    }
    ASSERT_TRUE(greyImage(64, 3).save(root + QStringLiteral("/images/d.png")));
    ASSERT_TRUE(binaryMask(32).save(root + QStringLiteral("/masks/d.png")));
    QFile broken(root + QStringLiteral("/images/e.png"));
    ASSERT_TRUE(broken.open(QIODevice::WriteOnly));
    broken.write("this is not an image");
    broken.close();
    ASSERT_TRUE(binaryMask(64).save(root + QStringLiteral("/masks/e.png")));
}

DataSpec folderSpec(const QString &path, int size = 64) {
    return unetlab::parseDataSpec("folder:" + path.toStdString(), size);
}

// Opens `spec` and waits for the page to show it (or its error).
bool openAndWait(DatasetPage &page, const DataSpec &spec) {
    QSignalSpy loaded(&page, &DatasetPage::loaded);
    page.openData(spec);
    return loaded.wait(60000);
}


}  // namespace

TEST(TrainingSettingsData, FolderSpecWithOptionsRoundTripsThroughRequests) {
    SettingsCleanup cleanup;
    TrainingSettings a;
    const DataSpec spec = unetlab::parseDataSpec(
        "folder:/data/em cells;size=128;policy=crop;mapping=binary;invert=1;classes=background,membrane;"
        "colours=#000000,#ff8800",
        256);
    RunRequest r = a.request();
    r.data = spec;
    r.config.preprocessing = unetlab::parsePreprocessing("percentile:per-image");
    r.config.augmentation = unetlab::parseAugmentation("flip,elastic,intensity");
    a.setRequest(r);

    const RunRequest back = a.request();
    EXPECT_EQ(back.data.kind, "folder");
    EXPECT_EQ(back.data.path, "/data/em cells");
    EXPECT_EQ(back.data.size, 128);
    EXPECT_EQ(back.data.images.policy, unetlab::SizePolicy::Crop);
    EXPECT_EQ(back.data.images.mapping, unetlab::MaskMapping::Binary);
    EXPECT_TRUE(back.data.images.invert);
    EXPECT_EQ(back.data.images.classNames, (std::vector<std::string>{"background", "membrane"}));
    EXPECT_EQ(back.data.toString(), spec.toString());  // colours too, though they have no knob
    EXPECT_EQ(back.config.preprocessing, r.config.preprocessing);
    EXPECT_EQ(back.config.augmentation, r.config.augmentation);
    EXPECT_EQ(a.dataSpec().toString(), spec.toString());

    // Into fresh settings, and through QSettings.
    TrainingSettings b;
    b.setRequest(back);
    EXPECT_EQ(b.request().data.toString(), spec.toString());
    b.saveSettings();
    TrainingSettings c;
    c.restoreSettings();
    const RunRequest restored = c.request();
    EXPECT_EQ(restored.data.toString(), spec.toString());
    EXPECT_EQ(restored.config.preprocessing, r.config.preprocessing);
    EXPECT_EQ(restored.config.augmentation, r.config.augmentation);
}

TEST(TrainingSettingsData, EverySourceKindAndUnlistedPreprocessingRoundTrip) {
    TrainingSettings s;
    for (const char *text : {"synthetic:300:7", "sample:nuclei;size=128;policy=patch;seed=3",
                             "tiff:/data/isbi/volume.tif,/data/isbi/labels.tif;size=96;policy=resize;invert=1",
                             "folder:/data/x;policy=pad;multiple=32;mapping=palette"}) {
        const DataSpec spec = unetlab::parseDataSpec(text, 256);
        s.setDataSpec(spec);
        EXPECT_EQ(s.dataSpec().toString(), spec.toString()) << text;
        EXPECT_EQ(s.dataSpec().size, spec.size) << text;
        EXPECT_FALSE(s.dataDescription().isEmpty());
    }
    RunRequest r = s.request();
    r.config.preprocessing = unetlab::parsePreprocessing("histeq+percentile:per-image:0.5-99.5");
    s.setRequest(r);
    EXPECT_EQ(s.request().config.preprocessing, r.config.preprocessing);
    // The chapter presets still set the synthetic knobs.
    s.setDataSpec(unetlab::parseDataSpec("synthetic:50:2", 64));
    ASSERT_TRUE(s.applyChapterPreset(QStringLiteral("Chapter: MinimalCNN")));
    EXPECT_EQ(s.dataSpec().count, 200u);
    EXPECT_EQ(s.dataSpec().size, 256);
}

TEST(TrainingSettingsData, FormSaysWhatIsMissing) {
    DataSourceForm form;
    DataSpec spec;
    spec.kind = "folder";
    form.setSpec(spec);
    EXPECT_FALSE(form.problem().isEmpty());
    spec.path = "/tmp/a;b";
    form.setSpec(spec);
    EXPECT_TRUE(form.problem().contains(QLatin1Char(';'))) << form.problem().toStdString();
    form.setSpec(folderSpec(QStringLiteral("/tmp/cells")));
    EXPECT_TRUE(form.problem().isEmpty()) << form.problem().toStdString();
}

TEST(DataArea, OpensAFolderAndListsTheFilesItSkipped) {
    SettingsCleanup cleanup;
    QTemporaryDir dir;
    ASSERT_TRUE(dir.isValid());
    writeFolderWithProblems(dir.path());
    DatasetPage page;
    page.resize(1400, 900);
    page.show();
    ASSERT_TRUE(openAndWait(page, folderSpec(dir.path())));
    ASSERT_TRUE(page.isOpen()) << page.errorText().toStdString();
    EXPECT_EQ(page.sampleCount(), 3);
    EXPECT_EQ(page.gallery()->itemCount(), 3);
    QStringList titles;
    for (const GalleryItem &item : page.gallery()->items()) titles << item.title;
    EXPECT_EQ(titles, (QStringList{QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("c")}));

    const QStringList problems = page.problemTexts();
    ASSERT_EQ(problems.size(), 2) << problems.join(QLatin1Char('\n')).toStdString();
    EXPECT_EQ(problems.filter(QStringLiteral("d.png")).size(), 1);
    EXPECT_EQ(problems.filter(QStringLiteral("e.png")).size(), 1);
    auto *list = page.findChild<QListWidget *>();
    ASSERT_NE(list, nullptr);
    EXPECT_EQ(list->count(), 2);
    EXPECT_TRUE(list->isVisible());
    EXPECT_TRUE(list->item(0)->text().contains(QStringLiteral(".png")));
    EXPECT_TRUE(page.summaryText().contains(QStringLiteral("Samples: 3"))) << page.summaryText().toStdString();
    EXPECT_TRUE(page.errorText().isEmpty());

    // "Train on this dataset" hands over exactly what is shown.
    std::vector<DataSpec> handed;
    QObject::connect(&page, &DatasetPage::useForTraining, &page, [&handed](const DataSpec &s) { handed.push_back(s); });
    QPushButton *button = nullptr;
    for (QPushButton *b : page.findChildren<QPushButton *>())
        if (b->text() == QStringLiteral("Train on this dataset")) button = b;
    ASSERT_NE(button, nullptr);
    ASSERT_TRUE(button->isEnabled());
    button->click();
    ASSERT_EQ(handed.size(), 1u);
    EXPECT_EQ(handed.front().toString(), folderSpec(dir.path()).toString());
}

TEST(DataArea, AnEmptyFolderGivesAClearErrorAndNoCrash) {
    SettingsCleanup cleanup;
    QTemporaryDir dir;
    ASSERT_TRUE(dir.isValid());
    DatasetPage page;
    page.show();
    ASSERT_TRUE(openAndWait(page, folderSpec(dir.path())));
    EXPECT_FALSE(page.isOpen());
    EXPECT_FALSE(page.errorText().isEmpty());
    EXPECT_FALSE(page.errorText().contains(QLatin1Char('\n'))) << page.errorText().toStdString();
    EXPECT_EQ(page.gallery()->itemCount(), 0);
    EXPECT_EQ(page.sampleCount(), 0);
    bool shown = false;
    for (QLabel *l : page.findChildren<QLabel *>())
        if (l->isVisible() && l->text().contains(page.errorText())) shown = true;
    EXPECT_TRUE(shown) << "the error is shown in the page";
    // A folder that does not exist, then one whose only files are broken: the same, no crash.
    ASSERT_TRUE(openAndWait(page, folderSpec(dir.path() + QStringLiteral("/missing"))));
    EXPECT_FALSE(page.isOpen());
    EXPECT_FALSE(page.errorText().isEmpty());
    ASSERT_TRUE(QDir().mkpath(dir.path() + QStringLiteral("/broken/images")));
    ASSERT_TRUE(QDir().mkpath(dir.path() + QStringLiteral("/broken/masks")));
    QFile junk(dir.path() + QStringLiteral("/broken/images/x.png"));
    ASSERT_TRUE(junk.open(QIODevice::WriteOnly));
    junk.write("junk");
    junk.close();
    ASSERT_TRUE(openAndWait(page, folderSpec(dir.path() + QStringLiteral("/broken"))));
    EXPECT_FALSE(page.isOpen());
    EXPECT_FALSE(page.problemTexts().isEmpty());
    EXPECT_EQ(page.problemTexts().filter(QStringLiteral("x.png")).size(), 1);
    // A good dataset afterwards opens as usual.
    ASSERT_TRUE(openAndWait(page, unetlab::parseDataSpec("synthetic:20:3", 64)));
    EXPECT_TRUE(page.isOpen());
    EXPECT_TRUE(page.errorText().isEmpty());
}

TEST(DataArea, ShowsTheBundledNucleiSampleAndPreviewsAugmentation) {
    SettingsCleanup cleanup;
    DatasetPage page;
    page.resize(1400, 900);
    page.show();
    ASSERT_TRUE(openAndWait(page, unetlab::parseDataSpec("sample:nuclei", 256)));
    ASSERT_TRUE(page.isOpen()) << page.errorText().toStdString();
    EXPECT_EQ(page.sampleCount(), 201);
    EXPECT_EQ(page.classNames(), (QStringList{QStringLiteral("background"), QStringLiteral("nucleus")}));
    EXPECT_GT(page.gallery()->itemCount(), 0);
    EXPECT_TRUE(page.summaryText().contains(QStringLiteral("201")));
    EXPECT_TRUE(page.summaryText().contains(QStringLiteral("nucleus")));
    EXPECT_TRUE(page.problemTexts().isEmpty());

    // The next page reuses the open data.
    QSignalSpy loaded(&page, &DatasetPage::loaded);
    page.showPage(8);
    ASSERT_TRUE(loaded.wait(20000));
    EXPECT_EQ(page.sampleCount(), 201);
    ASSERT_FALSE(page.gallery()->items().isEmpty());
    EXPECT_FALSE(page.gallery()->items().front().title.isEmpty());

    page.showView(1);
    unetlab::AugmentationConfig config;
    config.flips = true;
    config.elastic = true;
    page.augmentationPicker()->setConfig(config);
    page.setAugmentationVariants(5);
    EXPECT_TRUE(QTest::qWaitFor([&] { return page.augmentationGallery()->itemCount() == 5; }, 20000));
    EXPECT_EQ(page.augmentationGallery()->items().front().title, QStringLiteral("variant 1"));
    page.setAugmentationVariants(8);
    EXPECT_TRUE(QTest::qWaitFor([&] { return page.augmentationGallery()->itemCount() == 8; }, 20000));
    // Variants differ from one another once something is switched on.
    const auto &variants = page.augmentationGallery()->items();
    bool differ = false;
    for (const GalleryItem &v : variants) differ = differ || v.image != variants.front().image;
    EXPECT_TRUE(differ);
}

TEST(DataArea, LoadSamplesStillShowsTheSyntheticCells) {
    SettingsCleanup cleanup;
    DatasetPage page;
    QSignalSpy loaded(&page, &DatasetPage::loaded);
    page.loadSamples(4, 10, 3);
    ASSERT_TRUE(loaded.wait(20000));
    EXPECT_EQ(page.gallery()->itemCount(), 3);
    EXPECT_TRUE(page.description().startsWith(QStringLiteral("synthetic cells, seed 4, images 10–12")))
        << page.description().toStdString();
    EXPECT_EQ(page.openedSpec().kind, "synthetic");
}

TEST(DataArea, TrainOnThisDatasetSetsTheTrainAreaAndShowsIt) {
    SettingsCleanup cleanup;
    unetlab::gui::MainWindow w;
    w.resize(1400, 900);
    w.show();
    DatasetPage *page = w.datasetPage();
    ASSERT_TRUE(openAndWait(*page, unetlab::parseDataSpec("sample:nuclei;size=128", 256)));
    ASSERT_TRUE(page->isOpen()) << page->errorText().toStdString();
    Q_EMIT page->useForTraining(page->openedSpec());
    EXPECT_EQ(w.dashboard()->settings()->dataSpec().toString(), page->openedSpec().toString());
    auto *tabs = w.findChild<QTabWidget *>();
    ASSERT_NE(tabs, nullptr);
    EXPECT_EQ(tabs->currentWidget(), w.dashboard());
}

TEST(DataArea, OnlyTheLatestOfQuickRequestsIsShown) {
    SettingsCleanup cleanup;
    DatasetPage page;
    QSignalSpy loaded(&page, &DatasetPage::loaded);
    page.openData(unetlab::parseDataSpec("sample:nuclei", 256));
    page.openData(unetlab::parseDataSpec("synthetic:30:5", 64));
    page.loadSamples(6, 2, 4);
    EXPECT_TRUE(page.isBusy());
    ASSERT_TRUE(loaded.wait(60000));
    QTest::qWait(200);  // nothing else follows
    EXPECT_FALSE(page.isBusy());
    EXPECT_EQ(loaded.size(), 1);
    EXPECT_EQ(page.openedSpec().toString(), "synthetic:30:6");
    EXPECT_EQ(page.gallery()->itemCount(), 4);
    EXPECT_EQ(page.gallery()->items().front().title, QStringLiteral("synthetic-0002"));
}
