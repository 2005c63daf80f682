#pragma once
// The numbers of a comparison (per run, on the test split), the per-image table sortable by
// the difference between the first two runs, and the session's leaderboard.

#include <QVector>
#include <QWidget>

#include "CompareTypes.h"

class QTableWidget;

class CompareNumbers : public QWidget {
    Q_OBJECT
public:
    explicit CompareNumbers(QWidget *parent = nullptr);
    void setResult(const CompareResult &result);
    QTableWidget *runTable() const { return m_runs; }
    QTableWidget *imageTable() const { return m_images; }

private:
    QTableWidget *m_runs = nullptr;
    QTableWidget *m_images = nullptr;
};

// Every finished run of the session, from the Train area and the Compare area, in one table
// (the chapter's table: MinimalCNN vs SmallUNet vs no-skip).
struct LeaderboardRow {
    QString source;  // "Train" or "Compare"
    QString model;
    qint64 parameters = 0;
    QString settings;
    int epochs = 0;
    double seconds = 0;
    QStringList classNames;
    QVector<double> valDice;
    double valDiceMean = 0;
    double boundaryF1 = 0;  // validation, best epoch
};

class Leaderboard : public QWidget {
    Q_OBJECT
public:
    explicit Leaderboard(QWidget *parent = nullptr);
    void addRow(const LeaderboardRow &row);
    void addRun(const RunSummary &run);              // a Train-area run
    void addComparison(const CompareResult &result);  // every run of a comparison
    int rowCount() const { return m_rows.size(); }
    const QVector<LeaderboardRow> &rows() const { return m_rows; }
    QString csv() const;

private:
    QTableWidget *m_table = nullptr;
    QVector<LeaderboardRow> m_rows;
};
