#pragma once
// Segmenting an image larger than the training size (MISSION §9, issue #7): the engine cuts
// the image into overlapping tiles of the training size, predicts each and blends the class
// probabilities where tiles overlap (train/SlidingWindow.h). The panel picks the file, the
// tile side, the overlap and the blend, shows the image beside its prediction with the tiles
// outlined, the class shares and the time, and saves the mask as a PNG other tools open.

#include <QByteArray>
#include <QStringList>

#include "InspectTypes.h"
#include "InspectView.h"

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QPushButton;
class LargeImageCanvas;

class LargeImagePanel : public InspectView {
    Q_OBJECT
public:
    explicit LargeImagePanel(QWidget *parent = nullptr);

    void setImagePath(const QString &path);
    QString imagePath() const { return m_path; }
    void setTile(int tile);  // 0: the training size
    void setOverlap(double overlap);
    LargeImageRequest currentRequest() const;  // the model is filled in by InspectArea
    bool hasResult() const override { return m_hasResult; }
    const LargeImageResult &result() const { return m_result; }
    QString summaryText() const;
    // Writes the last prediction's mask: format "index", "binary" or "colour" (interop/MaskFile.h),
    // atomically. Returns an empty string or the error in one line.
    QString saveMask(const QString &path, const QString &format) const;

public Q_SLOTS:
    void showResult(const LargeImageResult &result);
    void request();

Q_SIGNALS:
    void requested(const LargeImageRequest &request);

private:
    void chooseImage();
    void chooseMaskFile();
    void updateButtons();

    QPushButton *m_open = nullptr;
    QLabel *m_pathLabel = nullptr;
    QComboBox *m_tile = nullptr;
    QDoubleSpinBox *m_overlap = nullptr;
    QComboBox *m_blend = nullptr;
    QPushButton *m_predict = nullptr;
    QPushButton *m_save = nullptr;
    QCheckBox *m_showTiles = nullptr;
    LargeImageCanvas *m_canvas = nullptr;
    QLabel *m_summary = nullptr;
    QString m_path;
    LargeImageResult m_result;
    bool m_hasResult = false;
};
