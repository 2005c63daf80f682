#include "PreviewStrip.h"

#include <QGridLayout>
#include <QLabel>
#include <QResizeEvent>
#include <QVBoxLayout>

#include <algorithm>

#include "ElideName.h"

namespace {

constexpr int kGap = 4;        // between the three pictures of one image
constexpr int kGroupGap = 18;  // between images

QLabel *picture(const QImage &image, int side, qreal dpr, const QString &name) {
    auto *label = new QLabel;
    label->setFixedSize(side, side);
    label->setAlignment(Qt::AlignCenter);
    label->setAccessibleName(name);
    if (image.isNull()) {
        label->setText(QObject::tr("not yet\npredicted"));
        label->setStyleSheet(QStringLiteral("background:#2b2b2b; color:#bbb;"));
        return label;
    }
    QPixmap p = QPixmap::fromImage(image.scaled(QSize(side, side) * dpr, Qt::KeepAspectRatio, Qt::SmoothTransformation));
    p.setDevicePixelRatio(dpr);
    label->setPixmap(p);
    return label;
}

}  // namespace

PreviewStrip::PreviewStrip(QWidget *parent) : QWidget(parent) {
    setAccessibleName(tr("Validation preview"));
    setAccessibleDescription(tr("Validation images with their truth and the current prediction, each with its Dice"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    m_caption = new QLabel(tr("<b>Validation preview</b> — image, truth and prediction of fixed validation images"));
    m_caption->setWordWrap(true);
    layout->addWidget(m_caption);
    m_grid = new QGridLayout;
    m_grid->setHorizontalSpacing(kGap);
    m_grid->setVerticalSpacing(2);
    layout->addLayout(m_grid);
    layout->addStretch(1);
    setMinimumWidth(320);
    setFixedHeight(160);
}

QString PreviewStrip::caption() const { return m_caption->text(); }

void PreviewStrip::setItems(const QVector<PreviewItem> &items, const QString &caption, const QStringList &classNames) {
    m_items = items;
    m_side = 0;  // new pictures: rebuild whatever the size
    m_caption->setText(caption + tr(" — image, truth and prediction") +
                       (classNames.size() > 1 ? tr(" (overlays: %1)").arg(classLegendHtml(classNames)) : QString()));
    rebuild();
}

QString PreviewStrip::itemTitle(int i) const { return i >= 0 && i < m_titles.size() ? m_titles[i]->text() : QString(); }
QString PreviewStrip::itemToolTip(int i) const {
    return i >= 0 && i < m_titles.size() ? m_titles[i]->toolTip() : QString();
}

void PreviewStrip::rebuild() {
    if (m_items.isEmpty()) return;
    // One row: for every image its three pictures side by side, as large as fits.
    const int n = static_cast<int>(m_items.size());
    // The width decides the size; the strip then takes just the height it needs, leaving
    // the rest to the charts.
    const int byWidth = (width() - 12 - (n - 1) * kGroupGap - n * 2 * kGap) / (3 * n);
    const int side = std::clamp(byWidth, 48, 260);
    if (side == m_side && !m_cells.isEmpty()) return;
    m_side = side;
    setFixedHeight(m_side + m_caption->sizeHint().height() + 2 * fontMetrics().height() + 20);
    for (QWidget *w : m_cells) delete w;
    m_cells.clear();
    m_titles.clear();
    const qreal dpr = devicePixelRatioF();
    const QStringList kinds = {tr("image"), tr("truth"), tr("prediction")};
    for (int i = 0; i < n; ++i) {
        const PreviewItem &item = m_items[i];
        const int column = i * 4;  // three pictures and a spacer column
        const QString figures = item.dice >= 0 ? tr(" · Dice %1").arg(item.dice, 0, 'f', 3) : QString();
        QFont bold = font();
        bold.setBold(true);
        const QString name = elideNameToFit(QFontMetrics(bold), item.id, fontMetrics().horizontalAdvance(figures),
                                            3 * m_side + 2 * kGap - 4);
        auto *title = new QLabel(QStringLiteral("<b>%1</b>%2").arg(name.toHtmlEscaped(), figures));
        title->setToolTip(item.id);
        m_grid->addWidget(title, 0, column, 1, 3, Qt::AlignLeft);
        m_cells.push_back(title);
        m_titles.push_back(title);
        const QImage *images[] = {&item.image, &item.truth, &item.prediction};
        for (int k = 0; k < 3; ++k) {
            QLabel *p = picture(*images[k], m_side, dpr, tr("%1: %2").arg(item.id, kinds[k]));
            m_grid->addWidget(p, 1, column + k);
            m_cells.push_back(p);
            auto *name = new QLabel(kinds[k]);
            name->setAlignment(Qt::AlignCenter);
            m_grid->addWidget(name, 2, column + k);
            m_cells.push_back(name);
        }
        if (i + 1 < n) m_grid->setColumnMinimumWidth(column + 3, kGroupGap - 2 * kGap);
    }
    m_grid->setColumnStretch(n * 4, 1);
}

void PreviewStrip::resizeEvent(QResizeEvent *event) {
    QWidget::resizeEvent(event);
    if (!m_items.isEmpty()) rebuild();
}
