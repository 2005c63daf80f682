#pragma once
// What the five Inspect views share: the results page or, until results arrive, a message
// (no model yet; what pressing the view's button will show; work under way), and the button
// that asks for results, disabled without a model and busy while an answer is pending.

#include <QString>
#include <QWidget>

class QLabel;
class QPushButton;
class QStackedWidget;

class InspectView : public QWidget {
    Q_OBJECT
public:
    explicit InspectView(QWidget *parent = nullptr);

    void setModelAvailable(bool available);
    bool modelAvailable() const { return m_available; }
    void setPending(bool pending);
    bool isPending() const { return m_pending; }
    virtual bool hasResult() const = 0;
    // The message shown instead of results (empty once results are shown).
    QString emptyStateText() const;

protected:
    // The page of results, `content`, behind its messages: `idleHint` once a model is there,
    // `pendingHint` while the first answer is on its way.
    QStackedWidget *createStack(QWidget *content, const QString &idleHint, const QString &pendingHint);
    void setActionButton(QPushButton *button);
    // Shows the results or the message that fits; call when results arrive.
    void refreshState();

private:
    QStackedWidget *m_stack = nullptr;
    QLabel *m_empty = nullptr;
    QPushButton *m_action = nullptr;
    QString m_actionText, m_idleHint, m_pendingHint;
    bool m_available = false;
    bool m_pending = false;
};
