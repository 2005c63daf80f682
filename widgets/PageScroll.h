#pragma once
// A page of the main window (an area, a lesson) that needs more room than a small screen
// gives — a 1280×800 projector, a 1366×768 laptop, presentation mode's larger fonts —
// scrolls instead of forcing the main window larger than the screen: its right edge and the
// status bar stay reachable. When the page has the room its content needs, no scroll bar
// shows and the content fills the page exactly as without the scroll area.
//
//     auto *layout = new QVBoxLayout(PageScroll::content(this, tr("Train area")));
//
// builds the page on the returned widget instead of on the page itself; the page keeps its
// identity (it is still the tab's widget), only its minimum size no longer propagates.

#include <QEvent>
#include <QFrame>
#include <QScrollArea>
#include <QString>
#include <QVBoxLayout>
#include <QWidget>

namespace PageScroll {

// What the scroll area holds: a frame without a layout around the page's content. It passes
// the content's minimum size and size hint on, but not its height-for-width (word-wrapped
// labels, square grids): QScrollArea would take the content's *preferred* height for its
// width as the minimum and show a vertical scroll bar whenever the page is shorter than that,
// where the content used to shrink to its minimum. Scroll bars appear only below the minimum.
class Frame : public QWidget {
public:
    explicit Frame(const QString &name) : m_body(new QWidget(this)) {
        setAccessibleName(name);
        m_body->setObjectName(QStringLiteral("pageScrollBody"));
    }
    QWidget *body() const { return m_body; }
    QSize sizeHint() const override { return m_body->sizeHint(); }
    QSize minimumSizeHint() const override {
        QSize s = m_body->minimumSizeHint().expandedTo(m_body->minimumSize());
        return s.expandedTo(QSize(0, 0));
    }

protected:
    void resizeEvent(QResizeEvent *event) override {
        QWidget::resizeEvent(event);
        m_body->setGeometry(rect());
    }
    bool event(QEvent *event) override {
        // The content's layout changed (posted here since this frame has no layout): the
        // scroll area reads the new minimum.
        if (event->type() == QEvent::LayoutRequest) updateGeometry();
        return QWidget::event(event);
    }

private:
    QWidget *m_body;
};

// Fills `page` with a frameless scroll area (named `name` for screen readers) and returns the
// widget inside it, on which the caller builds the page's layout. The scroll area takes no
// keyboard focus (no extra Tab stop); it scrolls to whichever child gets the focus.
inline QWidget *content(QWidget *page, const QString &name) {
    auto *scroll = new QScrollArea(page);
    scroll->setObjectName(QStringLiteral("pageScroll"));
    scroll->setAccessibleName(name);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setFocusPolicy(Qt::NoFocus);
    scroll->setWidgetResizable(true);
    auto *frame = new Frame(name);
    scroll->setWidget(frame);
    auto *layout = new QVBoxLayout(page);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(scroll);
    return frame->body();
}

// The scroll area content() put in `page`, or nullptr.
inline QScrollArea *area(const QWidget *page) {
    return page ? page->findChild<QScrollArea *>(QStringLiteral("pageScroll"), Qt::FindDirectChildrenOnly) : nullptr;
}

}  // namespace PageScroll
