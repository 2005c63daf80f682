// Benchmark (not a test): is the GUI responsive while a model trains, and does training in
// the GUI run as fast as on the command line?
//
// Trains small-unet (or --model) from the real dashboard in the real main window while a
// 10 ms QTimer on the GUI thread records how late it fires, and the areas are switched (and,
// with --interaction resize|both, the window resized) every 250 ms. Then runs `unetlab-cli train` with the same settings and
// compares training images/s. Prints p50 / p99 / max lateness and the throughput ratio.
//
//   bench_gui_responsiveness [--model NAME] [--images N] [--epochs N] [--batch N]
//                            [--interaction none|tabs|resize|both] [--json]
// Run it with a display (xvfb-run) or QT_QPA_PLATFORM=offscreen.

#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <vector>

#include "TrainingDashboard.h"
#include "TrainingSettings.h"
#include "gui/MainWindow.h"

namespace {

double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const std::size_t i = std::min(v.size() - 1, static_cast<std::size_t>(p * (v.size() - 1) + 0.5));
    return v[i];
}

}  // namespace

int main(int argc, char **argv) {
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("UNetLabBench"));
    QApplication::setApplicationName(QStringLiteral("UNet Lab Bench"));
    QStandardPaths::setTestModeEnabled(true);  // autosaves and settings out of the user's way

    QCommandLineParser parser;
    parser.addHelpOption();
    const QCommandLineOption model(QStringLiteral("model"), QStringLiteral("Model preset."), QStringLiteral("NAME"),
                                   QStringLiteral("small-unet"));
    const QCommandLineOption images(QStringLiteral("images"), QStringLiteral("Synthetic images (80/10/10 split)."),
                                    QStringLiteral("N"), QStringLiteral("40"));
    const QCommandLineOption epochs(QStringLiteral("epochs"), QStringLiteral("Epochs."), QStringLiteral("N"),
                                    QStringLiteral("2"));
    const QCommandLineOption batch(QStringLiteral("batch"), QStringLiteral("Batch size."), QStringLiteral("N"),
                                   QStringLiteral("4"));
    const QCommandLineOption json(QStringLiteral("json"), QStringLiteral("End with one JSON line."));
    const QCommandLineOption interaction(QStringLiteral("interaction"),
                                         QStringLiteral("What the 'user' does meanwhile: none, tabs, resize, both."),
                                         QStringLiteral("KIND"), QStringLiteral("tabs"));
    parser.addOptions({model, images, epochs, batch, json, interaction});
    parser.process(app);

    RunRequest request;
    request.modelName = parser.value(model);
    request.config.model = unetlab::presetConfig(request.modelName.toStdString());
    request.config.epochs = parser.value(epochs).toInt();
    request.config.batchSize = parser.value(batch).toInt();
    request.config.learningRate = 3e-4;
    request.config.loss.kind = unetlab::LossKind::CrossEntropyDice;
    request.data.kind = "synthetic";
    request.data.count = static_cast<std::size_t>(parser.value(images).toInt());
    request.data.size = 256;

    unetlab::gui::MainWindow window;
    window.resize(1600, 950);
    window.show();
    window.showArea(QStringLiteral("train"));
    TrainingDashboard *dashboard = window.dashboard();
    dashboard->settings()->setRequest(request);

    // The probe: a 10 ms timer whose lateness is what a user feels as stutter.
    std::vector<double> lateness;
    QElapsedTimer clock;
    QTimer probe;
    probe.setTimerType(Qt::PreciseTimer);
    probe.setInterval(10);
    qint64 last = 0;
    bool measuring = false;
    QObject::connect(&probe, &QTimer::timeout, [&] {
        const qint64 now = clock.nsecsElapsed();
        if (measuring && last > 0) lateness.push_back(std::max(0.0, (now - last) / 1e6 - 10.0));
        last = now;
    });
    // Interaction: resize and switch areas, as an instructor would while it trains.
    QTimer interact;
    interact.setInterval(250);
    int tick = 0;
    const QString kind = parser.value(interaction);
    const bool resizing = kind == QLatin1String("resize") || kind == QLatin1String("both");
    const bool switching = kind == QLatin1String("tabs") || kind == QLatin1String("both");
    QObject::connect(&interact, &QTimer::timeout, [&] {
        ++tick;
        if (resizing) window.resize(tick % 2 ? 1500 : 1600, tick % 2 ? 900 : 950);
        if (switching) window.showArea(tick % 4 == 1 ? QStringLiteral("data") : QStringLiteral("train"));
    });

    RunSummary summary;
    QObject::connect(dashboard, &TrainingDashboard::runFinished, [&](const RunSummary &s) {
        summary = s;
        measuring = false;
        probe.stop();
        interact.stop();
        QApplication::exit(0);
    });
    QTimer::singleShot(300, [&] {
        clock.start();
        probe.start();
        interact.start();
        dashboard->start();
    });
    // Measure from the first batch on (data generation and model set-up come before it).
    QTimer startMeasuring;
    startMeasuring.setInterval(50);
    QObject::connect(&startMeasuring, &QTimer::timeout, [&] {
        if (dashboard->batchProgress() > 0 && !measuring) {
            measuring = true;
            startMeasuring.stop();
        }
    });
    startMeasuring.start();
    app.exec();

    // The same run on the command line.
    const QString cli = QStringLiteral(UNETLAB_CLI);
    QProcess process;
    process.start(cli, {QStringLiteral("train"), QStringLiteral("--model"), request.modelName, QStringLiteral("--data"),
                        QStringLiteral("synthetic:%1").arg(request.data.count), QStringLiteral("--epochs"),
                        QString::number(request.config.epochs), QStringLiteral("--batch"),
                        QString::number(request.config.batchSize), QStringLiteral("--lr"), QStringLiteral("3e-4"),
                        QStringLiteral("--loss"), QStringLiteral("ce+dice"), QStringLiteral("--quiet"),
                        QStringLiteral("--json")});
    process.waitForFinished(-1);
    const QList<QByteArray> lines = process.readAllStandardOutput().trimmed().split('\n');
    const QJsonObject cliResult = QJsonDocument::fromJson(lines.isEmpty() ? QByteArray() : lines.last()).object();
    const double cliImagesPerSecond = cliResult.value(QStringLiteral("images_per_second")).toDouble();

    const double p50 = percentile(lateness, 0.5), p99 = percentile(lateness, 0.99);
    const double worst = lateness.empty() ? 0 : *std::max_element(lateness.begin(), lateness.end());
    std::printf("GUI responsiveness while %s trains (%d images of 256x256, batch %d, %d epochs, %s; interaction: %s)\n",
                request.modelName.toUtf8().constData(), static_cast<int>(request.data.count),
                request.config.batchSize, request.config.epochs, summary.info.device.toUtf8().constData(),
                kind.toUtf8().constData());
    std::printf("  10 ms timer lateness over %zu ticks: p50 %.1f ms, p99 %.1f ms, max %.1f ms\n", lateness.size(), p50,
                p99, worst);
    std::printf("  training images/s: GUI %.2f, unetlab-cli %.2f, GUI/CLI %.3f\n", summary.imagesPerSecond,
                cliImagesPerSecond, cliImagesPerSecond > 0 ? summary.imagesPerSecond / cliImagesPerSecond : 0.0);
    if (parser.isSet(json)) {
        QJsonObject o{{QStringLiteral("model"), request.modelName},
                      {QStringLiteral("ticks"), static_cast<int>(lateness.size())},
                      {QStringLiteral("lateness_p50_ms"), p50},
                      {QStringLiteral("lateness_p99_ms"), p99},
                      {QStringLiteral("lateness_max_ms"), worst},
                      {QStringLiteral("gui_images_per_second"), summary.imagesPerSecond},
                      {QStringLiteral("cli_images_per_second"), cliImagesPerSecond}};
        std::printf("%s\n", QJsonDocument(o).toJson(QJsonDocument::Compact).constData());
    }
    return summary.epochsRun > 0 && cliImagesPerSecond > 0 ? 0 : 1;
}
