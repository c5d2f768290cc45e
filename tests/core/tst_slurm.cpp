// Runs on a real Slurm cluster (tests/slurm/local-cluster.sh, started by CTest's slurm fixture): submission, tasks on
// several nodes, collect, resubmission of a lost unit and refused shards, all through the shiftscope-cli program.
// ATen comes before any Qt header: Qt's `slots` macro breaks ATen/core/ivalue_inl.h.
#include "enginetestmodels.h"
#include "craftedexamples.h"
#include "engine/cli/enginecommands.h"
#include "runs/cluster.h"
#include "runs/runstore.h"
#include "widgets/runs/runlauncherdialog.h"
#include "widgets/runs/runspanel.h"
#include "workspace/workspace.h"

#include <QGroupBox>
#include <QLineEdit>
#include <QProcess>
#include <QSignalSpy>
#include <QTableWidget>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <cstdlib>
#include <set>

using namespace shiftscope;
using namespace shiftscope::test;
namespace fs = std::filesystem;

namespace {

struct Program {
    int code = -1;
    QString out;
    QString err;
    QString all() const { return out + err; }
};

//! Runs a program to its end (at most four minutes).
Program execute(const QString &program, const QStringList &args)
{
    QProcess process;
    process.start(program, args);
    Program result;
    if (!process.waitForStarted(10000))
        return result;
    process.waitForFinished(240000);
    result.code = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    result.out = QString::fromUtf8(process.readAllStandardOutput());
    result.err = QString::fromUtf8(process.readAllStandardError());
    return result;
}

QString word(const QString &text, const QString &after)
{
    const qsizetype at = text.indexOf(after);
    if (at < 0)
        return {};
    return text.mid(at + after.size()).section(QRegularExpression("[^0-9]"), 0, 0);
}

} // namespace

class TestSlurm : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void runOnSlurmEqualsTheLocalRun();
    void lostUnitIsResubmitted();
    void badShardsAreRefusedByName();
    void runsPanelSubmitsAndFollowsTheUnits();
    void refusedSubmissionLeavesNothingBehind();

private:
    Program cli(QStringList args) const
    {
        args.prepend(QString::fromStdString(m_ws.string()));
        args.prepend("--workspace");
        return execute(m_cli, args);
    }
    QStringList runArgs() const
    {
        return {"run",
                "--model",
                QString::fromStdString(m_model.string()),
                "--intervention",
                "mms",
                "--shifts",
                "a:b,b:c",
                "--seed",
                "3"};
    }
    //! Every prediction of a run, unit by unit and distribution by distribution.
    std::vector<std::vector<double>> predictions(std::int64_t runId) const
    {
        Workspace ws = Workspace::open(m_ws);
        RunStore store(ws);
        std::vector<std::vector<double>> all;
        for (const auto &unit : store.existingRun(runId).units)
            for (const auto &d : unit.evaluations)
                all.push_back(store.predictions(unit.id, d));
        return all;
    }
    std::int64_t lastRun() const
    {
        Workspace ws = Workspace::open(m_ws);
        return RunStore(ws).runs().back().id;
    }
    fs::path planDir(std::int64_t runId) const
    {
        Workspace ws = Workspace::open(m_ws);
        return ClusterStore(ws).submission(runId)->planDir;
    }

    QTemporaryDir m_dir;
    QString m_cli;
    fs::path m_ws, m_model, m_shared;
    std::int64_t m_local = 0, m_slurm = 0, m_resubmitted = 0;
};

void TestSlurm::initTestCase()
{
    const char *conf = std::getenv("SLURM_CONF");
    if (!conf || !fs::exists(conf))
        QSKIP("no local Slurm cluster: install slurm-wlm and munge; CTest's slurm fixture "
              "(tests/slurm/local-cluster.sh) starts one and sets SLURM_CONF");
    const char *program = std::getenv("SHIFTSCOPE_CLI");
    QVERIFY2(program && fs::exists(program), "SHIFTSCOPE_CLI must name the built shiftscope-cli");
    m_cli = program;
    registerEngineCommands(); // the interventions, for the launcher
    const fs::path root = m_dir.path().toStdString();
    TinyModel m;
    m.vocab = 128;
    m.hidden = 32;
    m.intermediate = 48;
    m.positions = 512;
    m_model = writeTinyModel(root / "model", m);
    writeText(m_model / "tokenizer.json", charTokenizerJson());
    Words words(11);
    auto split = [&](int count) { return randomSplit(words, count, 2, 6); };
    importDistributions(root,
                        {{"a", {split(24), split(12)}}, {"b", {split(24), split(12)}}, {"c", {split(24), split(12)}}});
    m_ws = root / "w.sqlite";
    m_shared = root / "shared";
}

void TestSlurm::runOnSlurmEqualsTheLocalRun()
{
    const Program local = cli(runArgs());
    QVERIFY2(local.code == 0, qPrintable(local.all()));
    m_local = lastRun();

    const Program submitted = cli(runArgs() << "--slurm"
                                            << "--shared-dir" << QString::fromStdString(m_shared.string()));
    QVERIFY2(submitted.code == 0, qPrintable(submitted.all()));
    QVERIFY2(submitted.out.contains("submitted to Slurm as array job"), qPrintable(submitted.out));
    m_slurm = lastRun();
    QVERIFY(m_slurm != m_local);
    const Program listed = cli({"runs"});
    QVERIFY2(listed.out.contains(QString::number(m_slurm) + "  submitted to Slurm"), qPrintable(listed.out));

    // The collect job that follows the array merges the shards by itself.
    bool merged = false;
    for (int i = 0; i < 600 && !merged; ++i) {
        {
            Workspace ws = Workspace::open(m_ws);
            merged = RunStore(ws).existingRun(m_slurm).status == RunStatus::Done;
        }
        if (!merged)
            QTest::qWait(200);
    }
    QVERIFY2(merged, qPrintable(QString::fromStdString(
                         readText(planDir(m_slurm) / "logs"
                                  / ("collect-" + word(submitted.out, "array job ").toStdString() + ".out")))));
    const Program collected = cli({"collect", "--run", QString::number(m_slurm), "--wait", "--interval", "1"});
    QVERIFY2(collected.code == 0, qPrintable(collected.all()));
    QVERIFY2(collected.out.contains(QString("run %1: done").arg(m_slurm)), qPrintable(collected.out));

    // The same predictions, bit for bit, however the units were spread over the nodes.
    const auto here = predictions(m_local), there = predictions(m_slurm);
    QVERIFY(!here.empty());
    QCOMPARE(there, here);

    Workspace ws = Workspace::open(m_ws);
    const RunRecord run = RunStore(ws).existingRun(m_slurm);
    QCOMPARE(run.status, RunStatus::Done);
    std::set<std::string> nodes;
    for (const auto &unit : run.units) {
        QCOMPARE(unit.status, RunStatus::Done);
        const auto at = unit.log.find("executed on n");
        QVERIFY2(at != std::string::npos, unit.log.c_str());
        nodes.insert(unit.log.substr(at + 12, 2));
        if (!unit.trainDistribution.empty())
            QVERIFY2(!unit.artifact.empty() && fs::exists(unit.artifact), unit.artifact.c_str());
    }
    QVERIFY2(nodes.size() >= 2, "the units all ran on one node");
    const auto units = clusterUnitProgress(ws, m_slurm);
    QCOMPARE(units.size(), run.units.size());
    for (const auto &u : units)
        QVERIFY(u.state == "done" && u.collected);
    const Program report = cli({"report", "--run", QString::number(m_slurm)});
    QVERIFY2(report.out.contains("a -> b") && report.out.contains("b -> c"), qPrintable(report.out));

    // Collecting again changes nothing.
    const Program again = cli({"collect", "--run", QString::number(m_slurm)});
    QVERIFY2(again.code == 0, qPrintable(again.all()));
    QCOMPARE(predictions(m_slurm), here);
}

void TestSlurm::lostUnitIsResubmitted()
{
    if (!m_local)
        QSKIP("needs the local run of runOnSlurmEqualsTheLocalRun");
    // Held at submission, so that unit 1's task can be cancelled before it starts: a task that never wrote a shard.
    const Program submitted = cli(runArgs() << "--slurm"
                                            << "--shared-dir" << QString::fromStdString(m_shared.string())
                                            << "--sbatch-arg=--hold");
    QVERIFY2(submitted.code == 0, qPrintable(submitted.all()));
    m_resubmitted = lastRun();
    const QString job = word(submitted.out, "array job ");
    QVERIFY2(!job.isEmpty(), qPrintable(submitted.out));
    QCOMPARE(execute("scancel", {job + "_1"}).code, 0);
    QCOMPARE(execute("scontrol", {"release", job}).code, 0);

    const QString id = QString::number(m_resubmitted);
    const Program partial = cli({"collect", "--run", id, "--wait", "--interval", "1"});
    QCOMPARE(partial.code, 1);
    QVERIFY2(partial.out.contains("unit 1 failed") && partial.out.contains("run --resume " + id),
             qPrintable(partial.all()));
    const Program states = cli({"runs", "units", id});
    QVERIFY2(states.out.contains("unit 1  failed") && states.out.contains("unit 0  done"), qPrintable(states.out));

    // The resubmission keeps the run's sbatch arguments, --hold included.
    const Program resumed = cli({"run", "--resume", id});
    QVERIFY2(resumed.code == 0 && resumed.out.contains("1 units submitted"), qPrintable(resumed.all()));
    QCOMPARE(execute("scontrol", {"release", word(resumed.out, "array job ")}).code, 0);
    const Program collected = cli({"collect", "--run", id, "--wait", "--interval", "1"});
    QVERIFY2(collected.code == 0, qPrintable(collected.all()));
    QCOMPARE(predictions(m_resubmitted), predictions(m_local));
}

void TestSlurm::badShardsAreRefusedByName()
{
    if (!m_slurm || !m_resubmitted)
        QSKIP("needs the runs of the tests before");
    const fs::path shards = planDir(m_slurm) / "shards";
    const auto before = predictions(m_slurm);
    fs::copy(shards / "unit-0", shards / "unit-0-copy", fs::copy_options::recursive);
    fs::create_directories(shards / "unit-2-damaged");
    writeText(shards / "unit-2-damaged" / "shard.sqlite", "this is not a database");
    // (Shards of collected units are not read again, so the foreign one comes under a name of its own.)
    fs::copy(planDir(m_resubmitted) / "shards" / "unit-1", shards / "unit-1-foreign", fs::copy_options::recursive);

    const Program collected = cli({"collect", "--run", QString::number(m_slurm)});
    QCOMPARE(collected.code, 2);
    QVERIFY2(collected.err.contains("unit-0-copy/shard.sqlite") && collected.err.contains("holds unit 0 but is named"),
             qPrintable(collected.err));
    QVERIFY2(collected.err.contains("unit-2-damaged/shard.sqlite") && collected.err.contains("not a usable unit shard"),
             qPrintable(collected.err));
    QVERIFY2(collected.err.contains("unit-1-foreign/shard.sqlite") && collected.err.contains("a shard of another plan"),
             qPrintable(collected.err));
    QCOMPARE(predictions(m_slurm), before);
}

void TestSlurm::runsPanelSubmitsAndFollowsTheUnits()
{
    if (!m_local)
        QSKIP("needs the local run of runOnSlurmEqualsTheLocalRun");
    Workspace ws = Workspace::open(m_ws);
    ShiftPair shift;
    shift.source = "a";
    shift.target = "b";
    RunLauncherDialog dialog(&ws, shift);
    dialog.setModelDir(QString::fromStdString(m_model.string()));
    dialog.setIntervention(QStringLiteral("mms"));
    QCOMPARE(dialog.request().intervention, std::string("mms"));
    QVERIFY(!dialog.slurm());
    dialog.slurmGroup()->setChecked(true);
    dialog.sharedDirEdit()->setText(QString::fromStdString(m_shared.string()));
    const auto options = dialog.slurm();
    QVERIFY(options && options->sharedDir == m_shared);

    RunsPanel panel;
    panel.setWorkspace(&ws);
    QSignalSpy failures(&panel, &RunsPanel::failed);
    RunRequest request = dialog.request();
    request.seed = 3;
    const qint64 id = panel.submitToSlurm(request, *options);
    QVERIFY(id > 0);
    QTRY_VERIFY_WITH_TIMEOUT(!panel.isClusterBusy(), 60000);
    QVERIFY2(failures.isEmpty(), failures.isEmpty() ? "" : qPrintable(failures.first().first().toString()));
    auto statusOf = [&] {
        panel.refresh();
        for (int row = 0; row < panel.table()->rowCount(); ++row)
            if (panel.table()->item(row, 0)->text().toLongLong() == id)
                return panel.table()->item(row, 3)->text();
        return QString();
    };
    // Units show their Slurm states until the collect job has merged them all; the results are then the run's.
    const QString first = statusOf();
    QVERIFY2(first.startsWith(QStringLiteral("on Slurm: ")) || first == QStringLiteral("done"), qPrintable(first));
    QTRY_COMPARE_WITH_TIMEOUT(statusOf(), QStringLiteral("done"), 120000);
    Workspace check = Workspace::open(m_ws);
    RunStore store(check);
    const RunRecord run = store.existingRun(id);
    const RunRecord local = store.existingRun(m_local);
    QCOMPARE(run.units[0].trainDistribution, std::string("a"));
    QCOMPARE(local.units[0].trainDistribution, std::string("a"));
    QCOMPARE(store.predictions(run.units[0].id, "b"), store.predictions(local.units[0].id, "b"));
}

void TestSlurm::refusedSubmissionLeavesNothingBehind()
{
    if (!m_local)
        QSKIP("needs the local run of runOnSlurmEqualsTheLocalRun");
    // Slurm refuses the partition: its message is shown, and the run it planned is taken back with its plan folder;
    // the same run without the partition is submitted and collected.
    const std::int64_t before = lastRun();
    const Program refused = cli(runArgs()
                                << "--slurm"
                                << "--shared-dir" << QString::fromStdString(m_shared.string()) << "--partition"
                                << "no-such-partition");
    QCOMPARE(refused.code, 2);
    QVERIFY2(refused.err.contains("Slurm refused the job") && refused.err.contains("partition"),
             qPrintable(refused.err));
    QCOMPARE(lastRun(), before);
    for (const auto &entry : fs::directory_iterator(m_shared))
        QVERIFY2(entry.path().filename().string().rfind("run-" + std::to_string(before + 1) + "-", 0) != 0,
                 entry.path().c_str());
    const Program again = cli(runArgs() << "--slurm"
                                        << "--shared-dir" << QString::fromStdString(m_shared.string()));
    QVERIFY2(again.code == 0 && again.out.contains("submitted to Slurm"), qPrintable(again.all()));
    const std::int64_t id = lastRun();
    QCOMPARE(id, before + 1);
    const Program collected = cli({"collect", "--run", QString::number(id), "--wait", "--interval", "1"});
    QVERIFY2(collected.code == 0, qPrintable(collected.all()));
    QCOMPARE(predictions(id), predictions(m_local));
}

QTEST_MAIN(TestSlurm)
#include "tst_slurm.moc"
