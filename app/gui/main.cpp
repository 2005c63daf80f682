// unetlab: the desktop application.
//   unetlab [--screenshot FILE [--after-ms N]] [--size WxH]

#include <QApplication>
#include <QCommandLineParser>
#include <QIcon>
#include <QTimer>

#include <iostream>

#include "core/BuildInfo.h"
#include "core/Device.h"
#include "gui/MainWindow.h"

int main(int argc, char **argv) {
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("UNetLab"));
    QApplication::setApplicationName(QStringLiteral("UNet Lab"));
    QApplication::setApplicationVersion(QStringLiteral(UNETLAB_VERSION));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/unetlab.svg")));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Learn convolution and U-Net segmentation by touching every piece."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption screenshot(QStringLiteral("screenshot"),
                                        QStringLiteral("Save a PNG of the main window to FILE and exit."),
                                        QStringLiteral("FILE"));
    const QCommandLineOption afterMs(QStringLiteral("after-ms"),
                                     QStringLiteral("Wait N ms after the window is ready before the screenshot."),
                                     QStringLiteral("N"), QStringLiteral("300"));
    const QCommandLineOption size(QStringLiteral("size"), QStringLiteral("Window size, e.g. 1920x1080."),
                                  QStringLiteral("WxH"));
    parser.addOptions({screenshot, afterMs, size});
    parser.process(app);

    unetlab::configureThreads(0);
    const QString device = QString::fromStdString(unetlab::describeDevice(unetlab::resolveDevice(unetlab::DeviceChoice::Auto)));

    unetlab::gui::MainWindow window(device);
    if (parser.isSet(size)) {
        const QStringList wh = parser.value(size).split(QLatin1Char('x'));
        bool okW = false, okH = false;
        const int w = wh.value(0).toInt(&okW), h = wh.value(1).toInt(&okH);
        if (wh.size() != 2 || !okW || !okH || w < 320 || h < 240) {
            std::cerr << "unetlab: error: --size expects WxH, e.g. 1920x1080\n";
            return 2;
        }
        window.resize(w, h);
    }
    window.show();
    window.loadSamples(1, 0, 8);

    if (parser.isSet(screenshot)) {
        const QString path = parser.value(screenshot);
        const int delay = parser.value(afterMs).toInt();
        QObject::connect(&window, &unetlab::gui::MainWindow::loaded, &window, [&window, path, delay] {
            QTimer::singleShot(delay, &window, [&window, path] {
                if (!window.grab().save(path)) {
                    std::cerr << "unetlab: error: cannot write screenshot '" << path.toStdString() << "'\n";
                    QApplication::exit(1);
                    return;
                }
                QApplication::exit(0);
            });
        });
    }
    return app.exec();
}
