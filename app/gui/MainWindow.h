#pragma once
// The main window: one tab per working area (Learn, Data, Train, Inspect, Compare), menus
// with standard shortcuts (listed by Help › Keyboard Shortcuts), a toolbar, and a status bar
// with the device and execution plan, the model and the dataset. Owns the engine thread;
// closing it while a run is going asks first.

#include <QMainWindow>
#include <QRect>
#include <QMessageBox>
#include <QString>

#include <functional>

class QLabel;
class QTabWidget;
class CompareArea;
class InspectArea;
class LearnArea;
class TrainingDashboard;

namespace unetlab::gui {

class DatasetPage;
class EngineThread;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget *parent = nullptr);
    ~MainWindow() override;

    LearnArea *learnArea() const { return m_learn; }
    DatasetPage *datasetPage() const { return m_dataset; }
    TrainingDashboard *dashboard() const { return m_dashboard; }
    CompareArea *compareArea() const { return m_compare; }
    InspectArea *inspectArea() const { return m_inspect; }
    EngineThread *engine() const { return m_engine; }
    QString deviceText() const;
    // The status bar's model and data, about the area in view (Learn, Data and Train: the
    // training settings or the run; Inspect: the model inspected; Compare: the models compared).
    QString statusModelText() const;
    QString statusDataText() const;
    // Opens a checkpoint (UNet Lab .ckpt or a PyTorch state dict) on the engine thread.
    void openCheckpointFile(const QString &path);
    // Shows an area by name ("learn", "data", "train", "compare"); false when there is none.
    bool showArea(const QString &name);
    QStringList areaNames() const;
    // The size of the window's first start (no saved geometry) on a screen whose available
    // area is `available`: 1600×950, or 92 % of that area where it is smaller.
    static QSize firstRunSize(const QRect &available);
    // `geometry` (the window's, without its frame) moved and shrunk as little as needed to lie
    // inside `available` with room for a title bar `titleBar` pixels high above it.
    static QRect fitToScreen(const QRect &geometry, const QRect &available, int titleBar);
    // A run or a comparison is going (preparing, running or paused).
    bool runGoing() const;
    // Every menu shortcut as an HTML table (Help › Keyboard Shortcuts).
    QString shortcutsText() const;
    // Answers the "stop training and quit?" question instead of a dialog (tests).
    void setCloseAnswer(std::function<QMessageBox::StandardButton()> answer) { m_closeAnswer = std::move(answer); }

    // Where runs are autosaved: one folder per run (see engine/train/RunFolder.h).
    QString autosaveRoot() const { return m_autosaveRoot; }
    // Runs that were interrupted (kill -9, a crash, a power cut): offers to restore the newest
    // one — Restore (continues it paused at its last finished epoch), Discard (never offered
    // again) or Later (File › Restore Interrupted Run). Called once the window shows. Returns
    // the answer, or NoButton when there was nothing to offer.
    QMessageBox::StandardButton offerInterruptedRun();
    // Restores the run saved in `dir` on the engine thread and shows the Train area.
    void restoreRun(const QString &dir);
    // Answers the restore question instead of a dialog (tests); gets the question's text.
    void setRestoreAnswer(std::function<QMessageBox::StandardButton(const QString &)> answer) {
        m_restoreAnswer = std::move(answer);
    }

private:
    void buildMenus();
    // First run (`restored` false): firstRunSize(), centred on the screen; otherwise the
    // restored geometry, kept inside the screen.
    void placeOnScreen(bool restored);
    void connectEngine();
    void describeArea();
    void openCheckpoint();
    void chooseInterruptedRun();
    void saveScreenshot();
    void about();
    void showShortcuts();
    void closeEvent(QCloseEvent *event) override;

    QTabWidget *m_tabs = nullptr;
    LearnArea *m_learn = nullptr;
    DatasetPage *m_dataset = nullptr;
    TrainingDashboard *m_dashboard = nullptr;
    CompareArea *m_compare = nullptr;
    InspectArea *m_inspect = nullptr;
    EngineThread *m_engine = nullptr;
    QLabel *m_deviceLabel = nullptr;
    QLabel *m_modelLabel = nullptr;
    QLabel *m_dataLabel = nullptr;
    QString m_trainModelText, m_trainDataText;  // the Train area's model and data, for describeArea
    std::function<QMessageBox::StandardButton()> m_closeAnswer;
    std::function<QMessageBox::StandardButton(const QString &)> m_restoreAnswer;
    QString m_autosaveRoot;
};

}  // namespace unetlab::gui
