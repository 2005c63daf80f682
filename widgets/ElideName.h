#pragma once
// A caption that names something and then gives its figures ("0003cee89357… · Dice 0.881"):
// when the caption does not fit, the name gives up characters first, so a long file name
// (DSB2018's are 64-digit hashes) never pushes the figures out of sight.

#include <QFontMetrics>
#include <QString>

#include <algorithm>

// `name` cut with "…" to what `width` pixels leave after `otherWidth` pixels of the rest of the
// caption, keeping at least a few characters; whole when it fits.
inline QString elideNameToFit(const QFontMetrics &metrics, const QString &name, int otherWidth, int width) {
    const int least = metrics.horizontalAdvance(QStringLiteral("0000…"));
    return metrics.elidedText(name, Qt::ElideRight, std::max(width - otherWidth, least));
}
