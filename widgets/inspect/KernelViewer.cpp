#include "KernelViewer.h"

#include <QCheckBox>
#include <QComboBox>
#include <QGuiApplication>
#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QPainter>
#include <QPixmap>
#include <QPushButton>
#include <QScrollArea>
#include <QScrollBar>
#include <QStackedWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

#include "InspectImages.h"
#include "InspectStyle.h"
#include "TileGrid.h"
#include "inspect/Sheets.h"

namespace {

constexpr int kMinTile = 36;  // a 3x3 kernel at 12 px per weight
constexpr int kMaxTile = 120;
constexpr int kMaxColumns = 16;   // kernels per line; the RGB row and each input row wrap alike
constexpr int kRowLabel = 28;
constexpr int kMinMosaicCell = 9;   // a later layer drawn whole: one cell per (output, input) kernel
constexpr int kMaxMosaicCell = 30;     // "R", "G", "B" before each row
constexpr int kHandTile = 132;    // large enough to print each weight inside its cell
constexpr int kMosaicLimit = 64;  // channels of a later layer drawn (each way)

// A hand-designed kernel on its own diverging scale, each weight printed in its cell (a
// kernel with fractional weights is printed as integers over their common denominator).
// Rendered at the screen's device pixel ratio, so the digits stay sharp at 150 % and 200 %.
QImage handKernelImage(const unetlab::NamedKernel &k, int *denominator) {
    const qreal dpr = qApp->devicePixelRatio();
    const int side = static_cast<int>(std::lround(kHandTile * dpr));
    float limit = 0, smallest = 1e9f;
    for (float w : k.weights) {
        limit = std::max(limit, std::abs(w));
        if (w != 0) smallest = std::min(smallest, std::abs(w));
    }
    *denominator = smallest < 1 ? static_cast<int>(std::lround(1 / smallest)) : 1;
    QImage image = inspect::kernelWeightsImage(k.weights.data(), 3, 3, limit)
                       .scaled(side, side, Qt::IgnoreAspectRatio, Qt::FastTransformation);
    image.setDevicePixelRatio(dpr);
    QPainter p(&image);
    QFont f = p.font();
    f.setPixelSize(kHandTile / 6);
    f.setBold(true);
    p.setFont(f);
    const int cell = kHandTile / 3;
    for (int i = 0; i < 9; ++i) {
        const float w = k.weights[static_cast<std::size_t>(i)];
        p.setPen(std::abs(w) > 0.6f * limit ? Qt::white : Qt::black);
        p.drawText(QRect((i % 3) * cell, (i / 3) * cell, cell, cell), Qt::AlignCenter,
                   inspectstyle::fixed(w * *denominator, 0));
    }
    return image;
}

QString channelName(int c, int channels) {
    if (channels == 3) return QStringList{QStringLiteral("R"), QStringLiteral("G"), QStringLiteral("B")}[c];
    return QString::number(c);
}

}  // namespace

KernelViewer::KernelViewer(QWidget *parent) : InspectView(parent) {
    setAccessibleName(tr("Kernels"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    auto *bar = new QHBoxLayout;
    bar->addWidget(new QLabel(tr("Layer")));
    m_layer = new QComboBox;
    m_layer->setAccessibleName(tr("Layer"));
    m_layer->addItem(tr("first convolution"), QString());
    m_layer->setMinimumContentsLength(18);
    bar->addWidget(m_layer);
    bar->addStretch(1);
    m_follow = new QCheckBox(tr("Follow training"));
    m_follow->setToolTip(tr("Refresh at the end of every epoch: watch edge and colour detectors form"));
    bar->addWidget(m_follow);
    m_show = new QPushButton(tr("Show"));
    bar->addWidget(m_show);
    layout->addLayout(bar);
    connect(m_show, &QPushButton::clicked, this, &KernelViewer::request);
    setActionButton(m_show);
    connect(m_layer, qOverload<int>(&QComboBox::activated), this, &KernelViewer::request);

    auto *content = new QWidget;
    auto *row = new QHBoxLayout(content);
    row->setContentsMargins(0, 0, 0, 0);
    m_scroll = new QScrollArea;
    m_scroll->setAccessibleName(tr("Learned kernels"));
    auto *scroll = m_scroll;
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->viewport()->installEventFilter(this);
    auto *learned = new QWidget;
    auto *left = new QVBoxLayout(learned);
    m_rgbTitle = inspectstyle::titleLabel(QString());
    m_rgbTitle->setWordWrap(true);
    left->addWidget(m_rgbTitle);
    auto *rgbRow = new QHBoxLayout;
    m_rgbIndent = new QLabel(tr("RGB"));
    m_rgbIndent->setFixedWidth(kRowLabel);
    rgbRow->addWidget(m_rgbIndent, 0, Qt::AlignTop);
    m_rgb = new TileGrid;
    m_rgb->setAccessibleName(tr("Learned kernels as colours"));
    m_rgb->setCaptionLines(1);
    rgbRow->addWidget(m_rgb, 1);
    left->addLayout(rgbRow);
    m_weightsTitle = inspectstyle::captionLabel(QString());
    left->addSpacing(10);
    left->addWidget(m_weightsTitle);
    m_weightsLayout = new QVBoxLayout;
    left->addLayout(m_weightsLayout);
    left->addStretch(1);
    scroll->setWidget(learned);
    row->addWidget(scroll, 1);

    auto *right = new QVBoxLayout;
    right->addWidget(inspectstyle::titleLabel(tr("Hand-designed kernels")));
    m_hand = new TileGrid;
    m_hand->setAccessibleName(tr("Hand-designed kernels"));
    m_hand->setColumns(2);
    m_hand->setTileSize(kHandTile);
    m_hand->setCaptionLines(2);
    QVector<TileGrid::Tile> hand;
    for (const unetlab::NamedKernel &k : unetlab::handDesignedKernels()) {
        int denominator = 1;
        const QImage image = handKernelImage(k, &denominator);
        const QString name = QString::fromStdString(k.name);
        hand.push_back({image, denominator > 1 ? tr("%1 (÷ %2)").arg(name).arg(denominator) : name,
                        QString::fromStdString(k.description)});
    }
    m_hand->setTiles(hand);
    right->addWidget(m_hand);
    right->addWidget(inspectstyle::captionLabel(
        tr("Sobel x and y answer to edges, the Gaussian blurs, the Laplacian marks spots. A learned kernel whose "
           "weights change across the tile is an edge or texture detector like these; a tile of one flat colour "
           "is a colour selector: it answers to that colour wherever it is.")));
    m_scale = new QLabel;
    m_scale->setWordWrap(true);
    right->addWidget(m_scale);
    right->addStretch(1);
    auto *rightHost = new QWidget;
    rightHost->setLayout(right);
    rightHost->setFixedWidth(2 * kHandTile + 60);
    // In a short window (lecture-size fonts at 1366x768) the column scrolls instead of its
    // text being drawn over the kernels.
    auto *rightScroll = new QScrollArea;
    rightScroll->setAccessibleName(tr("Hand-designed kernels"));
    rightScroll->setWidgetResizable(true);
    rightScroll->setFrameShape(QFrame::NoFrame);
    rightScroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    rightScroll->setWidget(rightHost);
    rightScroll->setFixedWidth(rightHost->width() + rightScroll->verticalScrollBar()->sizeHint().width());
    row->addWidget(rightScroll);
    layout->addWidget(
        createStack(content,
                    tr("Press Show to see the kernels the network has learned.\nThe first layer's kernels "
                       "are drawn in colour: tick Follow training and watch edge and colour detectors "
                       "form, epoch after epoch."),
                    tr("Reading the kernels…")),
        1);
    m_status = inspectstyle::captionLabel(QString());
    layout->addWidget(m_status);
}

KernelRequest KernelViewer::currentRequest() const {
    KernelRequest r;
    r.layer = m_layer->currentData().toString();
    return r;
}

bool KernelViewer::followTraining() const { return m_follow->isChecked(); }
void KernelViewer::setFollowTraining(bool on) { m_follow->setChecked(on); }

void KernelViewer::request() {
    if (!modelAvailable()) return;
    Q_EMIT requested(currentRequest());
}

void KernelViewer::layoutTiles() {
    if (!m_kernels.firstLayer || m_weightGrids.isEmpty()) return;
    // One tile size and column count for the RGB row and every input row, so a kernel's
    // colour tile and its R, G and B weights line up in one column.
    const int columns = std::min(m_kernels.outChannels, kMaxColumns);
    const int width = m_scroll->viewport()->width() - kRowLabel - 40;
    const int side = std::clamp((width - (columns - 1) * 8) / std::max(1, columns) - 8, kMinTile, kMaxTile);
    m_rgb->setColumns(columns);
    m_rgb->setTileSize(side);
    m_rgbIndent->setFixedWidth(kRowLabel);
    for (TileGrid *g : m_channelGrids) {
        g->setColumns(columns);
        g->setTileSize(side);
    }
}

bool KernelViewer::eventFilter(QObject *watched, QEvent *event) {
    if (watched == m_scroll->viewport() && event->type() == QEvent::Resize) layoutTiles();
    return QWidget::eventFilter(watched, event);
}

QStringList KernelViewer::layerChoices() const {
    QStringList names;
    for (int i = 0; i < m_layer->count(); ++i) names << m_layer->itemData(i).toString();
    return names;
}

void KernelViewer::setLayer(const QString &layer) {
    const int i = m_layer->findData(layer);
    if (i >= 0) m_layer->setCurrentIndex(i);
}

void KernelViewer::showKernels(const unetlab::KernelSet &k, const QString &stamp) {
    m_kernels = k;
    // The layer list comes with every answer, so the picker matches the model shown.
    const QString current = QString::fromStdString(k.layer);
    m_layer->blockSignals(true);
    m_layer->clear();
    for (std::size_t i = 0; i < k.layers.size(); ++i) {
        const QString name = QString::fromStdString(k.layers[i]);
        m_layer->addItem(i == 0 ? tr("%1 (first)").arg(name) : name, i == 0 ? QString() : name);
    }
    m_layer->setCurrentIndex(std::max(0, m_layer->findData(k.firstLayer ? QString() : current)));
    m_layer->blockSignals(false);

    float limit = 0;
    for (float w : k.weights) limit = std::max(limit, std::abs(w));
    limit = std::max(limit, 1e-12f);
    const QString size = QStringLiteral("%1×%2").arg(k.kernelHeight).arg(k.kernelWidth);
    for (QWidget *w : m_weightGrids) delete w;
    m_weightGrids.clear();
    m_channelGrids.clear();
    if (k.firstLayer) {
        m_rgbTitle->setText(tr("%1: %2 kernels %3 as %4 tiles, each rescaled to [0, 1]")
                                .arg(current)
                                .arg(k.outChannels)
                                .arg(size, k.inChannels == 3 ? tr("RGB") : tr("grey")));
        QVector<TileGrid::Tile> tiles;
        for (int o = 0; o < k.outChannels; ++o)
            tiles.push_back({inspect::kernelRgbImage(k, o), tr("#%1").arg(o),
                             tr("kernel %1: red, green and blue weights as one colour per position").arg(o)});
        m_rgb->setTiles(tiles);
        m_rgb->show();
        m_rgbIndent->show();
        m_weightsTitle->setText(tr("The same weights per input channel, on one scale for the layer (blue below "
                                   "0, white 0, red above; |w| up to %1):")
                                    .arg(inspectstyle::number(limit)));
        for (int i = 0; i < k.inChannels; ++i) {
            auto *line = new QWidget;
            auto *h = new QHBoxLayout(line);
            h->setContentsMargins(0, 0, 0, 0);
            auto *name = new QLabel(channelName(i, k.inChannels));
            inspectstyle::scaleFont(name, 1.4, true);
            name->setFixedWidth(kRowLabel);
            h->addWidget(name, 0, Qt::AlignTop);
            auto *grid = new TileGrid;
            grid->setAccessibleName(tr("Kernels on input %1").arg(channelName(i, k.inChannels)));
            grid->setCaptionLines(0);
            QVector<TileGrid::Tile> weights;
            for (int o = 0; o < k.outChannels; ++o)
                weights.push_back({inspect::kernelWeightsImage(k.kernel(o, i), k.kernelHeight, k.kernelWidth, limit),
                                   QString(), tr("kernel %1, input %2").arg(o).arg(channelName(i, k.inChannels))});
            grid->setTiles(weights);
            h->addWidget(grid, 1);
            m_channelGrids.push_back(grid);
            m_weightsLayout->addWidget(line);
            m_weightGrids.push_back(line);
        }
    } else {
        const int outs = std::min(k.outChannels, kMosaicLimit), ins = std::min(k.inChannels, kMosaicLimit);
        m_rgbTitle->setText(tr("%1: %2 × %3 kernels %4%5")
                                .arg(current)
                                .arg(k.outChannels)
                                .arg(k.inChannels)
                                .arg(size, k.transposed ? tr(" (transposed convolution)") : QString()));
        m_rgb->setTiles({});
        m_rgb->hide();
        m_rgbIndent->hide();
        m_weightsTitle->setText(tr("Rows: output channels (%1 of %2); columns: input channels (%3 of %4). One "
                                   "scale for the layer: blue below 0, white 0, red above; |w| up to %5.")
                                    .arg(outs)
                                    .arg(k.outChannels)
                                    .arg(ins)
                                    .arg(k.inChannels)
                                    .arg(inspectstyle::number(limit)));
        // As large as the width allows, so each kernel's 3 x 3 weights stay visible; rows scroll.
        const int cell = std::clamp((m_scroll->viewport()->width() - 40) / std::max(1, ins) - 2, kMinMosaicCell,
                                    kMaxMosaicCell);
        auto *mosaic = new QLabel;
        mosaic->setAccessibleName(tr("%1: all kernels").arg(current));
        mosaic->setAccessibleDescription(m_weightsTitle->text());
        mosaic->setPixmap(QPixmap::fromImage(inspect::toQImage(unetlab::kernelMosaic(k, outs, ins, limit, cell))));
        mosaic->setAlignment(Qt::AlignLeft | Qt::AlignTop);
        m_weightsLayout->addWidget(mosaic);
        m_weightGrids.push_back(mosaic);
    }
    m_scale->setText(
        tr("Weight colours: <b><span style='color:#2166ac'>blue</span></b> negative, white zero, "
           "<b><span style='color:#b2182b'>red</span></b> positive."));
    layoutTiles();
    m_status->setText(tr("%1: %2 × %3 × %4, %5 weights")
                          .arg(current)
                          .arg(k.outChannels)
                          .arg(k.inChannels)
                          .arg(size)
                          .arg(k.weights.size()) +
                      (stamp.isEmpty() ? QString() : QStringLiteral(" · ") + stamp));
    setPending(false);
}
