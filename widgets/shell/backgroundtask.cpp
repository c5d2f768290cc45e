#include "widgets/shell/backgroundtask.h"

#include "workspace/workspace.h"

#include "widgets/shell/qtconvert.h"
#include "util/errors.h"

#include <QLabel>
#include <QProgressBar>
#include <QThread>

namespace shiftscope {

BackgroundTask::BackgroundTask(Work work, QObject *parent) : QObject(parent), m_work(std::move(work)) {}

BackgroundTask::Work BackgroundTask::inWorkspace(std::filesystem::path path,
                                                 std::function<void(Workspace &, const ProgressCallback &)> work)
{
    return [path = std::move(path), work = std::move(work)](const ProgressCallback &progress) {
        Workspace workspace = Workspace::open(path);
        work(workspace, progress);
        return std::string();
    };
}

void BackgroundTask::showProgressIn(QProgressBar *bar, QLabel *label)
{
    connect(this, &BackgroundTask::progress, bar,
            [bar, label](qint64 done, qint64 total, const QString &stage, double) {
        if (total > 0 && done < total) {
            bar->setRange(0, int(std::min<qint64>(total, 1 << 30)));
            bar->setValue(int(std::min<qint64>(done, 1 << 30)));
            label->setText(tr("%1: %2 of %3…").arg(stage.toHtmlEscaped()).arg(done).arg(total));
        } else {
            bar->setRange(0, 0);
            label->setText(tr("%1…").arg(stage.toHtmlEscaped()));
        }
    });
}

BackgroundTask::~BackgroundTask()
{
    if (m_thread) {
        m_cancelled = true;
        m_thread->wait();
    }
}

bool BackgroundTask::isRunning() const { return m_thread && m_thread->isRunning(); }

void BackgroundTask::wait()
{
    if (m_thread)
        m_thread->wait();
}

void BackgroundTask::start()
{
    m_thread = QThread::create([this] {
        QElapsedTimer clock;
        clock.start();
        qint64 lastEmit = -1000;
        ProgressCallback callback = [&](std::int64_t done, std::int64_t total, const std::string &stage) {
            const qint64 now = clock.elapsed();
            if (now - lastEmit >= 100 || done == total) {
                lastEmit = now;
                const double eta = (total > 0 && done > 0) ? double(now) / 1000.0 * double(total - done) / double(done)
                                                           : -1.0;
                emit progress(done, total, qs(stage), eta);
            }
            return !m_cancelled.load();
        };
        try {
            const std::string summary = m_work(callback);
            emit succeeded(qs(summary));
        } catch (const Cancelled &) {
            emit cancelled();
        } catch (const InputError &e) {
            emit failed(qs(e.what()));
        } catch (const std::exception &e) {
            emit failed(qs(e.what()));
        }
    });
    m_thread->setParent(this);
    connect(m_thread, &QThread::finished, this, &BackgroundTask::finished);
    m_thread->start();
}

} // namespace shiftscope
