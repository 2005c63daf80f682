#pragma once
// Helpers for the Learn widget tests: clicking grid cells and waiting for animations.

#include <QElapsedTimer>
#include <QTest>

#include <functional>

#include "GridEditor.h"

inline void clickCell(GridEditor *grid, int row, int col, Qt::KeyboardModifiers modifiers = Qt::NoModifier,
                      Qt::MouseButton button = Qt::LeftButton) {
    QTest::mouseClick(grid, button, modifiers, grid->cellRect(row, col).center().toPoint());
}

// Processes events until `done` holds or `timeoutMs` passes; returns whether it holds.
inline bool waitFor(const std::function<bool()> &done, int timeoutMs = 10000) {
    QElapsedTimer timer;
    timer.start();
    while (!done() && timer.elapsed() < timeoutMs) QTest::qWait(10);
    return done();
}

// Shows a widget at a size where every grid has room, as on a lecture screen.
inline void showAtLectureSize(QWidget *w) {
    w->resize(1600, 900);
    w->show();
    QCoreApplication::processEvents();
}
