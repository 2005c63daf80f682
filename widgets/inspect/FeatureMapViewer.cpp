#include "FeatureMapViewer.h"

#include <QCheckBox>
#include <QComboBox>
#include <QEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontMetrics>
#include <QHBoxLayout>
#include <QImageReader>
#include <QLabel>
#include <QPushButton>
#include <QRadioButton>
#include <QScrollArea>
#include <QScrollBar>
#include <QSpinBox>
#include <QStackedWidget>
#include <QVBoxLayout>

#include <algorithm>

#include "InspectImages.h"
#include "TrainingTypes.h"
#include "InspectStyle.h"
#include "MapDetail.h"
#include "TileGrid.h"

namespace {

constexpr int kMinTile = 56;   // below this a map stops being readable from the back of a room
constexpr int kMaxTile = 240;  // larger adds nothing: the detail panel enlarges
constexpr int kDetailWidth = 380;
constexpr int kStageGap = 14;

// Short name of a ranking's score, for tile captions.
QString scoreName(unetlab::ChannelRanking r) {
    switch (r) {
        case unetlab::ChannelRanking::Variance:
            return QObject::tr("var");
        case unetlab::ChannelRanking::Magnitude:
            return QObject::tr("|a|");
        case unetlab::ChannelRanking::Correlation:
            return QObject::tr("r");
    }
    return {};
}

const unetlab::ChannelRanking kRankings[] = {unetlab::ChannelRanking::Variance, unetlab::ChannelRanking::Magnitude,
                                             unetlab::ChannelRanking::Correlation};

}  // namespace

FeatureMapViewer::FeatureMapViewer(QWidget *parent) : InspectView(parent) {
    setAccessibleName(tr("Feature maps"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->addWidget(buildControls());

    auto *content = new QWidget;
    auto *row = new QHBoxLayout(content);
    row->setContentsMargins(0, 0, 0, 0);
    row->setSpacing(kStageGap);

    // Left: what went in and what came out.
    auto *left = new QVBoxLayout;
    left->addWidget(inspectstyle::titleLabel(tr("Image")));
    m_pictures = new TileGrid;
    m_pictures->setAccessibleName(tr("Image, truth and prediction"));
    m_pictures->setColumns(1);
    m_pictures->setSmooth(true);
    // Sized from the room the stages get (layoutTiles), never the other way round.
    m_pictures->setSizePolicy(QSizePolicy::Fixed, QSizePolicy::Ignored);
    left->addWidget(m_pictures, 1);
    m_imageInfo = new QLabel;
    m_imageInfo->setWordWrap(true);
    left->addWidget(m_imageInfo);
    row->addLayout(left);

    // Middle: one column per stage, in forward order, so the U of the network reads left to right.
    m_scroll = new QScrollArea;
    m_scroll->setAccessibleName(tr("Stages"));
    m_scroll->setWidgetResizable(true);
    m_scroll->setFrameShape(QFrame::NoFrame);
    m_stagesHost = new QWidget;
    m_stagesLayout = new QHBoxLayout(m_stagesHost);
    m_stagesLayout->setContentsMargins(0, 0, 0, 0);
    m_stagesLayout->setSpacing(kStageGap);
    m_stagesLayout->addStretch(1);
    m_scroll->setWidget(m_stagesHost);
    m_scroll->viewport()->installEventFilter(this);  // tiles follow the room the stages get
    row->addWidget(m_scroll, 1);

    // Right: the chosen map, large.
    m_detail = new MapDetail;
    m_detail->setFixedWidth(kDetailWidth);
    row->addWidget(m_detail);
    layout->addWidget(createStack(content,
                                  tr("Pick an image and press Show.\nYou will see the input, its truth and the "
                                     "prediction, then what every stage of the network sees: from enc1 down to the "
                                     "bottleneck and back up to dec1."),
                                  tr("Running the image through the network…")),
                      1);

    m_status = inspectstyle::captionLabel(QString());
    layout->addWidget(m_status);
}

QWidget *FeatureMapViewer::buildControls() {
    // Two rows, the image and then the channels: one row would force the window wider than a
    // 1280-pixel screen.
    auto *bar = new QWidget;
    auto *rows = new QVBoxLayout(bar);
    rows->setContentsMargins(0, 0, 0, 0);
    auto *row = new QHBoxLayout;
    auto *channelRow = new QHBoxLayout;
    rows->addLayout(row);
    rows->addLayout(channelRow);
    m_fromData = new QRadioButton(tr("Dataset image"));
    m_fromData->setChecked(true);
    m_index = new QSpinBox;
    m_index->setRange(0, 0);
    m_index->setAccessibleName(tr("dataset image index"));
    m_fromFile = new QRadioButton(tr("Image file"));
    m_fromFile->setEnabled(false);
    m_openImage = new QPushButton(tr("Open image…"));
    m_fileName = new QLabel;
    // A long file name is cut at the row's end (whole in the tooltip), never widening the window.
    m_fileName->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    m_fileName->setMinimumWidth(80);
    m_topK = new QSpinBox;
    m_topK->setAccessibleName(tr("Channels per stage"));
    m_topK->setRange(1, 16);
    m_topK->setValue(4);
    m_topK->setToolTip(tr("How many channels of each stage to show"));
    m_ranking = new QComboBox;
    m_ranking->setAccessibleName(tr("Channels ranked by"));
    for (auto r : kRankings) m_ranking->addItem(QString::fromStdString(unetlab::describe(r)));
    m_class = new QComboBox;
    m_class->setAccessibleName(tr("Class to correlate with"));
    m_class->setEnabled(false);
    m_follow = new QCheckBox(tr("Follow training"));
    m_follow->setToolTip(tr("Refresh at the end of every epoch while the model in training is shown"));
    m_show = new QPushButton(tr("Show"));
    m_show->setDefault(true);
    setActionButton(m_show);
    inspectstyle::scaleFont(m_show, 1.0, true);

    row->addWidget(m_fromData);
    row->addWidget(m_index);
    row->addSpacing(8);
    row->addWidget(m_fromFile);
    row->addWidget(m_openImage);
    row->addWidget(m_fileName, 1);
    row->addWidget(m_follow);
    row->addWidget(m_show);
    channelRow->addWidget(new QLabel(tr("Channels per stage")));
    channelRow->addWidget(m_topK);
    channelRow->addWidget(new QLabel(tr("ranked by")));
    channelRow->addWidget(m_ranking);
    channelRow->addWidget(m_class);
    channelRow->addStretch(1);

    connect(m_show, &QPushButton::clicked, this, &FeatureMapViewer::request);
    connect(m_index, qOverload<int>(&QSpinBox::valueChanged), this, [this] { m_fromData->setChecked(true); });
    connect(m_ranking, qOverload<int>(&QComboBox::currentIndexChanged), this, [this](int i) {
        m_class->setEnabled(kRankings[std::clamp(i, 0, 2)] == unetlab::ChannelRanking::Correlation);
    });
    connect(m_openImage, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Open an image"), QString(),
                                                          tr("Images (*.png *.jpg *.jpeg *.tif *.tiff *.bmp)"));
        if (!path.isEmpty() && setImageFile(path)) request();
    });
    return bar;
}

void FeatureMapViewer::setDataset(int imageCount, const QStringList &classNames) {
    m_index->setRange(0, std::max(0, imageCount - 1));
    m_classes = classNames;
    inspectstyle::fillClassChoice(m_class, classNames, tr("with %1"));
}

FeatureMapRequest FeatureMapViewer::currentRequest() const {
    FeatureMapRequest r;
    const bool file = m_fromFile->isChecked() && !m_imagePath.isEmpty();
    r.datasetIndex = file ? -1 : m_index->value();
    if (file) {
        r.imagePath = m_imagePath;
        r.image = m_fileImage;
    }
    r.topK = m_topK->value();
    r.ranking = kRankings[std::clamp(m_ranking->currentIndex(), 0, 2)];
    r.classIndex = std::max(0, m_class->currentIndex());
    return r;
}

void FeatureMapViewer::setDatasetIndex(int index) {
    m_index->setValue(index);
    m_fromData->setChecked(true);
}

bool FeatureMapViewer::setImageFile(const QString &path) {
    QImageReader reader(path);
    const QImage image = reader.read();
    if (image.isNull()) {
        m_status->setText(tr("Cannot read %1: %2").arg(QFileInfo(path).fileName(), reader.errorString()));
        return false;
    }
    m_imagePath = path;
    m_fileImage = image;
    m_fileName->setText(QFileInfo(path).fileName());
    m_fileName->setToolTip(path);
    m_fromFile->setEnabled(true);
    m_fromFile->setChecked(true);
    return true;
}

void FeatureMapViewer::setTopK(int k) { m_topK->setValue(k); }

void FeatureMapViewer::setRanking(unetlab::ChannelRanking ranking) {
    for (int i = 0; i < 3; ++i)
        if (kRankings[i] == ranking) m_ranking->setCurrentIndex(i);
}

bool FeatureMapViewer::followTraining() const { return m_follow->isChecked(); }
void FeatureMapViewer::setFollowTraining(bool on) { m_follow->setChecked(on); }

void FeatureMapViewer::request() {
    if (!modelAvailable()) return;
    Q_EMIT requested(currentRequest());
}

QString FeatureMapViewer::statusText() const { return m_status->text(); }
QString FeatureMapViewer::imageInfoText() const { return m_imageInfo->text(); }
QString FeatureMapViewer::imageInfoToolTip() const { return m_imageInfo->toolTip(); }

void FeatureMapViewer::showResult(const unetlab::ImageInspection &result, const QString &stamp) {
    m_result = result;
    const unetlab::Sample &s = result.sample;
    m_input = inspect::sampleImage(s);
    QVector<TileGrid::Tile> pictures;
    pictures.push_back({m_input, tr("input"), {}});
    if (result.hasTruth)
        pictures.push_back({inspect::classOverlayImage(s, s.mask), tr("truth"), {}});
    else
        pictures.push_back({QImage(), tr("no truth for an image file"), {}});
    pictures.push_back({inspect::classOverlayImage(s, result.prediction), tr("prediction"), {}});
    m_pictures->setTiles(pictures);

    m_imageId = QString::fromStdString(s.id);
    QString info = tr(", %1 × %2").arg(s.width).arg(s.height);
    if (result.hasTruth) {
        info += tr("<br>mean Dice %1").arg(inspectstyle::fixed(result.scores.diceMean, 3));
        for (std::size_t c = 1; c < result.scores.dice.size() && static_cast<int>(c) < m_classes.size(); ++c)
            info += tr("<br>%1 %2").arg(m_classes[static_cast<int>(c)], inspectstyle::fixed(result.scores.dice[c], 3));
    }
    if (m_classes.size() > 1) info += QStringLiteral("<br>") + classLegendHtml(m_classes);  // this data's classes
    if (!result.note.empty()) info += tr("<br><i>%1</i>").arg(QString::fromStdString(result.note));
    m_imageFacts = info;
    updateImageInfo();

    rebuildStages();
    QString status = tr("%1 — %2 — top %3 channels per stage by %4")
                         .arg(QString::fromStdString(s.id), QString::fromStdString(result.model))
                         .arg(result.options.topK)
                         .arg(QString::fromStdString(unetlab::describe(result.options.ranking)));
    if (result.options.ranking == unetlab::ChannelRanking::Correlation && result.options.classIndex < m_classes.size())
        status += tr(" (%1, against the %2)")
                      .arg(m_classes[result.options.classIndex], QString::fromStdString(result.correlationMask));
    status += tr(" · %1 ms").arg(result.seconds * 1000, 0, 'f', 0);
    if (!stamp.isEmpty()) status += QStringLiteral(" · ") + stamp;
    m_status->setText(status + tr(". Each map is coloured on its own range: dark blue low, yellow high."));
    setPending(false);
}

void FeatureMapViewer::rebuildStages() {
    const int n = static_cast<int>(m_result.stages.size());
    while (m_stageColumns.size() > n) {
        delete m_stageColumns.takeLast();
        m_stageGrids.removeLast();
        m_stageTitles.removeLast();
    }
    while (m_stageColumns.size() < n) {
        const int index = m_stageColumns.size();
        auto *column = new QWidget;
        auto *v = new QVBoxLayout(column);
        v->setContentsMargins(0, 0, 0, 0);
        auto *title = new QLabel;
        title->setTextFormat(Qt::RichText);
        auto *grid = new TileGrid;
        grid->setColumns(1);
        grid->setSelectable(true);
        grid->setCaptionLines(2);
        connect(grid, &TileGrid::tileClicked, this, [this, index](int tile) { onTileClicked(index, tile); });
        v->addWidget(title);
        v->addWidget(grid);
        v->addStretch(1);
        m_stagesLayout->insertWidget(index, column);
        m_stageColumns.push_back(column);
        m_stageGrids.push_back(grid);
        m_stageTitles.push_back(title);
    }
    int selectStage = -1, selectTile = -1;
    for (int i = 0; i < n; ++i) {
        const unetlab::StageMaps &stage = m_result.stages[static_cast<std::size_t>(i)];
        const QString name = QString::fromStdString(stage.name);
        // "256²" for square maps; the superscript counts as a digit to QString::arg, so appended.
        const QString size = stage.height == stage.width ? QString::number(stage.height) + QChar(0x00B2)
                                                         : tr("%1 × %2").arg(stage.height).arg(stage.width);
        m_stageTitles[i]->setText(tr("<span style='font-size:large'><b>%1</b></span>%2<br>%3 × %4<br>sees %5 px")
                                      .arg(name, stage.logits ? tr(" logits") : QString())
                                      .arg(stage.channels)
                                      .arg(size)
                                      .arg(stage.receptiveField));
        m_stageTitles[i]->setToolTip(tr("%1 channels of %2 × %3; each output pixel of this stage depends on a "
                                        "%4 × %4 pixel window of the input")
                                         .arg(stage.channels)
                                         .arg(stage.height)
                                         .arg(stage.width)
                                         .arg(stage.receptiveField));
        QVector<TileGrid::Tile> tiles;
        for (std::size_t t = 0; t < stage.top.size(); ++t) {
            const unetlab::ActivationMap &m = stage.top[t];
            QString label = tr("ch %1").arg(m.channel);
            if (stage.logits && m.channel < m_classes.size()) label = m_classes[m.channel];
            tiles.push_back(
                {inspect::mapImage(m),
                 tr("%1\n%2 %3").arg(label, scoreName(m_result.options.ranking), inspectstyle::number(m.score)),
                 tr("%1, channel %2: %3 %4, values %5 … %6")
                     .arg(name)
                     .arg(m.channel)
                     .arg(scoreName(m_result.options.ranking), inspectstyle::number(m.score),
                          inspectstyle::number(m.min), inspectstyle::number(m.max))});
            if (name == m_selectedStage && m.channel == m_selectedChannel) {
                selectStage = i;
                selectTile = static_cast<int>(t);
            }
        }
        m_stageGrids[i]->setAccessibleName(tr("%1 feature maps").arg(name));
        m_stageGrids[i]->setTiles(tiles);
        m_stageGrids[i]->setSelected(-1);
    }
    layoutTiles();
    // Follow training keeps the enlarged channel; a new image or ranking starts with the
    // most telling map of the first stage.
    if (selectStage < 0 && n > 0 && !m_result.stages.front().top.empty()) {
        selectStage = 0;
        selectTile = 0;
    }
    if (selectStage >= 0) selectMap(selectStage, selectTile);
}

void FeatureMapViewer::layoutTiles() {
    const int n = m_stageGrids.size();
    if (n == 0) return;
    const int k = std::max<int>(1, m_result.options.topK);
    int titleWidth = 0, titleHeight = 0;
    for (QLabel *t : m_stageTitles) {
        titleWidth = std::max(titleWidth, t->sizeHint().width());
        titleHeight = std::max(titleHeight, t->sizeHint().height());
    }
    const int caption = 2 * fontMetrics().height() + 8;
    const QSize room = m_scroll->viewport()->size();
    const int byHeight = (room.height() - titleHeight - 12) / k - caption;
    const int byWidth = (room.width() - (n - 1) * kStageGap) / n - 8;
    const int side = std::clamp(std::min(byHeight, byWidth), kMinTile, kMaxTile);
    for (TileGrid *g : m_stageGrids) g->setTileSize(side);
    for (QWidget *c : m_stageColumns) c->setFixedWidth(std::max(side, titleWidth) + 8);
    // Input, truth and prediction share the height with the image's facts below them.
    const int pictureCaption = fontMetrics().height() + 8;
    const int pictureSide =
        std::clamp((room.height() - m_imageInfo->sizeHint().height() - 24) / 3 - pictureCaption, 96, 220);
    m_pictures->setTileSize(pictureSide);
    m_pictures->setFixedWidth(m_pictures->sizeHint().width());
    m_imageInfo->setFixedWidth(pictureSide + 8);
    updateImageInfo();
}

void FeatureMapViewer::updateImageInfo() {
    // The column is as narrow as the pictures: a long name (DSB2018's are 64-digit hashes) is
    // shortened to its width, whole in the tooltip and in the status line below.
    QFont bold = m_imageInfo->font();
    bold.setBold(true);
    const int room = m_imageInfo->maximumWidth() - 2 * m_imageInfo->margin() - 2;
    const QString name = QFontMetrics(bold).elidedText(m_imageId, Qt::ElideRight, room);
    m_imageInfo->setText(QStringLiteral("<b>%1</b>").arg(name.toHtmlEscaped()) + m_imageFacts);
    m_imageInfo->setToolTip(m_imageId);
}

void FeatureMapViewer::selectMap(int stage, int tile) {
    if (stage < 0 || stage >= m_stageGrids.size()) return;
    const unetlab::StageMaps &s = m_result.stages[static_cast<std::size_t>(stage)];
    if (tile < 0 || tile >= static_cast<int>(s.top.size())) return;
    for (int i = 0; i < m_stageGrids.size(); ++i) m_stageGrids[i]->setSelected(i == stage ? tile : -1);
    onTileClicked(stage, tile);
}

void FeatureMapViewer::onTileClicked(int stage, int tile) {
    for (int i = 0; i < m_stageGrids.size(); ++i)
        if (i != stage) m_stageGrids[i]->setSelected(-1);
    const unetlab::StageMaps &s = m_result.stages[static_cast<std::size_t>(stage)];
    const unetlab::ActivationMap &m = s.top[static_cast<std::size_t>(tile)];
    m_selectedStage = QString::fromStdString(s.name);
    m_selectedChannel = m.channel;
    QString channel = tr("channel %1").arg(m.channel);
    if (s.logits && m.channel < m_classes.size()) channel = tr("%1 logit").arg(m_classes[m.channel]);
    m_detail->setMap(
        tr("%1 · %2").arg(m_selectedStage, channel), m,
        tr("Rank %1 of %2 by %3 (%4). %5 × %6 cells, each seeing %7 × %7 input pixels.")
            .arg(tile + 1)
            .arg(s.channels)
            .arg(QString::fromStdString(unetlab::describe(m_result.options.ranking)), inspectstyle::number(m.score))
            .arg(s.width)
            .arg(s.height)
            .arg(s.receptiveField),
        m_input);
}

void FeatureMapViewer::resizeEvent(QResizeEvent *event) {
    QWidget::resizeEvent(event);
    layoutTiles();
}

bool FeatureMapViewer::eventFilter(QObject *watched, QEvent *event) {
    if (watched == m_scroll->viewport() && event->type() == QEvent::Resize) layoutTiles();
    return QWidget::eventFilter(watched, event);
}
