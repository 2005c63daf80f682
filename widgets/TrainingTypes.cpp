#include "TrainingTypes.h"

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
