#include "demo/demoworkspace.h"
#include "genies/dataimporter.h"
#include "genies/shiftcatalogue.h"
#include "widgets/runs/runlauncherdialog.h"
#include "runs/intervention.h"
#include "runs/runstore.h"
#include "widgets/runs/runspanel.h"
#include "results/resultimportstore.h"
#include "results/resultstore.h"
#include "runs/runner.h"
#include "runs/runplanner.h"
#include "testsupport.h"
#include "widgets/disagreements/disagreementsview.h"
#include "widgets/results/resultscontext.h"
#include "widgets/results/resultstoolbar.h"
#include "widgets/results/seedvaluesdialog.h"
#include "widgets/results/shiftresultsview.h"
#include "widgets/results/resultsviewbase.h"
#include "widgets/results/viewregistry.h"
#include "widgets/shell/mainwindow.h"
#include "widgets/shell/qtconvert.h"
#include "workspace/workspace.h"

#include <QCheckBox>
#include <QComboBox>
#include <QLineEdit>
#include <QGroupBox>
#include <QLabel>
#include <QDockWidget>
#include <QListWidget>
#include <QTabWidget>
#include <QMenu>
#include <QPushButton>
#include <QToolButton>
#include <QStandardItemModel>
#include <QPlainTextEdit>
#include <QTableWidget>
#include <thread>

using namespace shiftscope;
using namespace shiftscope::test;
namespace fs = std::filesystem;

namespace {
//! Takes a while per batch, so a run can be cancelled in the middle.
class SlowIntervention : public Intervention {
public:
    std::string name() const override { return "slow"; }
    std::vector<ParameterSpec> parameters() const override { return {{"delay_ms", "20", "sleep per batch"}}; }
    bool trains() const override { return false; }
    void train(const InterventionContext &, const std::vector<Example> &) override {}
    void load(const InterventionContext &) override {}
    std::vector<double> evaluate(const InterventionContext &c, const std::vector<Example> &,
                                 const std::vector<PairRef> &pairs) override
    {
        std::this_thread::sleep_for(std::chrono::milliseconds(std::stoi(c.parameters.at("delay_ms"))));
        return std::vector<double>(pairs.size(), 0.75);
    }
};
//! Scores every pair at `p`: a stand-in for the demo's zero_shot (which trains nothing), lora and mms.
class ConstantIntervention : public Intervention {
public:
    ConstantIntervention(std::string name, double p, bool trains = true)
        : m_name(std::move(name)), m_p(p), m_trains(trains)
    {
    }
    std::string name() const override { return m_name; }
    bool trains() const override { return m_trains; }
    std::vector<ParameterSpec> parameters() const override { return {}; }
    void train(const InterventionContext &, const std::vector<Example> &) override {}
    void load(const InterventionContext &) override {}
    std::vector<double> evaluate(const InterventionContext &, const std::vector<Example> &,
                                 const std::vector<PairRef> &pairs) override
    {
        return std::vector<double>(pairs.size(), m_p);
    }

private:
    std::string m_name;
    double m_p;
    bool m_trains;
};

//! A workspace with the distributions a and b (40 test pairs each) in `dir`.
fs::path makeWorkspace(const QTemporaryDir &dir)
{
    writeText(tempPath(dir, "d/a/train.json"), validSplit(10));
    writeText(tempPath(dir, "d/a/test.json"), validSplit(40, 3));
    writeText(tempPath(dir, "d/b/train.json"), validSplit(10));
    writeText(tempPath(dir, "d/b/test.json"), validSplit(40, 3));
    const fs::path path = tempPath(dir, "w.sqlite");
    Workspace ws = Workspace::create(path);
    DataImporter::importData(ws, tempPath(dir, "d"));
    return path;
}
} // namespace

class TestRunsPanel : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void runsToCompletionOffTheGuiThread();
    void cancelThenResume();
    void badRequestIsReported();
    void slurmSubmissionThatNeverReachedSlurmLeavesNoRun();
    void launcherBuildsRequest();
    void launcherKnowsTheWorkspace();
    void runsAppearInTheOpenWindow();
    void seedsOfOneConfigurationShowAsOne();
    void demoOpensOnItsStory();

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<Workspace> m_ws;
};

void TestRunsPanel::initTestCase()
{
    InterventionRegistry::instance().add("slow", [] { return std::make_unique<SlowIntervention>(); });
    m_dir = std::make_unique<QTemporaryDir>();
    writeText(tempPath(*m_dir, "d/a/train.json"), validSplit(10));
    writeText(tempPath(*m_dir, "d/a/test.json"), validSplit(200, 3));
    writeText(tempPath(*m_dir, "d/b/train.json"), validSplit(10));
    writeText(tempPath(*m_dir, "d/b/test.json"), validSplit(200, 3));
    m_ws = std::make_unique<Workspace>(Workspace::create(tempPath(*m_dir, "w.sqlite")));
    DataImporter::importData(*m_ws, tempPath(*m_dir, "d"));
}

void TestRunsPanel::runsToCompletionOffTheGuiThread()
{
    RunsPanel panel;
    panel.setWorkspace(m_ws.get());
    QSignalSpy finished(&panel, &RunsPanel::runFinished);
    const qint64 id = panel.submit({{}, "random", "a:b", {}, 1, "zero_shot", {}});
    QVERIFY(id > 0);
    QVERIFY(panel.isBusy()); // the GUI thread returned while the run works
    QVERIFY(finished.wait(30000));
    QCOMPARE(finished.at(0).at(0).toLongLong(), id);
    QCOMPARE(finished.at(0).at(1).toString(), QStringLiteral("done"));
    QTRY_VERIFY(!panel.isBusy());
    QCOMPARE(panel.table()->rowCount(), 1);
    QCOMPARE(panel.table()->item(0, 3)->text(), QStringLiteral("done"));
    panel.table()->selectRow(0);
    QVERIFY(panel.log()->toPlainText().contains(QStringLiteral("unit 1")));
}

void TestRunsPanel::cancelThenResume()
{
    RunsPanel panel;
    panel.setWorkspace(m_ws.get());
    QSignalSpy finished(&panel, &RunsPanel::runFinished);
    const qint64 id = panel.submit({{}, "slow", "a:b", {"delay_ms=30"}, 1, "zero_shot", {}});
    QTest::qWait(150);
    panel.cancelCurrent();
    QVERIFY(finished.wait(30000));
    QCOMPARE(finished.at(0).at(1).toString(), QStringLiteral("cancelled"));
    QTRY_VERIFY(!panel.isBusy());
    RunStore store(*m_ws);
    QCOMPARE(store.run(id)->status, RunStatus::Cancelled);
    const int kept =
        store.predictionCount(store.run(id)->units[0].id, "a") + store.predictionCount(store.run(id)->units[0].id, "b");
    QVERIFY(kept > 0 && kept < 800);
    panel.resume(id);
    QVERIFY(finished.wait(60000));
    QCOMPARE(finished.at(1).at(1).toString(), QStringLiteral("done"));
    QCOMPARE(store.run(id)->status, RunStatus::Done);
}

void TestRunsPanel::badRequestIsReported()
{
    RunsPanel panel;
    panel.setWorkspace(m_ws.get());
    QSignalSpy failed(&panel, &RunsPanel::failed);
    QCOMPARE(panel.submit({{}, "random", "a:missing", {}, 1, "zero_shot", {}}), qint64(0));
    QCOMPARE(failed.count(), 1);
    QVERIFY(failed.at(0).at(0).toString().contains(QStringLiteral("missing is not in the workspace")));
}

void TestRunsPanel::slurmSubmissionThatNeverReachedSlurmLeavesNoRun()
{
    RunsPanel panel;
    panel.setWorkspace(m_ws.get());
    const auto before = RunStore(*m_ws).runs().size();
    QSignalSpy failed(&panel, &RunsPanel::failed);
    const std::string path = std::getenv("PATH") ? std::getenv("PATH") : "";
    setenv("PATH", (m_dir->path() + QStringLiteral("/no-bin")).toUtf8().constData(), 1);
    SlurmOptions options;
    options.sharedDir = ss(m_dir->path() + QStringLiteral("/shared"));
    QVERIFY(panel.submitToSlurm({{}, "random", "a:b", {}, 1, "zero_shot", {}}, options) > 0);
    QTRY_VERIFY(!panel.isClusterBusy());
    setenv("PATH", path.c_str(), 1);
    QCOMPARE(failed.count(), 1);
    QVERIFY2(failed.at(0).at(0).toString().contains(QStringLiteral("sbatch")),
             qPrintable(failed.at(0).at(0).toString()));
    QCOMPARE(RunStore(*m_ws).runs().size(), before); // removed again: no task will ever run it
}

void TestRunsPanel::launcherBuildsRequest()
{
    ShiftPair shift;
    shift.source = "a";
    shift.target = "b";
    RunLauncherDialog dialog(m_ws.get(), shift);
    dialog.setIntervention(QStringLiteral("slow"));
    dialog.setModelDir(m_dir->path() + QStringLiteral("/nomodel"));
    QVERIFY(dialog.modelSummary()->text().contains(QStringLiteral("not a folder")));
    RunRequest r = dialog.request();
    QCOMPARE(r.intervention, std::string("slow"));
    QCOMPARE(r.shifts, std::string("a:b"));
    QCOMPARE(r.parameters, std::vector<std::string>{"delay_ms=20"});
    QVERIFY(r.adapterDir.empty());
    dialog.adapterEdit()->setText(QStringLiteral(" /models/hh-lora "));
    QCOMPARE(dialog.request().adapterDir, std::filesystem::path("/models/hh-lora"));
    dialog.adapterEdit()->clear();
    // Each parameter says the GENIES code's default.
    QVERIFY(!dialog.findChildren<QLabel *>().isEmpty());
    bool hinted = false;
    for (QLabel *label : dialog.findChildren<QLabel *>())
        hinted = hinted || label->text() == QStringLiteral("GENIES default 20");
    QVERIFY(hinted);
    // Hand-picked shifts: the current one is ticked; tick another.
    QComboBox *shifts = dialog.shiftsBox();
    shifts->setCurrentIndex(shifts->findData(QStringLiteral("chosen")));
    QVERIFY(!dialog.shiftList()->isHidden());
    bool found = false;
    for (int i = 0; i < dialog.shiftList()->count(); ++i)
        if (dialog.shiftList()->item(i)->text() == QStringLiteral("alpaca_easy → alpaca_hard")) {
            dialog.shiftList()->item(i)->setCheckState(Qt::Checked);
            found = true;
        }
    QVERIFY(found);
    r = dialog.request();
    auto chosen = QString::fromStdString(r.shifts).split(QLatin1Char(','));
    chosen.sort();
    QCOMPARE(chosen, (QStringList{QStringLiteral("a:b"), QStringLiteral("alpaca_easy:alpaca_hard")}));
    // A request the planner refuses (no shift ticked) keeps the dialog open with the reason, the choices kept.
    for (int i = 0; i < dialog.shiftList()->count(); ++i)
        dialog.shiftList()->item(i)->setCheckState(Qt::Unchecked);
    dialog.show();
    dialog.accept();
    QVERIFY(dialog.isVisible());
    QCOMPARE(dialog.result(), int(QDialog::Rejected));
    QVERIFY2(dialog.refusal().contains(QStringLiteral("nomodel")), qPrintable(dialog.refusal()));
    dialog.setModelDir({});
    dialog.accept();
    QVERIFY(dialog.isVisible());
    QVERIFY2(dialog.refusal().contains(QStringLiteral("shift")), qPrintable(dialog.refusal()));
    auto *refusal = dialog.findChild<QLabel *>(QStringLiteral("runRefusal"));
    QVERIFY(refusal && refusal->isVisible() && refusal->text() == dialog.refusal());
    QCOMPARE(dialog.request().intervention, std::string("slow"));
    // Submitting to Slurm needs the shared folder.
    dialog.shiftList()->item(0)->setCheckState(Qt::Checked);
    dialog.slurmGroup()->setChecked(true);
    dialog.sharedDirEdit()->clear();
    dialog.accept();
    QVERIFY(dialog.isVisible());
    QVERIFY2(dialog.refusal().contains(QStringLiteral("shared folder")), qPrintable(dialog.refusal()));
}

void TestRunsPanel::launcherKnowsTheWorkspace()
{
    // A workspace with a run of a model folder and a loaded catalogue.
    QTemporaryDir dir;
    const fs::path path = makeWorkspace(dir);
    Workspace ws = Workspace::open(path);
    const fs::path model = tempPath(dir, "models/tiny");
    fs::create_directories(model);
    {
        RunRecord record = planRun(ws, {{}, "slow", "a:b", {"delay_ms=0"}, 1, "zero_shot", {}});
        record.modelPath = model.string();
        RunStore(ws).create(record);
    }
    writeText(tempPath(dir, "spec.json"),
              R"([{"source": "a", "target": "b", "target_reference": "a", "category": "skill"}])");
    ws.saveCatalogue("Mine", tempPath(dir, "spec.json").string(),
                     ShiftCatalogueReader::readFile(tempPath(dir, "spec.json")).rows, false);
    RunLauncherDialog dialog(&ws, std::nullopt);
    // The model the workspace ran is offered and chosen.
    QCOMPARE(dialog.modelBox()->currentText(), QString::fromStdString(model.string()));
    // Every catalogue is offered, by its pairs; a pair run by name keeps its catalogue's target reference.
    const int mine = dialog.shiftsBox()->findText(QStringLiteral("Catalogue Mine (1 shifts)"));
    QVERIFY(mine >= 0);
    dialog.shiftsBox()->setCurrentIndex(mine);
    const RunRequest r = dialog.request();
    QCOMPARE(r.shifts, std::string("a:b"));
    QCOMPARE(resolveShifts(ws, r.shifts).at(0).effectiveReference(), std::string("a"));
    QCOMPARE(r.modelDir, model);
}

void TestRunsPanel::runsAppearInTheOpenWindow()
{
    QTemporaryDir dir;
    const fs::path path = makeWorkspace(dir);
    MainWindow window;
    window.show();
    QVERIFY(window.openWorkspace(QString::fromStdString(path.string())));
    QCOMPARE(window.resultsToolBar()->modelBox()->count(), 0);
    QVERIFY(!window.findChild<QDockWidget *>(QStringLiteral("runsDock"))->isVisible()); // no runs yet

    // A run launched in the window: when it is done its evaluations are results, with no import.
    QSignalSpy finished(window.runsPanel(), &RunsPanel::runFinished);
    const qint64 first = window.runsPanel()->submit({{}, "random", "a:b", {}, 1, "zero_shot", {}});
    QVERIFY(first > 0);
    QVERIFY(finished.wait(30000));
    window.checkForChanges(); // its timer may have looked already while the test waited
    QCOMPARE(window.resultsToolBar()->modelBox()->currentText(), QStringLiteral("no model"));
    const QString label = QStringLiteral("random · run %1").arg(first);
    QVERIFY2(window.resultsContext()->interventions().contains(label),
             qPrintable(window.resultsContext()->interventions().join(QStringLiteral(", "))));
    // Its shifts, named on the command line rather than in a catalogue, are among all shifts the views show.
    window.resultsToolBar()->shiftSetBox()->setCurrentIndex(1); // all shifts
    {
        const auto view = createResultsView(QStringLiteral("shift-results"), window.resultsContext());
        QVERIFY2(view->emptyMessage().isEmpty(), qPrintable(view->emptyMessage()));
        // random trains nothing and the run has no zero-shot unit here: it is its own baseline, and says so.
        const QString legend = view->findChild<QLabel *>(QStringLiteral("shiftResultsLegend"))->text();
        QVERIFY2(legend.contains(QStringLiteral("Baseline")) && !legend.contains(QStringLiteral("Zero-shot")),
                 qPrintable(legend));
    }
    window.disagreementsView()->setDistribution(QStringLiteral("b"));
    QVERIFY(!window.disagreementsView()->chosenEvaluations().isEmpty());
    QVERIFY(!window.checkForChanges()); // nothing new since

    // A run another connection commits (as the CLI in another process would) appears in the open window.
    Workspace other = Workspace::open(path);
    const auto second = RunStore(other).create(planRun(other, {{}, "random", "a:b", {}, 2, "zero_shot", {}}));
    QCOMPARE(RunRunner::execute(other, second, {8, {}}), RunStatus::Done);
    QVERIFY(window.checkForChanges());
    QVERIFY(window.resultsContext()->interventions().contains(QStringLiteral("random · run %1").arg(second)));
    QCOMPARE(ResultStore(*window.workspace()).evaluations("no model", ss(label)).size(), std::size_t(2));
    QCOMPARE(window.resultsToolBar()->modelBox()->count(), 1); // runs only: no group headings

    // A run still writing says so in the views, with how many pairs are in.
    {
        RunStore store(other);
        const auto partial = store.create(planRun(other, {{}, "random", "a:b", {}, 5, "zero_shot", {}}));
        const RunRecord record = *store.run(partial);
        store.addPredictions(record.units[0].id, "b", 0, std::vector<double>(5, 0.7));
        store.publishEvaluation(record, record.units[0], "b", 80, 1.0);
        QVERIFY(window.checkForChanges());
        const auto view = createResultsView(QStringLiteral("shift-results"), window.resultsContext());
        QVERIFY2(
            view->inProgressNote().contains(QStringLiteral("random · run %1 (5 of 80 pairs in so far)").arg(partial)),
            qPrintable(view->inProgressNote()));
        QVERIFY(window.runsPanel()->deleteRun(partial));
    }

    // Published results and runs are listed in groups.
    {
        ResultImportStore published(other, "/published");
        EvaluationRecord record;
        record.path = "evaluations/mms/llama-7b/b.json";
        record.where = {"mms", "", "llama-7b", "", "b"};
        record.content.probabilities.assign(80, 0.6);
        record.content.hasProbabilities = true;
        published.addEvaluation(record);
    }
    QVERIFY(window.checkForChanges());
    QComboBox *models = window.resultsToolBar()->modelBox();
    QCOMPARE(models->count(), 4);
    QCOMPARE(models->itemText(0), QStringLiteral("Published results"));
    QCOMPARE(models->itemText(1), QStringLiteral("llama-7b"));
    QCOMPARE(models->itemText(2), QStringLiteral("Your runs"));
    QCOMPARE(models->itemText(3), QStringLiteral("no model"));
    QVERIFY(!qobject_cast<QStandardItemModel *>(models->model())->item(2)->isEnabled());
    QCOMPARE(models->currentText(), QStringLiteral("no model")); // the choice stays

    // The capability rule is chosen in the toolbar, for every view.
    window.resultsToolBar()->capabilityBox()->setCurrentIndex(
        window.resultsToolBar()->capabilityBox()->findData(int(CapabilityRule::PublishedBest)));
    QCOMPARE(window.resultsContext()->capabilityRule(), CapabilityRule::PublishedBest);
    window.resultsToolBar()->capabilityBox()->setCurrentIndex(0);
    QCOMPARE(window.resultsContext()->capabilityRule(), CapabilityRule::Automatic);

    // The disagreements view can put a run beside another model's evaluation of the same distribution.
    DisagreementsView *disagreements = window.disagreementsView();
    disagreements->setDistribution(QStringLiteral("b"));
    const int own = disagreements->findChild<QListWidget *>()->count();
    disagreements->allModelsBox()->setChecked(true);
    QListWidget *list = disagreements->findChild<QListWidget *>();
    QCOMPARE(list->count(), own + 1);
    qint64 publishedId = 0, runId = 0;
    for (int i = 0; i < list->count(); ++i) {
        if (list->item(i)->text().startsWith(QStringLiteral("mms · llama-7b"))) {
            publishedId = list->item(i)->data(Qt::UserRole + 1).toLongLong();
            QCOMPARE(list->item(i)->checkState(), Qt::Unchecked); // another model's: there to be picked
        } else if (!runId) {
            runId = list->item(i)->data(Qt::UserRole + 1).toLongLong();
        }
    }
    QVERIFY(publishedId && runId);
    disagreements->chooseEvaluations({runId, publishedId});
    QCOMPARE(disagreements->chosenEvaluations().size(), 2);
    QCOMPARE(disagreements->table()->model()->rowCount(), 80);
    // Beside each other: the run first (its interval decides), the difference, McNemar's test, reproduced or not.
    const QString comparison = disagreements->comparison()->text();
    QVERIFY2(comparison.startsWith(QStringLiteral("<b>random · ")), qPrintable(comparison));
    QVERIFY2(comparison.contains(QStringLiteral("<b>mms · llama-7b (base)</b> 1.000")), qPrintable(comparison));
    QVERIFY2(comparison.contains(QStringLiteral("Difference +0.000 (paired 95% CI +0.000 to +0.000)")),
             qPrintable(comparison));
    QVERIFY2(comparison.contains(QStringLiteral("McNemar exact p = 1 (0 pairs only")), qPrintable(comparison));
    QVERIFY2(comparison.contains(QStringLiteral("<b>reproduced</b>")), qPrintable(comparison));
    disagreements->chooseEvaluations({runId});
    QVERIFY(disagreements->comparison()->text().isEmpty()); // one evaluation: nothing to compare
    disagreements->chooseEvaluations({runId, publishedId});
    disagreements->allModelsBox()->setChecked(false);

    // Run Again queues the configuration with the next seed.
    const qint64 again = window.runsPanel()->rerun(first);
    QVERIFY(again > 0);
    QVERIFY(finished.wait(30000));
    QCOMPARE(RunStore(*window.workspace()).run(again)->seed, std::uint64_t(3)); // seeds 1 and 2 are taken
    QCOMPARE(RunStore(*window.workspace()).run(again)->shifts, std::string("a:b"));
    QTRY_VERIFY(!window.runsPanel()->isBusy()); // the panel lets go of the run once its task has wound down
    QVERIFY(window.runsPanel()->deleteRun(again));

    // Runs are named and deleted from the panel; the results follow at once.
    QVERIFY(window.runsPanel()->renameRun(first, QStringLiteral("random, first seed")));
    QVERIFY(window.resultsContext()->interventions().contains(QStringLiteral("random, first seed")));
    QVERIFY(window.runsPanel()->deleteRun(second));
    QVERIFY(!window.resultsContext()->interventions().contains(QStringLiteral("random · run %1").arg(second)));
    QVERIFY(!RunStore(*window.workspace()).run(second));
    QCOMPARE(window.runsPanel()->table()->rowCount(), 1);
    QCOMPARE(window.runsPanel()->table()->item(0, 1)->text(), QStringLiteral("random, first seed"));
}

void TestRunsPanel::seedsOfOneConfigurationShowAsOne()
{
    QTemporaryDir dir;
    const fs::path path = makeWorkspace(dir);
    {
        Workspace ws = Workspace::open(path);
        for (std::uint64_t seed : {1, 2, 3}) {
            const auto id =
                RunStore(ws).create(planRun(ws, {{}, "slow", "a:b", {"delay_ms=0"}, seed, "zero_shot", {}}));
            QCOMPARE(RunRunner::execute(ws, id, {40, {}}), RunStatus::Done);
        }
    }
    MainWindow window;
    window.show();
    QVERIFY(window.openWorkspace(QString::fromStdString(path.string())));
    QVERIFY(window.findChild<QDockWidget *>(QStringLiteral("runsDock"))->isVisible()); // a workspace with runs
    // The toolbar lists the three runs and, under its own heading, their group.
    const QString group = QStringLiteral("slow · 3 seeds");
    QMenu *menu = window.resultsToolBar()->interventionsButton()->menu();
    QStringList entries, sections;
    for (QAction *action : menu->actions())
        (action->isSeparator() ? sections : entries) << action->text();
    QVERIFY2(entries.contains(group), qPrintable(entries.join(QStringLiteral(", "))));
    QCOMPARE(entries.size(), 4);
    QCOMPARE(sections.size(), 1);
    QCOMPARE(sections[0], QStringLiteral("Seeds of one configuration"));
    for (QAction *action : menu->actions())
        if (action->text() == group)
            QVERIFY(action->toolTip().contains(QStringLiteral("lowest to the highest seed")));
    window.resultsToolBar()->setChosenInterventions({group});
    QCOMPARE(window.resultsContext()->interventions(), QStringList{group});
    // Ticking entries leaves the menu open for the next one.
    menu->popup(window.mapToGlobal(QPoint(100, 100)));
    QVERIFY(QTest::qWaitForWindowExposed(menu));
    for (QAction *action : menu->actions())
        if (action->text() == QStringLiteral("slow · run 1") || action->text() == QStringLiteral("slow · run 2"))
            QTest::mouseClick(menu, Qt::LeftButton, {}, menu->actionGeometry(action).center());
    QVERIFY(menu->isVisible());
    QCOMPARE(window.resultsContext()->interventions(),
             (QStringList{QStringLiteral("slow · run 1"), QStringLiteral("slow · run 2"), group}));
    menu->close();
    window.resultsToolBar()->setChosenInterventions({group});
    window.resultsToolBar()->shiftSetBox()->setCurrentIndex(1); // all shifts: a:b is named by the runs only

    // Shift results: the mean with its seeds; "Per seed…" opens every seed's values.
    auto view = createResultsView(QStringLiteral("shift-results"), window.resultsContext());
    auto *shifts = qobject_cast<ShiftResultsView *>(view.get());
    QVERIFY(shifts);
    QVERIFY2(view->emptyMessage().isEmpty(), qPrintable(view->emptyMessage()));
    QCOMPARE(shifts->shownSeedGroups(), std::vector<std::string>{ss(group)});
    QVERIFY(shifts->perSeedButton()->isEnabled());
    QAbstractItemModel *table = view->tableModel();
    int seedsColumn = -1;
    for (int c = 0; c < table->columnCount(); ++c)
        if (table->headerData(c, Qt::Horizontal).toString() == QStringLiteral("Seeds"))
            seedsColumn = c;
    QVERIFY(seedsColumn >= 0);
    QCOMPARE(table->rowCount(), 1);
    QCOMPARE(table->index(0, seedsColumn).data().toInt(), 3);
    QCOMPARE(table->index(0, 3).data().toDouble(), 1.0); // 0.75 for every pair: all right, on every seed
    shifts->perSeedButton()->click();
    auto *dialog = shifts->findChild<SeedValuesDialog *>();
    QVERIFY(dialog);
    QCOMPARE(dialog->table()->rowCount(), 1);
    QCOMPARE(dialog->table()->columnCount(), 1 + 4 + 3 * 2);
    QVERIFY(dialog->table()->horizontalHeaderItem(5)->text().startsWith(QStringLiteral("seed 1 (run 1)")));
    QCOMPARE(dialog->table()->item(0, 5)->text(), QStringLiteral("1.000"));
    dialog->close();

    // A single run chosen beside it: no group, no per-seed table.
    window.resultsToolBar()->setChosenInterventions({QStringLiteral("slow · run 1")});
    view->ensureFresh();
    QVERIFY(shifts->shownSeedGroups().empty());
    QVERIFY(!shifts->perSeedButton()->isEnabled());

    // Calibration shows one seed of a group and says which.
    window.resultsToolBar()->setChosenInterventions({group});
    const auto calibration = createResultsView(QStringLiteral("calibration"), window.resultsContext());
    ShiftPair ab;
    ab.source = "a";
    ab.target = "b";
    window.resultsContext()->selectShift(ab);
    calibration->ensureFresh();
    const QLabel *summary = calibration->findChild<QLabel *>(QStringLiteral("calibrationSummary"));
    QVERIFY(summary);
    QVERIFY2(calibration->emptyMessage().isEmpty(), qPrintable(calibration->emptyMessage()));
    QVERIFY2(summary->text().contains(QStringLiteral("seed 1 (run 1), the first of 3 seeds")),
             qPrintable(summary->text()));

    // Another seed joins the group as it finishes: it is now four seeds, and chosen in its place.
    Workspace other = Workspace::open(path);
    const auto fourth = RunStore(other).create(planRun(other, {{}, "slow", "a:b", {"delay_ms=0"}, 4, "zero_shot", {}}));
    QCOMPARE(RunRunner::execute(other, fourth, {40, {}}), RunStatus::Done);
    QVERIFY(window.checkForChanges());
    QVERIFY2(window.resultsContext()->interventions().contains(QStringLiteral("slow · 4 seeds")),
             qPrintable(window.resultsContext()->interventions().join(QStringLiteral(", "))));
    // The runs table sorts by any column, ids as numbers, and keeps its order when it refreshes.
    QTableWidget *runs = window.runsPanel()->table();
    runs->sortByColumn(0, Qt::DescendingOrder);
    QCOMPARE(runs->item(0, 0)->text(), QString::number(fourth));
    window.runsPanel()->refresh();
    QCOMPARE(runs->item(0, 0)->text(), QString::number(fourth));
    QCOMPARE(runs->item(runs->rowCount() - 1, 0)->text(), QStringLiteral("1"));
}

void TestRunsPanel::demoOpensOnItsStory()
{
    InterventionRegistry::instance().add(
        "zero_shot", [] { return std::make_unique<ConstantIntervention>("zero_shot", 0.6, false); });
    InterventionRegistry::instance().add("lora", [] { return std::make_unique<ConstantIntervention>("lora", 0.7); });
    InterventionRegistry::instance().add("mms", [] { return std::make_unique<ConstantIntervention>("mms", 0.8); });
    QTemporaryDir dir;
    const DemoStory story;
    MainWindow window;
    // The demo suite as the demo builds it, with runs over its shifts.
    window.setDemoPreparation([&](const fs::path &path, const ProgressCallback &progress) {
        std::string summary = buildDemoWorkspace(path, progress);
        Workspace ws = Workspace::open(path);
        for (const auto &intervention : {"zero_shot", "lora", "mms"}) {
            const fs::path spec = path.parent_path() / "demo-data" / "distribution_shifts" / "demo.json";
            const auto id = RunStore(ws).create(planRun(ws, {{}, intervention, spec.string(), {}, 1, "zero_shot", {}}));
            if (RunRunner::execute(ws, id, {256, {}}) != RunStatus::Done)
                throw std::runtime_error("run failed");
        }
        return summary;
    });
    const QString path = QString::fromStdString(tempPath(dir, "demo/demo.sqlite").string());
    QSignalSpy opened(&window, &MainWindow::workspaceOpened);
    window.openDemo(path);
    QVERIFY(opened.wait(120000));
    QTRY_COMPARE(window.tabs()->currentWidget()->objectName(), QStringLiteral("shift-results"));
    // lora and mms, in that order, on the spurious-cue shift, among the demo's shifts.
    QCOMPARE(window.resultsContext()->interventions(),
             (QStringList{QStringLiteral("lora · run 2"), QStringLiteral("mms · run 3")}));
    QVERIFY(window.resultsContext()->shift());
    QCOMPARE(window.resultsContext()->shift()->source, story.source);
    QCOMPARE(window.resultsContext()->shift()->target, story.target);
    QCOMPARE(window.resultsContext()->shiftSet(), ShiftSet::All);
    // No view of the demo starts empty.
    for (const QString &name :
         {QStringLiteral("shift-results"), QStringLiteral("heatmap"), QStringLiteral("categories"),
          QStringLiteral("transfer"), QStringLiteral("calibration")}) {
        ResultsViewBase *view = nullptr;
        for (int i = 0; i < window.tabs()->count(); ++i)
            if (window.tabs()->widget(i)->objectName() == name)
                view = qobject_cast<ResultsViewBase *>(window.tabs()->widget(i));
        QVERIFY2(view, qPrintable(name));
        QVERIFY2(view->emptyMessage().isEmpty(), qPrintable(name + QStringLiteral(": ") + view->emptyMessage()));
    }
}

QTEST_MAIN(TestRunsPanel)
#include "tst_runspanel.moc"
