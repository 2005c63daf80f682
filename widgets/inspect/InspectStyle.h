#pragma once
// Shared look of the Inspect views: lecture-size headings, how numbers are written, and the
// empty state shown until results arrive.

#include <QString>
#include <QStringList>

class QComboBox;
class QLabel;
class QWidget;

namespace inspectstyle {

// Three significant digits ("0.0342", "12.5", "1.2e-05"), U+2212 for negatives, "n/a" for NaN.
QString number(double value, int significant = 3);
// A fixed number of decimals with U+2212 for negatives ("0.93", "−0.41").
QString fixed(double value, int decimals = 2);

QLabel *titleLabel(const QString &text, QWidget *parent = nullptr);
// A word-wrapped explanation, slightly larger than body text.
QLabel *captionLabel(const QString &text, QWidget *parent = nullptr);
// A large, centred, grey message for a view with nothing to show yet.
QLabel *emptyStateLabel(const QString &text, QWidget *parent = nullptr);
void scaleFont(QWidget *widget, double factor, bool bold = false);
// Fills a class picker, each item `format` with %1 the class name, and selects "nucleus" (what
// the chapter correlates channels with), else the last class.
void fillClassChoice(QComboBox *combo, const QStringList &classNames, const QString &format);

}  // namespace inspectstyle
