#include "SampleGallery.h"

#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPainter>
#include <QResizeEvent>
#include <QScrollArea>
#include <QScrollBar>
#include <QSlider>
#include <QVBoxLayout>

#include <algorithm>

namespace {

// Shown size of one image, in device-independent pixels: the tiles grow to fill the width.
constexpr int kMinSide = 180;
constexpr int kMaxSide = 320;
constexpr int kImageGap = 6;

QLabel *imageLabel(const QImage &image, const QString &accessibleName, int side, qreal dpr) {
    auto *label = new QLabel;
    QPixmap pixmap = QPixmap::fromImage(
        image.scaled(QSize(side, side) * dpr, Qt::KeepAspectRatio, Qt::SmoothTransformation));
    pixmap.setDevicePixelRatio(dpr);
    label->setPixmap(pixmap);
    label->setAccessibleName(accessibleName);
    label->setFixedSize(side, side);
    label->setAlignment(Qt::AlignCenter);
    return label;
}

}  // namespace

SampleGallery::SampleGallery(QWidget *parent) : QWidget(parent) {
    setAccessibleName(tr("Image gallery"));
    setAccessibleDescription(tr("The dataset's images with their masks overlaid"));
    auto *layout = new QVBoxLayout(this);
    auto *bar = new QHBoxLayout;
    m_legend = new QWidget;
    m_legend->setLayout(new QHBoxLayout);
    m_legend->layout()->setContentsMargins(0, 0, 0, 0);
    bar->addWidget(m_legend);
    bar->addStretch(1);
    bar->addWidget(new QLabel(tr("Overlay opacity")));
    m_opacity = new QSlider(Qt::Horizontal);
    m_opacity->setRange(0, 100);
    m_opacity->setValue(45);
    m_opacity->setFixedWidth(160);
    m_opacity->setAccessibleName(tr("Overlay opacity"));
    m_opacityLabel = new QLabel(QStringLiteral("45 %"));
    m_opacityLabel->setMinimumWidth(m_opacityLabel->fontMetrics().horizontalAdvance(QStringLiteral("100 %")));
    bar->addWidget(m_opacity);
    bar->addWidget(m_opacityLabel);
    layout->addLayout(bar);

    m_scroll = new QScrollArea;
    m_scroll->setAccessibleName(tr("Images"));
    m_scroll->setWidgetResizable(true);
    m_grid = new QWidget;
    m_gridLayout = new QGridLayout(m_grid);
    m_gridLayout->setSpacing(18);
    m_scroll->setWidget(m_grid);
    layout->addWidget(m_scroll, 1);

    connect(m_opacity, &QSlider::valueChanged, this, [this](int v) {
        m_opacityLabel->setText(QStringLiteral("%1 %").arg(v));
        rebuild();
    });
}

void SampleGallery::setClasses(const QVector<GalleryClass> &classes) {
    m_classes = classes;
    QLayout *legend = m_legend->layout();
    while (QLayoutItem *item = legend->takeAt(0)) {
        delete item->widget();
        delete item;
    }
    for (const auto &c : classes) {
        auto *swatch = new QLabel;
        swatch->setText(QStringLiteral("<span style='color:%1; font-size:large'>&#9632;</span> %2")
                            .arg(c.colour.alpha() == 0 ? QStringLiteral("#777") : c.colour.name(), c.name.toHtmlEscaped()));
        legend->addWidget(swatch);
    }
}

void SampleGallery::setItems(const QVector<GalleryItem> &items) {
    m_items = items;
    rebuild();
}

void SampleGallery::setOverlayOpacity(int percent) { m_opacity->setValue(percent); }
int SampleGallery::overlayOpacity() const { return m_opacity->value(); }

void SampleGallery::setShowMaskColumn(bool show) {
    m_showMask = show;
    rebuild();
}

QImage SampleGallery::overlay(const QImage &image, const QImage &mask, double opacity) {
    QImage out = image.convertToFormat(QImage::Format_ARGB32_Premultiplied);
    QPainter p(&out);
    p.setOpacity(opacity);
    p.drawImage(out.rect(), mask);
    p.end();
    return out.convertToFormat(QImage::Format_RGB32);
}

void SampleGallery::rebuild() {
    chooseGeometry();
    for (QWidget *tile : m_tiles) delete tile;
    m_tiles.clear();
    const qreal dpr = devicePixelRatioF();
    const double opacity = m_opacity->value() / 100.0;
    for (const auto &item : m_items) {
        auto *tile = new QWidget;
        auto *v = new QVBoxLayout(tile);
        v->setContentsMargins(0, 0, 0, 0);
        auto *title = new QLabel(QStringLiteral("<b>%1</b>  %2").arg(item.title.toHtmlEscaped(), item.caption));
        v->addWidget(title);
        auto *row = new QHBoxLayout;
        row->setSpacing(kImageGap);
        row->addWidget(imageLabel(item.image, tr("%1: image").arg(item.title), m_side, dpr));
        if (m_showMask) {
            QImage maskOnDark(item.mask.size(), QImage::Format_RGB32);
            maskOnDark.fill(QColor(40, 40, 40));
            QPainter p(&maskOnDark);
            p.drawImage(0, 0, item.mask);
            p.end();
            row->addWidget(imageLabel(maskOnDark, tr("%1: mask").arg(item.title), m_side, dpr));
        }
        row->addWidget(
            imageLabel(overlay(item.image, item.mask, opacity), tr("%1: overlay").arg(item.title), m_side, dpr));
        v->addLayout(row);
        m_tiles.push_back(tile);
    }
    m_columns = 0;
    relayout();
}

bool SampleGallery::chooseGeometry() {
    // As many columns as fit at the smallest side, then the largest side that fills the row.
    const int views = m_showMask ? 3 : 2;
    const int spacing = m_gridLayout->spacing();
    // Leave room for the vertical scroll bar even before it appears, so that showing it
    // never forces a horizontal one.
    const QScrollBar *bar = m_scroll->verticalScrollBar();
    const int barWidth = bar->isVisible() ? 0 : bar->sizeHint().width();
    const int available = m_scroll->viewport()->width() - barWidth - m_gridLayout->contentsMargins().left() -
                          m_gridLayout->contentsMargins().right() - 8;
    const int minTile = views * kMinSide + (views - 1) * kImageGap;
    const int columns = std::max(1, (available + spacing) / (minTile + spacing));
    const int tileWidth = (available - (columns - 1) * spacing) / columns;
    const int side = std::clamp((tileWidth - (views - 1) * kImageGap) / views, kMinSide, kMaxSide);
    const bool changed = side != m_side || columns != m_wantedColumns;
    m_side = side;
    m_wantedColumns = columns;
    return changed;
}

void SampleGallery::relayout() {
    const int columns = m_wantedColumns;
    if (columns == m_columns) return;
    for (int c = 0; c <= m_columns; ++c) m_gridLayout->setColumnStretch(c, 0);
    m_columns = columns;
    for (QWidget *tile : m_tiles) m_gridLayout->removeWidget(tile);
    for (int i = 0; i < m_tiles.size(); ++i)
        m_gridLayout->addWidget(m_tiles[i], i / columns, i % columns, Qt::AlignLeft | Qt::AlignTop);
    m_gridLayout->setRowStretch(m_gridLayout->rowCount(), 1);
    m_gridLayout->setColumnStretch(columns, 1);
}

void SampleGallery::resizeEvent(QResizeEvent *event) {
    QWidget::resizeEvent(event);
    const int oldSide = m_side;
    if (!chooseGeometry()) return;
    if (m_side != oldSide)
        rebuild();  // new pixmap sizes
    else
        relayout();
}
