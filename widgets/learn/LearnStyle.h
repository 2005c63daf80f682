#pragma once
// Shared look of the Learn widgets: the teaching colours of MISSION §2-§4, lecture-size
// labels, and how numbers are written (two decimals, a real minus sign).

#include <QColor>
#include <QString>

class QLabel;
class QWidget;

namespace learn {

// Ground-truth / predicted foreground (MISSION §2) and the max-pool winner (§3).
inline const QColor kTruthRed{214, 39, 40};
// Upsampling contributors (§4).
inline const QColor kContributorOrange{245, 140, 20};
// The window being computed, and the output cell it fills.
inline const QColor kWindowBlue{25, 95, 230};
// False alarms in a prediction.
inline const QColor kFalseAlarmInk{30, 30, 30};

// "0.25", "−1.00": fixed decimals, U+2212 for negatives (easier to read on a projector).
QString formatNumber(double value, int decimals = 2);

// A grid's heading (bold, larger than body text).
QLabel *titleLabel(const QString &text, QWidget *parent = nullptr);
// A word-wrapped explanation line (larger than body text).
QLabel *captionLabel(QWidget *parent = nullptr);
// The same, never squeezed below the height its text needs at its width: where the page is
// short (lecture-size fonts at 1366×768) the page scrolls rather than cut its last lines off.
QLabel *wholeCaptionLabel(QWidget *parent = nullptr);
// Scales a widget's font (1.0 = unchanged); the Learn area is read from the back of a room.
void scaleFont(QWidget *widget, double factor, bool bold = false);

}  // namespace learn
