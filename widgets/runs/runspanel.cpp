#include "widgets/runs/runspanel.h"

#include "widgets/shell/backgroundtask.h"
#include "widgets/shell/qtconvert.h"
#include "runs/cluster.h"
#include "runs/runner.h"
#include "runs/runplanner.h"
#include "runs/runstore.h"
#include "util/errors.h"
#include "workspace/workspace.h"

#include <QHBoxLayout>
#include <QInputDialog>
#include <QLineEdit>
#include <QMessageBox>
#include <QHeaderView>
#include <QLabel>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSplitter>
#include <QTableWidget>
#include <QTimer>
#include <QVBoxLayout>
#include <algorithm>

namespace shiftscope {

namespace {
enum Column { IdColumn, InterventionColumn, ShiftsColumn, StatusColumn, CreatedColumn, ColumnCount };
}

RunsPanel::RunsPanel(QWidget *parent)
    : QWidget(parent),
      m_table(new QTableWidget(0, ColumnCount, this)),
      m_progress(new QProgressBar(this)),
      m_stage(new QLabel(this)),
      m_cancel(new QPushButton(tr("Cancel"), this)),
      m_resume(new QPushButton(tr("Resume"), this)),
      m_rename(new QPushButton(tr("Rename…"), this)),
      m_delete(new QPushButton(tr("Delete…"), this)),
      m_rerun(new QPushButton(tr("Run Again"), this)),
      m_collect(new QPushButton(tr("Collect"), this)),
      m_log(new QPlainTextEdit(this))
{
    m_table->setHorizontalHeaderLabels({tr("Run"), tr("Intervention"), tr("Shifts"), tr("Status"), tr("Created")});
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->horizontalHeader()->setSortIndicator(IdColumn, Qt::AscendingOrder); // oldest first, by any column
    m_log->setReadOnly(true);
    m_stage->setWordWrap(true);
    m_cancel->setEnabled(false);
    m_resume->setEnabled(false);
    m_rename->setEnabled(false);
    m_delete->setEnabled(false);
    m_rerun->setEnabled(false);
    m_rerun->setToolTip(tr("Run this configuration again with the next seed"));
    m_collect->setEnabled(false);
    m_collect->setToolTip(tr("Merge the units this run's Slurm tasks finished into the workspace"));
    m_clusterTimer = new QTimer(this);
    m_clusterTimer->setInterval(10000);
    connect(m_clusterTimer, &QTimer::timeout, this, &RunsPanel::refresh);
    m_rename->setToolTip(tr("The name this run's results are listed under"));
    m_delete->setToolTip(tr("Delete the run with its evaluations and what it trained"));

    // Progress above the buttons, so that the dock can stay a narrow side panel.
    auto *controls = new QVBoxLayout;
    auto *progress = new QHBoxLayout;
    progress->addWidget(m_progress, 1);
    progress->addWidget(m_cancel);
    auto *actions = new QHBoxLayout;
    for (QPushButton *button : {m_resume, m_collect, m_rename, m_delete, m_rerun})
        actions->addWidget(button);
    actions->addStretch(1);
    controls->addLayout(progress);
    controls->addLayout(actions);
    auto *splitter = new QSplitter(Qt::Vertical, this);
    splitter->addWidget(m_table);
    splitter->addWidget(m_log);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(controls);
    layout->addWidget(m_stage);
    layout->addWidget(splitter, 1);

    connect(m_cancel, &QPushButton::clicked, this, &RunsPanel::cancelCurrent);
    connect(m_resume, &QPushButton::clicked, this, [this] {
        const auto items = m_table->selectedItems();
        if (!items.isEmpty())
            resume(m_table->item(items.first()->row(), IdColumn)->text().toLongLong());
    });
    connect(m_table, &QTableWidget::itemSelectionChanged, this, &RunsPanel::showSelected);
    connect(m_collect, &QPushButton::clicked, this, [this] {
        if (const qint64 id = selectedRun())
            collect(id);
    });
    connect(m_rename, &QPushButton::clicked, this, [this] {
        const qint64 id = selectedRun();
        const auto run = id && m_workspace ? RunStore(*m_workspace).run(id) : std::nullopt;
        if (!run)
            return;
        bool ok = false;
        const QString name = QInputDialog::getText(
            this, tr("Rename run %1").arg(id),
            tr("List this run's results as (empty: \"%1 · run %2\"):").arg(qs(run->intervention)).arg(id),
            QLineEdit::Normal, qs(run->label), &ok);
        if (ok)
            renameRun(id, name.trimmed());
    });
    connect(m_rerun, &QPushButton::clicked, this, [this] {
        if (const qint64 id = selectedRun())
            rerun(id);
    });
    connect(m_delete, &QPushButton::clicked, this, [this] {
        const qint64 id = selectedRun();
        if (!id)
            return;
        QMessageBox ask(QMessageBox::Question, tr("Delete run %1").arg(id),
                        tr("Delete run %1 with its evaluations and what it trained? This cannot be undone.").arg(id),
                        QMessageBox::Cancel, this);
        ask.addButton(tr("Delete"), QMessageBox::DestructiveRole);
        ask.exec();
        if (ask.buttonRole(ask.clickedButton()) == QMessageBox::DestructiveRole)
            deleteRun(id);
    });
}

qint64 RunsPanel::rerun(qint64 runId)
{
    if (!m_workspace)
        return 0;
    const auto run = RunStore(*m_workspace).run(runId);
    if (!run)
        return 0;
    return submit(rerunRequest(*run, nextSeed(*m_workspace, *run)));
}

qint64 RunsPanel::selectedRun() const
{
    const auto items = m_table->selectedItems();
    return items.isEmpty() ? 0 : m_table->item(items.first()->row(), IdColumn)->text().toLongLong();
}

bool RunsPanel::renameRun(qint64 runId, const QString &name)
{
    if (!m_workspace)
        return false;
    try {
        RunStore(*m_workspace).rename(runId, ss(name));
    } catch (const std::exception &e) {
        emit failed(qs(e.what()));
        return false;
    }
    refresh();
    emit runsChanged();
    return true;
}

bool RunsPanel::deleteRun(qint64 runId)
{
    if (!m_workspace)
        return false;
    if (runId == m_current) {
        emit failed(tr("Run %1 is running; cancel it before deleting it.").arg(runId));
        return false;
    }
    try {
        const auto left = RunStore(*m_workspace).remove(runId);
        if (!left.empty())
            emit failed(tr("Run %1 is deleted, but some of what it trained could not be removed:\n%2")
                            .arg(runId)
                            .arg(qs(left.front())));
    } catch (const std::exception &e) {
        emit failed(qs(e.what()));
        return false;
    }
    m_queue.erase(std::remove(m_queue.begin(), m_queue.end(), runId), m_queue.end());
    refresh();
    emit runsChanged();
    return true;
}

RunsPanel::~RunsPanel()
{
    if (m_task) {
        m_task->cancel();
        m_task->wait();
    }
    if (m_clusterTask)
        m_clusterTask->wait();
}

void RunsPanel::setWorkspace(Workspace *workspace)
{
    if (m_task) {
        m_task->cancel();
        m_task->wait();
    }
    if (m_clusterTask)
        m_clusterTask->wait();
    m_queue.clear();
    m_workspace = workspace;
    if (m_workspace) {
        const auto interrupted = RunStore(*m_workspace).markInterrupted();
        if (!interrupted.empty())
            m_stage->setText(tr("%n run(s) were interrupted when ShiftScope stopped; select one and press Resume.",
                                nullptr, int(interrupted.size())));
    }
    refresh();
}

void RunsPanel::refresh()
{
    const qint64 selected = m_table->selectedItems().isEmpty()
                              ? 0
                              : m_table->item(m_table->selectedItems().first()->row(), IdColumn)->text().toLongLong();
    m_table->setRowCount(0);
    if (!m_workspace)
        return;
    // Filled unsorted (rows would move while they are written), then sorted by the header the user chose.
    m_table->setSortingEnabled(false);
    bool unfinishedOnSlurm = false;
    for (const auto &run : RunStore(*m_workspace).runs()) {
        const int row = m_table->rowCount();
        m_table->insertRow(row);
        auto *id = new QTableWidgetItem;
        id->setData(Qt::DisplayRole, qlonglong(run.id)); // sorts as a number
        m_table->setItem(row, IdColumn, id);
        m_table->setItem(row, InterventionColumn, new QTableWidgetItem(qs(runEvaluationLabel(run, run.intervention))));
        m_table->setItem(row, ShiftsColumn, new QTableWidgetItem(qs(run.shifts)));
        auto *status = new QTableWidgetItem(qs(runStatusName(run.status)));
        if (run.status == RunStatus::Running && !run.owner.empty())
            status->setToolTip(tr("Executed by %1").arg(qs(run.owner.describe())));
        if (run.status == RunStatus::Queued) {
            const auto units = clusterUnitProgress(*m_workspace, run.id);
            if (!units.empty()) {
                status->setText(tr("on Slurm: %1").arg(qs(clusterProgressSummary(units))));
                status->setToolTip(tr("Submitted to Slurm; units are collected into the workspace as they finish"));
                unfinishedOnSlurm =
                    unfinishedOnSlurm || std::any_of(units.begin(), units.end(), [](const UnitProgress &u) {
                        return u.state == "pending" || u.state == "running" || (u.state == "done" && !u.collected);
                    });
            }
        }
        m_table->setItem(row, StatusColumn, status);
        m_table->setItem(row, CreatedColumn, new QTableWidgetItem(qs(run.createdAt)));
        if (run.id == selected)
            m_table->selectRow(row);
    }
    m_table->setSortingEnabled(true);
    // Slurm's states change without a write to the workspace: look again while a run there is unfinished.
    if (unfinishedOnSlurm && !m_clusterTimer->isActive())
        m_clusterTimer->start();
    else if (!unfinishedOnSlurm)
        m_clusterTimer->stop();
    showSelected();
}

qint64 RunsPanel::submitToSlurm(const RunRequest &request, const SlurmOptions &options)
{
    if (!m_workspace)
        return 0;
    std::int64_t id = 0;
    try {
        id = RunStore(*m_workspace).create(planRun(*m_workspace, request));
    } catch (const std::exception &e) {
        emit failed(qs(e.what()));
        return 0;
    }
    refresh();
    startClusterTask(
        tr("Submitting run %1 to Slurm").arg(id),
        [id, options](Workspace &ws) {
        const ClusterJob job = submitRun(ws, id, options);
        return "Run " + std::to_string(id) + ": " + std::to_string(job.units.size())
             + " units submitted to Slurm as array job " + job.arrayJob + ", collect job " + job.collectJob;
        },
        [this, id, path = m_workspace->path()](bool ok) {
        // Nothing reached Slurm: the run would otherwise wait for tasks that do not exist. (Only in the workspace
        // it was planned in: another may have been opened meanwhile.)
        if (ok || !m_workspace || m_workspace->path() != path || ClusterStore(*m_workspace).submission(id))
            return;
        try {
            RunStore(*m_workspace).remove(id);
        } catch (const std::exception &) {
        }
        refresh();
    });
    return id;
}

void RunsPanel::collect(qint64 runId)
{
    startClusterTask(tr("Collecting run %1").arg(runId), [runId](Workspace &ws) {
        const CollectReport report = collectRun(ws, runId);
        std::string text = "Run " + std::to_string(runId) + ": collected " + std::to_string(report.merged.size())
                         + " units, " + std::to_string(report.done) + "/" + std::to_string(report.total) + " done";
        for (const auto &refused : report.refused)
            text += "\nrefused " + refused.toString();
        return text;
    });
}

void RunsPanel::startClusterTask(const QString &what, std::function<std::string(Workspace &)> work,
                                 std::function<void(bool)> done)
{
    if (m_clusterTask || !m_workspace) {
        emit failed(tr("Wait for the Slurm operation in progress to end."));
        return;
    }
    const std::filesystem::path path = m_workspace->path();
    m_stage->setText(what + QStringLiteral("…"));
    m_clusterTask = new BackgroundTask(
        [path, work](const ProgressCallback &) {
        Workspace workspace = Workspace::open(path);
        return work(workspace);
        },
        this);
    connect(m_clusterTask, &BackgroundTask::succeeded, this, [this, done](const QString &summary) {
        m_stage->setText(summary);
        if (done)
            done(true);
    });
    connect(m_clusterTask, &BackgroundTask::failed, this, [this, done](const QString &message) {
        m_stage->setText(message);
        emit failed(message);
        if (done)
            done(false);
    });
    connect(m_clusterTask, &BackgroundTask::finished, this, [this] {
        m_clusterTask->deleteLater();
        m_clusterTask = nullptr;
        refresh();
        emit runsChanged();
    });
    m_clusterTask->start();
}

qint64 RunsPanel::submit(const RunRequest &request)
{
    if (!m_workspace)
        return 0;
    try {
        const auto id = RunStore(*m_workspace).create(planRun(*m_workspace, request));
        m_queue.push_back(id);
        refresh();
        startNext();
        return id;
    } catch (const std::exception &e) {
        emit failed(qs(e.what()));
        return 0;
    }
}

void RunsPanel::resume(qint64 runId)
{
    if (m_workspace && ClusterStore(*m_workspace).submission(runId)) {
        startClusterTask(tr("Resubmitting run %1").arg(runId), [runId](Workspace &ws) {
            const auto job = resubmitMissingUnits(ws, runId);
            return job ? "Run " + std::to_string(runId) + ": " + std::to_string(job->units.size())
                             + " units submitted again as array job " + job->arrayJob
                       : "Run " + std::to_string(runId)
                             + ": no unit to resubmit (each is collected, finished, pending or running)";
        });
        return;
    }
    if (runId == m_current || std::find(m_queue.begin(), m_queue.end(), runId) != m_queue.end())
        return;
    m_queue.push_back(runId);
    startNext();
}

void RunsPanel::cancelCurrent()
{
    if (m_task)
        m_task->cancel();
}

void RunsPanel::startNext()
{
    if (m_task || m_queue.empty() || !m_workspace)
        return;
    m_current = m_queue.front();
    m_queue.pop_front();
    const std::filesystem::path path = m_workspace->path();
    const std::int64_t id = m_current;
    auto status = std::make_shared<RunStatus>(RunStatus::Running);
    m_task = new BackgroundTask(
        [path, id, status](const ProgressCallback &progress) {
        Workspace workspace = Workspace::open(path);
        RunOptions options;
        options.progress = progress;
        *status = RunRunner::execute(workspace, id, options);
        return runStatusName(*status);
        },
        this);
    connect(m_task, &BackgroundTask::progress, this,
            [this](qint64 done, qint64 total, const QString &stage, double eta) {
        m_progress->setMaximum(total > 0 ? 1000 : 0);
        if (total > 0)
            m_progress->setValue(int(1000 * done / total));
        m_stage->setText(tr("Run %1 · %2%3")
                             .arg(m_current)
                             .arg(stage, eta >= 0 ? tr(" · about %1 s left").arg(qRound(eta)) : QString()));
    });
    connect(m_task, &BackgroundTask::succeeded, this,
            [this](const QString &result) { emit runFinished(m_current, result); });
    connect(m_task, &BackgroundTask::cancelled, this,
            [this] { emit runFinished(m_current, QStringLiteral("cancelled")); });
    connect(m_task, &BackgroundTask::failed, this, [this](const QString &message) {
        m_stage->setText(tr("Run %1 failed: %2").arg(m_current).arg(message));
        emit failed(message);
        emit runFinished(m_current, QStringLiteral("failed"));
    });
    connect(m_task, &BackgroundTask::finished, this, [this] {
        m_task->deleteLater();
        m_task = nullptr;
        m_current = 0;
        m_cancel->setEnabled(false);
        refresh();
        startNext();
    });
    m_cancel->setEnabled(true);
    m_task->start();
    refresh();
}

void RunsPanel::showSelected()
{
    const auto items = m_table->selectedItems();
    m_resume->setEnabled(false);
    m_collect->setEnabled(false);
    m_rename->setEnabled(!items.isEmpty());
    m_rerun->setEnabled(!items.isEmpty());
    m_delete->setEnabled(!items.isEmpty() && selectedRun() != m_current);
    if (items.isEmpty() || !m_workspace) {
        m_log->clear();
        return;
    }
    const qint64 id = m_table->item(items.first()->row(), IdColumn)->text().toLongLong();
    const auto run = RunStore(*m_workspace).run(id);
    if (!run)
        return;
    const bool resumable = run->status == RunStatus::Interrupted || run->status == RunStatus::Failed
                        || run->status == RunStatus::Cancelled || run->status == RunStatus::Queued;
    m_resume->setEnabled(resumable && id != m_current);
    const auto units = run->status == RunStatus::Queued ? clusterUnitProgress(*m_workspace, id)
                                                        : std::vector<UnitProgress>{};
    m_collect->setEnabled(!units.empty());
    const std::string statusName = units.empty() ? runStatusName(run->status) : "submitted to Slurm";
    QString text =
        tr("Run %1: %2 on %3, shifts %4, seed %5\nmodel %6\nstatus %7%8\n")
            .arg(run->id)
            .arg(qs(run->intervention), qs(run->modelPath.empty() ? "(none)" : run->modelPath), qs(run->shifts))
            .arg(run->seed)
            .arg(qs(run->modelHash.empty() ? "-" : run->modelHash.substr(0, 12)))
            .arg(qs(statusName), !run->error.empty() ? QStringLiteral(": ") + qs(run->error)
                                 : run->status == RunStatus::Running && !run->owner.empty()
                                     ? QStringLiteral(" (") + qs(run->owner.describe()) + ")"
                                     : QString());
    if (!units.empty())
        text += tr("on Slurm: plan folder %1\n").arg(qs(ClusterStore(*m_workspace).submission(id)->planDir.string()));
    for (const auto &unit : run->units) {
        QString state = qs(runStatusName(unit.status));
        if (std::size_t(unit.position) < units.size()) {
            const UnitProgress &u = units[std::size_t(unit.position)];
            state = qs(u.state) + (u.state == "done" && !u.collected ? tr(" (not collected)") : QString())
                  + (u.detail.empty() || u.collected || u.state == "done" ? QString()
                                                                          : QStringLiteral(": ") + qs(u.detail));
        }
        text += tr("\nunit %1 · %2 · %3 · %4\n")
                    .arg(unit.position + 1)
                    .arg(qs(unit.intervention),
                         unit.trainDistribution.empty() ? tr("no training")
                                                        : tr("trained on %1").arg(qs(unit.trainDistribution)),
                         state);
        text += qs(unit.log);
    }
    m_log->setPlainText(text);
}

} // namespace shiftscope
