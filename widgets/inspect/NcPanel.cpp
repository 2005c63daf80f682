#include "NcPanel.h"

#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLegend>
#include <QLineSeries>
#include <QPushButton>
#include <QScatterSeries>
#include <QStackedWidget>
#include <QTableWidget>
#include <QTimer>
#include <QVBoxLayout>
#include <QValueAxis>

#include <algorithm>
#include <cmath>

#include "ElidingLabel.h"
#include "InspectImages.h"
#include "InspectStyle.h"
#include "PresentationMode.h"

namespace {

constexpr int kPictureSide = 300;       // the pictures' side where there is room
constexpr int kMinPictureSide = 150;    // and where there is not (presentation mode at 1366x768)
constexpr int kRoomyPictureSide = 240;  // below this the hint under the table gives way
const QColor kPointColour(25, 118, 210);
const QColor kSelectedColour(255, 160, 0);
const QColor kIdentityColour(97, 97, 97);

QString countText(const unetlab::InstanceSeparation &s) {
    QString text = QObject::tr("%n nuclei", nullptr, s.count());
    if (s.count() > s.components)
        text += QObject::tr(" (%1 connected blobs: the watershed split %2 of touching nuclei)")
                    .arg(s.components)
                    .arg(s.count() - s.components);
    return text;
}

}  // namespace

NcPanel::NcPanel(QWidget *parent) : InspectView(parent) {
    setAccessibleName(tr("N/C ratio"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    auto *bar = new QHBoxLayout;
    bar->addWidget(new QLabel(tr("N/C ratio over the")));
    m_split = new QComboBox;
    m_split->setAccessibleName(tr("N/C ratio over"));
    m_split->addItem(tr("test split"), QStringLiteral("test"));
    m_split->addItem(tr("validation split"), QStringLiteral("val"));
    m_split->addItem(tr("whole dataset"), QStringLiteral("all"));
    bar->addWidget(m_split);
    bar->addStretch(1);
    m_compute = new QPushButton(tr("Compute N/C"));
    bar->addWidget(m_compute);
    layout->addLayout(bar);
    connect(m_compute, &QPushButton::clicked, this, &NcPanel::request);
    setActionButton(m_compute);

    auto *row = new QHBoxLayout;
    // Left: the scatter of every image.
    auto *left = new QVBoxLayout;
    m_chart = new QChartView(new QChart);
    m_chart->setAccessibleName(tr("Predicted against true N/C ratio"));
    m_chart->setAccessibleDescription(tr("One point per image; click a point to show that image"));
    m_chart->setRenderHint(QPainter::Antialiasing);
    m_chart->setMinimumSize(360, 320);
    left->addWidget(createStack(m_chart,
                                tr("Press Compute N/C.\nEvery image of the split becomes a point: its true N/C "
                                   "ratio across, the model's down. On the diagonal the model reads the clinical "
                                   "marker right."),
                                tr("Predicting every image of the split…")),
                    1);
    m_summary = inspectstyle::captionLabel(QString());
    left->addWidget(m_summary);
    row->addLayout(left, 5);

    // Right: one image's nuclei, one by one.
    auto *right = new QVBoxLayout;
    m_right = right;
    // The image's id can be 64 characters: cut with "…" rather than widen the page.
    m_instancesTitle = new ElidingLabel(tr("Nuclei one by one"));
    inspectstyle::scaleFont(m_instancesTitle, 1.3, true);
    right->addWidget(m_instancesTitle);
    auto *pictures = new QHBoxLayout;
    auto picture = [](QLabel *&label, QLabel *&caption) {
        auto *v = new QVBoxLayout;
        label = new QLabel;
        label->setFixedSize(kPictureSide, kPictureSide);
        label->setAlignment(Qt::AlignCenter);
        caption = new QLabel;
        caption->setWordWrap(true);
        caption->setFixedWidth(kPictureSide);
        v->addWidget(label);
        v->addWidget(caption);
        v->addStretch(1);
        return v;
    };
    pictures->addLayout(picture(m_truthPicture, m_truthCaption));
    pictures->addLayout(picture(m_predPicture, m_predCaption));
    pictures->addStretch(1);
    right->addLayout(pictures);
    m_table = new QTableWidget(0, 4);
    m_table->setAccessibleName(tr("Predicted cells of the image shown"));
    m_table->setHorizontalHeaderLabels({tr("predicted cell"), tr("nucleus px"), tr("cytoplasm px"), tr("N/C")});
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    m_table->verticalHeader()->hide();
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    right->addWidget(m_table, 1);
    m_instancesHint = inspectstyle::captionLabel(
        tr("Click a point of the chart (or show an image in Feature maps) to count its nuclei one by one. "
           "Touching nuclei are split by a watershed on the distance to the background; each cytoplasm pixel "
           "belongs to the nearest nucleus of its cell, so N/C can be read per cell."));
    right->addWidget(m_instancesHint);
    row->addLayout(right, 5);
    layout->addLayout(row, 1);
    updateInstancesVisibility();
    // Lecture-size fonts change the captions' and the hint's heights, not the panel's size.
    connect(PresentationMode::instance(), &PresentationMode::changed, this,
            [this] { QTimer::singleShot(0, this, [this] { fitPictures(); }); });
}

void NcPanel::updateInstancesVisibility() {
    for (QLabel *l : {m_truthPicture, m_predPicture, m_truthCaption, m_predCaption}) l->setVisible(m_hasInstances);
    m_table->setVisible(m_hasInstances);
}

ReviewRequest NcPanel::currentRequest() const {
    ReviewRequest r;
    r.split = m_split->currentData().toString();
    return r;
}

void NcPanel::request() {
    if (!modelAvailable()) return;
    Q_EMIT requested(currentRequest());
}

int NcPanel::pointCount() const { return m_pointRows.size(); }
QString NcPanel::summaryText() const { return m_summary->text(); }
int NcPanel::tableRows() const { return m_table->rowCount(); }

void NcPanel::setDataset(const QStringList &classNames) {
    std::vector<std::string> names;
    for (const QString &c : classNames) names.push_back(c.toStdString());
    m_separation = unetlab::separationFor(names);
    // Without a cytoplasm class the table's cytoplasm and N/C columns would only say n/a.
    for (int column : {2, 3}) m_table->setColumnHidden(column, m_separation.cytoplasmClass < 0);
}

void NcPanel::showReview(const unetlab::SplitReview &review) {
    m_review = review;
    m_hasReview = true;
    // Without a cytoplasm class no image has an N/C; the nuclei counted one by one are then
    // what the chart can show.
    m_plotsCounts = review.ncImages == 0 && review.nucleiTrue >= 0;
    drawScatter();
    const QString counted = review.nucleiTrue >= 0 ? tr("Nuclei counted one by one: %1 in the truth, %2 predicted.")
                                                         .arg(review.nucleiTrue)
                                                         .arg(review.nucleiPred)
                                                   : tr("Nuclei are not counted: the data has no class named nucleus.");
    if (m_plotsCounts)
        m_summary->setText(tr("Mean |predicted − true| nuclei per image: <b>%1</b> over %2 images. %3 %4")
                               .arg(inspectstyle::fixed(countMeanAbsError(), 1))
                               .arg(m_pointRows.size())
                               .arg(counted)
                               .arg(unetlab::cellClassesOf(review.classNames).cytoplasm < 0
                                        ? tr("N/C needs a class named cytoplasm, which this data does not have.")
                                        : tr("No image of the split has cytoplasm in both truth and prediction, "
                                             "so none has an N/C.")));
    else
        m_summary->setText(tr("Mean |predicted − true| N/C: <b>%1</b> over %2 images (of %3; N/C is undefined "
                              "without cytoplasm). %4")
                               .arg(inspectstyle::fixed(review.ncMeanAbsError, 3))
                               .arg(review.ncImages)
                               .arg(review.nc.size())
                               .arg(counted));
    setPending(false);
}

std::optional<QPointF> NcPanel::pointOf(const unetlab::NcRow &r) const {
    if (m_plotsCounts) {
        if (r.nucleiTrue < 0 || r.nucleiPred < 0) return std::nullopt;
        return QPointF(r.nucleiTrue, r.nucleiPred);
    }
    if (std::isnan(r.ncTrue) || std::isnan(r.ncPred)) return std::nullopt;
    return QPointF(r.ncTrue, r.ncPred);
}

double NcPanel::countMeanAbsError() const {
    double sum = 0;
    int n = 0;
    for (const unetlab::NcRow &r : m_review.nc)
        if (r.nucleiTrue >= 0 && r.nucleiPred >= 0) {
            sum += std::abs(r.nucleiPred - r.nucleiTrue);
            ++n;
        }
    return n ? sum / n : unetlab::kUndefined;
}

void NcPanel::drawScatter() {
    auto *chart = new QChart;
    chart->setTitle(
        m_plotsCounts
            ? tr("Nuclei per image — mean |error| %1").arg(inspectstyle::fixed(countMeanAbsError(), 1))
            : tr("Predicted vs true N/C — mean |error| %1").arg(inspectstyle::fixed(m_review.ncMeanAbsError, 3)));
    QFont f = chart->titleFont();
    f.setPointSizeF(f.pointSizeF() * 1.25);
    f.setBold(true);
    chart->setTitleFont(f);
    chart->setBackgroundRoundness(0);
    chart->legend()->setAlignment(Qt::AlignBottom);
    auto *points = new QScatterSeries;
    points->setName(tr("one image"));
    points->setColor(kPointColour);
    points->setBorderColor(kPointColour.darker(130));
    points->setMarkerSize(11);
    m_pointRows.clear();
    double top = 0;
    for (int i = 0; i < static_cast<int>(m_review.nc.size()); ++i) {
        const std::optional<QPointF> p = pointOf(m_review.nc[static_cast<std::size_t>(i)]);
        if (!p) continue;
        points->append(*p);
        m_pointRows.push_back(i);
        top = std::max({top, p->x(), p->y()});
    }
    top = top > 0 ? top * 1.1 : 1.0;
    auto *identity = new QLineSeries;
    identity->setName(tr("predicted = true"));
    identity->setPen(QPen(kIdentityColour, 2, Qt::DashLine));
    identity->append(0, 0);
    identity->append(top, top);
    m_selected = new QScatterSeries;
    m_selected->setName(tr("shown on the right"));
    m_selected->setColor(kSelectedColour);
    m_selected->setBorderColor(kSelectedColour.darker(140));
    m_selected->setMarkerSize(18);
    chart->addSeries(identity);
    chart->addSeries(points);
    chart->addSeries(m_selected);
    auto *x = new QValueAxis;
    x->setRange(0, top);
    x->setTitleText(m_plotsCounts ? tr("nuclei in the truth mask") : tr("true N/C (from the truth mask)"));
    if (m_plotsCounts) {  // whole numbers on the axes
        x->applyNiceNumbers();
        x->setLabelFormat(QStringLiteral("%.0f"));
        identity->replace(1, QPointF(x->max(), x->max()));
    }
    auto *y = new QValueAxis;
    y->setRange(0, top);
    y->setTitleText(m_plotsCounts ? tr("nuclei in the prediction") : tr("predicted N/C (from the prediction)"));
    if (m_plotsCounts) {
        y->setRange(x->min(), x->max());
        y->setTickCount(x->tickCount());
        y->setLabelFormat(QStringLiteral("%.0f"));
    }
    chart->addAxis(x, Qt::AlignBottom);
    chart->addAxis(y, Qt::AlignLeft);
    for (QAbstractSeries *s : chart->series()) {
        s->attachAxis(x);
        s->attachAxis(y);
    }
    connect(points, &QScatterSeries::clicked, this, [this](const QPointF &p) {
        // The nearest image to the click (several may share a point).
        int best = -1;
        double bestDistance = 0;
        for (int row : m_pointRows) {
            const QPointF q = *pointOf(m_review.nc[static_cast<std::size_t>(row)]);
            const double d = std::hypot(q.x() - p.x(), q.y() - p.y());
            if (best < 0 || d < bestDistance) {
                best = row;
                bestDistance = d;
            }
        }
        if (best >= 0) choosePoint(static_cast<int>(m_review.nc[static_cast<std::size_t>(best)].index));
    });
    QChart *old = m_chart->chart();
    PresentationMode::styleChart(chart);
    m_chart->setChart(chart);
    delete old;
    if (m_shownIndex >= 0) markSelected(m_shownIndex);  // the image on the right stays marked
}

void NcPanel::markSelected(int datasetIndex) {
    m_shownIndex = datasetIndex;
    if (!m_selected) return;
    m_selected->clear();
    for (const unetlab::NcRow &r : m_review.nc)
        if (static_cast<int>(r.index) == datasetIndex)
            if (const std::optional<QPointF> p = pointOf(r)) m_selected->append(*p);
}

void NcPanel::choosePoint(int datasetIndex) {
    markSelected(datasetIndex);
    Q_EMIT imageChosen(datasetIndex);
}

void NcPanel::showInstances(const unetlab::ImageInspection &inspection) {
    const unetlab::Sample &s = inspection.sample;
    m_predicted = unetlab::separateNuclei(inspection.prediction.data(), s.width, s.height, m_separation);
    m_truth = inspection.hasTruth ? unetlab::separateNuclei(s.mask.data(), s.width, s.height, m_separation)
                                  : unetlab::InstanceSeparation{};
    m_hasInstances = true;
    const auto counted = [this](const unetlab::InstanceSeparation &n) {
        return m_separation.nucleusClass >= 0 ? countText(n) : tr("no class named nucleus in the data");
    };
    m_instancesTitle->setText(tr("Nuclei one by one: %1").arg(QString::fromStdString(s.id)));
    m_truthImage = inspection.hasTruth ? inspect::instancesImage(s, m_truth) : QImage();
    m_predImage = inspect::instancesImage(s, m_predicted);
    m_pictureSide = 0;  // new pictures: draw them whatever their size
    if (inspection.hasTruth) {
        m_truthCaption->setText(tr("<b>truth</b>: %1").arg(counted(m_truth)));
    } else {
        m_truthPicture->setText(tr("no truth for an image file"));
        m_truthCaption->clear();
    }
    m_predCaption->setText(tr("<b>prediction</b>: %1").arg(counted(m_predicted)));
    m_table->setRowCount(m_predicted.count());
    for (int i = 0; i < m_predicted.count(); ++i) {
        const unetlab::CellInstance &c = m_predicted.instances[static_cast<std::size_t>(i)];
        auto *cell = new QTableWidgetItem(tr("■ %1").arg(c.label));
        cell->setForeground(inspect::instanceColour(c.label).darker(115));
        m_table->setItem(i, 0, cell);
        m_table->setItem(i, 1, new QTableWidgetItem(QString::number(c.nucleusPixels)));
        m_table->setItem(i, 2, new QTableWidgetItem(QString::number(c.cytoplasmPixels)));
        m_table->setItem(i, 3, new QTableWidgetItem(inspectstyle::fixed(c.nc, 3)));
    }
    if (inspection.datasetIndex >= 0) {
        markSelected(inspection.datasetIndex);
    } else {  // an image file is not a point of the chart
        m_shownIndex = -1;
        if (m_selected) m_selected->clear();
    }
    updateInstancesVisibility();
    fitPictures();
}

void NcPanel::resizeEvent(QResizeEvent *event) {
    InspectView::resizeEvent(event);
    fitPictures();
}

// The two pictures are as large as the right column leaves room for, between kMinPictureSide
// and kPictureSide: the title, the captions, a table of at least two rows and the hint keep
// their height (with lecture-size fonts on a 1366x768 screen they would otherwise overlap).
// Where even that is short, the hint (how to read the view, also in the README) gives way.
void NcPanel::fitPictures() {
    if (!m_hasInstances || !m_right) return;
    const QRect column = m_right->geometry();
    if (column.height() <= 0) return;
    const int spacing = std::max(0, m_right->spacing());
    // Each caption keeps the width of a picture column, however small the pictures get.
    const int half = (column.width() - 3 * spacing) / 2;
    const int captionWidth = std::clamp(half, kMinPictureSide, kPictureSide);
    const int captions =
        std::max(m_truthCaption->heightForWidth(captionWidth), m_predCaption->heightForWidth(captionWidth));
    const int table = m_table->horizontalHeader()->sizeHint().height() +
                      2 * m_table->verticalHeader()->defaultSectionSize() + 2 * m_table->frameWidth();
    // Three gaps in the column, one under each picture, and a line to spare for rounding.
    const int fixed =
        m_instancesTitle->sizeHint().height() + captions + table + 4 * spacing + fontMetrics().lineSpacing();
    const int hint = m_instancesHint->heightForWidth(column.width()) + spacing;
    const auto sideFor = [&](int reserved) { return std::min(half, column.height() - reserved); };
    const bool showHint = column.height() - fixed - hint >= std::min(half, kRoomyPictureSide);
    m_instancesHint->setVisible(showHint);
    const int side = std::clamp(sideFor(fixed + (showHint ? hint : 0)), kMinPictureSide, kPictureSide);
    m_truthCaption->setFixedWidth(captionWidth);
    m_predCaption->setFixedWidth(captionWidth);
    if (side == m_pictureSide) return;  // a resize that leaves the pictures as they are
    m_pictureSide = side;
    const qreal dpr = devicePixelRatioF();
    const auto show = [&](QLabel *label, const QImage &image) {
        label->setFixedSize(side, side);
        if (image.isNull()) return;
        QPixmap p =
            QPixmap::fromImage(image.scaled(QSize(side, side) * dpr, Qt::KeepAspectRatio, Qt::SmoothTransformation));
        p.setDevicePixelRatio(dpr);
        label->setPixmap(p);
    };
    show(m_truthPicture, m_truthImage);
    show(m_predPicture, m_predImage);
}
