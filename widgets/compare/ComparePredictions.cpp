#include "ComparePredictions.h"

#include <QCheckBox>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QMouseEvent>
#include <QPainter>
#include <QSlider>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "CompareCharts.h"
#include "PresentationMode.h"

namespace {

constexpr int kZoomScale = 10;  // screen pixels per image pixel in the zoom

QLabel *picture(const QImage &image, int side, qreal dpr) {
    auto *label = new QLabel;
    label->setFixedSize(side, side);
    QPixmap p = QPixmap::fromImage(image.scaled(QSize(side, side) * dpr, Qt::KeepAspectRatio, Qt::SmoothTransformation));
    p.setDevicePixelRatio(dpr);
    label->setPixmap(p);
    label->setCursor(Qt::CrossCursor);
    return label;
}

}  // namespace

BoundaryZoom::BoundaryZoom(QWidget *parent) : QWidget(parent) {
    setFixedSize(kCropSide * kZoomScale + 2, kCropSide * kZoomScale + 2);
    setAccessibleName(tr("Boundary zoom"));
}

void BoundaryZoom::setPreview(const ComparePreview &preview, const QStringList &runNames, QPoint centre) {
    m_preview = preview;
    m_names = runNames;
    m_centre = centre;
    update();
}

void BoundaryZoom::paintEvent(QPaintEvent *) {
    QPainter p(this);
    p.fillRect(rect(), QColor(40, 40, 40));
    if (m_preview.image.isNull()) {
        p.setPen(Qt::white);
        p.drawText(rect(), Qt::AlignCenter | Qt::TextWordWrap, tr("Click any picture on the left\nto zoom in here"));
        return;
    }
    const int half = kCropSide / 2;
    const int x0 = std::clamp(m_centre.x() - half, 0, std::max(0, m_preview.width - kCropSide));
    const int y0 = std::clamp(m_centre.y() - half, 0, std::max(0, m_preview.height - kCropSide));
    const QRect crop(x0, y0, std::min(kCropSide, m_preview.width), std::min(kCropSide, m_preview.height));
    p.drawImage(QRect(1, 1, crop.width() * kZoomScale, crop.height() * kZoomScale), m_preview.image.copy(crop));
    // Outline every pixel edge where a mask changes class: white for the truth, the run
    // colours for the first two predictions (offset so coincident edges stay visible).
    auto outline = [&](const std::vector<std::uint8_t> &mask, const QColor &colour, int offset, Qt::PenStyle style) {
        if (mask.size() != static_cast<std::size_t>(m_preview.width) * m_preview.height) return;
        p.setPen(QPen(colour, 2.5 * std::sqrt(PresentationMode::penScale()), style));
        auto at = [&](int x, int y) { return mask[static_cast<std::size_t>(y) * m_preview.width + x]; };
        for (int y = crop.top(); y <= crop.bottom(); ++y)
            for (int x = crop.left(); x <= crop.right(); ++x) {
                const int sx = 1 + (x - x0) * kZoomScale + offset, sy = 1 + (y - y0) * kZoomScale + offset;
                if (x + 1 <= crop.right() && at(x, y) != at(x + 1, y))
                    p.drawLine(sx + kZoomScale, sy, sx + kZoomScale, sy + kZoomScale);
                if (y + 1 <= crop.bottom() && at(x, y) != at(x, y + 1))
                    p.drawLine(sx, sy + kZoomScale, sx + kZoomScale, sy + kZoomScale);
            }
    };
    outline(m_preview.truthMask, Qt::white, 0, Qt::SolidLine);
    for (int r = 0; r < 2 && r < static_cast<int>(m_preview.predictedMasks.size()); ++r)
        outline(m_preview.predictedMasks[static_cast<std::size_t>(r)], RunsChart::runColour(r), r == 0 ? -2 : 2,
                Qt::SolidLine);
}

ComparePredictions::ComparePredictions(QWidget *parent) : QWidget(parent) {
    setAccessibleName(tr("Predictions side by side"));
    auto *outer = new QHBoxLayout(this);
    auto *left = new QVBoxLayout;
    auto *flipRow = new QHBoxLayout;
    m_flipLabel = new QLabel;
    m_flip = new QSlider(Qt::Horizontal);
    m_flip->setRange(0, 1);
    m_flip->setFixedWidth(80);
    m_flip->setAccessibleName(tr("Flip between the two predictions"));
    m_blink = new QCheckBox(tr("Blink"));
    flipRow->addWidget(new QLabel(tr("Flip column shows:")));
    flipRow->addWidget(m_flip);
    flipRow->addWidget(m_flipLabel);
    flipRow->addWidget(m_blink);
    flipRow->addStretch(1);
    left->addLayout(flipRow);
    m_grid = new QGridLayout;
    m_grid->setSpacing(4);
    left->addLayout(m_grid);
    m_legend = new QLabel;
    m_legend->setWordWrap(true);
    left->addWidget(m_legend);
    left->addStretch(1);
    outer->addLayout(left, 1);
    auto *right = new QVBoxLayout;
    right->addWidget(new QLabel(tr("<b>Zoom</b>: 32 × 32 pixels around the click")));
    m_zoom = new BoundaryZoom;
    right->addWidget(m_zoom);
    auto *zoomLegend = new QLabel;
    zoomLegend->setObjectName(QStringLiteral("zoomLegend"));
    zoomLegend->setWordWrap(true);
    zoomLegend->setMaximumWidth(m_zoom->width());
    right->addWidget(zoomLegend);
    right->addStretch(1);
    outer->addLayout(right);

    connect(m_flip, &QSlider::valueChanged, this, &ComparePredictions::updateFlip);
    m_blinkTimer.setInterval(700);
    connect(&m_blinkTimer, &QTimer::timeout, this, [this] { m_flip->setValue(1 - m_flip->value()); });
    connect(m_blink, &QCheckBox::toggled, this, [this](bool on) { on ? m_blinkTimer.start() : m_blinkTimer.stop(); });
}

int ComparePredictions::flipRun() const { return m_flip->value(); }

void ComparePredictions::setResults(const QVector<ComparePreview> &previews, const QStringList &runNames) {
    m_previews = previews;
    m_names = runNames;
    rebuild();
    if (!m_previews.isEmpty()) zoomAt(0, QPoint(m_previews[0].width / 2, m_previews[0].height / 2));
    if (auto *legend = findChild<QLabel *>(QStringLiteral("zoomLegend")))
        legend->setText(tr("Boundaries: <b>white</b> truth, <span style='color:%1'><b>%2</b></span>, "
                           "<span style='color:%3'><b>%4</b></span>.")
                            .arg(RunsChart::runColour(0).name(), m_names.value(0), RunsChart::runColour(1).name(),
                                 m_names.value(1)));
}

void ComparePredictions::rebuild() {
    for (QWidget *w : m_cells) delete w;
    m_cells.clear();
    m_flipCells.clear();
    if (m_previews.isEmpty()) return;
    const int runs = static_cast<int>(m_previews[0].predictions.size());
    QStringList headers = {tr("image"), tr("truth")};
    for (int r = 0; r < runs; ++r) headers << m_names.value(r);
    headers << tr("disagreement") << tr("flip");
    const int columns = static_cast<int>(headers.size());
    const int available = std::max(600, width() - m_zoom->width() - 60);
    m_side = std::clamp((available - 4 * columns) / columns, 80, 180);
    const qreal dpr = devicePixelRatioF();
    for (int c = 0; c < columns; ++c) {
        auto *h = new QLabel(QStringLiteral("<b>%1</b>").arg(headers[c].toHtmlEscaped()));
        h->setAlignment(Qt::AlignCenter);
        h->setWordWrap(true);
        h->setMaximumWidth(m_side);
        if (c >= 2 && c < 2 + runs) h->setStyleSheet(QStringLiteral("color:%1").arg(RunsChart::runColour(c - 2).name()));
        m_grid->addWidget(h, 0, c);
        m_cells.push_back(h);
    }
    for (int i = 0; i < m_previews.size(); ++i) {
        const ComparePreview &p = m_previews[i];
        QVector<QImage> row = {p.image, p.truth};
        for (const QImage &q : p.predictions) row.push_back(q);
        row.push_back(p.disagreement);
        for (int c = 0; c < row.size(); ++c) {
            QLabel *l = picture(row[c], m_side, dpr);
            l->setProperty("previewIndex", i);
            l->setAccessibleName(QStringLiteral("%1: %2").arg(p.id, headers[c]));
            l->installEventFilter(this);
            m_grid->addWidget(l, i + 1, c);
            m_cells.push_back(l);
        }
        auto *flip = new QLabel;
        flip->setFixedSize(m_side, m_side);
        flip->setProperty("previewIndex", i);
        flip->installEventFilter(this);
        m_grid->addWidget(flip, i + 1, columns - 1);
        m_cells.push_back(flip);
        m_flipCells.push_back(flip);
    }
    m_legend->setText(tr("Disagreement: <span style='color:#43a047'><b>green</b></span> where only %1 is right, "
                         "<span style='color:#e53935'><b>red</b></span> where only %2 is right, "
                         "<span style='color:#fdd835'><b>yellow</b></span> where they differ and both are wrong.")
                          .arg(m_names.value(0), m_names.value(1)));
    updateFlip();
}

void ComparePredictions::updateFlip() {
    const int run = m_flip->value();
    m_flipLabel->setText(QStringLiteral("<b style='color:%1'>%2</b>").arg(RunsChart::runColour(run).name(), m_names.value(run)));
    const qreal dpr = devicePixelRatioF();
    for (int i = 0; i < m_flipCells.size() && i < m_previews.size(); ++i) {
        const auto &preds = m_previews[i].predictions;
        if (run >= preds.size()) continue;
        QPixmap p = QPixmap::fromImage(
            preds[run].scaled(QSize(m_side, m_side) * dpr, Qt::KeepAspectRatio, Qt::SmoothTransformation));
        p.setDevicePixelRatio(dpr);
        m_flipCells[i]->setPixmap(p);
    }
}

void ComparePredictions::zoomAt(int index, QPoint pixel) {
    if (index < 0 || index >= m_previews.size()) return;
    m_zoom->setPreview(m_previews[index], m_names, pixel);
}

bool ComparePredictions::eventFilter(QObject *watched, QEvent *event) {
    if (event->type() == QEvent::MouseButtonPress) {
        auto *label = qobject_cast<QLabel *>(watched);
        const int index = label ? label->property("previewIndex").toInt() : -1;
        if (label && index >= 0 && index < m_previews.size()) {
            const auto *mouse = static_cast<QMouseEvent *>(event);
            const ComparePreview &p = m_previews[index];
            const QPointF pos = mouse->position();
            zoomAt(index, QPoint(static_cast<int>(pos.x() * p.width / label->width()),
                                 static_cast<int>(pos.y() * p.height / label->height())));
            return true;
        }
    }
    return QWidget::eventFilter(watched, event);
}
