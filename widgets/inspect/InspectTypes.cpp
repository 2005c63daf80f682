#include "InspectTypes.h"

void registerInspectTypes() {
    qRegisterMetaType<InspectModelChoice>("InspectModelChoice");
    qRegisterMetaType<FeatureMapRequest>("FeatureMapRequest");
    qRegisterMetaType<KernelRequest>("KernelRequest");
    qRegisterMetaType<RankingRequest>("RankingRequest");
    qRegisterMetaType<ReviewRequest>("ReviewRequest");
    qRegisterMetaType<LargeImageRequest>("LargeImageRequest");
    qRegisterMetaType<LargeImageResult>("LargeImageResult");
    qRegisterMetaType<unetlab::ImageInspection>("unetlab::ImageInspection");
    qRegisterMetaType<unetlab::KernelSet>("unetlab::KernelSet");
    qRegisterMetaType<unetlab::RankingReport>("unetlab::RankingReport");
    qRegisterMetaType<unetlab::SplitReview>("unetlab::SplitReview");
}
