// The parts of running on Slurm that need no cluster: shard files, nested transactions, the plan data and the
// refusals of the cluster commands. tst_slurm runs the rest on a real cluster.
#include "cli/commandtable.h"
#include "runs/cluster.h"
#include "runs/clusterstore.h"
#include "runs/runstore.h"
#include "testsupport.h"
#include "util/errors.h"
#include "workspace/sqlite.h"
#include "workspace/workspace.h"

#include <QTemporaryDir>
#include <QTest>

#include <cstdlib>

using namespace shiftscope;
using namespace shiftscope::test;
namespace fs = std::filesystem;

namespace {

std::string message(const InputError &e) { return e.problems().front().toString(); }

fs::path importedWorkspace(const QTemporaryDir &dir)
{
    const fs::path root = tempPath(dir, "distributions");
    for (const char *name : {"src", "tgt", "other"}) {
        writeText(root / name / "train.json", validSplit(6, 2, name));
        writeText(root / name / "test.json", validSplit(5, 2, name));
    }
    const std::string ws = tempPath(dir, "w.sqlite").string();
    const auto imported = runCommand({"--workspace", ws, "import-data", root.string()});
    if (imported.code != 0)
        qWarning("%s", imported.err.c_str());
    return ws;
}

} // namespace

class TestCluster : public QObject {
    Q_OBJECT
private slots:
    void nestedTransactionsAreSavepoints();
    void shardsRoundTripAndDamageIsNamed();
    void planDataHoldsTheRunAndItsDistributions();
    void commandsRefuseBadInput();
};

void TestCluster::nestedTransactionsAreSavepoints()
{
    QTemporaryDir dir;
    Database db(tempPath(dir, "t.sqlite").string(), true);
    db.exec("CREATE TABLE t(v INTEGER)");
    {
        Transaction outer(db);
        db.exec("INSERT INTO t VALUES(1)");
        {
            Transaction kept(db);
            db.exec("INSERT INTO t VALUES(2)");
            kept.commit();
        }
        {
            Transaction dropped(db); // rolled back alone
            db.exec("INSERT INTO t VALUES(3)");
        }
        outer.commit();
    }
    {
        Transaction undone(db);
        {
            Transaction inner(db);
            db.exec("INSERT INTO t VALUES(4)");
            inner.commit(); // kept for the outer one, which then rolls back
        }
    }
    Statement sum(db, "SELECT group_concat(v) FROM t ORDER BY v");
    QVERIFY(sum.step());
    QCOMPARE(sum.text(0), std::string("1,2"));
}

void TestCluster::shardsRoundTripAndDamageIsNamed()
{
    QTemporaryDir dir;
    UnitShard shard;
    shard.planId = std::string(32, 'a');
    shard.runId = 4;
    shard.unitPosition = 2;
    shard.intervention = "mms";
    shard.trainDistribution = "src";
    shard.host = "n1 (node-a)";
    shard.log = "trained\n";
    shard.predictions = {{"src", {0.25, 0.75, 1.0 / 3.0}}, {"tgt", {0.5}}};
    const fs::path file = tempPath(dir, "shard.sqlite");
    writeUnitShard(file, shard);
    const UnitShard back = readUnitShard(file);
    QCOMPARE(back.planId, shard.planId);
    QCOMPARE(back.unitPosition, 2);
    QCOMPARE(back.host, shard.host);
    QCOMPARE(back.predictions, shard.predictions); // bit for bit

    const fs::path garbage = tempPath(dir, "garbage.sqlite");
    writeText(garbage, "not a database at all, but long enough to look like a header to nobody");
    try {
        readUnitShard(garbage);
        QFAIL("a file that is not a database was read as a shard");
    } catch (const InputError &e) {
        QVERIFY2(message(e).find(garbage.string()) != std::string::npos
                     && message(e).find("not a usable unit shard") != std::string::npos
                     && message(e).find("run --resume") != std::string::npos,
                 message(e).c_str());
    }
    const fs::path workspace = tempPath(dir, "w.sqlite");
    Workspace::create(workspace);
    try {
        readUnitShard(workspace);
        QFAIL("a workspace was read as a shard");
    } catch (const InputError &e) {
        QVERIFY2(message(e).find("not a ShiftScope shard") != std::string::npos, message(e).c_str());
    }
}

void TestCluster::planDataHoldsTheRunAndItsDistributions()
{
    QTemporaryDir dir;
    const fs::path wsPath = importedWorkspace(dir);
    QVERIFY(runCommand({"--workspace", wsPath.string(), "run", "--intervention", "random", "--shifts", "src:tgt"}).code
            == 0);
    Workspace ws = Workspace::open(wsPath);
    const RunRecord run = RunStore(ws).runs().back();
    const fs::path plan = tempPath(dir, "data.sqlite");
    Workspace::create(plan);
    ClusterStore(ws).writePlanData(plan, run.id, {"src", "tgt"});
    QVERIFY(!fs::exists(plan.string() + "-wal")); // one file to copy
    Workspace copy = Workspace::open(plan);
    QCOMPARE(copy.distributions().size(), std::size_t(2));
    QCOMPARE(copy.examples("tgt", Split::Test).size(), ws.examples("tgt", Split::Test).size());
    QCOMPARE(copy.examples("src", Split::Train)[3].responses[1].text,
             ws.examples("src", Split::Train)[3].responses[1].text);
    const RunRecord copied = RunStore(copy).existingRun(run.id);
    QCOMPARE(copied.units.size(), run.units.size());
    QCOMPARE(copied.seed, run.seed);
    QVERIFY(!copy.distribution("other"));
}

void TestCluster::commandsRefuseBadInput()
{
    QTemporaryDir dir;
    const std::string ws = importedWorkspace(dir).string();
    QCOMPARE(runCommand({"--workspace", ws, "run", "--intervention", "random", "--shifts", "src:tgt"}).code, 0);

    const std::string missing = tempPath(dir, "no-plan").string();
    const auto unit = runCommand({"run-unit", "--plan", missing, "--unit", "0"});
    QCOMPARE(unit.code, 2);
    QVERIFY2(unit.err.find(missing + "/plan.json") != std::string::npos, unit.err.c_str());
    writeText(fs::path(missing) / "plan.json", "{\"shiftscope_plan\": 1, \"plan_id\": 3}");
    const auto malformed = runCommand({"run-unit", "--plan", missing, "--unit", "0"});
    QCOMPARE(malformed.code, 2);
    QVERIFY2(malformed.err.find("not a ShiftScope plan") != std::string::npos, malformed.err.c_str());

    const auto collect = runCommand({"--workspace", ws, "collect", "--run", "1"});
    QCOMPARE(collect.code, 2);
    QVERIFY2(collect.err.find("not submitted to Slurm") != std::string::npos, collect.err.c_str());

    const auto noDir =
        runCommand({"--workspace", ws, "run", "--intervention", "random", "--shifts", "src:tgt", "--slurm"});
    QCOMPARE(noDir.code, 2);
    QVERIFY2(noDir.err.find("--shared-dir") != std::string::npos, noDir.err.c_str());

    // Where Slurm's commands are missing, the submission says so and names the fix.
    const std::string path = std::getenv("PATH") ? std::getenv("PATH") : "";
    setenv("PATH", tempPath(dir, "empty-bin").c_str(), 1);
    const auto noSlurm = runCommand({"--workspace", ws, "run", "--intervention", "random", "--shifts", "src:tgt",
                                     "--slurm", "--shared-dir", tempPath(dir, "shared").string()});
    setenv("PATH", path.c_str(), 1);
    QCOMPARE(noSlurm.code, 2);
    QVERIFY2(noSlurm.err.find("sbatch") != std::string::npos && noSlurm.err.find("login node") != std::string::npos,
             noSlurm.err.c_str());

    // A local run's units, as `runs units` lists them.
    const auto units = runCommand({"--workspace", ws, "runs", "units", "1"});
    QCOMPARE(units.code, 0);
    QVERIFY2(units.out.find("unit 0  done  random") != std::string::npos, units.out.c_str());
}

QTEST_GUILESS_MAIN(TestCluster)
#include "tst_cluster.moc"
