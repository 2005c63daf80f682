#include "CompareTables.h"

#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QSaveFile>
#include <QTableWidget>
#include <QVBoxLayout>

#include "CsvText.h"

#include <cmath>

namespace {

QString num(double x, int digits = 3) { return std::isfinite(x) ? QString::number(x, 'f', digits) : QStringLiteral("n/a"); }

// A table item that sorts by its number, not its text.
class NumberItem : public QTableWidgetItem {
public:
    explicit NumberItem(double value, int digits = 3, bool sign = false)
        : QTableWidgetItem((sign && value > 0 ? QStringLiteral("+") : QString()) + num(value, digits)), m_value(value) {
        setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    }
    bool operator<(const QTableWidgetItem &other) const override {
        const auto *o = dynamic_cast<const NumberItem *>(&other);
        return o ? (std::isnan(m_value) ? -1e9 : m_value) < (std::isnan(o->m_value) ? -1e9 : o->m_value)
                 : QTableWidgetItem::operator<(other);
    }

private:
    double m_value;
};

QTableWidget *table(const QStringList &headers) {
    auto *t = new QTableWidget(0, static_cast<int>(headers.size()));
    t->setHorizontalHeaderLabels(headers);
    t->verticalHeader()->hide();
    t->setEditTriggers(QAbstractItemView::NoEditTriggers);
    t->setSelectionBehavior(QAbstractItemView::SelectRows);
    t->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    t->horizontalHeader()->setStretchLastSection(true);
    return t;
}


}  // namespace

CompareNumbers::CompareNumbers(QWidget *parent) : QWidget(parent) {
    setAccessibleName(tr("Comparison numbers"));
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(new QLabel(tr("<b>Test split</b>: every model on the same held-out images")));
    m_runs = table({});
    m_runs->setAccessibleName(tr("Comparison numbers"));
    layout->addWidget(m_runs, 2);
    layout->addWidget(new QLabel(tr("<b>Per image</b> — click a header to sort; the difference is the second "
                                    "model's mean Dice minus the first's")));
    m_images = table({});
    m_images->setAccessibleName(tr("Per-image comparison"));
    m_images->setSortingEnabled(true);
    layout->addWidget(m_images, 3);
}

void CompareNumbers::setResult(const CompareResult &r) {
    QStringList headers = {tr("model"), tr("parameters"), tr("epochs"), tr("seconds")};
    for (const QString &c : r.classNames) headers << tr("Dice %1").arg(c);
    headers << tr("mean Dice") << tr("mean IoU") << tr("pixel acc.") << tr("boundary F1");
    m_runs->clear();
    m_runs->setColumnCount(static_cast<int>(headers.size()));
    m_runs->setHorizontalHeaderLabels(headers);
    m_runs->setRowCount(static_cast<int>(r.runs.size()));
    for (int i = 0; i < r.runs.size(); ++i) {
        const CompareRunResult &run = r.runs[i];
        int c = 0;
        m_runs->setItem(i, c++, new QTableWidgetItem(run.name));
        m_runs->setItem(i, c++, new QTableWidgetItem(QLocale().toString(run.parameters)));
        m_runs->setItem(i, c++, new NumberItem(run.epochsRun, 0));
        m_runs->setItem(i, c++, new NumberItem(run.seconds, 1));
        for (double d : run.testDice) m_runs->setItem(i, c++, new NumberItem(d));
        m_runs->setItem(i, c++, new NumberItem(run.testDiceMean));
        m_runs->setItem(i, c++, new NumberItem(run.testIoUMean));
        m_runs->setItem(i, c++, new NumberItem(run.testPixelAccuracy));
        m_runs->setItem(i, c++, new NumberItem(run.testBoundaryF1Mean));
    }
    const QString a = r.runs.value(0).name, b = r.runs.value(1).name;
    m_images->setSortingEnabled(false);
    m_images->clear();
    const QStringList imageHeaders = {tr("image"), tr("Dice %1").arg(a), tr("Dice %1").arg(b), tr("difference"),
                                      tr("boundary F1 %1").arg(a), tr("boundary F1 %1").arg(b)};
    m_images->setColumnCount(static_cast<int>(imageHeaders.size()));
    m_images->setHorizontalHeaderLabels(imageHeaders);
    m_images->setRowCount(static_cast<int>(r.images.size()));
    for (int i = 0; i < r.images.size(); ++i) {
        const CompareImageRow &row = r.images[i];
        m_images->setItem(i, 0, new QTableWidgetItem(row.id));
        m_images->setItem(i, 1, new NumberItem(row.diceA));
        m_images->setItem(i, 2, new NumberItem(row.diceB));
        m_images->setItem(i, 3, new NumberItem(row.diceB - row.diceA, 3, true));
        m_images->setItem(i, 4, new NumberItem(row.boundaryA));
        m_images->setItem(i, 5, new NumberItem(row.boundaryB));
    }
    m_images->setSortingEnabled(true);
    m_images->sortByColumn(3, Qt::DescendingOrder);
}

Leaderboard::Leaderboard(QWidget *parent) : QWidget(parent) {
    setAccessibleName(tr("Leaderboard"));
    auto *layout = new QVBoxLayout(this);
    auto *top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("<b>Leaderboard</b>: every run finished in this session (Train and Compare)")));
    top->addStretch(1);
    auto *exportCsv = new QPushButton(tr("Export CSV…"));
    top->addWidget(exportCsv);
    layout->addLayout(top);
    m_table = table({tr("source"), tr("model"), tr("parameters"), tr("settings"), tr("epochs"), tr("seconds"),
                     tr("val Dice"), tr("per class"), tr("boundary F1")});
    m_table->setSortingEnabled(true);
    m_table->setAccessibleName(tr("Leaderboard"));
    layout->addWidget(m_table);
    connect(exportCsv, &QPushButton::clicked, this, [this] {
        const QString path =
            QFileDialog::getSaveFileName(this, tr("Export leaderboard"), QStringLiteral("leaderboard.csv"), tr("CSV (*.csv)"));
        if (path.isEmpty()) return;
        QSaveFile f(path);
        if (f.open(QIODevice::WriteOnly)) {
            f.write(csv().toUtf8());
            f.commit();
        }
    });
}

void Leaderboard::addRow(const LeaderboardRow &row) {
    m_rows.push_back(row);
    m_table->setSortingEnabled(false);
    const int r = m_table->rowCount();
    m_table->insertRow(r);
    QStringList perClass;
    for (int c = 0; c < row.valDice.size(); ++c) perClass << QStringLiteral("%1 %2").arg(row.classNames.value(c), num(row.valDice[c]));
    m_table->setItem(r, 0, new QTableWidgetItem(row.source));
    m_table->setItem(r, 1, new QTableWidgetItem(row.model));
    m_table->setItem(r, 2, new NumberItem(static_cast<double>(row.parameters), 0));
    auto *settings = new QTableWidgetItem(row.settings);
    settings->setToolTip(row.settings);
    m_table->setItem(r, 3, settings);
    m_table->setItem(r, 4, new NumberItem(row.epochs, 0));
    m_table->setItem(r, 5, new NumberItem(row.seconds, 1));
    m_table->setItem(r, 6, new NumberItem(row.valDiceMean));
    m_table->setItem(r, 7, new QTableWidgetItem(perClass.join(QStringLiteral(", "))));
    m_table->setItem(r, 8, new NumberItem(row.boundaryF1));
    m_table->setSortingEnabled(true);
}

void Leaderboard::addRun(const RunSummary &run) {
    if (run.epochsRun == 0) return;
    LeaderboardRow row;
    row.source = tr("Train");
    row.model = run.info.modelName;
    row.parameters = run.info.parameters;
    row.settings = run.info.settings;
    row.epochs = run.epochsRun;
    row.seconds = run.seconds;
    row.classNames = run.info.classNames;
    row.valDice = run.bestValDice;
    row.valDiceMean = run.bestValDiceMean;
    row.boundaryF1 = run.bestValBoundaryF1;
    addRow(row);
}

void Leaderboard::addComparison(const CompareResult &result) {
    for (const CompareRunResult &run : result.runs) {
        if (run.epochsRun == 0) continue;
        LeaderboardRow row;
        row.source = tr("Compare");
        row.model = run.name;
        row.parameters = run.parameters;
        row.settings = result.settings;
        row.epochs = run.epochsRun;
        row.seconds = run.seconds;
        row.classNames = result.classNames;
        row.valDice = run.valDice;
        row.valDiceMean = run.valDiceMean;
        row.boundaryF1 = run.valBoundaryF1;
        addRow(row);
    }
}

QString Leaderboard::csv() const {
    QString out = QStringLiteral("source,model,parameters,settings,epochs,seconds,val_dice_mean,val_dice_per_class,val_boundary_f1\n");
    for (const LeaderboardRow &r : m_rows) {
        QStringList perClass;
        for (int c = 0; c < r.valDice.size(); ++c) perClass << QStringLiteral("%1=%2").arg(r.classNames.value(c), num(r.valDice[c], 4));
        const QStringList fields = {r.source, r.model, QString::number(r.parameters), r.settings, QString::number(r.epochs),
                                    QString::number(r.seconds, 'f', 2), num(r.valDiceMean, 4), perClass.join(QLatin1Char(';')),
                                    num(r.boundaryF1, 4)};
        QStringList escaped;
        for (const QString &f : fields) escaped << csvField(f);
        out += escaped.join(QLatin1Char(',')) + QLatin1Char('\n');
    }
    return out;
}
