#pragma once
// Quoting for CSV exports written by the widgets (RFC 4180: quote fields holding commas,
// quotes or line breaks; double the quotes inside).

#include <QString>

inline QString csvField(QString s) {
    if (s.contains(QLatin1Char(',')) || s.contains(QLatin1Char('"')) || s.contains(QLatin1Char('\n')))
        s = QLatin1Char('"') + s.replace(QLatin1Char('"'), QStringLiteral("\"\"")) + QLatin1Char('"');
    return s;
}
