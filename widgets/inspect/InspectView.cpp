#include "InspectView.h"

#include <QLabel>
#include <QPushButton>
#include <QStackedWidget>

#include "InspectStyle.h"

InspectView::InspectView(QWidget *parent) : QWidget(parent) {}

QStackedWidget *InspectView::createStack(QWidget *content, const QString &idleHint, const QString &pendingHint) {
    m_idleHint = idleHint;
    m_pendingHint = pendingHint;
    m_stack = new QStackedWidget;
    m_empty = inspectstyle::emptyStateLabel(QString());
    m_stack->addWidget(m_empty);
    m_stack->addWidget(content);
    refreshState();
    return m_stack;
}

void InspectView::setActionButton(QPushButton *button) {
    m_action = button;
    m_actionText = button->text();
    button->setEnabled(m_available);
}

void InspectView::setModelAvailable(bool available) {
    m_available = available;
    if (m_action) m_action->setEnabled(available);
    refreshState();
}

void InspectView::setPending(bool pending) {
    m_pending = pending;
    if (m_action) m_action->setText(pending ? tr("Working…") : m_actionText);
    refreshState();
}

void InspectView::refreshState() {
    if (!m_stack) return;
    if (hasResult()) {
        m_stack->setCurrentIndex(1);
        return;
    }
    m_stack->setCurrentIndex(0);
    m_empty->setText(m_pending     ? m_pendingHint
                     : m_available ? m_idleHint
                                   : tr("No model to look inside yet.\nTrain one in the Train area, or open a "
                                        "checkpoint above."));
}

QString InspectView::emptyStateText() const {
    return m_stack && m_stack->currentIndex() == 0 ? m_empty->text() : QString();
}
