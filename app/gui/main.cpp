// unetlab: the desktop application.
//   unetlab [--tab NAME] [--preset NAME] [--train-epochs N] [--screenshot FILE [--after-ms N]
//           [--screenshot-at-epoch N]] [--size WxH] [--inspect VIEW [--inspect-index I]]
//           [--data SPEC] [--presentation] [--restore DIR] [CHECKPOINT]

#include <QApplication>
#include <QCommandLineParser>
#include <QIcon>
#include <QTimer>

#include <iostream>

#include "AtomicSave.h"
#include "CompareArea.h"
#include "CompareSetup.h"
#include "ChannelRankingPanel.h"
#include "FeatureMapViewer.h"
#include "InspectArea.h"
#include "LargeImagePanel.h"
#include "KernelViewer.h"
#include "NcPanel.h"
#include "PresentationMode.h"
#include "WorstCasesGallery.h"
#include "TrainingDashboard.h"
#include "TrainingSettings.h"
#include "core/BuildInfo.h"
#include "core/HostMemory.h"
#include "gui/DatasetPage.h"
#include "gui/EngineThread.h"
#include "gui/EngineWorker.h"
#include "gui/MainWindow.h"

namespace {

int fail(const std::string &message) {
    std::cerr << "unetlab: error: " << message << "\n";
    return 2;
}

}  // namespace

int main(int argc, char **argv) {
    unetlab::installReusingCpuAllocator();  // before any tensor is made
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("UNetLab"));
    QApplication::setApplicationName(QStringLiteral("UNet Lab"));
    // The menu entry's id: Wayland compositors match the window to its entry and icon by it.
    QGuiApplication::setDesktopFileName(QStringLiteral("io.github.unetlab.UNetLab"));
    QApplication::setApplicationVersion(QStringLiteral(UNETLAB_VERSION));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/unetlab.svg")));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Learn convolution and U-Net segmentation by touching every piece."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption tab(QStringLiteral("tab"), QStringLiteral("Open the area NAME (learn, data, train, inspect, compare)."),
                                 QStringLiteral("NAME"));
    const QCommandLineOption preset(QStringLiteral("preset"),
                                    QStringLiteral("Load a training preset: \"Chapter: MinimalCNN\", \"Chapter: SmallUNet\" or "
                                                   "\"Quick: SmallUNet on nuclei\"."),
                                    QStringLiteral("NAME"));
    const QCommandLineOption trainEpochs(QStringLiteral("train-epochs"),
                                         QStringLiteral("Train for N epochs right away (with --screenshot: then capture)."),
                                         QStringLiteral("N"));
    const QCommandLineOption screenshot(QStringLiteral("screenshot"),
                                        QStringLiteral("Save a PNG of the main window to FILE and exit."),
                                        QStringLiteral("FILE"));
    const QCommandLineOption afterMs(QStringLiteral("after-ms"),
                                     QStringLiteral("Wait N ms after the window is ready (or training ended) before the screenshot."),
                                     QStringLiteral("N"), QStringLiteral("500"));
    const QCommandLineOption atEpoch(QStringLiteral("screenshot-at-epoch"),
                                     QStringLiteral("With --train-epochs: capture after epoch N, mid-training, and exit."),
                                     QStringLiteral("N"));
    const QCommandLineOption size(QStringLiteral("size"), QStringLiteral("Window size, e.g. 1920x1080."),
                                  QStringLiteral("WxH"));
    const QCommandLineOption inspectView(
        QStringLiteral("inspect"),
        QStringLiteral("With --tab inspect --train-epochs N: follow the run in VIEW (features, kernels, ranking, worst, "
                       "nc, large); with --screenshot, capture once VIEW shows the trained model."),
        QStringLiteral("VIEW"), QStringLiteral("features"));
    const QCommandLineOption inspectIndex(QStringLiteral("inspect-index"),
                                          QStringLiteral("The dataset image the feature maps show."),
                                          QStringLiteral("I"), QStringLiteral("0"));
    const QCommandLineOption inspectImage(QStringLiteral("inspect-image"),
                                          QStringLiteral("The image file the large-image view segments."),
                                          QStringLiteral("FILE"));
    const QCommandLineOption data(
        QStringLiteral("data"),
        QStringLiteral("Open the dataset SPEC in the Data area and train (or compare) on it, e.g. sample:nuclei, "
                       "\"folder:/data/cells;size=128\" or tiff:IMAGES.tif,LABELS.tif (the forms of unetlab-cli --data)."),
        QStringLiteral("SPEC"));
    const QCommandLineOption presentation(QStringLiteral("presentation"),
                                          QStringLiteral("Presentation mode for this session (large fonts, high contrast)."));
    const QCommandLineOption restore(
        QStringLiteral("restore"),
        QStringLiteral("Restore the interrupted run autosaved in DIR, paused after its last finished epoch "
                       "(with --screenshot: capture once it shows)."),
        QStringLiteral("DIR"));
    parser.addPositionalArgument(QStringLiteral("checkpoint"),
                                 QStringLiteral("A checkpoint to open (.ckpt, or a PyTorch state dict .pt/.pth)."),
                                 QStringLiteral("[CHECKPOINT]"));
    parser.addOptions({tab, preset, trainEpochs, screenshot, afterMs, atEpoch, size, inspectView, inspectIndex, inspectImage,
                       data, presentation, restore});
    parser.process(app);
    if (parser.isSet(presentation)) PresentationMode::instance()->apply(true);

    unetlab::gui::MainWindow window;
    if (parser.isSet(size)) {
        const QStringList wh = parser.value(size).split(QLatin1Char('x'));
        bool okW = false, okH = false;
        const int w = wh.value(0).toInt(&okW), h = wh.value(1).toInt(&okH);
        if (wh.size() != 2 || !okW || !okH || w < 320 || h < 240) return fail("--size expects WxH, e.g. 1920x1080");
        window.resize(w, h);
    }
    if (parser.isSet(tab) && !window.showArea(parser.value(tab)))
        return fail("unknown area '" + parser.value(tab).toStdString() + "' (known: " +
                    window.areaNames().join(QStringLiteral(", ")).toStdString() + ")");
    TrainingDashboard *dashboard = window.dashboard();
    if (parser.isSet(preset) && !dashboard->settings()->applyChapterPreset(parser.value(preset)))
        return fail("unknown preset '" + parser.value(preset).toStdString() + "' (known: " +
                    TrainingSettings::chapterPresets().join(QStringLiteral(", ")).toStdString() + ")");
    if (parser.isSet(data)) {
        unetlab::DataSpec spec;
        try {
            spec = unetlab::parseDataSpec(parser.value(data).toStdString());
        } catch (const std::exception &e) {
            return fail(std::string("--data: ") + e.what());
        }
        window.datasetPage()->openData(spec);
        dashboard->settings()->setDataSpec(spec);
        window.compareArea()->setup()->shared()->setDataSpec(spec);
    }
    int epochs = 0;
    if (parser.isSet(trainEpochs)) {
        bool ok = false;
        epochs = parser.value(trainEpochs).toInt(&ok);
        if (!ok || epochs < 1 || epochs > 1000) return fail("--train-epochs expects a number from 1 to 1000");
        dashboard->settings()->setEpochs(epochs);
    }
    const QStringList viewNames{QStringLiteral("features"), QStringLiteral("kernels"), QStringLiteral("ranking"),
                                QStringLiteral("worst"), QStringLiteral("nc"), QStringLiteral("large")};
    const int viewIndex = static_cast<int>(viewNames.indexOf(parser.value(inspectView).toLower()));
    if (viewIndex < 0) return fail("--inspect expects one of features, kernels, ranking, worst, nc, large");
    const auto view = static_cast<InspectArea::View>(viewIndex);
    bool okIndex = false;
    const int imageIndex = parser.value(inspectIndex).toInt(&okIndex);
    if (!okIndex || imageIndex < 0) return fail("--inspect-index expects an image index");
    const bool inspecting = parser.value(tab).toLower() == QLatin1String("inspect");
    InspectArea *inspect = window.inspectArea();
    if (inspecting) {
        inspect->showView(view);
        // The image, once the engine has told the area the data (a run's or a checkpoint's).
        QObject::connect(window.engine()->worker(), &unetlab::gui::EngineWorker::inspectDataset, inspect,
                         [inspect, imageIndex] { inspect->featureMaps()->setDatasetIndex(imageIndex); });
        // Follow the run live: the feature maps and kernels refresh at every epoch end.
        inspect->featureMaps()->setFollowTraining(true);
        inspect->kernels()->setFollowTraining(true);
        if (parser.isSet(inspectImage)) inspect->largeImage()->setImagePath(parser.value(inspectImage));
    }
    bool okDelay = false;
    const int delay = parser.value(afterMs).toInt(&okDelay);
    if (!okDelay || delay < 0) return fail("--after-ms expects a number of milliseconds");
    window.show();

    if (parser.isSet(screenshot)) {
        const QString path = parser.value(screenshot);
        auto capture = [&window, path, delay] {
            QTimer::singleShot(delay, &window, [&window, path] {
                if (!saveImageAtomically(window.grab().toImage(), path)) {
                    std::cerr << "unetlab: error: cannot write screenshot '" << path.toStdString() << "'\n";
                    QApplication::exit(1);
                    return;
                }
                QApplication::exit(0);
            });
        };
        const bool toCompare = parser.value(tab).toLower() == QLatin1String("compare");
        // Inspect: capture when the view shows its answer about the trained (or mid-run) model.
        auto captureOnAnswer = [inspect, capture, view, &window] {
            auto *once = new QObject(&window);
            QObject::connect(inspect, &InspectArea::answered, once, [once, capture, view](InspectArea::View v) {
                if (v != view) return;
                once->deleteLater();
                capture();
            });
        };
        auto askView = [inspect, view] {
            switch (view) {
                case InspectArea::View::FeatureMaps: inspect->featureMaps()->request(); break;
                case InspectArea::View::Kernels: inspect->kernels()->request(); break;
                case InspectArea::View::Ranking: inspect->ranking()->request(); break;
                case InspectArea::View::WorstCases: inspect->worstCases()->request(); break;
                case InspectArea::View::NcRatio:  // one image's nuclei on the right, then the chart
                    inspect->featureMaps()->request();
                    inspect->ncPanel()->request();
                    break;
                case InspectArea::View::LargeImage: inspect->largeImage()->request(); break;
            }
        };
        if (inspecting && epochs > 0 && parser.isSet(atEpoch)) {
            const int at = parser.value(atEpoch).toInt();
            if (at < 1 || at > epochs) return fail("--screenshot-at-epoch must be between 1 and --train-epochs");
            if (view != InspectArea::View::FeatureMaps && view != InspectArea::View::Kernels)
                return fail("--screenshot-at-epoch with --tab inspect follows the features or kernels view");
            // "Follow training" asks at the epoch's end; capture its answer.
            QObject::connect(dashboard, &TrainingDashboard::epochFinished, &window,
                             [captureOnAnswer, at](int epoch) { if (epoch == at) captureOnAnswer(); });
        } else if (inspecting && !parser.positionalArguments().isEmpty()) {
            // The opened checkpoint: ask the view once the area knows the checkpoint and its data
            // (announced right after it, and setting --inspect-index first).
            auto *once = new QObject(&window);
            QObject::connect(window.engine()->worker(), &unetlab::gui::EngineWorker::inspectDataset, once,
                             [once, captureOnAnswer, askView] {
                                 once->deleteLater();
                                 captureOnAnswer();
                                 askView();
                             });
            // A checkpoint that cannot be opened: capture the window with its error, not wait.
            QObject::connect(window.engine()->worker(), &unetlab::gui::EngineWorker::errorOccurred, once,
                             [once, capture] {
                                 once->deleteLater();
                                 capture();
                             });
        } else if (inspecting && epochs > 0) {
            QObject::connect(dashboard, &TrainingDashboard::runFinished, &window, [captureOnAnswer, askView] {
                captureOnAnswer();
                askView();
            });
        } else if (epochs > 0 && parser.isSet(atEpoch)) {
            const int at = parser.value(atEpoch).toInt();
            if (at < 1 || at > epochs) return fail("--screenshot-at-epoch must be between 1 and --train-epochs");
            if (toCompare)  // after the last model of the comparison finished epoch `at`
                QObject::connect(window.compareArea(), &CompareArea::epochFinished, &window,
                                 [capture, at, &window](int run, int epoch) {
                                     if (epoch == at && run == window.compareArea()->setup()->modelCount() - 1) capture();
                                 });
            else
                QObject::connect(dashboard, &TrainingDashboard::epochFinished, &window,
                                 [capture, at](int epoch) { if (epoch == at) capture(); });
        } else if (epochs > 0 && toCompare) {
            QObject::connect(window.compareArea(), &CompareArea::comparisonFinished, &window, capture);
        } else if (epochs > 0) {
            QObject::connect(dashboard, &TrainingDashboard::runFinished, &window, capture);
        }
        else if (parser.isSet(restore)) {
            auto *once = new QObject(&window);
            QObject::connect(window.engine()->worker(), &unetlab::gui::EngineWorker::previewReady, once,
                             [once, capture] {
                                 once->deleteLater();
                                 capture();
                             });
        } else
            QObject::connect(window.datasetPage(), &unetlab::gui::DatasetPage::loaded, &window, capture);
        if (epochs > 0) {
            // A start the engine refuses (no images in the folder, say): capture the window with
            // its message rather than wait for a run that never comes. Errors during a run (an
            // unwritable autosave folder) leave the run going and are not captured here.
            auto *refused = new QObject(&window);
            auto onRefused = [refused, capture, dashboard, &window, toCompare] {
                const bool idle = toCompare ? window.compareArea()->state() == CompareArea::State::Idle
                                            : dashboard->state() == TrainingDashboard::State::Idle;
                if (!idle) return;
                refused->deleteLater();
                capture();
            };
            QObject::connect(window.engine()->worker(), &unetlab::gui::EngineWorker::errorOccurred, refused, onRefused);
            QObject::connect(window.engine()->worker(), &unetlab::gui::EngineWorker::comparisonError, refused,
                             onRefused);
        }
    }
    if (parser.positionalArguments().size() > 1) return fail("give at most one checkpoint to open");
    if (!parser.positionalArguments().isEmpty()) {
        const QString path = parser.positionalArguments().first();
        QTimer::singleShot(0, &window, [&window, path] { window.openCheckpointFile(path); });
    }
    if (parser.isSet(restore)) {
        const QString dir = parser.value(restore);
        QTimer::singleShot(0, &window, [&window, dir] { window.restoreRun(dir); });
    } else if (!parser.isSet(screenshot) && epochs == 0 && parser.positionalArguments().isEmpty()) {
        // A person started the app: offer the run a crash or kill -9 interrupted, if any.
        QTimer::singleShot(0, &window, [&window] { window.offerInterruptedRun(); });
    }
    const bool comparing = parser.value(tab).toLower() == QLatin1String("compare");
    CompareArea *compare = window.compareArea();
    if (comparing && epochs > 0) compare->setup()->shared()->setEpochs(epochs);
    if (epochs > 0 && comparing)
        QTimer::singleShot(0, compare, &CompareArea::start);
    else if (epochs > 0)
        QTimer::singleShot(0, dashboard, &TrainingDashboard::start);
    return app.exec();
}
