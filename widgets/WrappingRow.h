#pragma once
// Two groups of controls in one row when the page is wide enough, the second under the first
// when it is not (lecture-size fonts on a 1366×768 screen) — instead of one row that forces the
// page to scroll sideways. Its minimum width is the wider group's, so a narrow page can take it.
//
//     layout->addWidget(new WrappingRow(presetButtons, optionsAndActions, tr("Convolution toolbar")));
//
// Each group is a widget with its own layout; the second one is stretched to the rest of the
// row (a stretch inside it pushes its last controls to the right edge).

#include <QEvent>
#include <QResizeEvent>
#include <QString>
#include <QWidget>
#include <algorithm>

class WrappingRow : public QWidget {
public:
    // `name`: what a screen reader calls the row.
    WrappingRow(QWidget *first, QWidget *second, const QString &name, QWidget *parent = nullptr)
        : QWidget(parent), m_first(first), m_second(second) {
        setAccessibleName(name);
        m_first->setParent(this);
        m_second->setParent(this);
        QSizePolicy policy(QSizePolicy::Preferred, QSizePolicy::Fixed);
        policy.setHeightForWidth(true);
        setSizePolicy(policy);
    }

    // Whether both groups fit side by side in `width`.
    bool fitsInOneRow(int width) const {
        return m_first->sizeHint().width() + kSpacing + m_second->minimumSizeHint().width() <= width;
    }

    QSize sizeHint() const override {
        const QSize a = m_first->sizeHint(), b = m_second->sizeHint();
        return {a.width() + kSpacing + b.width(), std::max(a.height(), b.height())};
    }
    QSize minimumSizeHint() const override {
        const int width = std::max(m_first->minimumSizeHint().width(), m_second->minimumSizeHint().width());
        return {width, heightForWidth(width)};
    }
    bool hasHeightForWidth() const override { return true; }
    int heightForWidth(int width) const override {
        const int a = m_first->sizeHint().height(), b = m_second->sizeHint().height();
        return fitsInOneRow(width) ? std::max(a, b) : a + kSpacing + b;
    }

protected:
    void resizeEvent(QResizeEvent *) override {
        const int a = m_first->sizeHint().height(), b = m_second->sizeHint().height();
        const bool wrapped = !fitsInOneRow(width());
        if (wrapped) {
            m_first->setGeometry(0, 0, std::min(width(), m_first->sizeHint().width()), a);
            m_second->setGeometry(0, a + kSpacing, width(), b);
        } else {
            const int h = std::max(a, b);
            const int firstWidth = m_first->sizeHint().width();
            m_first->setGeometry(0, (h - a) / 2, firstWidth, a);
            m_second->setGeometry(firstWidth + kSpacing, (h - b) / 2, width() - firstWidth - kSpacing, b);
        }
        if (wrapped != m_wrapped) {
            m_wrapped = wrapped;
            updateGeometry();  // the height for this width changed
        }
    }
    bool event(QEvent *event) override {
        // A group's size changed (fonts, texts): lay the row out again.
        if (event->type() == QEvent::LayoutRequest) {
            updateGeometry();
            QResizeEvent resize(size(), size());
            resizeEvent(&resize);
        }
        return QWidget::event(event);
    }

private:
    static constexpr int kSpacing = 8;
    QWidget *m_first;
    QWidget *m_second;
    bool m_wrapped = false;
};
