#pragma once

#include "preferences/preferenceimport.h"

#include "widgets/shell/backgroundtask.h"
#include "util/progress.h"

#include <QByteArray>
#include <QMainWindow>
#include <QPointer>
#include <filesystem>
#include <functional>
#include <memory>
#include <vector>

class QAction;
class QDockWidget;
class QMenu;
class QProgressDialog;
class QTabWidget;
class QTimer;

namespace shiftscope {

class AuditView;
struct AnnotationOutcome;
class DisagreementsView;
class ResultsContext;
class ResultsToolBar;
class RunsPanel;
class SessionParticipant;
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
    //! Shows what other connections (the CLI, a second window, a run in progress) committed to the workspace since
    //! the last look: the results toolbar, the views and the run list reload. Returns whether anything changed.
    //! A timer calls it every second and a half, every five seconds while changes keep coming.
    bool checkForChanges();
    //! Imports GENIES data in the background; importFinished() reports the outcome.
    void importData(const QString &dir);
    //! Imports a preference file in the background (import-preferences), then reloads the navigator.
    void importPreferenceFile(const std::filesystem::path &file, const PreferenceImportOptions &options);
    //! Imports a GENIES results tree in the background; taskFinished() reports the outcome.
    void importResults(const QString &dir);
    //! Builds the demo workspace at `path` in the background, then opens it.
    void openDemo(const QString &path);
    //! What openDemo() runs in the background; by default it writes and imports the demo suite only. The
    //! application sets one that also builds the demo model and its runs (that needs the engine).
    using DemoPreparation = std::function<std::string(const std::filesystem::path &, const ProgressCallback &)>;
    void setDemoPreparation(DemoPreparation preparation) { m_demoPreparation = std::move(preparation); }
    //! Saves the current selection, filters and view to a session file; false (with the reason shown) on failure.
    bool saveSession(const QString &path);
    //! Restores a session file, opening its workspace if needed.
    bool loadSession(const QString &path);
    //! Large fonts, a high-contrast theme and one view at a time, for talks.
    void setPresentationMode(bool on);
    bool presentationMode() const { return m_presentation; }
    //! Cancels the running background task, if any.
    void cancelTask();

    Workspace *workspace() const { return m_workspace.get(); }
    ShiftNavigator *navigator() const { return m_navigator; }
    ShiftView *shiftView() const { return m_shiftView; }
    ResultsContext *resultsContext() const { return m_context; }
    QTabWidget *tabs() const { return m_tabs; }
    DisagreementsView *disagreementsView() const { return m_disagreements; }
    ResultsToolBar *resultsToolBar() const { return m_resultsBar; }
    RunsPanel *runsPanel() const { return m_runs; }
    AuditView *auditView() const { return m_audit; }
    BackgroundTask *runningTask() const { return m_task; }

signals:
    void workspaceOpened(const QString &path);
    void taskFinished(bool ok, const QString &message);

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    DemoPreparation m_demoPreparation;
    void createActions();
    void newWorkspace();
    void chooseWorkspace();
    void chooseImportFolder();
    void loadShiftSpec();
    void choosePreferenceFile();
    void newShift();
    void exportShiftCatalogue();
    //! After the demo workspace opens: its headline shift and interventions in the shift results.
    void showDemoStory();
    void updateRecentMenu();
    void rememberRecent(const QString &path);
    void onShiftSelected(const ShiftPair &shift);
    void runTask(const QString &title, std::function<std::string(const ProgressCallback &)> work,
                 std::function<void()> onSuccess);
    void showError(const QString &title, const QString &message);
    void updateStatus();
    void saveLayout();
    void restoreLayout();

    void addResultsViews();
    //! An action's status line and, when it failed, its error.
    void showOutcome(const AnnotationOutcome &outcome);
    //! The tabs that keep their own share of a session.
    std::vector<SessionParticipant *> sessionParticipants() const;
    void createAuditMenu();

    std::unique_ptr<Workspace> m_workspace;
    ResultsContext *m_context;
    ShiftNavigator *m_navigator;
    ShiftView *m_shiftView;
    QTabWidget *m_tabs;
    QAction *m_presentationAction = nullptr;
    DisagreementsView *m_disagreements;
    ResultsToolBar *m_resultsBar;
    RunsPanel *m_runs;
    AuditView *m_audit;
    QDockWidget *m_runsDock;
    QDockWidget *m_navigatorDock;
    QMenu *m_recentMenu = nullptr;
    bool m_presentation = false;
    QByteArray m_layoutBeforePresentation;   //!< docks and toolbars, restored when presentation mode ends
    QByteArray m_geometryBeforePresentation; //!< the window's place and size (or maximised state)
    QPointer<BackgroundTask> m_task;
    QTimer *m_watch;
    std::int64_t m_dataVersion = 0;
    QPointer<QProgressDialog> m_progress;
};

} // namespace shiftscope
