#pragma once

#include "widgets/shell/backgroundtask.h"

#include <QPointer>
#include <QWidget>
#include <deque>
#include <optional>

class QLabel;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QTableWidget;

namespace shiftscope {

class Workspace;
struct RunRequest;

//! The run queue: every run of the workspace with its status, the running one's progress and ETA, the selected
//! run's units and logs, and Cancel/Resume. Runs execute one at a time on a worker thread with their own
//! workspace connection; the interface never waits for them.
class RunsPanel : public QWidget {
    Q_OBJECT
public:
    explicit RunsPanel(QWidget *parent = nullptr);
    ~RunsPanel() override;

    void setWorkspace(Workspace *workspace);
    //! Plans the run (bad requests are reported and nothing is queued) and queues it; returns its id or 0.
    qint64 submit(const RunRequest &request);
    void resume(qint64 runId);
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

signals:
    void runFinished(qint64 runId, const QString &status);
    void failed(const QString &message);
    //! A run was renamed or deleted here: what the results show changed.
    void runsChanged();

private:
    void startNext();
    void showSelected();
    qint64 selectedRun() const;

    Workspace *m_workspace = nullptr;
    std::deque<qint64> m_queue;
    QPointer<BackgroundTask> m_task;
    qint64 m_current = 0;
    QTableWidget *m_table;
    QProgressBar *m_progress;
    QLabel *m_stage;
    QPushButton *m_cancel;
    QPushButton *m_resume;
    QPushButton *m_rename;
    QPushButton *m_delete;
    QPushButton *m_rerun;
    QPlainTextEdit *m_log;
};

} // namespace shiftscope
