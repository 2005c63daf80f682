// Issue #9, the bad-input list, where a user of the app meets it: the Data area opens a folder
// with each kind of bad file, lists the file with its one-line reason and keeps showing the
// valid pairs (or, when nothing is usable, says why in one red line); a bad checkpoint opened
// from the File menu or the Inspect area gives a one-line message there; the Train settings
// cannot hold absurd knobs, and the engine refuses them with a message if they come anyway.
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTabWidget>
#include <QTest>

#include <gtest/gtest.h>

#include "../widgets/SettingsCleanup.h"
#include "../widgets/WaitFor.h"
#include "BadFiles.h"
#include "DataSourceForm.h"
#include "InspectArea.h"
#include "InspectTypes.h"
#include "TrainingDashboard.h"
#include "TrainingSettings.h"
#include "gui/DatasetPage.h"
#include "gui/EngineThread.h"
#include "gui/EngineWorker.h"
#include "gui/MainWindow.h"

using namespace badinput;
using unetlab::gui::DatasetPage;
using unetlab::gui::MainWindow;

namespace {

class BadInputGui : public ::testing::Test {
protected:
    void SetUp() override {
        root = freshTestFolder("badgui");
        writeGoodPairs(data(), 3);
    }
    void TearDown() override { removeTestFolder(root); }
    fs::path data() const { return root / "data"; }
    void maskFor(const std::string &stem) const { writeImage(data() / "masks" / (stem + ".png"), binaryMask(32)); }

    // Opens `folder` in the Data area and waits for it (or its error) to be shown.
    bool open(const fs::path &folder) {
        page.resize(1200, 800);
        page.show();
        QSignalSpy loaded(&page, &DatasetPage::loaded);
        page.openData(unetlab::parseDataSpec("folder:" + folder.string() + options, 32));
        return loaded.wait(60000);
    }
    // What a user does after changing the files: "Open with these options" reads them again.
    bool reopen() {
        QSignalSpy loaded(&page, &DatasetPage::loaded);
        for (QPushButton *b : page.findChildren<QPushButton *>())
            if (b->text() == QStringLiteral("&Open with these options")) b->click();
        return loaded.wait(60000);
    }
    // The valid pairs are shown, and `file` is listed (in the page's problem list) with `reason`.
    void expectListedWithValidPartShown(const std::string &file, const std::string &reason, int valid = 3) {
        ASSERT_TRUE(open(data()));
        ASSERT_TRUE(page.isOpen()) << page.errorText().toStdString();
        EXPECT_EQ(page.sampleCount(), valid);
        EXPECT_EQ(page.gallery()->itemCount(), valid);
        EXPECT_TRUE(page.errorText().isEmpty());
        const QString wanted = QString::fromStdString(file + ": ");
        bool listed = false;
        for (const QString &p : page.problemTexts()) {
            EXPECT_FALSE(p.contains(QLatin1Char('\n'))) << p.toStdString();
            listed = listed || (p.startsWith(wanted) && p.contains(QString::fromStdString(reason)));
        }
        EXPECT_TRUE(listed) << file << " '" << reason << "' in:\n" << page.problemTexts().join('\n').toStdString();
        auto *list = page.findChild<QListWidget *>();
        ASSERT_NE(list, nullptr);
        EXPECT_TRUE(list->isVisible()) << "the problems are on show";
        bool inList = false;
        for (int i = 0; i < list->count(); ++i)
            inList = inList || list->item(i)->text().contains(QString::fromStdString(file));
        EXPECT_TRUE(inList);
    }
    // Nothing usable in `folder`: one line that says `reason`, shown in the page; no images.
    void expectRefusedInOneLine(const fs::path &folder, const std::string &reason, bool again = false) {
        ASSERT_TRUE(again ? reopen() : open(folder));
        EXPECT_FALSE(page.isOpen());
        const QString e = page.errorText();
        EXPECT_TRUE(e.contains(QString::fromStdString(reason))) << e.toStdString();
        EXPECT_FALSE(e.contains(QLatin1Char('\n'))) << e.toStdString();
        EXPECT_EQ(page.gallery()->itemCount(), 0);
        bool shown = false;
        for (QLabel *l : page.findChildren<QLabel *>()) shown = shown || (l->isVisible() && l->text().contains(e));
        EXPECT_TRUE(shown) << "the message is on show";
    }

    SettingsCleanup settings;
    std::string options;  // data spec options, e.g. ";mapping=binary"
    fs::path root;
    DatasetPage page;
};

// The message the main window shows for a checkpoint: in the Train area's banner, and in the
// Inspect area when that is where it was opened.
QString openCheckpointAndWait(MainWindow &w, const QString &path) {
    EngineSpy errors(w.engine()->worker(), &unetlab::gui::EngineWorker::errorOccurred);
    w.openCheckpointFile(path);
    if (!waitFor(errors, 1, 60000)) return QStringLiteral("(no message)");
    QTest::qWait(50);  // let the queued signal reach the widgets
    return errors.at(0).at(0).toString();
}

}  // namespace

// ------------------------------------------------------------------------------- images

TEST_F(BadInputGui, ZeroByteImage) {
    writeBytes(data() / "images" / "zero.png", "");
    maskFor("zero");
    expectListedWithValidPartShown("images/zero.png", "is empty (0 bytes)");
}

TEST_F(BadInputGui, TruncatedImage) {
    const std::string png = encoded(".png", greyImage(32, 4));
    writeBytes(data() / "images" / "cut.png", png.substr(0, png.size() / 2));
    maskFor("cut");
    expectListedWithValidPartShown("images/cut.png", "truncated PNG");
}

TEST_F(BadInputGui, CorruptImages) {
    writeBytes(data() / "images" / "scrambled.png", scrambledMiddle(encoded(".png", greyImage(64, 1))));
    writeBytes(data() / "images" / "scrambledj.jpg", scrambledMiddle(encoded(".jpg", greyImage(64, 2))));
    maskFor("scrambled");
    maskFor("scrambledj");
    expectListedWithValidPartShown("images/scrambled.png", "could not be decoded");
    expectListedWithValidPartShown("images/scrambledj.jpg", "is a corrupt JPEG");
}

TEST_F(BadInputGui, TextFileWithAnImageExtension) {
    writeBytes(data() / "images" / "notes.png", "some notes\n");
    maskFor("notes");
    expectListedWithValidPartShown("images/notes.png", "is a text file, not an image");
}

// ------------------------------------------------------------------------------- masks

TEST_F(BadInputGui, MissingMask) {
    writeImage(data() / "images" / "lonely.png", greyImage(32));
    expectListedWithValidPartShown("images/lonely.png", "has no mask");
}

TEST_F(BadInputGui, MaskOfTheWrongSize) {
    writeImage(data() / "images" / "small.png", greyImage(32));
    writeImage(data() / "masks" / "small.png", binaryMask(16));
    expectListedWithValidPartShown("masks/small.png", "mask is 16x16, its image 32x32");
}

TEST_F(BadInputGui, MaskWithUnexpectedLabelValues) {
    cv::Mat odd = binaryMask(32);
    odd(cv::Rect(0, 0, 4, 4)) = 128;
    writeImage(data() / "images" / "odd.png", greyImage(32));
    writeImage(data() / "masks" / "odd.png", odd);
    options = ";mapping=binary";
    expectListedWithValidPartShown("masks/odd.png", "has unexpected label value 128");
}

// ------------------------------------------------------------------------------- sizes

TEST_F(BadInputGui, AbsurdDimensions) {
    writeBytes(data() / "images" / "huge.png", pngClaiming(60000, 60000));
    maskFor("huge");
    expectListedWithValidPartShown("images/huge.png", "PNG header claims 60000x60000 pixels");
}

// The Inspect area's large-image view reads a file the user picks: a 60000x60000 claim and a
// text file are refused there in one line.
TEST_F(BadInputGui, AbsurdAndBrokenImagesInTheLargeImageView) {
    writeBytes(root / "huge.png", pngClaiming(60000, 60000));
    writeBytes(root / "notes.png", "notes\n");
    unetlab::gui::EngineThread engine(QString::fromStdString((root / "autosave").string()));
    engine.start();
    auto *w = engine.worker();
    RunRequest r;
    r.modelName = QStringLiteral("minimal");
    r.config.model = unetlab::presetConfig("minimal");
    r.config.epochs = 1;
    r.config.batchSize = 4;
    r.data = unetlab::parseDataSpec("synthetic:12:1", 32);
    EngineSpy finished(w, &unetlab::gui::EngineWorker::runFinished);
    QMetaObject::invokeMethod(
        w, [w, r] { w->start(r); }, Qt::QueuedConnection);
    ASSERT_TRUE(waitFor(finished, 1, 60000));
    EngineSpy errors(w, &unetlab::gui::EngineWorker::inspectError);
    for (const char *name : {"huge.png", "notes.png"}) {
        LargeImageRequest request;
        request.imagePath = QString::fromStdString((root / name).string());
        QMetaObject::invokeMethod(
            w, [w, request] { w->inspectLargeImage(request); }, Qt::QueuedConnection);
    }
    ASSERT_TRUE(waitFor(errors, 2, 30000));
    const QString huge = errors.at(0).at(0).toString(), notes = errors.at(1).at(0).toString();
    EXPECT_TRUE(huge.contains(QStringLiteral("PNG header claims 60000x60000 pixels"))) << huge.toStdString();
    EXPECT_TRUE(notes.contains(QStringLiteral("is a text file, not an image"))) << notes.toStdString();
    // Both name the file the user picked.
    EXPECT_TRUE(huge.contains(QString::fromStdString("'" + (root / "huge.png").string() + "'"))) << huge.toStdString();
    EXPECT_TRUE(notes.contains(QString::fromStdString("'" + (root / "notes.png").string() + "'")))
        << notes.toStdString();
    for (const QString &m : {huge, notes}) EXPECT_FALSE(m.contains(QLatin1Char('\n'))) << m.toStdString();
}

// ------------------------------------------------------------------------------- folders

TEST_F(BadInputGui, EmptyFolders) {
    fs::create_directories(root / "empty");
    expectRefusedInOneLine(root / "empty", "has no image and mask folders");
    fs::create_directories(root / "hollow" / "images");
    fs::create_directories(root / "hollow" / "masks");
    expectRefusedInOneLine(root / "hollow", "holds no PNG, JPEG or TIFF images");
    // Only bad files: the line names the first; the list has them all.
    writeBytes(root / "bad" / "images" / "a.png", "");
    writeBytes(root / "bad" / "images" / "b.png", "text\n");
    writeImage(root / "bad" / "masks" / "a.png", binaryMask(32));
    writeImage(root / "bad" / "masks" / "b.png", binaryMask(32));
    expectRefusedInOneLine(root / "bad", "images/a.png is empty (0 bytes)");
    EXPECT_EQ(page.problemTexts().size(), 2);
}

// The test binary runs without root's permission override (see main), so mode 000 bites.
TEST_F(BadInputGui, FoldersWithoutPermission) {
    if (!permissionsBite(root)) GTEST_SKIP() << "mode 000 does not stop this process from reading a folder";
    writeImage(data() / "images" / "secret.png", greyImage(32));
    maskFor("secret");
    fs::permissions(data() / "images" / "secret.png", fs::perms::none);
    expectListedWithValidPartShown("images/secret.png", "cannot be opened (missing or not readable)");
    fs::permissions(data() / "images", fs::perms::none);
    expectRefusedInOneLine(data(), "cannot be read: Permission denied", /*again=*/true);
    fs::permissions(data() / "images", fs::perms::owner_all);
    fs::permissions(data(), fs::perms::none);
    expectRefusedInOneLine(data(), "cannot be read: Permission denied", true);
}

// ------------------------------------------------------------------------------- depths

TEST_F(BadInputGui, SixteenBitAndFloatImagesWithNanAndInfinity) {
    writeDeepImages(data(), -INFINITY);
    maskFor("deep");
    maskFor("float");
    writeImage(data() / "images" / "allnan.tif", cv::Mat(32, 32, CV_32FC1, cv::Scalar(NAN)));
    maskFor("allnan");
    expectListedWithValidPartShown("images/allnan.tif", "has no finite pixel value", 5);
    EXPECT_EQ(page.problemTexts().size(), 1);
}

// ------------------------------------------------------------------------------- checkpoints

TEST_F(BadInputGui, BadCheckpointsGiveOneLineInTheTrainArea) {
    MainWindow w;
    w.resize(1400, 900);
    w.show();
    writeBytes(root / "empty.ckpt", "");
    writeBytes(root / "noise.ckpt", randomBytes(5000));
    writeBytes(root / "photos.zip", foreignZip());
    writeBytes(root / "cut.ckpt", "UNETLAB-CHECKPOINT 1\n9999\n{\"model\":");
    const fs::path marker = root / "MARKER";
    writeBytes(root / "hostile.pt", torchLikeZip(hostilePickles("touch " + marker.string()).front().bytes));
    const std::pair<const char *, const char *> cases[] = {
        {"empty.ckpt", "is empty"},
        {"noise.ckpt", "is not a UNet Lab checkpoint"},
        {"photos.zip", "not one torch.save wrote"},
        {"cut.ckpt", "is truncated"},
        {"hostile.pt", "names the Python object 'os.system'"},
    };
    for (const auto &[file, reason] : cases) {
        SCOPED_TRACE(file);
        const QString message = openCheckpointAndWait(w, QString::fromStdString((root / file).string()));
        EXPECT_TRUE(message.startsWith(QStringLiteral("Cannot open the checkpoint: "))) << message.toStdString();
        EXPECT_TRUE(message.contains(QLatin1String(reason))) << message.toStdString();
        EXPECT_FALSE(message.contains(QLatin1Char('\n'))) << message.toStdString();
        EXPECT_EQ(w.dashboard()->bannerText(), message) << "the Train area shows it";
    }
    EXPECT_FALSE(fs::exists(marker));
}

TEST_F(BadInputGui, BadCheckpointOpenedFromTheInspectArea) {
    MainWindow w;
    w.resize(1400, 900);
    w.show();
    ASSERT_TRUE(w.showArea(QStringLiteral("inspect")));
    writeBytes(root / "noise.pt", randomBytes(3000));
    const QString message = openCheckpointAndWait(w, QString::fromStdString((root / "noise.pt").string()));
    EXPECT_TRUE(message.contains(QStringLiteral("is not a UNet Lab checkpoint"))) << message.toStdString();
    EXPECT_TRUE(w.inspectArea()->statusText().contains(QStringLiteral("is not a UNet Lab checkpoint")))
        << w.inspectArea()->statusText().toStdString();
    auto *tabs = w.findChild<QTabWidget *>();
    ASSERT_NE(tabs, nullptr);
    EXPECT_EQ(tabs->currentWidget(), w.inspectArea()) << "it stays in the Inspect area";
}

// ------------------------------------------------------------------------------- knobs

TEST_F(BadInputGui, AbsurdKnobsCannotBeEntered) {
    TrainingSettings s;
    auto spin = [&](const char *name) -> QSpinBox * {
        for (QSpinBox *b : s.findChildren<QSpinBox *>())
            if (b->accessibleName() == QLatin1String(name)) return b;
        return nullptr;
    };
    QSpinBox *epochs = spin("Epochs"), *batch = spin("Batch size");
    QDoubleSpinBox *lr = nullptr;
    for (QDoubleSpinBox *d : s.findChildren<QDoubleSpinBox *>())
        if (d->accessibleName() == QStringLiteral("Learning rate")) lr = d;
    QComboBox *size = nullptr;
    for (QComboBox *c : s.findChildren<QComboBox *>())
        if (c->accessibleName() == QStringLiteral("Image size")) size = c;
    ASSERT_TRUE(epochs && batch && lr && size);
    EXPECT_EQ(epochs->minimum(), 1);    // epochs 0
    EXPECT_LE(batch->maximum(), 1024);  // batch 4096
    EXPECT_LE(lr->maximum(), 1.0);      // learning rate 10
    EXPECT_GT(lr->minimum(), 0.0);
    EXPECT_FALSE(size->isEditable());  // size 7
    for (int i = 0; i < size->count(); ++i) EXPECT_GE(size->itemText(i).toInt(), 32) << size->itemText(i).toStdString();

    // Typed in: the boxes keep to their ranges.
    s.show();
    for (auto [box, text] : {std::pair<QAbstractSpinBox *, const char *>{epochs, "0"}, {batch, "4096"}, {lr, "10"}}) {
        box->setFocus();
        box->selectAll();
        QTest::keyClicks(box, QLatin1String(text));
        QTest::keyClick(box, Qt::Key_Return);
    }
    const RunRequest typed = s.request();
    EXPECT_GE(typed.config.epochs, 1);
    EXPECT_LE(typed.config.batchSize, 1024);
    EXPECT_LE(typed.config.learningRate, 1.0);
    EXPECT_NO_THROW(typed.config.validate());

    // Saved settings edited by hand: restored within range, and a size of 7 is not taken.
    {
        QSettings q;
        q.beginGroup(QStringLiteral("training"));
        q.setValue(QStringLiteral("chapter"), QStringLiteral("Custom"));
        q.setValue(QStringLiteral("Epochs"), 0);
        q.setValue(QStringLiteral("Batch size"), 4096);
        q.setValue(QStringLiteral("Learning rate"), 10.0);
        q.setValue(QStringLiteral("Image size"), QStringLiteral("7"));
        q.setValue(QStringLiteral("dataSpec"), QStringLiteral("synthetic:200:1;size=7"));
        q.endGroup();
    }
    TrainingSettings restored;
    restored.restoreSettings();
    const RunRequest r = restored.request();
    EXPECT_GE(r.config.epochs, 1);
    EXPECT_LE(r.config.batchSize, 1024);
    EXPECT_LE(r.config.learningRate, 1.0);
    EXPECT_GE(r.data.size, 32);
    EXPECT_NO_THROW(r.config.validate());
}

// Should an absurd request reach the engine anyway (a script, another front end), it is
// refused with one line, and the Train area shows it.
TEST_F(BadInputGui, AbsurdKnobsReachingTheEngineAreRefusedWithAMessage) {
    MainWindow w;
    auto *worker = w.engine()->worker();
    const std::pair<std::function<void(RunRequest &)>, const char *> cases[] = {
        {[](RunRequest &r) { r.config.learningRate = 10; }, "learning rate must be in (0, 1]"},
        {[](RunRequest &r) { r.config.batchSize = 4096; }, "batch size must be between 1 and 1024"},
        {[](RunRequest &r) { r.config.epochs = 0; }, "epochs must be between 1 and 100000"},
        {[](RunRequest &r) { r.data.size = 7; }, "size"},
    };
    for (const auto &[change, reason] : cases) {
        SCOPED_TRACE(reason);
        RunRequest r;
        r.modelName = QStringLiteral("minimal");
        r.config.model = unetlab::presetConfig("minimal");
        r.data = unetlab::parseDataSpec("synthetic:12:1", 32);
        change(r);
        EngineSpy errors(worker, &unetlab::gui::EngineWorker::errorOccurred);
        EngineSpy started(worker, &unetlab::gui::EngineWorker::runStarted);
        QMetaObject::invokeMethod(
            worker, [worker, r] { worker->start(r); }, Qt::QueuedConnection);
        ASSERT_TRUE(waitFor(errors, 1, 30000));
        const QString message = errors.at(0).at(0).toString();
        EXPECT_TRUE(message.contains(QLatin1String(reason))) << message.toStdString();
        EXPECT_FALSE(message.contains(QLatin1Char('\n')));
        QTest::qWait(50);
        EXPECT_EQ(w.dashboard()->bannerText(), message);
        EXPECT_EQ(started.count(), 0);
    }
}
