#include "WorstCasesGallery.h"

#include <QComboBox>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QMouseEvent>
#include <QPainter>
#include <QPushButton>
#include <QStackedWidget>
#include <QTimer>
#include <QVBoxLayout>

#include <functional>

#include "ElideName.h"
#include "InspectImages.h"
#include "InspectStyle.h"
#include "TrainingTypes.h"
#include "inspect/Analysis.h"
#include "PresentationMode.h"

namespace {

constexpr int kGap = 6;
constexpr int kRoomyPictureSide = 160;  // below this the "What to look for" text gives way
const QColor kHoverFrame(25, 95, 230);

// One case: a title, then image, truth, prediction and errors side by side. Painted, so the
// four pictures always share one size.
class CaseCard : public QWidget {
public:
    // The title is `prefix` (the rank), `name` (the image's) and `suffix` (its figures); when it
    // does not fit, the name is shortened first. `captionRows` lines are kept under the pictures
    // (the same on every card of a gallery, so their pictures share one size).
    CaseCard(QString prefix, QString name, QString suffix, QVector<QImage> images, QStringList captions,
             int captionRows, std::function<void()> onClick)
        : m_title(prefix + name + suffix),
          m_prefix(std::move(prefix)),
          m_name(std::move(name)),
          m_suffix(std::move(suffix)),
          m_images(std::move(images)),
          m_captions(std::move(captions)),
          m_captionRows(captionRows),
          m_onClick(std::move(onClick)) {
        setCursor(Qt::PointingHandCursor);
        setAttribute(Qt::WA_Hover);
        setMinimumSize(400, 160);
        QSizePolicy policy(QSizePolicy::Expanding, QSizePolicy::Preferred);
        policy.setHeightForWidth(true);
        setSizePolicy(policy);
        setToolTip(QObject::tr("%1\nOpen this image in Feature maps").arg(m_name));
        setAccessibleName(m_title);
    }
    const QString &title() const { return m_title; }
    // Four square pictures side by side under a title, with their caption lines.
    bool hasHeightForWidth() const override { return true; }
    int heightForWidth(int w) const override {
        const int n = std::max(1, static_cast<int>(m_images.size()));
        return (w - (n + 1) * kGap) / n + (1 + m_captionRows) * fontMetrics().height() + 20;
    }
    QSize sizeHint() const override { return {800, heightForWidth(800)}; }
    // The height pictures `side` wide need with the title above and the captions under them.
    int heightForSide(int side) const { return side + (1 + m_captionRows) * fontMetrics().height() + 14; }
    // The caption lines under picture i as drawn at the current size (elided where they must be).
    QStringList drawnCaption(int i) const {
        QStringList out;
        for (const CaptionLine &c : captionLines(i)) out << c.text;
        return out;
    }

protected:
    void paintEvent(QPaintEvent *) override {
        QPainter p(this);
        p.setRenderHint(QPainter::SmoothPixmapTransform);
        const int line = fontMetrics().height();
        QFont bold = font();
        bold.setBold(true);
        bold.setPointSizeF(bold.pointSizeF() * 1.1);
        p.setFont(bold);
        p.setPen(palette().color(QPalette::WindowText));
        const QFontMetrics metrics(bold);
        const int room = width() - 2 * kGap;
        const QString name = elideNameToFit(metrics, m_name, metrics.horizontalAdvance(m_prefix + m_suffix), room);
        p.drawText(QRect(kGap, 2, room, line + 6), Qt::AlignLeft | Qt::AlignVCenter,
                   metrics.elidedText(m_prefix + name + m_suffix, Qt::ElideRight, room));
        p.setFont(font());
        for (int i = 0; i < static_cast<int>(m_images.size()); ++i) {
            p.drawImage(pictureRect(i), m_images[i]);
            for (const CaptionLine &c : captionLines(i)) p.drawText(c.rect, c.flags, c.text);
        }
        if (underMouse()) {
            p.setPen(QPen(kHoverFrame, 3 * PresentationMode::penScale()));
            p.setBrush(Qt::NoBrush);
            p.drawRect(rect().adjusted(1, 1, -2, -2));
        }
    }
    void mousePressEvent(QMouseEvent *e) override {
        if (e->button() == Qt::LeftButton && m_onClick) m_onClick();
    }

private:
    struct CaptionLine {
        QRect rect;
        int flags;
        QString text;
    };
    QRect pictureRect(int i) const {
        const int line = fontMetrics().height();
        const int n = static_cast<int>(m_images.size());
        const int side =
            std::max(16, std::min((width() - (n + 1) * kGap) / std::max(1, n), height() - heightForSide(0)));
        return {kGap + i * (side + kGap), line + 10, side, side};
    }
    // Centred under its picture; the last picture's captions (the error counts) may run on into
    // the empty room to its right rather than be cut to "961 FP · …".
    QVector<CaptionLine> captionLines(int i) const {
        const QRect r = pictureRect(i);
        const int line = fontMetrics().height();
        const int side = r.width();
        const int room = i == static_cast<int>(m_images.size()) - 1 ? std::max(side, width() - kGap - r.x()) : side;
        const QStringList lines = m_captions.value(i).split(QLatin1Char('\n'));
        bool fits = true;
        for (const QString &text : lines) fits = fits && fontMetrics().horizontalAdvance(text) <= side;
        QVector<CaptionLine> out;
        for (int l = 0; l < lines.size(); ++l)
            out.push_back({QRect(r.x(), r.bottom() + 3 + l * line, fits ? side : room, line),
                           fits ? int(Qt::AlignHCenter) : int(Qt::AlignLeft),
                           fontMetrics().elidedText(lines[l], Qt::ElideRight, fits ? side : room)});
        return out;
    }

    QString m_title, m_prefix, m_name, m_suffix;
    QVector<QImage> m_images;
    QStringList m_captions;
    int m_captionRows;
    std::function<void()> m_onClick;
};

QLabel *swatch(const QColor &colour, const QString &text) {
    auto *label =
        new QLabel(QStringLiteral("<span style='color:%1; font-size:x-large'>■</span> %2").arg(colour.name(), text));
    inspectstyle::scaleFont(label, 1.1);
    return label;
}

}  // namespace

WorstCasesGallery::WorstCasesGallery(QWidget *parent) : InspectView(parent) {
    setAccessibleName(tr("Worst cases"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    auto *bar = new QHBoxLayout;
    bar->addWidget(new QLabel(tr("Lowest")));
    m_rankBy = new QComboBox;
    m_rankBy->setAccessibleName(tr("Lowest score"));
    m_rankBy->setSizeAdjustPolicy(QComboBox::AdjustToContents);  // "cytoplasm Dice" fits
    bar->addWidget(m_rankBy);
    bar->addWidget(new QLabel(tr("in the")));
    m_split = new QComboBox;
    m_split->setAccessibleName(tr("Images from"));
    m_split->addItem(tr("test split"), QStringLiteral("test"));
    m_split->addItem(tr("validation split"), QStringLiteral("val"));
    m_split->addItem(tr("whole dataset"), QStringLiteral("all"));
    bar->addWidget(m_split);
    bar->addSpacing(24);
    bar->addWidget(swatch(inspect::toQColor(unetlab::kFalsePositiveColour), tr("false positive")));
    bar->addWidget(swatch(inspect::toQColor(unetlab::kFalseNegativeColour), tr("false negative")));
    m_wrongClassSwatch = swatch(inspect::toQColor(unetlab::kWrongClassColour), tr("wrong class"));
    bar->addWidget(m_wrongClassSwatch);
    bar->addStretch(1);
    m_find = new QPushButton(tr("Find worst cases"));
    bar->addWidget(m_find);
    layout->addLayout(bar);
    connect(m_find, &QPushButton::clicked, this, &WorstCasesGallery::request);
    setActionButton(m_find);

    auto *content = m_content = new QWidget;
    content->installEventFilter(this);
    auto *v = new QVBoxLayout(content);
    v->setContentsMargins(0, 0, 0, 0);
    m_grid = new QGridLayout;
    m_grid->setSpacing(12);
    v->addLayout(m_grid);
    v->addSpacing(12);
    m_explanation = inspectstyle::captionLabel(explanation(false));
    v->addWidget(m_explanation);
    v->addStretch(1);
    layout->addWidget(createStack(content,
                                  tr("Press Find worst cases.\nThe four images the model segments worst appear with "
                                     "their truth, the prediction and where it went wrong: touching nuclei merged, "
                                     "boundaries that jitter at low contrast, dark debris called nucleus."),
                                  tr("Predicting every image of the split and ranking them by Dice…")),
                      1);
    m_summary = inspectstyle::captionLabel(QString());
    layout->addWidget(m_summary);
    // Lecture-size fonts change the captions' and the explanation's heights, not the page's size.
    connect(PresentationMode::instance(), &PresentationMode::changed, this,
            [this] { QTimer::singleShot(0, this, [this] { fitExplanation(); }); });
}

QString WorstCasesGallery::explanation(bool outlines) {
    QString text =
        tr("<b>What to look for.</b> Touching nuclei merged into one; boundaries that jitter where the "
           "contrast is low; pale nuclei missed; dark debris called nucleus. Amber marks what the model "
           "added, azure what it missed, red where it took one class for another.");
    if (outlines)
        text +=
            tr(" <i>Outline +3 px</i>: the prediction would match best grown by 3 pixels (−: shrunk) — the "
               "model and the annotation disagree on where the edges lie, not on where the nuclei are.");
    return text;
}

// The cases' page gets its size when it is shown (after the results arrive) and with the window.
bool WorstCasesGallery::eventFilter(QObject *watched, QEvent *event) {
    if (watched == m_content && event->type() == QEvent::Resize) fitExplanation();
    return InspectView::eventFilter(watched, event);
}

bool WorstCasesGallery::explanationShown() const { return m_explanation && !m_explanation->isHidden(); }

QString WorstCasesGallery::explanationText() const { return m_explanation->text(); }

bool WorstCasesGallery::wrongClassKeyShown() const { return !m_wrongClassSwatch->isHidden(); }

// The cases' pictures are as large as their rows leave room for. Where, with lecture-size fonts
// on a 1366x768 screen, the explanation under them (also in the README) would keep them below
// kRoomyPictureSide and below the size their width allows, it gives way.
void WorstCasesGallery::fitExplanation() {
    if (m_cards.isEmpty() || m_content->height() <= 0) return;
    const int rows = (static_cast<int>(m_cards.size()) + 1) / 2;
    const int spacing = m_grid->spacing();
    const int explanation = m_explanation->heightForWidth(m_content->width()) + 12;
    const int cardHeight = (m_content->height() - explanation - (rows - 1) * spacing) / rows;
    const auto *card = static_cast<const CaseCard *>(m_cards.first());
    const int roomy =
        std::min(card->heightForWidth((m_content->width() - spacing) / 2), card->heightForSide(kRoomyPictureSide));
    m_explanation->setVisible(cardHeight >= roomy);
}

void WorstCasesGallery::setDataset(int, const QStringList &classNames) {
    m_classes = classNames;
    m_wrongClassSwatch->setVisible(classNames.size() > 2);
    m_rankBy->clear();
    m_rankBy->addItem(tr("mean Dice"), -1);
    for (int c = 0; c < classNames.size(); ++c) m_rankBy->addItem(tr("%1 Dice").arg(classNames[c]), c);
}

ReviewRequest WorstCasesGallery::currentRequest() const {
    ReviewRequest r;
    r.split = m_split->currentData().toString();
    r.classIndex = m_rankBy->count() ? m_rankBy->currentData().toInt() : -1;
    r.worstCount = 4;
    return r;
}

void WorstCasesGallery::request() {
    if (!modelAvailable()) return;
    Q_EMIT requested(currentRequest());
}

QString WorstCasesGallery::caseTitle(int i) const {
    const auto *card = dynamic_cast<const CaseCard *>(m_cards.value(i));
    return card ? card->title() : QString();
}

QStringList WorstCasesGallery::caseCaption(int i, int picture) const {
    const auto *card = dynamic_cast<const CaseCard *>(m_cards.value(i));
    return card ? card->drawnCaption(picture) : QStringList();
}

void WorstCasesGallery::showReview(const unetlab::SplitReview &review) {
    m_review = review;
    m_hasResult = true;
    for (QWidget *w : m_cards) delete w;
    m_cards.clear();
    const int c = review.options.classIndex;
    const QString by = c >= 0 && c < static_cast<int>(review.classNames.size())
                           ? tr("%1 Dice").arg(QString::fromStdString(review.classNames[static_cast<std::size_t>(c)]))
                           : tr("mean Dice");
    // Where a prediction would match best grown or shrunk, a third caption line says so.
    const auto outlineOf = [&](const unetlab::CaseView &v) {
        return unetlab::shownOutlineOffset(v.scores, c, review.classNames.size());
    };
    int captionRows = 2;
    for (const unetlab::CaseView &v : review.worst)
        if (outlineOf(v) != 0) captionRows = 3;
    for (std::size_t i = 0; i < review.worst.size(); ++i) {
        const unetlab::CaseView &v = review.worst[i];
        QString figures = tr(" — %1 %2").arg(by, inspectstyle::fixed(v.rankingDice, 3));
        for (std::size_t k = 1; k < v.scores.dice.size() && k < review.classNames.size(); ++k)
            if (static_cast<int>(k) != c)
                figures +=
                    tr(" · %1 %2")
                        .arg(QString::fromStdString(review.classNames[k]), inspectstyle::fixed(v.scores.dice[k], 2));
        const unetlab::ErrorCounts n = unetlab::countErrors(
            unetlab::errorMap(v.sample.mask.data(), v.prediction.data(), v.sample.pixelCount(), c));
        QString errors = tr("errors\n%1 FP · %2 FN").arg(n.falsePositives).arg(n.falseNegatives);
        if (unetlab::countsWrongClass(c, review.classNames.size())) errors += tr(" · %1 wrong").arg(n.wrongClass);
        if (const int k = outlineOf(v)) errors += QLatin1Char('\n') + QString::fromStdString(unetlab::outlineText(k));
        const int index = static_cast<int>(v.index);
        auto *card = new CaseCard(
            tr("%1. ").arg(i + 1), QString::fromStdString(v.sample.id), figures,
            {inspect::sampleImage(v.sample), inspect::classOverlayImage(v.sample, v.sample.mask),
             inspect::classOverlayImage(v.sample, v.prediction), inspect::errorImage(v.sample, v.prediction, c)},
            {tr("image"), tr("truth"), tr("prediction"), errors}, captionRows,
            [this, index] { Q_EMIT caseChosen(index); });
        m_grid->addWidget(card, static_cast<int>(i) / 2, static_cast<int>(i) % 2);
        m_cards.push_back(card);
    }
    m_explanation->setText(explanation(captionRows > 2));
    m_wrongClassSwatch->setVisible(unetlab::countsWrongClass(c, review.classNames.size()));
    fitExplanation();
    m_summary->setText(tr("The %1 images with the lowest %2 in the %3 (%4 images, mean Dice %5) · overlays: "
                          "%7 · click a case to open it in Feature maps · %6 s")
                           .arg(review.worst.size())
                           .arg(by)
                           .arg(m_split->currentText())
                           .arg(review.metrics.images)
                           .arg(inspectstyle::fixed(review.metrics.diceMean, 3))
                           .arg(review.seconds, 0, 'f', 1)
                           .arg(classLegendHtml(m_classes)));
    if (review.worst.empty()) m_summary->setText(tr("No image of this split has a defined %1.").arg(by));
    setPending(false);
}
