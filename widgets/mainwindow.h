#pragma once

#include "backgroundtask.h"
#include "util/progress.h"

#include <QMainWindow>
#include <QPointer>
#include <filesystem>
#include <memory>

class QDockWidget;
class QMenu;
class QProgressDialog;

namespace shiftscope {

class ShiftNavigator;
class ShiftView;
class Workspace;
struct ShiftPair;

//! The main window wires docks, menus and long tasks; the views do the work.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget *parent = nullptr);
    ~MainWindow() override;

    //! Opens (or, with create, makes) a workspace; on failure shows why and keeps the current one.
    bool openWorkspace(const QString &path, bool create = false);
    //! Imports GENIES data in the background; importFinished() reports the outcome.
    void importData(const QString &dir);
    //! Builds the demo workspace at `path` in the background, then opens it.
    void openDemo(const QString &path);
    //! Cancels the running background task, if any.
    void cancelTask();

    Workspace *workspace() const { return m_workspace.get(); }
    ShiftNavigator *navigator() const { return m_navigator; }
    ShiftView *shiftView() const { return m_shiftView; }
    BackgroundTask *runningTask() const { return m_task; }

signals:
    void workspaceOpened(const QString &path);
    void taskFinished(bool ok, const QString &message);

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void createActions();
    void newWorkspace();
    void chooseWorkspace();
    void chooseImportFolder();
    void loadShiftSpec();
    void updateRecentMenu();
    void rememberRecent(const QString &path);
    void onShiftSelected(const ShiftPair &shift);
    void runTask(const QString &title, std::function<std::string(const ProgressCallback &)> work, std::function<void()> onSuccess);
    void showError(const QString &title, const QString &message);
    void updateStatus();
    void saveLayout();
    void restoreLayout();

    std::unique_ptr<Workspace> m_workspace;
    ShiftNavigator *m_navigator;
    ShiftView *m_shiftView;
    QDockWidget *m_navigatorDock;
    QMenu *m_recentMenu = nullptr;
    QPointer<BackgroundTask> m_task;
    QPointer<QProgressDialog> m_progress;
};

} // namespace shiftscope
