#pragma once
// The N/C ratio (MISSION §7, §8): predicted against true nucleus/cytoplasm ratio for every
// image of a split, with the identity line and the mean absolute error; and, for one image,
// its nuclei counted one by one (connected components split by a watershed on the distance
// transform) with each cell's own N/C, in the truth and in the prediction.

#include <QImage>
#include <QPointF>
#include <QVector>

#include <optional>

#include "InspectTypes.h"
#include "InspectView.h"
#include "inspect/Nuclei.h"

class QChartView;
class QComboBox;
class QLabel;
class QPushButton;
class QScatterSeries;
class QTableWidget;
class QVBoxLayout;

class NcPanel : public InspectView {
    Q_OBJECT
public:
    explicit NcPanel(QWidget *parent = nullptr);

    ReviewRequest currentRequest() const;  // the model is filled in by InspectArea
    bool hasResult() const override { return m_hasReview; }
    int pointCount() const;
    // True when the chart plots nucleus counts (data with a nucleus class and no cytoplasm,
    // where N/C is undefined) instead of N/C ratios.
    bool plotsCounts() const { return m_plotsCounts; }
    QString summaryText() const;
    // For tests: the instance view of the last inspected image.
    bool hasInstances() const { return m_hasInstances; }
    const unetlab::InstanceSeparation &truthInstances() const { return m_truth; }
    const unetlab::InstanceSeparation &predictedInstances() const { return m_predicted; }
    int tableRows() const;
    int pictureSide() const { return m_pictureSide; }  // the side the two pictures are drawn at
    const QLabel *truthPicture() const { return m_truthPicture; }
    QChartView *chart() const { return m_chart; }
    // Selects the point of a dataset image, as a click on it does (emits imageChosen).
    void choosePoint(int datasetIndex);

public Q_SLOTS:
    // The data's classes: which is the nucleus and which the cytoplasm, found by name.
    void setDataset(const QStringList &classNames);
    void showReview(const unetlab::SplitReview &review);
    // Counts the nuclei of an inspected image (its truth when known, and its prediction).
    void showInstances(const unetlab::ImageInspection &inspection);
    void request();

Q_SIGNALS:
    void requested(const ReviewRequest &request);
    void imageChosen(int datasetIndex);

protected:
    void resizeEvent(QResizeEvent *event) override;

private:
    void updateInstancesVisibility();
    void fitPictures();
    void drawScatter();
    void markSelected(int datasetIndex);
    // Where an image's point lies on the chart (N/C or counts); none where undefined.
    std::optional<QPointF> pointOf(const unetlab::NcRow &row) const;
    double countMeanAbsError() const;  // over the images whose nuclei were counted

    QComboBox *m_split = nullptr;
    QPushButton *m_compute = nullptr;
    QChartView *m_chart = nullptr;
    QScatterSeries *m_selected = nullptr;
    QLabel *m_summary = nullptr;
    QLabel *m_instancesTitle = nullptr;
    QLabel *m_truthPicture = nullptr;
    QLabel *m_predPicture = nullptr;
    QLabel *m_truthCaption = nullptr;
    QLabel *m_predCaption = nullptr;
    QTableWidget *m_table = nullptr;
    QLabel *m_instancesHint = nullptr;
    QVBoxLayout *m_right = nullptr;    // the right column: title, pictures, table, hint
    QImage m_truthImage, m_predImage;  // the pictures at full size, scaled to fit the column
    int m_pictureSide = 0;
    unetlab::SplitReview m_review;
    QVector<int> m_pointRows;  // scatter point -> row of m_review.nc
    unetlab::InstanceSeparation m_truth, m_predicted;
    unetlab::SeparationOptions m_separation;  // the data's nucleus and cytoplasm classes
    bool m_hasReview = false;
    bool m_plotsCounts = false;
    bool m_hasInstances = false;
    int m_shownIndex = -1;  // the dataset image whose nuclei are shown on the right
};
