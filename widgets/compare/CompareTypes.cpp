#include "CompareTypes.h"

#include <QLocale>

void registerCompareTypes() {
    qRegisterMetaType<CompareRequest>();
    qRegisterMetaType<ComparePreview>();
    qRegisterMetaType<CompareRunResult>();
    qRegisterMetaType<CompareResult>();
    qRegisterMetaType<QVector<RunInfo>>();
}

QString modelWithParameters(const QString &name, qint64 parameters) {
    return QStringLiteral("%1 (%2)").arg(name, QLocale().toString(static_cast<qlonglong>(parameters)));
}
