#pragma once
// The receptive field (MISSION §5): for any model preset, the layer-by-layer table of
// jump and receptive field (the chapter's rule, and the exact reach when bilinear
// upsampling is counted), and the empirical map: the gradient of one output pixel with
// respect to the input image, drawn over a dataset image, for a fresh or trained model.
//
// The panel never touches LibTorch. It emits mapRequested() with a plain request; the
// app's engine thread computes the map (engine/inspect/ReceptiveFieldMap.h) and hands it
// back to showResult(). Until a result arrives the panel shows the table and says the map
// comes from the engine; it never draws a map of its own.

#include <QStringList>
#include <QTimer>
#include <QVector>
#include <QWidget>

#include "ReceptiveFieldRequest.h"

class QComboBox;
class QLabel;
class QRadioButton;
class QSlider;
class QSpinBox;
class QTableWidget;
class ReceptiveFieldView;

class ReceptiveFieldPanel : public QWidget {
    Q_OBJECT
public:
    explicit ReceptiveFieldPanel(QWidget *parent = nullptr);

    // The images the map can be drawn over (e.g. the dataset's first few) and their names.
    void setImages(const QVector<QImage> &images, const QStringList &names);
    // Class names for the "which logit" choice, e.g. background, cytoplasm, nucleus.
    void setClassNames(const QStringList &names);
    // Presets the engine holds trained weights for; "trained" is offered only for these.
    void setTrainedPresets(const QStringList &presets);

    void setPreset(const QString &preset);
    QString preset() const;
    void setOutputPixel(const QPoint &pixel);
    void setTrained(bool trained);
    void setClassIndex(int classIndex);  // -1: all classes summed
    void setImageIndex(int index);
    void setZoomWindow(int side);  // 0: the whole image; else a side x side window around the pixel

    ReceptiveFieldRequest currentRequest() const;
    QTableWidget *table() const { return m_table; }
    ReceptiveFieldView *view() const { return m_view; }
    QString summaryText() const;
    QString statusText() const;

public Q_SLOTS:
    // Emits mapRequested() for the current choices (also done, shortly after, on every change).
    void requestMap();
    // A result for the latest request is drawn; older ones are ignored.
    void showResult(const ReceptiveFieldResult &result);

Q_SIGNALS:
    void mapRequested(const ReceptiveFieldRequest &request);

private:
    QWidget *buildMapControls();
    void refreshTable();
    void choicesChanged();  // clears the map and schedules a request
    void showStatus(const QString &text);
    bool engineConnected() const;

    QComboBox *m_presets = nullptr;
    QLabel *m_description = nullptr;
    QTableWidget *m_table = nullptr;
    QLabel *m_summary = nullptr;
    QComboBox *m_images = nullptr;
    QRadioButton *m_fresh = nullptr;
    QRadioButton *m_trained = nullptr;
    QComboBox *m_classes = nullptr;
    QComboBox *m_scale = nullptr;
    QComboBox *m_zoom = nullptr;
    QSlider *m_opacity = nullptr;
    ReceptiveFieldView *m_view = nullptr;
    QLabel *m_status = nullptr;
    QTimer m_requestTimer;

    QVector<QImage> m_imageList;
    QStringList m_trainedPresets;
    int m_chapterField = 0;  // the preset's output field by the chapter's rule
    int m_exactReach = 0;    // and counted exactly
    quint64 m_lastRequest = 0;
    bool m_waiting = false;
};
