#include "RunHistory.h"

#include <QHeaderView>
#include <QTableWidget>
#include <QVBoxLayout>

#include "CsvText.h"

#include <cmath>

namespace {

const QStringList kColumns = {QObject::tr("run"),        QObject::tr("model"),   QObject::tr("parameters"),
                              QObject::tr("settings"),   QObject::tr("epochs"),  QObject::tr("best"),
                              QObject::tr("time"),       QObject::tr("img/s"),   QObject::tr("val Dice"),
                              QObject::tr("per class"),  QObject::tr("ended")};

QString number(double x, int digits = 3) { return std::isfinite(x) ? QString::number(x, 'f', digits) : QStringLiteral("n/a"); }

QString duration(double s) {
    const int t = static_cast<int>(std::lround(s));
    return t < 60 ? QStringLiteral("%1 s").arg(s, 0, 'f', 1) : QStringLiteral("%1m%2s").arg(t / 60).arg(t % 60, 2, 10, QLatin1Char('0'));
}


}  // namespace

RunHistory::RunHistory(QWidget *parent) : QWidget(parent) {
    setAccessibleName(tr("Run history"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_table = new QTableWidget(0, static_cast<int>(kColumns.size()));
    m_table->setHorizontalHeaderLabels(kColumns);
    m_table->verticalHeader()->hide();
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setAccessibleName(tr("Run history"));
    layout->addWidget(m_table);
}

void RunHistory::addRun(const RunSummary &run) {
    m_runs.push_back(run);
    const int row = m_table->rowCount();
    m_table->insertRow(row);
    QStringList perClass;
    for (int c = 0; c < run.bestValDice.size(); ++c)
        perClass << QStringLiteral("%1 %2").arg(run.info.classNames.value(c), number(run.bestValDice[c]));
    const QStringList cells = {QString::number(run.info.runId),
                               run.info.modelName,
                               QLocale().toString(run.info.parameters),
                               run.info.settings,
                               QString::number(run.epochsRun),
                               QString::number(run.bestEpoch),
                               duration(run.seconds),
                               number(run.imagesPerSecond, 1),
                               number(run.bestValDiceMean),
                               perClass.join(QStringLiteral(", ")),
                               run.stopReason};
    for (int c = 0; c < cells.size(); ++c) {
        auto *item = new QTableWidgetItem(cells[c]);
        if (c == static_cast<int>(cells.size()) - 1 || c == 3) item->setToolTip(cells[c]);
        if (run.diverged && c == static_cast<int>(cells.size()) - 1) item->setForeground(QColor(198, 40, 40));
        m_table->setItem(row, c, item);
    }
    m_table->scrollToBottom();
}

QString RunHistory::csv() const {
    QString out = QStringLiteral(
        "run,model,parameters,settings,epochs,best_epoch,seconds,images_per_second,val_dice_mean,val_dice_per_class,"
        "stop_reason,diverged,checkpoint,device,data\n");
    for (const RunSummary &r : m_runs) {
        QStringList perClass;
        for (int c = 0; c < r.bestValDice.size(); ++c)
            perClass << QStringLiteral("%1=%2").arg(r.info.classNames.value(c), number(r.bestValDice[c], 4));
        const QStringList fields = {QString::number(r.info.runId), r.info.modelName, QString::number(r.info.parameters),
                                    r.info.settings, QString::number(r.epochsRun), QString::number(r.bestEpoch),
                                    QString::number(r.seconds, 'f', 2), QString::number(r.imagesPerSecond, 'f', 2),
                                    number(r.bestValDiceMean, 4), perClass.join(QLatin1Char(';')), r.stopReason,
                                    r.diverged ? QStringLiteral("1") : QStringLiteral("0"), r.checkpoint, r.info.device,
                                    r.info.datasetName};
        QStringList escaped;
        for (const QString &f : fields) escaped << csvField(f);
        out += escaped.join(QLatin1Char(',')) + QLatin1Char('\n');
    }
    return out;
}
