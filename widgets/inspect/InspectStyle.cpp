#include "InspectStyle.h"

#include <QComboBox>
#include <QLabel>
#include <QStringList>

#include <cmath>

#include "PresentationMode.h"

namespace inspectstyle {
namespace {

const QChar kMinus(0x2212);

QString withMinus(QString text) { return text.replace(QLatin1Char('-'), kMinus); }

}  // namespace

QString number(double value, int significant) {
    if (std::isnan(value)) return QStringLiteral("n/a");
    return withMinus(QString::number(value, 'g', significant));
}

QString fixed(double value, int decimals) {
    if (std::isnan(value)) return QStringLiteral("n/a");
    return withMinus(QString::number(value, 'f', decimals));
}

void scaleFont(QWidget *widget, double factor, bool bold) {
    // Relative to the application font, so it follows presentation mode.
    PresentationMode::setRelativeFont(widget, factor, bold);
}

void fillClassChoice(QComboBox *combo, const QStringList &classNames, const QString &format) {
    combo->clear();
    combo->setSizeAdjustPolicy(QComboBox::AdjustToContents);  // "the nucleus mask" must not be cut
    for (const QString &c : classNames) combo->addItem(format.arg(c));
    const int nucleus = static_cast<int>(classNames.indexOf(QStringLiteral("nucleus")));
    combo->setCurrentIndex(nucleus >= 0 ? nucleus : static_cast<int>(classNames.size()) - 1);
}

QLabel *titleLabel(const QString &text, QWidget *parent) {
    auto *label = new QLabel(text, parent);
    scaleFont(label, 1.3, true);
    return label;
}

QLabel *captionLabel(const QString &text, QWidget *parent) {
    auto *label = new QLabel(text, parent);
    label->setWordWrap(true);
    scaleFont(label, 1.1);
    return label;
}

QLabel *emptyStateLabel(const QString &text, QWidget *parent) {
    auto *label = new QLabel(text, parent);
    label->setAlignment(Qt::AlignCenter);
    label->setWordWrap(true);
    label->setMargin(40);
    label->setForegroundRole(QPalette::PlaceholderText);
    scaleFont(label, 1.4);
    return label;
}

}  // namespace inspectstyle
