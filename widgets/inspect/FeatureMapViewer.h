#pragma once
// What every stage of a network sees (MISSION §8 feature maps): the input, its truth and the
// prediction, then for each named stage (enc1 ... bottleneck ... dec1, head) its shape, its
// receptive field and its top-k channels, ranked by spatial variance or either ranking
// strategy. Clicking a map enlarges it with a colour bar and the value under the cursor.
// It asks for results with `requested` and draws the ImageInspection it is given.

#include <QImage>
#include <QStringList>
#include <QVector>
#include "InspectTypes.h"
#include "InspectView.h"

class QCheckBox;
class QComboBox;
class QHBoxLayout;
class QLabel;
class QPushButton;
class QRadioButton;
class QScrollArea;
class QSpinBox;
class MapDetail;
class TileGrid;

class FeatureMapViewer : public InspectView {
    Q_OBJECT
public:
    explicit FeatureMapViewer(QWidget *parent = nullptr);

    // The image picker's range and the classes a correlation ranking can use.
    void setDataset(int imageCount, const QStringList &classNames);
    // The request the controls describe now (the model is filled in by InspectArea).
    FeatureMapRequest currentRequest() const;
    void setDatasetIndex(int index);
    // Uses an image file instead of a dataset image (the GUI reads it for display).
    bool setImageFile(const QString &path);
    void setTopK(int k);
    void setRanking(unetlab::ChannelRanking ranking);
    bool followTraining() const;
    void setFollowTraining(bool on);
    bool hasResult() const override { return !m_result.stages.empty(); }
    const unetlab::ImageInspection &result() const { return m_result; }

    // For tests and screenshots.
    int stageCount() const { return m_stageGrids.size(); }
    TileGrid *stageGrid(int stage) const { return m_stageGrids.value(stage); }
    TileGrid *pictureGrid() const { return m_pictures; }
    MapDetail *detail() const { return m_detail; }
    void selectMap(int stage, int tile);
    QString statusText() const;
    // The text under the pictures (the image's name and size, its Dice) and its tooltip.
    QString imageInfoText() const;
    QString imageInfoToolTip() const;

public Q_SLOTS:
    void showResult(const unetlab::ImageInspection &result, const QString &stamp = QString());
    void request();  // emits `requested` with the current controls

Q_SIGNALS:
    void requested(const FeatureMapRequest &request);

protected:
    void resizeEvent(QResizeEvent *event) override;
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    QWidget *buildControls();
    void rebuildStages();
    void layoutTiles();
    void updateImageInfo();  // the name, shortened to the column's width, and the facts
    void onTileClicked(int stage, int tile);

    QSpinBox *m_index = nullptr;
    QRadioButton *m_fromData = nullptr;
    QRadioButton *m_fromFile = nullptr;
    QPushButton *m_openImage = nullptr;
    QLabel *m_fileName = nullptr;
    QSpinBox *m_topK = nullptr;
    QComboBox *m_ranking = nullptr;
    QComboBox *m_class = nullptr;
    QCheckBox *m_follow = nullptr;
    QPushButton *m_show = nullptr;
    TileGrid *m_pictures = nullptr;
    QLabel *m_imageInfo = nullptr;
    QString m_imageId, m_imageFacts;  // the image's name; the rest of the text under the pictures
    QScrollArea *m_scroll = nullptr;
    QWidget *m_stagesHost = nullptr;
    QHBoxLayout *m_stagesLayout = nullptr;
    QVector<QWidget *> m_stageColumns;
    QVector<TileGrid *> m_stageGrids;
    QVector<QLabel *> m_stageTitles;
    MapDetail *m_detail = nullptr;
    QLabel *m_status = nullptr;

    QString m_imagePath;
    QImage m_fileImage;
    QStringList m_classes;
    unetlab::ImageInspection m_result;
    QImage m_input;
    QString m_selectedStage;
    int m_selectedChannel = -1;
};
