#include "widgets/shell/mainwindow.h"

#include "preferences/preferenceimport.h"

#include "widgets/shell/backgroundtask.h"
#include "demo/demoworkspace.h"
#include "widgets/disagreements/disagreementsview.h"
#include "widgets/data/distributionpane.h"
#include "widgets/shell/filedialogs.h"
#include "results/resultsimporter.h"
#include "runs/runstore.h"
#include "widgets/results/resultscontext.h"
#include "widgets/results/resultstoolbar.h"
#include "widgets/results/viewregistry.h"
#include "widgets/results/resultsviewbase.h"
#include "widgets/runs/runlauncherdialog.h"
#include "widgets/runs/runspanel.h"
#include "widgets/audit/annotationactions.h"
#include "widgets/audit/auditview.h"
#include "widgets/shell/presentationstyle.h"
#include "widgets/disagreements/disagreementmodel.h"
#include "widgets/shell/sessionstate.h"
#include "genies/dataimporter.h"
#include "genies/shiftcatalogue.h"
#include "widgets/shell/qtconvert.h"
#include "widgets/data/shiftnavigator.h"
#include "widgets/data/shiftview.h"
#include "util/errors.h"
#include "workspace/workspace.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QLayout>
#include <QScreen>
#include <QDockWidget>
#include <QFileInfo>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QInputDialog>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QProgressDialog>
#include <QSettings>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QTimer>

// Resources of a static library must be registered by name, outside any namespace.
static void initShiftScopeResources() { Q_INIT_RESOURCE(shiftscope); }

namespace shiftscope {

namespace {
constexpr int kMaxRecent = 8;
const QString kRecentKey = QStringLiteral("recentWorkspaces");

QString formatEta(double seconds)
{
    if (seconds < 0)
        return {};
    if (seconds < 60)
        return QObject::tr("about %1 s left").arg(qRound(seconds));
    return QObject::tr("about %1 min left").arg(qRound(seconds / 60.0));
}
} // namespace

MainWindow::MainWindow(QWidget *parent)
    : QMainWindow(parent),
      m_context(new ResultsContext(this)),
      m_navigator(new ShiftNavigator(this)),
      m_shiftView(new ShiftView(this)),
      m_tabs(new QTabWidget(this)),
      m_disagreements(new DisagreementsView(m_context, this)),
      m_resultsBar(new ResultsToolBar(m_context, this)),
      m_runs(new RunsPanel(this)),
      m_audit(new AuditView(this)),
      m_runsDock(new QDockWidget(tr("Runs"), this)),
      m_navigatorDock(new QDockWidget(tr("Shifts"), this)),
      m_watch(new QTimer(this))
{
    m_watch->setInterval(1500);
    connect(m_watch, &QTimer::timeout, this, &MainWindow::checkForChanges);
    initShiftScopeResources();
    setWindowTitle(tr("ShiftScope"));
    setWindowIcon(QIcon(QStringLiteral(":/icons/shiftscope.svg")));
    setObjectName(QStringLiteral("MainWindow"));
    m_tabs->setObjectName(QStringLiteral("viewTabs"));
    m_shiftView->setObjectName(QStringLiteral("data"));
    m_disagreements->setObjectName(QStringLiteral("disagreements"));
    m_audit->setObjectName(QStringLiteral("audit"));
    m_tabs->addTab(m_shiftView, tr("Data"));
    addResultsViews();
    m_tabs->addTab(m_disagreements, tr("Disagreements"));
    m_tabs->addTab(m_audit, tr("Audit"));
    // The audit of the current shift runs when its tab is shown, not on every selection elsewhere.
    connect(m_tabs, &QTabWidget::currentChanged, this, [this] {
        if (m_tabs->currentWidget() == m_audit && m_context->shift() && m_audit->reports().empty())
            m_audit->auditShift(*m_context->shift());
    });
    setCentralWidget(m_tabs);
    addToolBar(Qt::TopToolBarArea, m_resultsBar);
    m_runsDock->setObjectName(QStringLiteral("runsDock"));
    m_runsDock->setWidget(m_runs);
    addDockWidget(Qt::RightDockWidgetArea, m_runsDock);
    m_runsDock->hide();
    connect(m_runs, &RunsPanel::failed, this, [this](const QString &message) { showError(tr("Run"), message); });
    connect(m_runs, &RunsPanel::runsChanged, this, [this] {
        m_resultsBar->reload();
        emit m_context->scopeChanged();
    });
    connect(m_runs, &RunsPanel::runFinished, this, [this](qint64 id, const QString &status) {
        statusBar()->showMessage(tr("Run %1 %2").arg(id).arg(status), 10000);
    });
    m_navigatorDock->setObjectName(QStringLiteral("navigatorDock"));
    m_navigatorDock->setWidget(m_navigator);
    addDockWidget(Qt::LeftDockWidgetArea, m_navigatorDock);
    connect(m_navigator, &ShiftNavigator::shiftSelected, this, &MainWindow::onShiftSelected);
    // Linked selection: a shift chosen in any results view is chosen in the navigator and the data view too.
    connect(m_context, &ResultsContext::shiftSelected, this, [this](const ShiftPair &shift) {
        if (!m_navigator->selectShift(shift.source, shift.target))
            m_shiftView->showShift(m_workspace.get(), shift);
    });
    // A heatmap cell's pairs: the Disagreements view, with that intervention picked.
    connect(m_context, &ResultsContext::pairsRequested, this,
            [this](const QString &intervention, const ShiftPair &shift) {
        m_tabs->setCurrentWidget(disagreementsView());
        disagreementsView()->pick(intervention, shift);
    });
    createActions();
    restoreLayout();
    updateStatus();
}

MainWindow::~MainWindow()
{
    if (m_task) {
        m_task->cancel();
        m_task->wait();
    }
}

void MainWindow::createActions()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("&New Workspace…"), QKeySequence::New, this, &MainWindow::newWorkspace);
    file->addAction(tr("&Open Workspace…"), QKeySequence::Open, this, &MainWindow::chooseWorkspace);
    m_recentMenu = file->addMenu(tr("Open &Recent"));
    file->addSeparator();
    file->addAction(tr("&Import GENIES data…"), QKeySequence(tr("Ctrl+I")), this, &MainWindow::chooseImportFolder);
    file->addAction(tr("Import GENIES &results…"), QKeySequence(tr("Ctrl+R")), this, [this] {
        if (!m_workspace) {
            showError(tr("No workspace"), tr("Create or open a workspace first (File → New Workspace…)."));
            return;
        }
        const QString dir =
            FileDialogs::existingFolder(this, tr("Import GENIES results: choose a results/ folder or its parent"));
        if (!dir.isEmpty())
            importResults(dir);
    });
    file->addAction(tr("Import &Preference Data…"), this, &MainWindow::choosePreferenceFile);
    file->addAction(tr("&Load Shift Specification…"), this, &MainWindow::loadShiftSpec);
    file->addAction(tr("New &Shift…"), QKeySequence(tr("Ctrl+Shift+N")), this, &MainWindow::newShift);
    file->addAction(tr("E&xport Shift Catalogue…"), this, &MainWindow::exportShiftCatalogue);
    file->addSeparator();
    file->addAction(tr("Open Sess&ion…"), this, [this] {
        const QString path =
            FileDialogs::openFile(this, tr("Open Session"), tr("ShiftScope sessions (*.shiftscope-session)"));
        if (!path.isEmpty())
            loadSession(path);
    });
    file->addAction(tr("Save Sess&ion…"), this, [this] {
        QString path =
            FileDialogs::saveFile(this, tr("Save Session"), tr("ShiftScope sessions (*.shiftscope-session)"));
        if (path.isEmpty())
            return;
        if (!path.endsWith(QStringLiteral(".shiftscope-session")))
            path += QStringLiteral(".shiftscope-session");
        saveSession(path);
    });
    file->addAction(tr("Open &Demo Workspace"), this, [this] { openDemo(qs(defaultDemoWorkspacePath().string())); });
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

    QMenu *runMenu = menuBar()->addMenu(tr("&Run"));
    runMenu->addAction(tr("&New Run…"), QKeySequence(tr("Ctrl+Shift+R")), this, [this] {
        if (!m_workspace) {
            showError(tr("No workspace"), tr("Create or open a workspace first (File → New Workspace…)."));
            return;
        }
        RunLauncherDialog dialog(m_workspace.get(), m_context->shift(), this);
        if (dialog.exec() == QDialog::Accepted) {
            m_runsDock->show();
            if (const auto slurm = dialog.slurm())
                m_runs->submitToSlurm(dialog.request(), *slurm);
            else
                m_runs->submit(dialog.request());
        }
    });
    runMenu->addAction(tr("&Cancel Current Run"), m_runs, &RunsPanel::cancelCurrent);

    createAuditMenu();

    QMenu *view = menuBar()->addMenu(tr("&View"));
    view->addAction(m_navigatorDock->toggleViewAction());
    view->addAction(m_runsDock->toggleViewAction());
    QAction *presentation = view->addAction(tr("&Presentation Mode"), QKeySequence(tr("F5")), this,
                                            [this](bool on) { setPresentationMode(on); });
    presentation->setCheckable(true);
    m_presentationAction = presentation;
    // Esc leaves presentation mode too: the usual way out of a full-screen talk.
    auto *leave = new QAction(this);
    leave->setShortcut(QKeySequence(Qt::Key_Escape));
    connect(leave, &QAction::triggered, this, [this] {
        if (m_presentation)
            setPresentationMode(false);
    });
    addAction(leave);
    view->addAction(tr("Find in &Source"), QKeySequence::Find, this,
                    [this] { m_shiftView->sourcePane()->findChild<QLineEdit *>()->setFocus(); });

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About ShiftScope"), this, [this] {
        QMessageBox::about(this, tr("About ShiftScope"),
                           tr("<b>ShiftScope %1</b><p>Audit how reward models generalize across distribution shifts, "
                              "on the GENIES benchmark.</p>")
                               .arg(QStringLiteral(SHIFTSCOPE_VERSION)));
    });
    updateRecentMenu();
}

bool MainWindow::openWorkspace(const QString &path, bool create)
{
    try {
        auto workspace = std::make_unique<Workspace>(create ? Workspace::create(ss(path)) : Workspace::open(ss(path)));
        m_shiftView->clear();
        m_workspace = std::move(workspace);
    } catch (const std::exception &e) {
        showError(tr("Cannot open workspace"), qs(e.what()));
        return false;
    }
    try {
        RunStore(*m_workspace).publishPending(); // runs of an older workspace join the results
    } catch (const std::exception &e) {
        showError(tr("Cannot show this workspace's runs with its results"), qs(e.what()));
    }
    m_dataVersion = m_workspace->dataVersion();
    m_watch->start();
    m_navigator->setWorkspace(m_workspace.get());
    m_context->setWorkspace(m_workspace.get());
    m_resultsBar->reload();
    m_runs->setWorkspace(m_workspace.get());
    // The runs dock belongs to workspaces with runs: an empty one is not carried over from the last workspace.
    const bool runsShown = m_runsDock->isVisible();
    m_runsDock->setVisible(m_runs->isBusy() || !RunStore(*m_workspace).runs().empty());
    if (m_runsDock->isVisible() && !runsShown) // a side panel, not half the window
        resizeDocks({m_runsDock}, {std::clamp(width() / 4, 320, 520)}, Qt::Horizontal);
    m_audit->setWorkspace(m_workspace.get());
    QSettings settings;
    const QString catalogue =
        settings.value(QStringLiteral("catalogue/") + QFileInfo(path).absoluteFilePath()).toString();
    if (!catalogue.isEmpty())
        m_navigator->setCurrentCatalogue(catalogue);
    else if (m_workspace->catalogues().size() > 1)
        m_navigator->setCurrentCatalogue(qs(m_workspace->catalogues().back().name));
    m_navigator->selectFirstShift();
    rememberRecent(QFileInfo(path).absoluteFilePath());
    setWindowTitle(tr("%1 — ShiftScope").arg(QFileInfo(path).fileName()));
    updateStatus();
    emit workspaceOpened(path);
    return true;
}

bool MainWindow::checkForChanges()
{
    if (!m_workspace)
        return false;
    std::int64_t version = m_dataVersion;
    try {
        version = m_workspace->dataVersion();
    } catch (const std::exception &) {
        return false; // busy or gone for a moment: the next look tries again
    }
    if (version == m_dataVersion) {
        m_watch->setInterval(1500);
        return false;
    }
    // While something keeps writing (a run commits a batch every second or so), look less often: the views
    // recompute on each change, and a table that redraws under the pointer is hard to read.
    m_watch->setInterval(5000);
    m_dataVersion = version;
    m_resultsBar->reload();
    emit m_context->scopeChanged();
    m_runs->refresh();
    return true;
}

void MainWindow::newWorkspace()
{
    const QString path = FileDialogs::saveFile(this, tr("New Workspace"), tr("ShiftScope workspaces (*.sqlite)"));
    if (path.isEmpty())
        return;
    QString target = path.endsWith(QStringLiteral(".sqlite")) ? path : path + QStringLiteral(".sqlite");
    if (QFileInfo::exists(target)) {
        if (QMessageBox::question(this, tr("Replace workspace?"),
                                  tr("%1 exists. Replace it with an empty workspace?").arg(target))
            != QMessageBox::Yes)
            return;
        QFile::remove(target);
        QFile::remove(target + QStringLiteral("-wal"));
        QFile::remove(target + QStringLiteral("-shm"));
    }
    openWorkspace(target, true);
}

void MainWindow::chooseWorkspace()
{
    const QString path =
        FileDialogs::openFile(this, tr("Open Workspace"), tr("ShiftScope workspaces (*.sqlite);;All files (*)"));
    if (!path.isEmpty())
        openWorkspace(path);
}

void MainWindow::updateRecentMenu()
{
    m_recentMenu->clear();
    const QStringList recent = QSettings().value(kRecentKey).toStringList();
    for (const QString &path : recent)
        m_recentMenu->addAction(path, this, [this, path] { openWorkspace(path); });
    m_recentMenu->setEnabled(!recent.isEmpty());
}

void MainWindow::rememberRecent(const QString &path)
{
    QSettings settings;
    QStringList recent = settings.value(kRecentKey).toStringList();
    recent.removeAll(path);
    recent.prepend(path);
    while (recent.size() > kMaxRecent)
        recent.removeLast();
    settings.setValue(kRecentKey, recent);
    updateRecentMenu();
}

void MainWindow::chooseImportFolder()
{
    if (!m_workspace) {
        showError(tr("No workspace"), tr("Create or open a workspace first (File → New Workspace…)."));
        return;
    }
    const QString dir = FileDialogs::existingFolder(
        this, tr("Import GENIES data: choose a GENIES checkout or its distributions/ folder"));
    if (!dir.isEmpty())
        importData(dir);
}

void MainWindow::importData(const QString &dir)
{
    if (!m_workspace)
        return;
    const std::filesystem::path workspacePath = m_workspace->path();
    const std::filesystem::path folder = ss(dir);
    auto summaryText = std::make_shared<QString>();
    runTask(
        tr("Importing GENIES data"),
        [workspacePath, folder, summaryText](const ProgressCallback &progress) {
        // The worker thread gets a connection of its own; the GUI keeps reading through its connection.
        Workspace workspace = Workspace::open(workspacePath);
        const ImportSummary s = DataImporter::importData(workspace, folder, progress);
        std::string text = std::to_string(s.added.size()) + " distributions added, " + std::to_string(s.updated.size())
                         + " updated, " + std::to_string(s.unchanged.size())
                         + " unchanged; GENIES shifts: " + std::to_string(s.completeShifts) + " complete, "
                         + std::to_string(s.incompleteShifts) + " incomplete";
        return text;
        },
        [this] { m_navigator->reload(); });
}

void MainWindow::importResults(const QString &dir)
{
    if (!m_workspace)
        return;
    const std::filesystem::path workspacePath = m_workspace->path();
    const std::filesystem::path folder = ss(dir);
    runTask(
        tr("Importing GENIES results"),
        [workspacePath, folder](const ProgressCallback &progress) {
        Workspace workspace = Workspace::open(workspacePath);
        const ResultsImportSummary s = ResultsImporter::importResults(workspace, folder, progress);
        return std::to_string(s.evaluationFiles) + " evaluation files (" + std::to_string(s.duplicateFiles)
             + " copies), " + std::to_string(s.metricsFiles) + " metrics tables; " + std::to_string(s.flaggedFiles)
             + " files flagged; rebuilt tables: " + std::to_string(s.agreeingCells) + " of "
             + std::to_string(s.comparedCells) + " cells agree with the published ones";
        },
        [this] {
        m_resultsBar->reload();
        emit m_context->scopeChanged();
    });
}

void MainWindow::openDemo(const QString &path)
{
    DemoPreparation prepare = m_demoPreparation;
    if (!prepare)
        prepare = [](const std::filesystem::path &workspace, const ProgressCallback &progress) {
            return buildDemoWorkspace(workspace, progress);
        };
    runTask(
        tr("Preparing the demo workspace"),
        [path, prepare](const ProgressCallback &progress) { return prepare(ss(path), progress); },
        [this, path] {
        QSettings().remove(QStringLiteral("catalogue/") + QFileInfo(path).absoluteFilePath());
        if (openWorkspace(path))
            showDemoStory();
        });
}

void MainWindow::showDemoStory()
{
    // The shift results of the spurious-cue shift, lora and mms against the zero-shot baseline, on the demo's
    // shifts: the demo's point at first sight.
    const DemoStory story;
    QStringList interventions;
    for (const auto &name : story.interventions)
        interventions << qs(name);
    m_resultsBar->shiftSetBox()->setCurrentIndex(m_resultsBar->shiftSetBox()->findData(int(ShiftSet::All)));
    m_resultsBar->chooseHeadline(interventions);
    m_navigator->selectShift(story.source, story.target);
    for (int i = 0; i < m_tabs->count(); ++i)
        if (m_tabs->widget(i)->objectName() == QStringLiteral("shift-results"))
            m_tabs->setCurrentIndex(i);
}

void MainWindow::loadShiftSpec()
{
    if (!m_workspace)
        return;
    const QString file =
        FileDialogs::openFile(this, tr("Load Shift Specification"), tr("Shift specifications (*.json)"));
    if (file.isEmpty())
        return;
    try {
        ShiftCatalogue catalogue = ShiftCatalogueReader::readFile(ss(file));
        bool ok = false;
        const QString name = QInputDialog::getText(this, tr("Catalogue name"), tr("Name for this shift catalogue:"),
                                                   QLineEdit::Normal, qs(catalogue.name), &ok);
        if (!ok || name.isEmpty())
            return;
        if (ss(name) == ShiftCatalogueReader::builtin().name) {
            showError(tr("Cannot load shifts"),
                      tr("The name %1 belongs to the built-in catalogue; choose another.").arg(name));
            return;
        }
        m_workspace->saveCatalogue(ss(name), catalogue.origin, catalogue.rows, false);
        m_navigator->reload();
        m_navigator->setCurrentCatalogue(name);
    } catch (const std::exception &e) {
        showError(tr("Cannot load shifts"), qs(e.what()));
    }
}

void MainWindow::runTask(const QString &title, BackgroundTask::Work work, std::function<void()> onSuccess)
{
    if (m_task) {
        showError(tr("Busy"), tr("Another task is still running."));
        return;
    }
    m_task = new BackgroundTask(std::move(work), this);
    m_progress = new QProgressDialog(title, tr("Cancel"), 0, 1000, this);
    m_progress->setWindowModality(Qt::WindowModal);
    m_progress->setMinimumDuration(300);
    m_progress->setAutoClose(false);
    m_progress->setAutoReset(false);
    m_progress->setValue(0);
    connect(m_progress, &QProgressDialog::canceled, m_task, &BackgroundTask::cancel);
    connect(m_task, &BackgroundTask::progress, this,
            [this, title](qint64 done, qint64 total, const QString &stage, double eta) {
        if (!m_progress)
            return;
        m_progress->setMaximum(total > 0 ? 1000 : 0);
        if (total > 0)
            m_progress->setValue(int(1000 * done / total));
        m_progress->setLabelText(QStringLiteral("%1\n%2  %3").arg(title, stage, formatEta(eta)));
    });
    // The window is free for the next task as soon as this one reports its result, not when its thread has wound
    // down a moment later: a task started from a result handler (or by a user clicking at once) must not be refused
    // as "busy". The task object deletes itself once its thread has ended.
    BackgroundTask *task = m_task;
    auto release = [this, task] {
        if (m_task != task)
            return;
        if (m_progress)
            m_progress->deleteLater();
        m_task = nullptr;
        updateStatus();
    };
    connect(task, &BackgroundTask::succeeded, this, [this, release, onSuccess](const QString &summary) {
        release();
        onSuccess();
        statusBar()->showMessage(summary, 15000);
        emit taskFinished(true, summary);
    });
    connect(task, &BackgroundTask::failed, this, [this, release, title](const QString &message) {
        release();
        showError(tr("%1 failed; nothing was changed").arg(title), message);
        emit taskFinished(false, message);
    });
    connect(task, &BackgroundTask::cancelled, this, [this, release] {
        release();
        statusBar()->showMessage(tr("Cancelled; the workspace is as it was."), 10000);
        emit taskFinished(false, tr("cancelled"));
    });
    connect(task, &BackgroundTask::finished, this, release);
    connect(task, &BackgroundTask::finished, task, &QObject::deleteLater);
    task->start();
}

void MainWindow::cancelTask()
{
    if (m_task)
        m_task->cancel();
}

void MainWindow::showError(const QString &title, const QString &message)
{
    statusBar()->showMessage(title, 10000);
    // Non-modal, so a failing background task never blocks the event loop.
    auto *box = new QMessageBox(QMessageBox::Warning, title, message.left(600), QMessageBox::Ok, this);
    if (message.size() > 600)
        box->setDetailedText(message);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

void MainWindow::updateStatus()
{
    if (!m_workspace) {
        statusBar()->showMessage(tr("No workspace open: File → New Workspace… or Open Workspace…"));
        return;
    }
    const auto distributions = m_workspace->distributions();
    statusBar()->showMessage(
        tr("%1 · %2 distributions").arg(qs(m_workspace->path().string())).arg(distributions.size()));
}

void MainWindow::onShiftSelected(const ShiftPair &shift)
{
    m_shiftView->showShift(m_workspace.get(), shift);
    m_context->selectShift(shift);
    if (m_tabs->currentWidget() == m_audit)
        m_audit->auditShift(shift);
    else
        m_audit->setReports({});
}

void MainWindow::createAuditMenu()
{
    QMenu *audit = menuBar()->addMenu(tr("&Audit"));
    audit->addAction(tr("Audit This &Shift"), QKeySequence(tr("Ctrl+Shift+A")), this, [this] {
        if (!m_context->shift())
            return;
        m_tabs->setCurrentWidget(m_audit);
        m_audit->auditShift(*m_context->shift());
    });
    audit->addAction(tr("Audit &Everything"), this, [this] {
        if (!m_workspace)
            return;
        m_tabs->setCurrentWidget(m_audit);
        const QString name = m_navigator->currentCatalogue();
        const auto info = m_workspace->catalogue(ss(name));
        m_audit->auditAll(info ? info->id : m_workspace->builtinCatalogueId());
    });
    audit->addSeparator();
    audit->addAction(tr("&Blind Relabelling…"), this, [this] {
        if (m_workspace)
            AnnotationActions::blindRelabelling(this, *m_workspace,
                                                m_context->shift() ? qs(m_context->shift()->target) : QString());
    });
    audit->addAction(tr("Relabelling &Statistics"), this, [this] {
        if (m_workspace)
            AnnotationActions::showStatistics(this, *m_workspace);
    });
    audit->addSeparator();
    audit->addAction(tr("E&xport Annotations…"), this, [this] {
        if (m_workspace)
            showOutcome(AnnotationActions::exportAnnotations(this, *m_workspace));
    });
    audit->addAction(tr("&Import Annotations…"), this, [this] {
        if (m_workspace)
            showOutcome(AnnotationActions::importAnnotations(this, *m_workspace));
    });
    audit->addAction(tr("Set Annotator &Name…"), this, [this] { AnnotationActions::askAnnotatorName(this); });
}

void MainWindow::showOutcome(const AnnotationOutcome &outcome)
{
    if (!outcome.status.isEmpty())
        statusBar()->showMessage(outcome.status, 15000);
    if (!outcome.error.isEmpty())
        showError(outcome.errorTitle, outcome.error);
}

void MainWindow::saveLayout()
{
    QSettings settings;
    // In presentation mode the layout to keep is the one it will give back, not the full-screen one.
    settings.setValue(QStringLiteral("window/geometry"),
                      m_presentation ? m_geometryBeforePresentation : saveGeometry());
    settings.setValue(QStringLiteral("window/state"), m_presentation ? m_layoutBeforePresentation : saveState());
    settings.setValue(QStringLiteral("window/shiftSplitter"), m_shiftView->splitter()->saveState());
    settings.setValue(QStringLiteral("window/sourceSplitter"), m_shiftView->sourcePane()->splitter()->saveState());
    settings.setValue(QStringLiteral("window/targetSplitter"), m_shiftView->targetPane()->splitter()->saveState());
    if (m_workspace)
        settings.setValue(QStringLiteral("catalogue/") + QFileInfo(qs(m_workspace->path().string())).absoluteFilePath(),
                          m_navigator->currentCatalogue());
}

void MainWindow::restoreLayout()
{
    QSettings settings;
    if (!restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray())) {
        resize(1500, 900);
        resizeDocks({m_navigatorDock}, {360}, Qt::Horizontal);
    }
    restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
    m_shiftView->splitter()->restoreState(settings.value(QStringLiteral("window/shiftSplitter")).toByteArray());
    m_shiftView->sourcePane()->splitter()->restoreState(
        settings.value(QStringLiteral("window/sourceSplitter")).toByteArray());
    m_shiftView->targetPane()->splitter()->restoreState(
        settings.value(QStringLiteral("window/targetSplitter")).toByteArray());
}

bool MainWindow::saveSession(const QString &path)
{
    SessionState s;
    s.workspace = m_workspace ? QFileInfo(qs(m_workspace->path().string())).absoluteFilePath() : QString();
    s.catalogue = m_navigator->currentCatalogue();
    if (const auto &shift = m_context->shift()) {
        s.shiftSource = qs(shift->source);
        s.shiftTarget = qs(shift->target);
    }
    s.tab = m_tabs->currentWidget()->objectName();
    s.model = m_context->model();
    s.interventions = m_context->interventions();
    s.shiftSet = int(m_context->shiftSet());
    s.capabilityRule = int(m_context->capabilityRule());
    for (const SessionParticipant *view : sessionParticipants())
        s.views.insert(view->sessionKey(), view->saveSessionState());
    s.presentation = m_presentation;
    QString error;
    if (!s.save(path, &error)) {
        showError(tr("Cannot save the session"), error);
        return false;
    }
    statusBar()->showMessage(tr("Session saved to %1").arg(path), 8000);
    return true;
}

bool MainWindow::loadSession(const QString &path)
{
    SessionState s;
    QString error;
    if (!SessionState::load(path, s, &error)) {
        showError(tr("Cannot open the session"), error);
        return false;
    }
    const bool sameWorkspace = m_workspace
                            && QFileInfo(qs(m_workspace->path().string())).absoluteFilePath() == s.workspace;
    if (!sameWorkspace) {
        if (!QFileInfo::exists(s.workspace)) {
            showError(tr("Cannot open the session"), tr("%1: its workspace %2 is not on this machine; copy the "
                                                        "workspace there, or open it and the session again.")
                                                         .arg(path, s.workspace));
            return false;
        }
        if (!openWorkspace(s.workspace))
            return false;
    }
    if (!s.catalogue.isEmpty())
        m_navigator->setCurrentCatalogue(s.catalogue);
    m_resultsBar->modelBox()->setCurrentText(s.model);
    m_resultsBar->setChosenInterventions(s.interventions);
    m_resultsBar->shiftSetBox()->setCurrentIndex(s.shiftSet);
    m_resultsBar->capabilityBox()->setCurrentIndex(m_resultsBar->capabilityBox()->findData(s.capabilityRule));
    if (!s.shiftSource.isEmpty()) {
        ShiftPair shift;
        for (const auto &p : m_workspace->shifts(m_workspace->builtinCatalogueId(), true))
            if (qs(p.source) == s.shiftSource && qs(p.target) == s.shiftTarget)
                shift = p;
        if (shift.source.empty()) {
            shift.source = ss(s.shiftSource);
            shift.target = ss(s.shiftTarget);
        }
        m_context->selectShift(shift);
    }
    for (SessionParticipant *view : sessionParticipants())
        if (s.views.contains(view->sessionKey()))
            view->restoreSessionState(s.views.value(view->sessionKey()));
    for (int i = 0; i < m_tabs->count(); ++i)
        if (m_tabs->widget(i)->objectName() == s.tab || m_tabs->tabText(i) == s.tab) // older sessions hold the title
            m_tabs->setCurrentIndex(i);
    setPresentationMode(s.presentation);
    statusBar()->showMessage(tr("Session %1 restored").arg(path), 8000);
    return true;
}

void MainWindow::setPresentationMode(bool on)
{
    if (on == m_presentation)
        return;
    m_presentation = on;
    if (m_presentationAction)
        m_presentationAction->setChecked(on);
    if (on) {
        // Full screen on the screen the window is on, whatever its size; the layout before comes back exactly.
        m_layoutBeforePresentation = saveState();
        m_geometryBeforePresentation = saveGeometry();
        applyPresentationStyle(this, true);
        // The views alone: every dock goes (the navigator, the runs) and comes back with the layout; so do the menu
        // bar and the status bar, whose shortcuts (F5 back, Ctrl+Q...) stay, held by the window itself.
        for (QDockWidget *dock : findChildren<QDockWidget *>())
            dock->hide();
        for (QAction *menu : menuBar()->actions())
            if (menu->menu())
                addActions(menu->menu()->actions());
        menuBar()->hide();
        statusBar()->hide();
        // The screen's size first, for a desktop without a window manager to honour full screen.
        if (QScreen *current = screen())
            setGeometry(current->geometry());
        showFullScreen();
    } else {
        applyPresentationStyle(this, false);
        menuBar()->show();
        statusBar()->show();
        showNormal();
        // The normal type's layouts first, hidden tabs' too: at the presentation size they would hold the window
        // wider.
        for (QWidget *widget : findChildren<QWidget *>())
            if (widget->layout())
                widget->layout()->invalidate();
        QCoreApplication::sendPostedEvents(nullptr, QEvent::LayoutRequest);
        restoreGeometry(m_geometryBeforePresentation);
        // Docks are sized for the window as restored, once its resize has come through.
        QTimer::singleShot(0, this, [this] {
            if (!m_presentation)
                restoreState(m_layoutBeforePresentation);
        });
    }
}

void MainWindow::addResultsViews()
{
    for (const ResultsViewEntry &entry : resultsViews())
        m_tabs->addTab(createResultsView(entry.name, m_context, this).release(), entry.translatedTitle());
}

std::vector<SessionParticipant *> MainWindow::sessionParticipants() const
{
    std::vector<SessionParticipant *> views;
    for (int i = 0; i < m_tabs->count(); ++i)
        if (auto *view = dynamic_cast<SessionParticipant *>(m_tabs->widget(i)))
            views.push_back(view);
    return views;
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    if (m_task) {
        m_task->cancel();
        m_task->wait();
    }
    saveLayout();
    event->accept();
}

} // namespace shiftscope
