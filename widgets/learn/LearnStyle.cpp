#include "LearnStyle.h"

#include <QLabel>
#include <QResizeEvent>

#include <algorithm>

#include "PresentationMode.h"

namespace learn {
namespace {

// Relative sizes of headings and captions against the body font.
constexpr double kTitleScale = 1.3;
constexpr double kCaptionScale = 1.15;

// A word-wrapped label whose minimum height is its text's height at its current width (a plain
// QLabel's minimum comes from some other width, so a short page cuts its last lines off).
class WholeLabel : public QLabel {
public:
    using QLabel::QLabel;
    QSize minimumSizeHint() const override {
        const QSize base = QLabel::minimumSizeHint();
        return width() > 0 ? QSize(base.width(), std::max(base.height(), heightForWidth(width()))) : base;
    }

protected:
    void resizeEvent(QResizeEvent *event) override {
        QLabel::resizeEvent(event);
        if (event->size().width() != event->oldSize().width()) updateGeometry();  // a new minimum height
    }
};

QLabel *asCaption(QLabel *label) {
    label->setWordWrap(true);
    label->setTextFormat(Qt::RichText);
    scaleFont(label, kCaptionScale);
    return label;
}

}  // namespace

QString formatNumber(double value, int decimals) {
    QString text = QString::number(value, 'f', decimals);
    // -0.00 reads as a negative number; it is zero as shown.
    if (text.startsWith(QLatin1Char('-'))) {
        const double shown = text.toDouble();
        text = shown == 0.0 ? text.mid(1) : QStringLiteral("\u2212") + text.mid(1);
    }
    return text;
}

void scaleFont(QWidget *widget, double factor, bool bold) {
    // Relative to the application font, so it follows presentation mode.
    PresentationMode::setRelativeFont(widget, factor, bold);
}

QLabel *titleLabel(const QString &text, QWidget *parent) {
    auto *label = new QLabel(text, parent);
    scaleFont(label, kTitleScale, true);
    return label;
}

QLabel *captionLabel(QWidget *parent) { return asCaption(new QLabel(parent)); }

QLabel *wholeCaptionLabel(QWidget *parent) { return asCaption(new WholeLabel(parent)); }

}  // namespace learn
