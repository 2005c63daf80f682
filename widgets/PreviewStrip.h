#pragma once
// Fixed validation images with their truth and the current prediction, refreshed at every
// epoch end so a class can watch the masks sharpen.

#include <QVector>
#include <QWidget>

#include "TrainingTypes.h"

class QGridLayout;
class QLabel;

class PreviewStrip : public QWidget {
    Q_OBJECT
public:
    explicit PreviewStrip(QWidget *parent = nullptr);
    // `classNames`: the data's classes, for the overlay legend (none: no legend).
    void setItems(const QVector<PreviewItem> &items, const QString &caption, const QStringList &classNames = {});
    int itemCount() const { return m_items.size(); }
    QString caption() const;
    // Item i's title above its pictures ("<b>name</b> · Dice 0.881"; a long name shortened)
    // and its tooltip (the whole name).
    QString itemTitle(int i) const;
    QString itemToolTip(int i) const;

private:
    void rebuild();
    void resizeEvent(QResizeEvent *event) override;

    QVector<PreviewItem> m_items;
    QLabel *m_caption = nullptr;
    QGridLayout *m_grid = nullptr;
    QVector<QWidget *> m_cells;
    QVector<QLabel *> m_titles;  // one per item, among m_cells
    int m_side = 0;
};
