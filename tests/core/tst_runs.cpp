#include "cli/commandtable.h"
#include "data/modelidentity.h"
#include "genies/dataimporter.h"
#include "metrics/geniesmetrics.h"
#include "results/generalizationtable.h"
#include "results/evaluationcomparison.h"
#include "results/resultanalysis.h"
#include "results/resultimportstore.h"
#include "results/resultstore.h"
#include "runs/intervention.h"
#include "runs/runner.h"
#include "runs/runowner.h"
#include "runs/runplanner.h"
#include "runs/runstore.h"
#include "util/errors.h"
#include "util/inputfile.h"
#include "testsupport.h"
#include "workspace/schema.h"
#include "workspace/sqlite.h"
#include "workspace/workspace.h"

#include <cmath>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

using namespace shiftscope;
using namespace shiftscope::test;
namespace fs = std::filesystem;

namespace {

//! Calls made to the test intervention, to prove nothing is recomputed on resume.
struct Calls {
    int train = 0;
    int evaluate = 0;
    int crashAfter = -1;               //!< throw on this evaluate call (simulated crash)
    std::function<void()> beforeCrash; //!< called just before that throw
};
Calls calls;

//! Learns the share of train examples whose preferred response is listed first and predicts from the position of
//! the preferred response: deterministic, so runs can be compared exactly.
class PositionIntervention : public Intervention {
public:
    std::string name() const override { return "position"; }
    std::vector<ParameterSpec> parameters() const override { return {{"strength", "0.3", "how far from 0.5"}}; }
    void train(const InterventionContext &c, const std::vector<Example> &examples) override
    {
        ++calls.train;
        std::ofstream(c.artifactDir / "weights.txt") << examples.size();
        load(c);
    }
    void load(const InterventionContext &c) override { m_strength = std::stod(c.parameters.at("strength")); }
    std::vector<double> evaluate(const InterventionContext &, const std::vector<Example> &,
                                 const std::vector<PairRef> &pairs) override
    {
        if (calls.evaluate++ == calls.crashAfter) {
            if (calls.beforeCrash)
                calls.beforeCrash();
            throw std::runtime_error("simulated crash");
        }
        std::vector<double> out;
        for (const auto &p : pairs)
            out.push_back(p.preferredIndex < p.dispreferredIndex ? 0.5 + m_strength : 0.5 - m_strength);
        return out;
    }

private:
    double m_strength = 0;
};

fs::path makeData(const QTemporaryDir &dir)
{
    const fs::path root = tempPath(dir, "distributions");
    // src: preferred first in every example; tgt: preferred last; ref: mixed.
    auto split = [](int n, bool preferredFirst) {
        std::string text = "[";
        for (int i = 0; i < n; ++i) {
            text += std::string(i ? "," : "") + "{\"prompt\": \"q" + std::to_string(i) + "\", \"responses\": {";
            text += preferredFirst ? "\"good\": 1, \"bad\": 0, \"worse\": 0}}"
                                   : "\"bad\": 0, \"worse\": 0, \"good\": 1}}";
        }
        return text + "]";
    };
    writeText(root / "src/train.json", split(20, true));
    writeText(root / "src/test.json", split(30, true));
    writeText(root / "tgt/train.json", split(20, false));
    writeText(root / "tgt/test.json", split(25, false));
    writeText(root / "ref/train.json", split(20, true));
    writeText(root / "ref/test.json", split(10, false));
    return root;
}

std::string reportText(Workspace &ws, std::int64_t id)
{
    return generalizationCsv(runReport(ws, *RunStore(ws).run(id)));
}

} // namespace

class TestRuns : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void init();
    void plansUnits();
    void runRecordHasEveryField();
    void randomScoresHalf();
    void resumeAfterCrashGivesSameNumbers();
    void runsOfOtherProcessesAreLeftAlone();
    void failureIsRecordedWhenTheRunsConnectionCannotWrite();
    void cancelStopsAndResumeFinishes();
    void badRequests();
    void modelIdentityFollowsContents();
    void commandLine();
    void runsWriteTheirEvaluationsAsTheyGo();
    void olderRunsJoinTheResults();
    void migrationFromSchemaSixKeepsEveryRow();
    void runBesideAnotherEvaluation();
};

void TestRuns::initTestCase()
{
    InterventionRegistry::instance().add("position", [] { return std::make_unique<PositionIntervention>(); });
}

void TestRuns::init() { calls = {}; }

void TestRuns::plansUnits()
{
    QTemporaryDir dir;
    Workspace ws = Workspace::create(tempPath(dir, "w.sqlite"));
    DataImporter::importData(ws, makeData(dir));
    const auto plan = planRun(ws, {{}, "position", "src:tgt", {}, 1, "random", {}});
    QCOMPARE(plan.units.size(), std::size_t(3)); // train on src, capability on tgt, baseline
    QCOMPARE(plan.units[0].trainDistribution, std::string("src"));
    QCOMPARE(plan.units[0].evaluations, (std::vector<std::string>{"tgt", "src"}));
    QCOMPARE(plan.units[1].trainDistribution, std::string("tgt"));
    QCOMPARE(plan.units[1].evaluations, std::vector<std::string>{"tgt"});
    QCOMPARE(plan.units[2].intervention, std::string("random"));
    QCOMPARE(plan.units[2].evaluations, std::vector<std::string>{"tgt"});
    const auto single = planRun(ws, {{}, "random", "src:tgt,src:ref", {}, 1, "zero_shot", {}});
    QCOMPARE(single.units.size(), std::size_t(1)); // no training, no separate baseline (zero_shot not registered here)
    QCOMPARE(single.units[0].evaluations.size(), std::size_t(3));
}

void TestRuns::runRecordHasEveryField()
{
    QTemporaryDir dir;
    Workspace ws = Workspace::create(tempPath(dir, "w.sqlite"));
    DataImporter::importData(ws, makeData(dir));
    fs::create_directories(tempPath(dir, "model"));
    writeText(tempPath(dir, "model/config.json"), "{}");
    RunStore store(ws);
    const auto id =
        store.create(planRun(ws, {tempPath(dir, "model"), "position", "src:tgt", {"strength=0.2"}, 7, "random", {}}));
    QCOMPARE(RunRunner::execute(ws, id), RunStatus::Done);
    const auto run = *store.run(id);
    QCOMPARE(run.status, RunStatus::Done);
    QCOMPARE(run.intervention, std::string("position"));
    QCOMPARE(run.shifts, std::string("src:tgt"));
    QCOMPARE(run.parameters.at("strength"), std::string("0.2"));
    QCOMPARE(run.seed, std::uint64_t(7));
    QCOMPARE(run.version, std::string(SHIFTSCOPE_VERSION));
    QCOMPARE(run.modelHash.size(), std::size_t(64));
    QCOMPARE(run.dataHash.size(), std::size_t(64));
    QVERIFY(!run.createdAt.empty() && !run.startedAt.empty() && !run.endedAt.empty());
    QVERIFY(run.error.empty());
    for (const auto &unit : run.units) {
        QCOMPARE(unit.status, RunStatus::Done);
        QVERIFY(!unit.startedAt.empty() && !unit.endedAt.empty());
    }
    QVERIFY(run.units[0].log.find("training on src") != std::string::npos);
    // src: preferred first -> 0.7 everywhere (accuracy 1); tgt: preferred last -> 0.3 (accuracy 0).
    const auto rows = runReport(ws, run);
    QCOMPARE(rows.size(), std::size_t(1));
    QCOMPARE(*rows[0].sourceIdAccuracy, 1.0);
    QCOMPARE(*rows[0].generalizationAccuracy, 0.0);
    QCOMPARE(*rows[0].baselineAccuracy, 0.5);
    QCOMPARE(*rows[0].targetTunedCapability, 0.0);
    QCOMPARE(rows[0].baselineIntervention, std::string("random · run 1")); // the run's own baseline unit
    QCOMPARE(RunStore(ws).predictions(run.units[0].id, "tgt").size(), std::size_t(50));
}

void TestRuns::randomScoresHalf()
{
    QTemporaryDir dir;
    Workspace ws = Workspace::create(tempPath(dir, "w.sqlite"));
    DataImporter::importData(ws, makeData(dir));
    RunStore store(ws);
    const auto id = store.create(planRun(ws, {{}, "random", "src:tgt", {}, 1, "random", {}}));
    QCOMPARE(RunRunner::execute(ws, id), RunStatus::Done);
    const auto run = *store.run(id);
    for (const auto &m : store.metrics(run.units[0].id)) {
        QCOMPARE(*m.accuracy, 0.5);
        QCOMPARE(*m.averageProbability, 0.5);
    }
    QCOMPARE(*runReport(ws, run)[0].differentialElicitation, 0.0);
}

void TestRuns::resumeAfterCrashGivesSameNumbers()
{
    QTemporaryDir dir;
    const auto data = makeData(dir);
    Workspace reference = Workspace::create(tempPath(dir, "ref.sqlite"));
    DataImporter::importData(reference, data);
    const auto refId = RunStore(reference).create(planRun(reference, {{}, "position", "src:tgt", {}, 3, "random", {}}));
    RunRunner::execute(reference, refId, {4, {}});
    const std::string expected = reportText(reference, refId);

    Workspace ws = Workspace::create(tempPath(dir, "w.sqlite"));
    DataImporter::importData(ws, data);
    RunStore store(ws);
    const auto id = store.create(planRun(ws, {{}, "position", "src:tgt", {}, 3, "random", {}}));
    calls = {};
    calls.crashAfter = 5; // in the middle of the first unit's second distribution
    QVERIFY_THROWS_EXCEPTION(std::runtime_error, RunRunner::execute(ws, id, {4, {}}));
    QCOMPARE(store.run(id)->status, RunStatus::Failed);
    QCOMPARE(store.run(id)->error, std::string("simulated crash"));
    const int storedBefore = store.predictionCount(store.run(id)->units[0].id, "tgt")
                           + store.predictionCount(store.run(id)->units[0].id, "src");
    QCOMPARE(storedBefore, 5 * 4); // five committed batches of four pairs
    const int trainsBefore = calls.train;
    const int evaluatesBefore = calls.evaluate;
    calls.crashAfter = -1;
    QCOMPARE(RunRunner::execute(ws, id, {4, {}}), RunStatus::Done);
    QCOMPARE(calls.train - trainsBefore, 1); // only the capability unit trains now; src's artifact is reused
    // Pairs left: src 60 + tgt 50 - 20 stored = 90 in unit 0 -> 23 batches, tgt capability 50 -> 13 batches.
    QCOMPARE(calls.evaluate - evaluatesBefore, 23 + 13);
    QCOMPARE(reportText(ws, id), expected);

    // A run this (live) process executes is never taken for an interrupted one.
    store.setStatus(id, RunStatus::Running);
    QCOMPARE(store.markInterrupted(), std::vector<std::int64_t>{});
    QCOMPARE(store.run(id)->status, RunStatus::Running);
}

void TestRuns::runsOfOtherProcessesAreLeftAlone()
{
    QTemporaryDir dir;
    const fs::path path = tempPath(dir, "w.sqlite");
    Workspace ws = Workspace::create(path);
    DataImporter::importData(ws, makeData(dir));
    RunStore store(ws);
    const auto id = store.create(planRun(ws, {{}, "position", "src:tgt", {}, 3, "random", {}}));

    // Another process sets the run running and stays alive until told to end.
    int ready[2], release[2];
    QVERIFY(pipe(ready) == 0 && pipe(release) == 0);
    const pid_t child = fork();
    QVERIFY(child >= 0);
    if (child == 0) {
        int code = 0;
        try {
            Workspace own = Workspace::open(path);
            RunStore ownStore(own);
            ownStore.setStatus(id, RunStatus::Running);
            ownStore.setUnitStatus(ownStore.run(id)->units[0].id, RunStatus::Running);
        } catch (...) {
            code = 1;
        }
        char c = 'r';
        (void)!write(ready[1], &c, 1);
        (void)!read(release[0], &c, 1);
        _exit(code);
    }
    char c = 0;
    QCOMPARE(read(ready[0], &c, 1), ssize_t(1));
    const auto running = store.run(id);
    QCOMPARE(running->status, RunStatus::Running);
    QCOMPARE(running->owner.pid, std::int64_t(child));
    QVERIFY(running->owner.startTicks > 0);
    QCOMPARE(ownerState(running->owner), OwnerState::Alive);

    // Opening the workspace elsewhere does not take the live run, and executing it here is refused by name.
    QCOMPARE(store.markInterrupted(), std::vector<std::int64_t>{});
    QCOMPARE(store.run(id)->status, RunStatus::Running);
    try {
        RunRunner::execute(ws, id, {4, {}});
        QFAIL("executed a run another live process executes");
    } catch (const InputError &e) {
        QVERIFY2(std::string(e.what()).find("pid " + std::to_string(child)) != std::string::npos, e.what());
    }
    QCOMPARE(calls.evaluate, 0);

    // Once that process has ended, the run is interrupted and can be resumed here.
    QCOMPARE(write(release[1], &c, 1), ssize_t(1));
    int status = 0;
    QCOMPARE(waitpid(child, &status, 0), child);
    QVERIFY(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    for (int fd : {ready[0], ready[1], release[0], release[1]})
        close(fd);
    QCOMPARE(ownerState(store.run(id)->owner), OwnerState::Gone);
    QCOMPARE(store.markInterrupted(), std::vector<std::int64_t>{id});
    const auto interrupted = store.run(id);
    QCOMPARE(interrupted->status, RunStatus::Interrupted);
    QCOMPARE(interrupted->units[0].status, RunStatus::Interrupted);
    QCOMPARE(RunRunner::execute(ws, id, {4, {}}), RunStatus::Done);

    // A run executed on another host cannot be seen from here, so it is left as it is.
    const auto other = store.create(planRun(ws, {{}, "position", "src:tgt", {}, 4, "random", {}}));
    store.setStatus(other, RunStatus::Running);
    ws.db().exec("UPDATE runs SET owner_host = 'node-17.cluster', owner_pid = 4242 WHERE id = "
                 + std::to_string(other));
    QCOMPARE(ownerState(store.run(other)->owner), OwnerState::Unknown);
    QCOMPARE(store.markInterrupted(), std::vector<std::int64_t>{});
    // A pid that now belongs to a program started at another time is not the run's owner.
    ws.db().exec("UPDATE runs SET owner_host = '" + currentRunOwner().host + "', owner_pid = "
                 + std::to_string(getpid()) + ", owner_start = 1 WHERE id = " + std::to_string(other));
    QCOMPARE(ownerState(store.run(other)->owner), OwnerState::Gone);
    QCOMPARE(store.markInterrupted(), std::vector<std::int64_t>{other});
}

void TestRuns::failureIsRecordedWhenTheRunsConnectionCannotWrite()
{
    QTemporaryDir dir;
    Workspace ws = Workspace::create(tempPath(dir, "w.sqlite"));
    DataImporter::importData(ws, makeData(dir));
    RunStore store(ws);
    const auto id = store.create(planRun(ws, {{}, "position", "src:tgt", {}, 3, "random", {}}));
    // The evaluation fails and leaves the run's own connection unable to write (as a full disk or an I/O error
    // would): the failure is written through a fresh connection.
    calls.crashAfter = 2;
    calls.beforeCrash = [&] { ws.db().exec("PRAGMA query_only = 1"); };
    QVERIFY_THROWS_EXCEPTION(std::runtime_error, RunRunner::execute(ws, id, {4, {}}));
    calls.beforeCrash = nullptr;
    ws.db().exec("PRAGMA query_only = 0");
    const auto failed = store.run(id);
    QCOMPARE(failed->status, RunStatus::Failed);
    QCOMPARE(failed->error, std::string("simulated crash"));
    QCOMPARE(failed->units[0].status, RunStatus::Failed);
    QVERIFY(failed->units[0].log.find("failed: simulated crash") != std::string::npos);
    QCOMPARE(store.markInterrupted(), std::vector<std::int64_t>{});
    calls.crashAfter = -1;
    QCOMPARE(RunRunner::execute(ws, id, {4, {}}), RunStatus::Done);
}

void TestRuns::cancelStopsAndResumeFinishes()
{
    QTemporaryDir dir;
    Workspace ws = Workspace::create(tempPath(dir, "w.sqlite"));
    DataImporter::importData(ws, makeData(dir));
    RunStore store(ws);
    const auto id = store.create(planRun(ws, {{}, "position", "src:tgt", {}, 3, "random", {}}));
    int batches = 0;
    RunOptions options{5, [&](std::int64_t, std::int64_t, const std::string &) { return ++batches < 4; }};
    QCOMPARE(RunRunner::execute(ws, id, options), RunStatus::Cancelled);
    QCOMPARE(store.run(id)->status, RunStatus::Cancelled);
    const int kept = store.predictionCount(store.run(id)->units[0].id, "tgt");
    QVERIFY(kept > 0 && kept < 50);
    QCOMPARE(RunRunner::execute(ws, id, {5, {}}), RunStatus::Done);
    QCOMPARE(store.predictions(store.run(id)->units[0].id, "tgt").size(), std::size_t(50));
}

void TestRuns::badRequests()
{
    QTemporaryDir dir;
    Workspace ws = Workspace::create(tempPath(dir, "w.sqlite"));
    DataImporter::importData(ws, makeData(dir));
    QVERIFY_THROWS_EXCEPTION(InputError, planRun(ws, {{}, "nonexistent", "src:tgt", {}, 1, "random", {}}));
    QVERIFY_THROWS_EXCEPTION(InputError, planRun(ws, {{}, "position", "src:tgt", {"nope=1"}, 1, "random", {}}));
    QVERIFY_THROWS_EXCEPTION(InputError, planRun(ws, {{}, "position", "src:tgt", {"strength"}, 1, "random", {}}));
    QVERIFY_THROWS_EXCEPTION(InputError, planRun(ws, {{}, "position", "src-tgt", {}, 1, "random", {}}));
    try {
        planRun(ws, {{}, "position", "genies", {}, 1, "random", {}});
        QFAIL("planned a run over missing data");
    } catch (const InputError &e) {
        QVERIFY(e.problems().size() > 10); // every missing distribution is named
    }
}

void TestRuns::modelIdentityFollowsContents()
{
    QTemporaryDir dir;
    // A 3 MiB weight file: more than the 16 sampled blocks of 64 KiB, so it is sampled, not read whole.
    std::string weights(3 << 20, '\0');
    std::mt19937 random(5);
    for (char &c : weights)
        c = char(random() & 0xff);
    auto folder = [&](const std::string &name, const std::string &bytes, const std::string &tokenizer) {
        const fs::path d = tempPath(dir, name.c_str());
        writeText(d / "config.json", "{\"model_type\": \"gpt_neox\"}");
        writeText(d / "model.safetensors", bytes);
        if (!tokenizer.empty())
            writeText(d / "tokenizer.json", tokenizer);
        return d;
    };
    const std::string a = modelIdentity(folder("a", weights, "{}"));
    QCOMPARE(a.size(), std::size_t(64));
    QCOMPARE(modelIdentity(folder("copy", weights, "{}")), a); // where the folder is does not count
    const fs::path withReadme = folder("readme", weights, "{}");
    writeText(withReadme / "README.md", "a model card");
    QCOMPARE(modelIdentity(withReadme), a);
    QVERIFY(modelIdentity(folder("tokenizer", weights, "{\"added_tokens\": []}")) != a);
    QVERIFY(modelIdentity(folder("no-tokenizer", weights, "")) != a);
    // Another checkpoint of the same shapes: same names and sizes, other weights.
    std::string other = weights;
    for (std::size_t i = 0; i < other.size(); i += 4096)
        other[i] = char(other[i] ^ 0x5a);
    QVERIFY(modelIdentity(folder("checkpoint", other, "{}")) != a);
    // The last block is read up to the file's end.
    std::string lastByte = weights;
    lastByte.back() = char(lastByte.back() ^ 1);
    QVERIFY(modelIdentity(folder("last", lastByte, "{}")) != a);
    // A small file is read whole.
    QVERIFY(modelIdentity(folder("small", weights.substr(0, 1000), "{}"))
            != modelIdentity(folder("small2", weights.substr(1, 1000), "{}")));
    QVERIFY_THROWS_EXCEPTION(InputError, modelIdentity(tempPath(dir, "missing")));

    std::string sampled;
    readInputFileSamples(tempPath(dir, "a") / "model.safetensors", 1000, 4,
                         [&](std::string_view block) { sampled += block; });
    const std::size_t last = weights.size() - 1000;
    QCOMPARE(sampled, weights.substr(0, 1000) + weights.substr(last / 3, 1000) + weights.substr(last / 3 * 2, 1000)
                          + weights.substr(last, 1000));
}

void TestRuns::commandLine()
{
    QTemporaryDir dir;
    const auto data = makeData(dir);
    const std::string ws = tempPath(dir, "w.sqlite").string();
    std::ostringstream out, err;
    QCOMPARE(runCli({"--workspace", ws, "import-data", data.string()}, out, err), 0);
    out.str({});
    QCOMPARE(runCli({"--workspace", ws, "run", "--intervention", "position", "--shifts", "src:tgt", "--param",
                     "strength=0.1", "--seed", "5"},
                    out, err),
             0);
    QVERIFY(out.str().find("run 1: done") != std::string::npos);
    // No zero_shot without the engine, so no baseline unit: train on src, and on tgt for its capability.
    QVERIFY(err.str().find("run 1: 2 units") != std::string::npos);
    out.str({});
    QCOMPARE(runCli({"--workspace", ws, "report", "--run", "1", "--csv"}, out, err), 0);
    QVERIFY(out.str().rfind("source,target,target_reference,generalization_accuracy", 0) == 0);
    QVERIFY2(out.str().find("src,tgt,tgt,0.0,,,0.0,position · run 1,1.0,") != std::string::npos, out.str().c_str());
    // metrics --run prints exactly the report's table: one function computes both.
    const std::string report = out.str();
    out.str({});
    err.str({});
    QVERIFY2(runCli({"--workspace", ws, "metrics", "--run", "1", "--csv"}, out, err) == 0, err.str().c_str());
    QCOMPARE(out.str(), report);
    out.str({});
    QCOMPARE(runCli({"--workspace", ws, "metrics", "--model", "no model", "--intervention", "position · run 1",
                     "--shifts", "all", "--csv"},
                    out, err),
             0);
    QCOMPARE(runCli({"--workspace", ws, "metrics", "--run", "x"}, out, err), 2);
    QCOMPARE(runCli({"--workspace", ws, "metrics", "--run", "1", "--model", "m"}, out, err), 2);
    QCOMPARE(runCli({"--workspace", ws, "run", "--resume", "1"}, out, err), 0); // done: nothing to do
    // Every pair of the run, for notebooks: CSV with a header, JSON lines, probabilities at full precision.
    const fs::path csv = tempPath(dir, "pairs.csv"), jsonl = tempPath(dir, "pairs.jsonl");
    out.str({});
    QCOMPARE(runCli({"--workspace", ws, "export-pairs", "--run", "1", "--out", csv.string()}, out, err), 0);
    QCOMPARE(out.str(), "Wrote 160 pairs of 3 evaluations to " + csv.string() + "\n"); // src 60, tgt 50 twice
    std::istringstream lines(readText(csv));
    std::string line;
    std::getline(lines, line);
    QCOMPARE(line, std::string("evaluation,model,intervention,run,train_distribution,eval_distribution,split,"
                               "example_hash,example_position,preferred_response,dispreferred_response,pair_index,"
                               "p_preferred,correct"));
    int rows = 0;
    while (std::getline(lines, line))
        ++rows;
    QCOMPARE(rows, 160);
    QCOMPARE(runCli({"--workspace", ws, "export-pairs", "--run", "1", "--out", jsonl.string()}, out, err), 0);
    {
        Workspace w = Workspace::open(ws);
        const auto run = *RunStore(w).run(1);
        const auto predictions = RunStore(w).predictions(run.units[0].id, "tgt");
        std::istringstream json(readText(jsonl));
        std::vector<double> exported;
        while (std::getline(json, line)) {
            const auto row = nlohmann::json::parse(line);
            if (row["train_distribution"] == "src" && row["eval_distribution"] == "tgt") {
                QCOMPARE(row["run"].get<int>(), 1);
                QCOMPARE(row["example_hash"].get<std::string>().size(), std::size_t(64));
                exported.push_back(row["p_preferred"].get<double>());
            }
        }
        QCOMPARE(exported, predictions);
    }
    QCOMPARE(
        runCli({"--workspace", ws, "export-pairs", "--run", "1", "--out", tempPath(dir, "p.txt").string()}, out, err),
        2);
    QCOMPARE(runCli({"--workspace", ws, "export-pairs", "--out", csv.string()}, out, err), 2);
    QCOMPARE(runCli({"--workspace", ws, "export-pairs", "--run", "1", "--model", "m", "--out", csv.string()}, out, err),
             2);
    // Another seed of the same configuration: runs rerun; metrics --run then shows the spread across seeds.
    out.str({});
    err.str({});
    QCOMPARE(runCli({"--workspace", ws, "runs", "rerun", "1"}, out, err), 0);
    QVERIFY2(err.str().find("run 2: run 1 again with seed 6") != std::string::npos, err.str().c_str());
    QVERIFY(out.str().find("run 2: done") != std::string::npos);
    out.str({});
    QCOMPARE(runCli({"--workspace", ws, "metrics", "--run", "1"}, out, err), 0);
    QVERIFY2(out.str().find("Across 2 seeds, runs 1 (seed 5), 2 (seed 6): mean and standard deviation")
                 != std::string::npos,
             out.str().c_str());
    {
        Workspace w = Workspace::open(ws);
        const auto again = *RunStore(w).run(2);
        QCOMPARE(again.parameters, RunStore(w).run(1)->parameters);
        QCOMPARE(again.shifts, std::string("src:tgt"));
        QCOMPARE(again.seed, std::uint64_t(6));
        QCOMPARE(runsOfConfiguration(w, again).size(), std::size_t(2));
    }
    QCOMPARE(runCli({"--workspace", ws, "runs", "rerun", "7"}, out, err), 2);
    // Names that do not exist are refused by name: an intervention the run has no unit of, a shifts file, an
    // annotation file.
    err.str({});
    QCOMPARE(runCli({"--workspace", ws, "trust", "--run", "1", "--intervention", "nope"}, out, err), 2);
    QVERIFY2(err.str().find("the run has no unit of nope") != std::string::npos
                 && err.str().find("position") != std::string::npos,
             err.str().c_str());
    err.str({});
    QCOMPARE(
        runCli({"--workspace", ws, "run", "--intervention", "position", "--shifts", "/no/such/shifts.json"}, out, err),
        2);
    QVERIFY2(err.str().find("no such shifts file") != std::string::npos, err.str().c_str());
    err.str({});
    QCOMPARE(runCli({"--workspace", ws, "annotations", "import", "/no/such/flags.csv"}, out, err), 2);
    QVERIFY2(err.str().find("no such file") != std::string::npos, err.str().c_str());
    // runs lists, names and deletes runs.
    out.str({});
    QCOMPARE(runCli({"--workspace", ws, "runs"}, out, err), 0);
    QVERIFY2(out.str().rfind("1  done  2/2 units  position · run 1  src:tgt", 0) == 0, out.str().c_str());
    out.str({});
    QCOMPARE(runCli({"--workspace", ws, "runs", "rename", "1", "pos A"}, out, err), 0);
    QCOMPARE(out.str(), std::string("Run 1 is listed as pos A\n"));
    out.str({});
    QCOMPARE(runCli({"--workspace", ws, "metrics", "--model", "no model", "--intervention", "pos A", "--shifts", "all"},
                    out, err),
             0);
    QCOMPARE(runCli({"--workspace", ws, "runs", "rename", "1"}, out, err), 2);
    QCOMPARE(runCli({"--workspace", ws, "runs", "delete", "9"}, out, err), 2);
    QCOMPARE(runCli({"--workspace", ws, "runs", "frob"}, out, err), 2);
    out.str({});
    QCOMPARE(runCli({"--workspace", ws, "runs", "delete", "1"}, out, err), 0);
    QCOMPARE(out.str(), std::string("Deleted run 1 with its evaluations\n"));
    out.str({});
    QCOMPARE(runCli({"--workspace", ws, "runs"}, out, err), 0);
    QVERIFY2(out.str().rfind("2  done", 0) == 0 && out.str().find("\n1  ") == std::string::npos, out.str().c_str());
    QCOMPARE(runCli({"--workspace", ws, "report", "--run", "9"}, out, err), 2);
    QCOMPARE(runCli({"--workspace", ws, "run", "--intervention", "position", "--param", "bad"}, out, err), 2);
}

void TestRuns::runsWriteTheirEvaluationsAsTheyGo()
{
    QTemporaryDir dir;
    const auto data = makeData(dir);
    const fs::path path = tempPath(dir, "w.sqlite");
    Workspace ws = Workspace::create(path);
    DataImporter::importData(ws, data);
    RunStore store(ws);
    const auto first = store.create(planRun(ws, {{}, "position", "src:tgt", {}, 3, "random", {}}));
    const auto second = store.create(planRun(ws, {{}, "position", "src:tgt", {}, 4, "random", {}}));

    // Another connection (as another process would) sees each committed batch while the run goes on.
    Workspace watcher = Workspace::open(path);
    const std::int64_t versionBefore = watcher.dataVersion();
    int seenInProgress = 0, looks = 0;
    RunOptions options;
    options.batchSize = 4;
    options.progress = [&](std::int64_t, std::int64_t, const std::string &) {
        if (++looks % 3 == 0)
            for (const auto &e : ResultStore(watcher).evaluations("no model"))
                seenInProgress += e.inProgress() ? 1 : 0;
        return true;
    };
    QCOMPARE(RunRunner::execute(ws, first, options), RunStatus::Done);
    QVERIFY(seenInProgress > 0);
    QVERIFY(watcher.dataVersion() != versionBefore);
    QCOMPARE(RunRunner::execute(ws, second, {4, {}}), RunStatus::Done);

    // The run's evaluations are results like imported ones, with their provenance.
    ResultStore results(ws);
    QCOMPARE(results.models(), std::vector<std::string>{"no model"});
    QCOMPARE(results.interventions("no model"), (std::vector<std::string>{"position · run 1", "position · run 2"}));
    const auto evaluations = results.evaluations("no model", "position · run 1");
    // Unit 0 trains on src and evaluates src and tgt; unit 1 trains on tgt (the target-tuned capability).
    QCOMPARE(evaluations.size(), std::size_t(3));
    const auto run = *store.run(first);
    for (const auto &e : evaluations) {
        QCOMPARE(e.runId, std::optional<std::int64_t>(first));
        QVERIFY(e.unitId);
        QVERIFY(!e.inProgress());
        QCOMPARE(e.probabilityCount, e.expectedPairs);
        const auto unit =
            std::find_if(run.units.begin(), run.units.end(), [&](const RunUnit &u) { return u.id == *e.unitId; });
        QVERIFY(unit != run.units.end());
        QCOMPARE(e.trainDistribution, unit->trainDistribution);
        QCOMPARE(results.probabilities(e.id), store.predictions(unit->id, e.evalDistribution));
        const auto metrics = store.metrics(unit->id);
        const auto m = std::find_if(metrics.begin(), metrics.end(),
                                    [&](const RunMetrics &x) { return x.distribution == e.evalDistribution; });
        QCOMPARE(e.accuracy, m->accuracy);
    }

    // One table function: the run's report is the table the views build from the results.
    const auto shifts = resolveShifts(ws, "src:tgt");
    QCOMPARE(generalizationCsv(rebuildGeneralizationTable(ws, "no model", "position · run 1", shifts)),
             reportText(ws, first));
    const auto rows = runReport(ws, run);
    QCOMPARE(rows.size(), std::size_t(1));
    QCOMPARE(rows[0].generalizationAccuracy, std::optional<double>(0.0));
    QCOMPARE(rows[0].sourceIdAccuracy, std::optional<double>(1.0));
    QCOMPARE(rows[0].targetTunedCapabilityIntervention, std::string("position · run 1"));

    // A run can be named; its evaluations follow the name.
    store.rename(second, "position, seed 4");
    QCOMPARE(results.interventions("no model"), (std::vector<std::string>{"position · run 1", "position, seed 4"}));
    QVERIFY_THROWS_EXCEPTION(InputError, store.rename(first, "position, seed 4")); // taken by run 2
    QVERIFY_THROWS_EXCEPTION(InputError, store.rename(first, "two\nlines"));

    // Deleting a run removes exactly its evaluations, and what its units learned.
    std::vector<fs::path> artifacts;
    const RunRecord finished = *store.run(first);
    for (const RunUnit &unit : finished.units)
        if (fs::is_directory(unit.artifact))
            artifacts.push_back(unit.artifact);
    QCOMPARE(artifacts.size(), std::size_t(2)); // the units that trained (src, and tgt for the capability)
    const int all = results.evaluationCount();
    QCOMPARE(all, 8); // per run: src and tgt by the unit trained on src, tgt by the one on tgt, tgt by the baseline
    QVERIFY(store.remove(first).empty());
    QCOMPARE(results.evaluationCount(), all - 4);
    QVERIFY(results.evaluations("no model", "position · run 1").empty());
    QCOMPARE(results.evaluations("no model", "position, seed 4").size(), std::size_t(3));
    QVERIFY(!store.run(first));
    QCOMPARE(store.predictionCount(run.units[0].id, "src"), 0);
    for (const auto &artifact : artifacts)
        QVERIFY(!fs::exists(artifact));
    QVERIFY(fs::is_directory(store.run(second)->units[0].artifact));
    QVERIFY(results.evaluations("no model", "random · position, seed 4").size() == 1); // the baseline follows
    QVERIFY_THROWS_EXCEPTION(InputError, store.remove(first));
}

void TestRuns::olderRunsJoinTheResults()
{
    QTemporaryDir dir;
    const auto data = makeData(dir);
    Workspace ws = Workspace::create(tempPath(dir, "w.sqlite"));
    DataImporter::importData(ws, data);
    RunStore store(ws);
    const auto id = store.create(planRun(ws, {{}, "position", "src:tgt", {}, 3, "random", {}}));
    QCOMPARE(RunRunner::execute(ws, id, {4, {}}), RunStatus::Done);
    const std::string expected = reportText(ws, id);
    // A workspace whose runs predate schema 7 holds predictions but no evaluations of them.
    ws.db().exec("DELETE FROM result_imports WHERE run_id IS NOT NULL");
    QCOMPARE(ResultStore(ws).evaluationCount(), 0);
    QCOMPARE(store.publishPending(), 4);
    QCOMPARE(store.publishPending(), 0);
    QCOMPARE(ResultStore(ws).evaluationCount(), 4);
    QCOMPARE(reportText(ws, id), expected);
}

void TestRuns::migrationFromSchemaSixKeepsEveryRow()
{
    QTemporaryDir dir;
    const fs::path path = tempPath(dir, "six.sqlite");
    {
        // A workspace as schema 6 left it: an imported evaluation with a flag, and a run with predictions.
        Database db(path.string(), true);
        db.exec("PRAGMA application_id = " + std::to_string(Workspace::kApplicationId));
        for (int version = 0; version < 6; ++version)
            db.exec(workspaceMigrations()[std::size_t(version)]);
        db.exec("PRAGMA user_version = 6");
        db.exec("INSERT INTO result_imports(id, root, imported_at) VALUES(1, '/r', 't')");
        db.exec(
            "INSERT INTO evaluations(id, import_id, path, intervention, model, eval_distribution, probability_count,"
            " accuracy) VALUES(1, 1, 'evaluations/mms/m/d.json', 'mms', 'm', 'd', 0, 0.75)");
        db.exec("INSERT INTO evaluation_flags(evaluation_id, kind, message) VALUES(1, 'hard_probabilities', 'x')");
        db.exec("INSERT INTO runs(id, model_path, intervention, shifts, seed, version, status, created_at)"
                " VALUES(1, '', 'position', 'src:tgt', 3, '0.1.0', 'done', 't')");
        db.exec("INSERT INTO run_units(id, run_id, position, intervention, train_distribution, evaluations, status)"
                " VALUES(1, 1, 0, 'position', 'src', '[\"d\"]', 'done')");
        db.exec("INSERT INTO run_predictions(unit_id, eval_distribution, pair_index, probability)"
                " VALUES(1, 'd', 0, 0.9), (1, 'd', 1, 0.2)");
    }
    Workspace ws = Workspace::open(path);
    QCOMPARE(ws.schemaVersion(), Workspace::kSchemaVersion);
    ResultStore results(ws);
    QCOMPARE(results.evaluationCount(), 1);
    const auto imported = results.evaluation(1);
    QVERIFY(imported);
    QCOMPARE(imported->accuracy, std::optional<double>(0.75));
    QCOMPARE(imported->flagCount, 1);
    QVERIFY(!imported->runId && !imported->unitId && imported->role.empty() && !imported->inProgress());
    QCOMPARE(RunStore(ws).predictions(1, "d"), (std::vector<double>{0.9, 0.2}));
    // The old run's predictions become its evaluation the first time they are published.
    QCOMPARE(RunStore(ws).publishPending(), 1);
    const auto published = results.evaluations("no model", "position · run 1");
    QCOMPARE(published.size(), std::size_t(1));
    QCOMPARE(published[0].accuracy, std::optional<double>(0.5));
    QCOMPARE(results.evaluationCount(), 2);
}

void TestRuns::runBesideAnotherEvaluation()
{
    QTemporaryDir dir;
    const auto data = makeData(dir);
    const std::string path = tempPath(dir, "w.sqlite").string();
    {
        Workspace ws = Workspace::create(path);
        DataImporter::importData(ws, data);
        RunStore store(ws);
        const auto id = store.create(planRun(ws, {{}, "position", "src:tgt", {"strength=0.1"}, 3, "random", {}}));
        QCOMPARE(RunRunner::execute(ws, id, {8, {}}), RunStatus::Done);
        // Published evaluations of the same shift: one that the run repeats pair for pair, one that it does not.
        const auto p = store.predictions(store.run(id)->units[0].id, "tgt"); // 0.4 everywhere: accuracy 0
        ResultImportStore published(ws, tempPath(dir, "results"));
        EvaluationRecord same;
        same.path = "evaluations/position/pub-src/tgt.json";
        same.where = {"position", "", "pub", "src", "tgt"};
        same.content.probabilities = p;
        same.content.hasProbabilities = true;
        same.recomputed = computeGeniesMetrics(same.content.probabilities);
        published.addEvaluation(same);
        EvaluationRecord flipped = same;
        flipped.path = "evaluations/flipped/pub-src/tgt.json";
        flipped.where.intervention = "flipped";
        for (double &v : flipped.content.probabilities)
            v = 1 - v;
        flipped.recomputed = computeGeniesMetrics(flipped.content.probabilities);
        published.addEvaluation(flipped);

        ResultStore results(ws);
        const auto mine = *results.find("no model", "position · run 1", "src", "tgt");
        const auto k = *compareEvaluations(ws, mine, *results.find("pub", "flipped", "src", "tgt"));
        QCOMPARE(k.accuracy, 0.0);
        QCOMPARE(k.otherAccuracy, 1.0);
        QCOMPARE(k.difference, -1.0);
        QVERIFY(k.paired && !k.reproduces);
        QCOMPARE(k.mcnemar->onlySecondRight, 50);
        QVERIFY(k.mcnemar->pValue < 1e-10);
        QCOMPARE(k.differenceInterval->low, -1.0);
        const auto twin = *compareEvaluations(ws, mine, *results.find("pub", "position", "src", "tgt"));
        QVERIFY(twin.reproduces && twin.paired);
        QCOMPARE(twin.difference, 0.0);
        QCOMPARE(twin.mcnemar->pValue, 1.0);

        // The capability rule is explicit: the published tables' best in-distribution accuracy, or the
        // intervention's own; each row says which it used.
        EvaluationRecord ownTarget = flipped; // flipped trained and evaluated on tgt: accuracy 0
        ownTarget.path = "evaluations/flipped/pub-tgt/tgt.json";
        ownTarget.where.trainDistribution = "tgt";
        ownTarget.content.probabilities.assign(50, 0.2);
        ownTarget.recomputed = computeGeniesMetrics(ownTarget.content.probabilities);
        published.addEvaluation(ownTarget);
        EvaluationRecord bestTarget = ownTarget; // position trained and evaluated on tgt: accuracy 1
        bestTarget.path = "evaluations/position/pub-tgt/tgt.json";
        bestTarget.where.intervention = "position";
        bestTarget.content.probabilities.assign(50, 0.8);
        bestTarget.recomputed = computeGeniesMetrics(bestTarget.content.probabilities);
        published.addEvaluation(bestTarget);
        const auto shifts = resolveShifts(ws, "src:tgt");
        const auto best = rebuildGeneralizationTable(ws, "pub", "flipped", shifts);
        QCOMPARE(best[0].targetTunedCapability, std::optional<double>(1.0));
        QCOMPARE(best[0].targetTunedCapabilityIntervention, std::string("position"));
        QCOMPARE(best[0].capabilitySource,
                 std::string("the best in-distribution accuracy on tgt over pub's imported evaluations"));
        const auto own = rebuildGeneralizationTable(ws, "pub", "flipped", shifts, CapabilityRule::SameIntervention);
        QCOMPARE(own[0].targetTunedCapability, std::optional<double>(0.0));
        QCOMPARE(own[0].capabilitySource, std::string("flipped trained and evaluated on tgt"));
        QVERIFY(!own[0].differentialElicitation); // a capability of 0 leaves DE undefined
        // The views take the rule too.
        auto capabilityIn = [&](CapabilityRule rule) {
            for (const auto &r : shiftResults(ws, "pub", {"flipped"}, ShiftSet::All, rule).at("flipped"))
                if (r.row.source == "src" && r.row.target == "tgt")
                    return r.row.targetTunedCapability;
            return std::optional<double>();
        };
        QCOMPARE(capabilityIn(CapabilityRule::Automatic), std::optional<double>(1.0));
        QCOMPARE(capabilityIn(CapabilityRule::SameIntervention), std::optional<double>(0.0));
        const auto runOwn = runReport(ws, *store.run(id));
        QCOMPARE(runOwn[0].capabilitySource, std::string("position · run 1 trained and evaluated on tgt"));
    }
    std::ostringstream out, err;
    QCOMPARE(runCli({"--workspace", path, "compare", "--run", "1", "--model", "pub", "--intervention", "position"}, out,
                    err),
             0);
    QVERIFY2(out.str().find("src -> tgt") != std::string::npos && out.str().find("yes\n") != std::string::npos,
             out.str().c_str());
    QVERIFY(out.str().find("1 shifts compared") != std::string::npos);
    out.str({});
    QCOMPARE(
        runCli({"--workspace", path, "compare", "--run", "1", "--model", "pub", "--intervention", "flipped"}, out, err),
        0);
    QVERIFY2(out.str().find("-1.000") != std::string::npos && out.str().find("no\n") != std::string::npos,
             out.str().c_str());
    QCOMPARE(
        runCli({"--workspace", path, "compare", "--run", "1", "--model", "pub", "--intervention", "nope"}, out, err),
        2);
    QCOMPARE(runCli({"--workspace", path, "compare", "--run", "1"}, out, err), 2);
    out.str({});
    QCOMPARE(runCli({"--workspace", path, "metrics", "--run", "1"}, out, err), 0);
    QVERIFY2(out.str().find("capability: position · run 1 trained and evaluated on tgt\n") != std::string::npos,
             out.str().c_str());
    out.str({});
    QCOMPARE(runCli({"--workspace", path, "metrics", "--run", "1", "--capability", "published-best"}, out, err), 0);
    QVERIFY2(out.str().find("capability: the best in-distribution accuracy on tgt over no model's evaluations")
                 != std::string::npos,
             out.str().c_str());
    QCOMPARE(runCli({"--workspace", path, "metrics", "--run", "1", "--capability", "best"}, out, err), 2);
}

QTEST_GUILESS_MAIN(TestRuns)
#include "tst_runs.moc"
