#pragma once
// A one-line label that never forces the window wider than the screen: when its plain text
// does not fit, it is cut with "…" and the whole text shows as a tooltip (unless one is
// set). For status bars and header rows whose contents (paths, model descriptions) vary.

#include <QEvent>
#include <QHelpEvent>
#include <QLabel>
#include <QPainter>
#include <QToolTip>

#include <algorithm>

class ElidingLabel : public QLabel {
public:
    using QLabel::QLabel;
    // In a row short of room the layout takes the same width from every label until each
    // reaches its minimum: a label whose text matters more keeps more characters.
    void setMinimumCharacters(int characters) {
        m_minimumCharacters = characters;
        updateGeometry();
    }
    QSize minimumSizeHint() const override {
        const QSize hint = QLabel::minimumSizeHint();
        const int least = fontMetrics().averageCharWidth() * m_minimumCharacters + 2 * margin();
        return {std::min(hint.width(), least), hint.height()};
    }

protected:
    void paintEvent(QPaintEvent *) override {
        QPainter painter(this);
        const QRect r = contentsRect().adjusted(margin(), margin(), -margin(), -margin());
        painter.setPen(palette().color(foregroundRole()));
        painter.drawText(r, static_cast<int>(alignment()), fontMetrics().elidedText(text(), Qt::ElideRight, r.width()));
    }
    bool event(QEvent *e) override {
        if (e->type() == QEvent::ToolTip && toolTip().isEmpty()) {
            const bool cut = fontMetrics().horizontalAdvance(text()) > contentsRect().width() - 2 * margin();
            if (cut)
                QToolTip::showText(static_cast<QHelpEvent *>(e)->globalPos(), text(), this);
            else
                QToolTip::hideText();
            return true;
        }
        return QLabel::event(e);
    }

private:
    int m_minimumCharacters = 8;  // "Model: …"
};
