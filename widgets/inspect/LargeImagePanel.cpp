#include "LargeImagePanel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QPainter>
#include <QPushButton>
#include <QStackedWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <cstdint>
#include <exception>
#include <vector>

#include "InspectStyle.h"
#include "interop/MaskFile.h"
#include "PresentationMode.h"

// The image and its prediction side by side, each scaled to fit with its aspect ratio kept,
// the tiles outlined on the prediction.
class LargeImageCanvas : public QWidget {
public:
    explicit LargeImageCanvas(QWidget *parent = nullptr) : QWidget(parent) {
        setMinimumSize(480, 280);
        setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
        setAccessibleName(tr("The image and its predicted mask"));
    }
    void setResult(const LargeImageResult *result) {
        m_result = result;
        update();
    }
    void setShowTiles(bool show) {
        m_showTiles = show;
        update();
    }

protected:
    void paintEvent(QPaintEvent *) override {
        if (!m_result || m_result->image.isNull()) return;
        QPainter p(this);
        p.setRenderHint(QPainter::SmoothPixmapTransform);
        const int gap = 12, line = fontMetrics().height() + 4;
        const QSizeF source(m_result->width, m_result->height);
        const QSizeF room((width() - gap) / 2.0, height() - line);
        const QSizeF fitted = source.scaled(room, Qt::KeepAspectRatio);
        const double scale = fitted.width() / source.width();
        const std::pair<const QImage *, QString> panes[2] = {
            {&m_result->image, tr("Image, %1 × %2 px").arg(m_result->width).arg(m_result->height)},
            {&m_result->overlay, tr("Prediction, %1 tiles").arg(m_result->tiles.size())}};
        for (int i = 0; i < 2; ++i) {
            const QRectF r(i * (room.width() + gap), line, fitted.width(), fitted.height());
            p.setPen(palette().color(QPalette::WindowText));
            p.drawText(QRectF(r.x(), 0, room.width(), line), Qt::AlignLeft | Qt::AlignVCenter, panes[i].second);
            p.drawImage(r, *panes[i].first);
            if (i == 1 && m_showTiles) {
                // Alternate two colours so neighbouring, overlapping tiles stay apart.
                int k = 0;
                for (const QRect &t : m_result->tiles) {
                    const QColor c = ((k / std::max(1, m_result->tilesX) + k) % 2) ? QColor(255, 235, 59, 220)
                                                                                 : QColor(0, 229, 255, 220);
                    p.setPen(QPen(c, 1.5 * PresentationMode::penScale(), Qt::DashLine));
                    p.setBrush(Qt::NoBrush);
                    p.drawRect(QRectF(r.x() + t.x() * scale, r.y() + t.y() * scale, t.width() * scale,
                                      t.height() * scale)
                                   .adjusted(1, 1, -1, -1));
                    ++k;
                }
            }
        }
    }

private:
    const LargeImageResult *m_result = nullptr;
    bool m_showTiles = true;
};

LargeImagePanel::LargeImagePanel(QWidget *parent) : InspectView(parent) {
    setAccessibleName(tr("Large image"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    auto *bar = new QHBoxLayout;
    m_open = new QPushButton(tr("Open image…"));
    m_pathLabel = new QLabel(tr("<i>no image chosen</i>"));
    m_pathLabel->setMinimumWidth(160);
    bar->addWidget(m_open);
    bar->addWidget(m_pathLabel, 1);
    bar->addWidget(new QLabel(tr("Tile")));
    m_tile = new QComboBox;
    m_tile->setAccessibleName(tr("Tile side"));
    m_tile->addItem(tr("training size"), 0);
    for (const int side : {128, 192, 256, 384, 512}) m_tile->addItem(tr("%1 px").arg(side), side);
    m_tile->setToolTip(tr("Side of the square tiles the image is cut into. The size the model was trained at "
                          "is the safe choice: its statistics (and BatchNorm's) match."));
    bar->addWidget(m_tile);
    bar->addWidget(new QLabel(tr("Overlap")));
    m_overlap = new QDoubleSpinBox;
    m_overlap->setAccessibleName(tr("Tile overlap"));
    m_overlap->setRange(0, 0.75);
    m_overlap->setSingleStep(0.05);
    m_overlap->setDecimals(2);
    m_overlap->setValue(0.25);
    m_overlap->setToolTip(tr("Share of a tile that its neighbour sees too. Near a tile's border the network "
                             "saw little context; with overlap, that border is another tile's centre."));
    bar->addWidget(m_overlap);
    bar->addWidget(new QLabel(tr("Blend")));
    m_blend = new QComboBox;
    m_blend->setAccessibleName(tr("Blend of overlapping tiles"));
    m_blend->addItem(tr("Gaussian"), QStringLiteral("gaussian"));
    m_blend->addItem(tr("Uniform"), QStringLiteral("uniform"));
    m_blend->setToolTip(tr("Gaussian trusts each tile's centre more than its edges (no seams); Uniform "
                           "averages overlapping tiles equally."));
    bar->addWidget(m_blend);
    m_showTiles = new QCheckBox(tr("Show tiles"));
    m_showTiles->setChecked(true);
    bar->addWidget(m_showTiles);
    m_predict = new QPushButton(tr("Predict"));
    bar->addWidget(m_predict);
    m_save = new QPushButton(tr("Save mask…"));
    m_save->setEnabled(false);
    bar->addWidget(m_save);
    layout->addLayout(bar);
    setActionButton(m_predict);

    m_canvas = new LargeImageCanvas;
    layout->addWidget(createStack(m_canvas,
                                  tr("Open an image of any size — larger than the model was trained on, say "
                                     "1000 × 1400 — and press Predict.\nThe engine cuts it into overlapping tiles "
                                     "of the training size, predicts each, and blends the overlaps so no seams "
                                     "show."),
                                  tr("Predicting tile by tile…")),
                      1);
    m_summary = inspectstyle::captionLabel(QString());
    layout->addWidget(m_summary);

    connect(m_open, &QPushButton::clicked, this, &LargeImagePanel::chooseImage);
    connect(m_predict, &QPushButton::clicked, this, &LargeImagePanel::request);
    connect(m_save, &QPushButton::clicked, this, &LargeImagePanel::chooseMaskFile);
    connect(m_showTiles, &QCheckBox::toggled, m_canvas, [this](bool on) { m_canvas->setShowTiles(on); });
    updateButtons();
}

void LargeImagePanel::setImagePath(const QString &path) {
    m_path = path;
    m_pathLabel->setText(path.isEmpty() ? tr("<i>no image chosen</i>") : QFileInfo(path).fileName().toHtmlEscaped());
    m_pathLabel->setToolTip(path);
    updateButtons();
}

void LargeImagePanel::setTile(int tile) {
    const int i = m_tile->findData(tile);
    if (i >= 0) {
        m_tile->setCurrentIndex(i);
    } else {
        m_tile->addItem(tr("%1 px").arg(tile), tile);
        m_tile->setCurrentIndex(m_tile->count() - 1);
    }
}

void LargeImagePanel::setOverlap(double overlap) { m_overlap->setValue(overlap); }

void LargeImagePanel::updateButtons() { m_save->setEnabled(m_hasResult); }

LargeImageRequest LargeImagePanel::currentRequest() const {
    LargeImageRequest r;
    r.imagePath = m_path;
    r.tile = m_tile->currentData().toInt();
    r.overlap = m_overlap->value();
    r.blend = m_blend->currentData().toString();
    return r;
}

void LargeImagePanel::chooseImage() {
    const QString path = QFileDialog::getOpenFileName(
        this, tr("Open an image to segment"), m_path.isEmpty() ? QString() : QFileInfo(m_path).absolutePath(),
        tr("Images (*.png *.jpg *.jpeg *.tif *.tiff *.bmp *.ppm *.pgm);;All files (*)"));
    if (path.isEmpty()) return;
    setImagePath(path);
    if (modelAvailable()) request();
}

void LargeImagePanel::request() {
    if (!modelAvailable() || isPending()) return;
    if (m_path.isEmpty()) {  // Predict before an image was chosen: ask for one
        chooseImage();
        return;
    }
    Q_EMIT requested(currentRequest());
}

void LargeImagePanel::showResult(const LargeImageResult &result) {
    m_result = result;
    m_hasResult = true;
    m_canvas->setResult(&m_result);
    refreshState();
    m_summary->setText(summaryText());
    updateButtons();
}

QString LargeImagePanel::summaryText() const {
    if (!m_hasResult) return QString();
    const LargeImageResult &r = m_result;
    QStringList shares;
    for (int c = 0; c < r.classNames.size() && c < r.classFractions.size(); ++c)
        shares << tr("%1 %2 %").arg(r.classNames[c]).arg(100 * r.classFractions[c], 0, 'f', 1);
    return tr("%1: %2 × %3 px in %4 tiles of %5 × %6 (%7 × %8), overlap %9, %10 blend; %11, %12 s. "
              "Predicted: %13.")
        .arg(QFileInfo(r.imagePath).fileName())
        .arg(r.width)
        .arg(r.height)
        .arg(r.tiles.size())
        .arg(r.tileWidth)
        .arg(r.tileHeight)
        .arg(r.tilesX)
        .arg(r.tilesY)
        .arg(r.overlap, 0, 'f', 2)
        .arg(r.blend, r.device)
        .arg(r.seconds, 0, 'f', 2)
        .arg(shares.join(QStringLiteral(", ")));
}

void LargeImagePanel::chooseMaskFile() {
    if (!m_hasResult) return;
    const QString indexFilter = tr("Class indices, 8-bit grey (*.png)");
    const QString binaryFilter = tr("Foreground 0/255 (*.png)");
    const QString colourFilter = tr("Class colours, RGB (*.png)");
    QString filter = indexFilter;
    const QString suggested = QFileInfo(m_result.imagePath).completeBaseName() + QStringLiteral("-mask.png");
    QString path = QFileDialog::getSaveFileName(this, tr("Save the predicted mask"), suggested,
                                                indexFilter + QStringLiteral(";;") + binaryFilter +
                                                    QStringLiteral(";;") + colourFilter,
                                                &filter);
    if (path.isEmpty()) return;
    if (QFileInfo(path).suffix().isEmpty()) path += QStringLiteral(".png");
    const QString format = filter == binaryFilter   ? QStringLiteral("binary")
                           : filter == colourFilter ? QStringLiteral("colour")
                                                    : QStringLiteral("index");
    const QString error = saveMask(path, format);
    m_summary->setText(error.isEmpty() ? summaryText() + QLatin1Char(' ') + tr("Mask saved to %1.").arg(path)
                                       : tr("Could not save the mask: %1").arg(error));
}

QString LargeImagePanel::saveMask(const QString &path, const QString &format) const {
    if (!m_hasResult) return tr("nothing predicted yet");
    try {
        const std::vector<std::uint8_t> mask(m_result.mask.begin(), m_result.mask.end());
        unetlab::writeMaskPng(path.toStdString(), mask, m_result.width, m_result.height,
                              unetlab::maskFormatFromString(format.toStdString()));
        return QString();
    } catch (const std::exception &e) {
        return QString::fromStdString(e.what());
    }
}
