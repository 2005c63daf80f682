#pragma once
// The main window: one tab per working area (Data, Train; Learn, Inspect and Compare come
// with their issues), menus with standard shortcuts, a toolbar, and a status bar with the
// device, the model and the dataset. Owns the engine thread.

#include <QMainWindow>
#include <QString>

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
    // Opens a checkpoint (UNet Lab .ckpt or a PyTorch state dict) on the engine thread.
    void openCheckpointFile(const QString &path);
    // Shows an area by name ("learn", "data", "train", "compare"); false when there is none.
    bool showArea(const QString &name);
    QStringList areaNames() const;

private:
    void buildMenus();
    void connectEngine();
    void openCheckpoint();
    void saveScreenshot();
    void about();
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
};

}  // namespace unetlab::gui
