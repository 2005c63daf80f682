#include "CompareTypes.h"

void registerCompareTypes() {
    qRegisterMetaType<CompareRequest>();
    qRegisterMetaType<ComparePreview>();
    qRegisterMetaType<CompareRunResult>();
    qRegisterMetaType<CompareResult>();
    qRegisterMetaType<QVector<RunInfo>>();
}
