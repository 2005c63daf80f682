#pragma once
// What the receptive-field panel asks the engine for, and what it draws back: plain
// values that cross the engine thread's queued connections (no LibTorch types).
//
// The engine side (app/, EngineWorker) answers a request with
// unetlab::empiricalReceptiveField() from engine/inspect/ReceptiveFieldMap.h and sends
// back its `magnitude`, `width` and `height` with the request's id.

#include <vector>

#include <QImage>
#include <QMetaType>
#include <QPoint>
#include <QString>

struct ReceptiveFieldRequest {
    quint64 id = 0;        // grows with every request; the result carries it back
    QString preset;        // a name from unetlab::presetNames(), e.g. "small-unet"
    int imageIndex = -1;   // index into the images given to ReceptiveFieldPanel::setImages()
    QImage image;          // that image as shown (the engine may read the dataset by index instead)
    QPoint outputPixel;    // x, y in image pixels
    bool trained = false;  // false: a freshly initialised model; true: the trained weights the engine holds
    int classIndex = -1;   // -1: the sum of all classes' logits; otherwise that class's logit
};

struct ReceptiveFieldResult {
    quint64 requestId = 0;
    int width = 0;  // the image's size
    int height = 0;
    std::vector<float> magnitude;  // height*width, row-major: sum over channels of |d logit / d pixel|
    QString modelDescription;      // optional, shown with the map, e.g. "trained, epoch 7"
    QString error;                 // non-empty when the engine could not compute the map
};

Q_DECLARE_METATYPE(ReceptiveFieldRequest)
Q_DECLARE_METATYPE(ReceptiveFieldResult)
