#pragma once

#include "util/progress.h"

#include <QElapsedTimer>
#include <QObject>
#include <atomic>
#include <filesystem>
#include <functional>
#include <string>

class QLabel;
class QProgressBar;
class QThread;

namespace shiftscope {

class Workspace;

//! Runs one long core operation (import, demo build...) on a worker thread. Progress crosses to the GUI thread by
//! queued signals at most every 100 ms, with an ETA; cancel() makes the core progress callback return false, and
//! core then rolls back what it was writing.
class BackgroundTask : public QObject {
    Q_OBJECT
public:
    //! The work receives the progress callback and returns a summary text; exceptions become failed().
    using Work = std::function<std::string(const ProgressCallback &)>;

    explicit BackgroundTask(Work work, QObject *parent = nullptr);
    ~BackgroundTask() override;

    //! Work on the workspace at `path` through a connection of its own (the worker thread never touches the GUI's);
    //! the summary is empty.
    static Work inWorkspace(std::filesystem::path path,
                            std::function<void(Workspace &, const ProgressCallback &)> work);

    //! Shows the progress in `bar` and `label` ("stage: done of total…"; busy with "stage…" while the total is
    //! unknown), for as long as both live.
    void showProgressIn(QProgressBar *bar, QLabel *label);

    void start();
    void cancel() { m_cancelled = true; }
    bool isRunning() const;
    //! Blocks until the task has finished (used on shutdown and in tests).
    void wait();

signals:
    void progress(qint64 done, qint64 total, const QString &stage, double etaSeconds);
    void succeeded(const QString &summary);
    void failed(const QString &message);
    void cancelled();
    void finished();

private:
    Work m_work;
    QThread *m_thread = nullptr;
    std::atomic<bool> m_cancelled{false};
};

} // namespace shiftscope
