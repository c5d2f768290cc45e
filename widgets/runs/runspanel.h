#pragma once

#include "widgets/shell/backgroundtask.h"

#include <QPointer>
#include <QWidget>
#include <deque>
#include <functional>
#include <optional>

class QLabel;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QTableWidget;
class QTimer;

namespace shiftscope {

class Workspace;
struct RunRequest;
struct SlurmOptions;

//! The run queue: every run of the workspace with its status, the running one's progress and ETA, the selected
//! run's units and logs, and Cancel/Resume. Runs execute one at a time on a worker thread with their own
//! workspace connection; the interface never waits for them. Runs submitted to Slurm show their units' states
//! (pending, running, done, failed, refreshed while any is unfinished), and offer Collect and Resume (resubmit).
class RunsPanel : public QWidget {
    Q_OBJECT
public:
    explicit RunsPanel(QWidget *parent = nullptr);
    ~RunsPanel() override;

    void setWorkspace(Workspace *workspace);
    //! Plans the run (bad requests are reported and nothing is queued) and queues it; returns its id or 0.
    qint64 submit(const RunRequest &request);
    //! Plans the run and submits it to Slurm off the interface thread; returns its id or 0. A submission that fails
    //! before anything reached Slurm removes the run again.
    qint64 submitToSlurm(const RunRequest &request, const SlurmOptions &options);
    //! Executes the run here, or for a run on Slurm resubmits its failed units.
    void resume(qint64 runId);
    //! Merges the finished units of a run on Slurm (off the interface thread).
    void collect(qint64 runId);
    void cancelCurrent();
    bool isBusy() const { return m_task != nullptr; }
    void refresh();
    //! Lists the run's results under `name` (empty: "<intervention> · run <id>"); false, with failed(), when
    //! refused (another result has the name, the run is gone).
    bool renameRun(qint64 runId, const QString &name);
    //! Deletes the run with its evaluations and artifacts; false, with failed(), when refused (it is running).
    bool deleteRun(qint64 runId);
    //! Queues the run's configuration again with the next seed of that configuration; returns the new run's id or 0.
    qint64 rerun(qint64 runId);

    QTableWidget *table() const { return m_table; }
    QPlainTextEdit *log() const { return m_log; }
    QProgressBar *progress() const { return m_progress; }
    QPushButton *collectButton() const { return m_collect; }
    //! True while a Slurm submission, resubmission or collect is in progress.
    bool isClusterBusy() const { return m_clusterTask != nullptr; }

signals:
    void runFinished(qint64 runId, const QString &status);
    void failed(const QString &message);
    //! A run was renamed or deleted here: what the results show changed.
    void runsChanged();

private:
    void startNext();
    //! Runs `work` on a worker thread with its own workspace connection; its result or error shows in the stage.
    void startClusterTask(const QString &what, std::function<std::string(Workspace &)> work,
                          std::function<void(bool)> done = {});
    void showSelected();
    qint64 selectedRun() const;

    Workspace *m_workspace = nullptr;
    std::deque<qint64> m_queue;
    QPointer<BackgroundTask> m_task;
    QPointer<BackgroundTask> m_clusterTask;
    QTimer *m_clusterTimer;
    qint64 m_current = 0;
    QTableWidget *m_table;
    QProgressBar *m_progress;
    QLabel *m_stage;
    QPushButton *m_cancel;
    QPushButton *m_resume;
    QPushButton *m_rename;
    QPushButton *m_delete;
    QPushButton *m_rerun;
    QPushButton *m_collect;
    QPlainTextEdit *m_log;
};

} // namespace shiftscope
