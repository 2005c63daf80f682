#pragma once
// The worst cases of a split (MISSION §8): the images with the lowest per-image Dice, each
// with its truth, the prediction and an error overlay (false positives amber, false
// negatives azure, one class taken for another red). Clicking a case asks for its feature
// maps (`caseChosen`). Where a prediction would match its truth best grown or shrunk, its
// error counts say by how much ("outline +2 px", train/OutlineOffset.h).

#include <QStringList>
#include <QVector>

#include "InspectTypes.h"
#include "InspectView.h"

class QComboBox;
class QGridLayout;
class QLabel;
class QPushButton;

class WorstCasesGallery : public InspectView {
    Q_OBJECT
public:
    explicit WorstCasesGallery(QWidget *parent = nullptr);

    void setDataset(int imageCount, const QStringList &classNames);
    ReviewRequest currentRequest() const;  // the model is filled in by InspectArea
    bool hasResult() const override { return m_hasResult; }
    const unetlab::SplitReview &review() const { return m_review; }
    int caseCount() const { return m_cards.size(); }
    QWidget *caseWidget(int i) const { return m_cards.value(i); }
    QString caseTitle(int i) const;
    // Case i's caption lines under picture 0 (image) … 3 (errors), as drawn at the current size.
    QStringList caseCaption(int i, int picture) const;
    bool explanationShown() const;
    QString explanationText() const;
    // Whether the legend keys "wrong class" (only where the cases shown can have any).
    bool wrongClassKeyShown() const;

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

public Q_SLOTS:
    void showReview(const unetlab::SplitReview &review);
    void request();

Q_SIGNALS:
    void requested(const ReviewRequest &request);
    void caseChosen(int datasetIndex);

private:
    // "What to look for", with what "outline +k px" means when a case says it.
    static QString explanation(bool outlines);
    void fitExplanation();

    QComboBox *m_rankBy = nullptr;
    QComboBox *m_split = nullptr;
    QPushButton *m_find = nullptr;
    QLabel *m_summary = nullptr;
    QWidget *m_content = nullptr;
    QLabel *m_explanation = nullptr;
    QLabel *m_wrongClassSwatch = nullptr;
    QGridLayout *m_grid = nullptr;
    QVector<QWidget *> m_cards;
    QStringList m_classes;
    unetlab::SplitReview m_review;
    bool m_hasResult = false;
};
