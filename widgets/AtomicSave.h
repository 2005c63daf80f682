#pragma once
// Pictures are written the way every file of the app is: to a temporary file that is renamed
// into place (QSaveFile), so a crash or a full disk never leaves half a PNG behind and an
// existing file stays as it was when writing fails.

#include <QFileInfo>
#include <QImage>
#include <QSaveFile>
#include <QString>

// The format follows the file's suffix (PNG when there is none). False when it cannot be written.
inline bool saveImageAtomically(const QImage &image, const QString &path) {
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) return false;
    const QByteArray format = QFileInfo(path).suffix().toLower().toLatin1();
    if (!image.save(&file, format.isEmpty() ? "png" : format.constData())) {
        file.cancelWriting();
        return false;
    }
    return file.commit();
}
