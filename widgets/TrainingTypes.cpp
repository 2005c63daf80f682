#include "TrainingTypes.h"

#include <QColor>

#include "inspect/Render.h"

void registerTrainingTypes() {
    qRegisterMetaType<RunRequest>();
    qRegisterMetaType<RunInfo>();
    qRegisterMetaType<PreviewItem>();
    qRegisterMetaType<QVector<PreviewItem>>();
    qRegisterMetaType<RunSummary>();
    qRegisterMetaType<unetlab::BatchReport>();
    qRegisterMetaType<QVector<unetlab::BatchReport>>();
    qRegisterMetaType<unetlab::EpochReport>();
}

QString classLegendHtml(const QStringList &classNames) {
    QStringList parts;
    for (int c = 1; c < classNames.size(); ++c) {
        const unetlab::Rgb rgb = unetlab::classColour(c);
        parts << QStringLiteral("<span style='color:%1'>■</span> %2")
                     .arg(QColor(rgb.r, rgb.g, rgb.b).name(), classNames[c].toHtmlEscaped());
    }
    return parts.join(QLatin1Char(' '));
}
