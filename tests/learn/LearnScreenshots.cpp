// Pictures of the Learn widgets for the README (docs/screenshots/learn-*.png); a separate
// program, not part of the test suite. UNETLAB_SCREENSHOT_DIR names the folder:
//   UNETLAB_SCREENSHOT_DIR=docs/screenshots build/release/tests/learn/learn_screenshots
#include <QDir>
#include <QTabWidget>

#include <gtest/gtest.h>

#include "ConvolutionWidget.h"
#include "GridEditor.h"
#include "LearnArea.h"
#include "LearnTestSupport.h"
#include "PoolingWidget.h"
#include "ReceptiveFieldPanel.h"
#include "StepAnimator.h"
#include "UpsamplingWidget.h"
#include "ops/Scenes.h"

namespace {

QString screenshotDir() { return qEnvironmentVariable("UNETLAB_SCREENSHOT_DIR"); }

void save(QWidget *w, const QString &name) {
    QCoreApplication::processEvents();
    const QString path = QDir(screenshotDir()).filePath(QStringLiteral("learn-%1.png").arg(name));
    EXPECT_TRUE(w->grab().save(path)) << path.toStdString();
}

}  // namespace

TEST(LearnScreenshots, EveryLessonAtLectureSize) {
    ASSERT_FALSE(screenshotDir().isEmpty()) << "set UNETLAB_SCREENSHOT_DIR to the folder for the pictures";
    QDir().mkpath(screenshotDir());
    LearnArea area;
    showAtLectureSize(&area);

    ConvolutionWidget *conv = area.convolution();
    conv->loadKernelPreset(unetlab::ops::KernelPreset::EdgeH);
    conv->setThreshold(-1.0);
    save(&area, QStringLiteral("convolution"));
    conv->animator()->seek(35);
    save(&area, QStringLiteral("convolution-step"));
    conv->startLearning();
    ASSERT_TRUE(waitFor([&] { return !conv->isLearning(); }, 30000));
    save(&area, QStringLiteral("convolution-learned"));

    area.showLesson(LearnArea::Lesson::Pooling);
    PoolingWidget *pool = area.pooling();
    pool->loadScene(1);
    save(&area, QStringLiteral("pooling"));
    pool->animator()->seek(7);
    save(&area, QStringLiteral("pooling-step"));

    area.showLesson(LearnArea::Lesson::Upsampling);
    UpsamplingWidget *up = area.upsampling();
    save(&area, QStringLiteral("upsampling"));
    up->animator()->seek(28);
    save(&area, QStringLiteral("upsampling-step"));
    up->setMode(UpsamplingWidget::Mode::Transposed);
    up->animator()->seek(17);
    save(&area, QStringLiteral("transposed-step"));
    // The receptive-field panel needs dataset images and the engine: the app takes its
    // picture (README, "Learn area": the receptive-field pictures).
}
