#include "cli/commandtable.h"
#include "cli/corecommands.h"
#include "results/generalizationtable.h"
#include "runs/cluster.h"
#include "runs/intervention.h"
#include "runs/runner.h"
#include "runs/runplanner.h"
#include "runs/runstore.h"
#include "util/errors.h"

#include <algorithm>
#include <set>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>
#include <unistd.h>

namespace shiftscope {

namespace {

std::int64_t runIdOf(const Arguments &args, const char *option)
{
    const std::string text = args.value(option).value_or("");
    try {
        std::size_t used = 0;
        const long long id = std::stoll(text, &used);
        if (used == text.size() && id > 0)
            return id;
    } catch (const std::exception &) {
    }
    throw InputError(
        InputProblem{{}, std::string("--") + option, "'" + text + "' is not a run id", "give the number report lists"});
}

//! Executes run `id` with the progress line, then prints its status and table; exit code 1 unless it finished.
int executeRun(CommandContext &c, Workspace &ws, std::int64_t id, const std::string &device)
{
    RunOptions options;
    options.progress = c.progress("pairs");
    options.device = device;
    const RunStatus status = RunRunner::execute(ws, id, options);
    c.endProgress();
    c.out << "run " << id << ": " << runStatusName(status) << "\n";
    if (status == RunStatus::Done)
        printGeneralizationTable(c.out, runReport(ws, *RunStore(ws).run(id)));
    return status == RunStatus::Done ? ExitOk : ExitFailure;
}

//! The --slurm options of `run`.
SlurmOptions slurmOptions(CommandContext &c, const std::string &device)
{
    SlurmOptions o;
    o.sharedDir = c.args.value("shared-dir").value_or("");
    o.partition = c.args.value("partition").value_or("");
    o.gpusPerTask = c.count("gpus-per-task", 0, 0, 1024);
    o.maxParallel = c.count("max-parallel", 0, 0, 1000000);
    o.time = c.args.value("time").value_or("");
    o.sbatchArgs = c.args.values("sbatch-arg");
    o.device = device;
    return o;
}

void printJob(CommandContext &c, std::int64_t id, const ClusterJob &job)
{
    c.out << "run " << id << ": " << job.units.size() << " units submitted to Slurm as array job " << job.arrayJob
          << ", collect job " << job.collectJob << "\n";
}

//! `run --slurm`: submits the planned run `id` and prints its jobs; the run stays queued until collected.
int submit(CommandContext &c, Workspace &ws, std::int64_t id, const std::string &device)
{
    for (const char *option : {"shared-dir"})
        if (!c.args.value(option))
            throw UsageError(std::string("run --slurm needs --") + option + " DIR");
    const ClusterJob job = submitRun(ws, id, slurmOptions(c, device));
    printJob(c, id, job);
    c.out << "plan folder: " << ClusterStore(ws).submission(id)->planDir.string() << "\n"
          << "follow it with: runs units " << id << "; merge finished units with: collect --run " << id << "\n";
    return ExitOk;
}

//! `run --resume ID` of a run on Slurm: resubmits the units that failed or vanished.
int resubmit(CommandContext &c, Workspace &ws, std::int64_t id)
{
    if (const auto job = resubmitMissingUnits(ws, id)) {
        printJob(c, id, *job);
        return ExitOk;
    }
    c.out << "run " << id << ": no unit to resubmit (each is collected, finished, pending or running)\n";
    return ExitOk;
}

//! Runs `work` on run `id`, which this command has just planned: when bad input stops it before any unit produced
//! a prediction (a parameter's value, a --slurm option, a refused submission), the run is taken back, so that the
//! workspace is as before the command.
template <typename Work>
int withdrawnOnBadInput(Workspace &ws, std::int64_t id, Work work)
{
    auto untouched = [&] {
        const auto run = RunStore(ws).run(id);
        if (!run)
            return false;
        for (const RunUnit &unit : run->units) {
            if (unit.status == RunStatus::Done)
                return false;
            for (const std::string &distribution : unit.evaluations)
                if (RunStore(ws).predictionCount(unit.id, distribution) > 0)
                    return false;
        }
        return true;
    };
    try {
        return work();
    } catch (const InputError &) {
        if (untouched())
            RunStore(ws).remove(id);
        throw;
    } catch (const UsageError &) {
        if (untouched())
            RunStore(ws).remove(id);
        throw;
    }
}

int runRun(CommandContext &c)
{
    const Arguments &args = c.args;
    std::ostream &err = c.err;
    const std::string device = args.value("device").value_or("cpu");
    if (device != "cpu" && device != "cuda")
        throw InputError(InputProblem{{}, "--device " + device, "unknown device", "use --device cpu or --device cuda"});
    Workspace ws = c.workspace();
    RunStore store(ws);
    for (auto id : store.markInterrupted())
        err << "run " << id << " was interrupted; resume it with: run --resume " << id << "\n";
    std::int64_t id = 0;
    if (args.value("resume")) {
        id = runIdOf(args, "resume");
        if (ClusterStore(ws).submission(id))
            return resubmit(c, ws, id);
    } else {
        RunRequest request;
        request.modelDir = args.value("model").value_or("");
        request.adapterDir = args.value("adapter").value_or("");
        request.intervention = c.required("intervention");
        request.shifts = args.value("shifts").value_or("genies");
        request.parameters = args.values("param");
        if (args.value("seed"))
            request.seed = std::uint64_t(c.number("seed", 0));
        if (args.has("slurm")) // the options first: a run they refuse is not worth planning
            slurmOptions(c, device);
        id = store.create(planRun(ws, request));
        err << "run " << id << ": " << store.run(id)->units.size() << " units\n";
        return withdrawnOnBadInput(
            ws, id, [&] { return args.has("slurm") ? submit(c, ws, id, device) : executeRun(c, ws, id, device); });
    }
    if (args.has("slurm"))
        return submit(c, ws, id, device);
    return executeRun(c, ws, id, device);
}

//! `run-unit`: one unit of a plan, as a Slurm task runs it.
int runUnit(CommandContext &c)
{
    const std::string plan = c.required("plan");
    const int unit = c.count("unit", -1);
    if (!c.args.value("unit"))
        throw UsageError("run-unit needs --unit N");
    const std::string device = c.choice("device", "cpu", {"cpu", "cuda"});
    const bool ran = runPlannedUnit(plan, unit, device, c.progress("pairs"));
    c.endProgress();
    c.out << "unit " << unit << (ran ? ": done, shard written" : ": already has a shard, nothing to do") << "\n";
    return ExitOk;
}

void printRefused(CommandContext &c, const CollectReport &report)
{
    for (const auto &p : report.refused)
        c.err << "refused " << p.toString() << "\n";
}

//! `collect --run ID [--wait]`: merges the finished units' shards; with --wait, until every unit is collected or
//! none can still finish.
int collect(CommandContext &c)
{
    Workspace ws = c.workspace();
    const std::int64_t id = runIdOf(c.args, "run");
    const auto interval = std::chrono::seconds(c.number("interval", 10, 1, 86400));
    std::set<int> refusedSeen;
    for (;;) {
        const CollectReport report = collectRun(ws, id);
        printRefused(c, report);
        if (!report.merged.empty())
            c.out << "collected " << report.merged.size() << " units; " << report.done << "/" << report.total
                  << " done\n";
        if (report.finished()) {
            c.out << "run " << id << ": done\n";
            printGeneralizationTable(c.out, runReport(ws, RunStore(ws).existingRun(id)));
            return report.refused.empty() ? ExitOk : ExitBadInput;
        }
        const auto units = clusterUnitProgress(ws, id);
        const bool waiting = std::any_of(units.begin(), units.end(), [](const UnitProgress &u) {
            return u.state == "pending" || u.state == "running" || (u.state == "done" && !u.collected);
        });
        if (!c.args.has("wait") || !waiting || !report.refused.empty()) {
            c.out << "run " << id << ": " << report.done << "/" << report.total << " units collected\n";
            for (const auto &u : units)
                if (u.state == "failed")
                    c.out << "  unit " << u.position << " failed: " << u.detail << "\n";
            if (!report.refused.empty())
                return ExitBadInput;
            const bool failed =
                std::any_of(units.begin(), units.end(), [](const UnitProgress &u) { return u.state == "failed"; });
            if (failed)
                c.out << "resubmit the failed units with: run --resume " << id << "\n";
            return failed ? ExitFailure : ExitOk;
        }
        std::this_thread::sleep_for(interval);
    }
}

int listInterventions(CommandContext &c)
{
    const Arguments &args = c.args;
    std::ostream &out = c.out;
    const auto &registry = InterventionRegistry::instance();
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const auto &name : registry.names()) {
        const auto intervention = registry.create(name);
        nlohmann::ordered_json parameters = nlohmann::ordered_json::array();
        for (const auto &p : intervention->parameters())
            parameters.push_back({{"name", p.name}, {"default", p.defaultValue}, {"description", p.description}});
        list.push_back({{"name", name}, {"trains", intervention->trains()}, {"parameters", parameters}});
    }
    if (args.has("json")) {
        out << list.dump(2) << "\n";
        return ExitOk;
    }
    for (const auto &entry : list) {
        out << entry["name"].get<std::string>() << (entry["trains"].get<bool>() ? "" : " (trains nothing)") << "\n";
        for (const auto &p : entry["parameters"])
            out << "  " << p["name"].get<std::string>() << " = " << p["default"].get<std::string>() << "  "
                << p["description"].get<std::string>() << "\n";
    }
    return ExitOk;
}

//! Every run, a line each: id, status (and who executes a running one), units done, the name its results are
//! listed under, shifts, model, seed and when it was created.
void listRuns(std::ostream &out, Workspace &ws, RunStore &store)
{
    for (const auto &run : store.runs()) {
        const auto done = std::count_if(run.units.begin(), run.units.end(),
                                        [](const RunUnit &u) { return u.status == RunStatus::Done; });
        const auto units = run.status == RunStatus::Queued ? clusterUnitProgress(ws, run.id)
                                                           : std::vector<UnitProgress>{};
        out << run.id << "  "
            << (units.empty() ? runStatusName(run.status)
                              : "submitted to Slurm (" + clusterProgressSummary(units) + ")")
            << (run.status == RunStatus::Running && !run.owner.empty() ? " (" + run.owner.describe() + ")" : "") << "  "
            << done << "/" << run.units.size() << " units  " << runEvaluationLabel(run, run.intervention) << "  "
            << run.shifts << "  " << (run.modelPath.empty() ? "(no model)" : run.modelPath) << "  seed " << run.seed
            << "  " << run.createdAt << "\n";
    }
}

//! `runs`, `runs delete ID`, `runs rename ID NAME`.
int runs(CommandContext &c)
{
    Workspace ws = c.workspace();
    RunStore store(ws);
    store.markInterrupted();
    const std::string action = c.operandCount() > 0 ? c.args.positionals()[0] : "";
    if (action.empty()) {
        listRuns(c.out, ws, store);
        return ExitOk;
    }
    if (action == "units") {
        c.expectOperands(2, "units and one run ID");
        const std::int64_t id = runIdArgument(c.args.positionals()[1]);
        const RunRecord run = store.existingRun(id);
        const auto progress = clusterUnitProgress(ws, id);
        nlohmann::ordered_json list = nlohmann::ordered_json::array();
        if (progress.empty())
            for (const auto &u : run.units)
                list.push_back({{"unit", u.position},
                                {"intervention", u.intervention},
                                {"train", u.trainDistribution},
                                {"state", runStatusName(u.status)},
                                {"collected", u.status == RunStatus::Done},
                                {"detail", ""}});
        for (const auto &u : progress)
            list.push_back({{"unit", u.position},
                            {"intervention", u.intervention},
                            {"train", u.trainDistribution},
                            {"state", u.state},
                            {"collected", u.collected},
                            {"detail", u.detail}});
        if (c.args.has("json")) {
            c.out << list.dump(2) << "\n";
            return ExitOk;
        }
        for (const auto &u : list) {
            const std::string train = u["train"].get<std::string>();
            c.out << "unit " << u["unit"].get<int>() << "  " << u["state"].get<std::string>()
                  << (u["state"] == "done" && !u["collected"].get<bool>() ? " (not collected)" : "") << "  "
                  << u["intervention"].get<std::string>() << (train.empty() ? "" : " on " + train);
            const std::string detail = u["detail"].get<std::string>();
            if (!detail.empty() && detail != "not collected yet")
                c.out << "  " << detail;
            c.out << "\n";
        }
        return ExitOk;
    }
    if (action == "delete") {
        c.expectOperands(2, "delete and one run ID");
        const std::int64_t id = runIdArgument(c.args.positionals()[1]);
        for (const auto &left : store.remove(id))
            c.err << "warning: could not remove " << left << "\n";
        c.out << "Deleted run " << id << " with its evaluations\n";
        return ExitOk;
    }
    if (action == "rename") {
        c.expectOperands(3, "rename, a run ID and a NAME (\"\" restores the default)");
        const std::int64_t id = runIdArgument(c.args.positionals()[1]);
        store.rename(id, c.args.positionals()[2]);
        c.out << "Run " << id << " is listed as " << runEvaluationLabel(*store.run(id), store.run(id)->intervention)
              << "\n";
        return ExitOk;
    }
    if (action == "rerun") {
        c.expectOperands(2, "rerun and one run ID");
        const std::int64_t id = runIdArgument(c.args.positionals()[1]);
        const auto run = std::optional<RunRecord>(store.existingRun(id));
        std::uint64_t seed = nextSeed(ws, *run);
        if (c.args.value("seed"))
            seed = std::uint64_t(c.number("seed", 0));
        const std::string device = c.choice("device", "cpu", {"cpu", "cuda"});
        const std::int64_t again = store.create(planRun(ws, rerunRequest(*run, seed)));
        c.err << "run " << again << ": run " << id << " again with seed " << seed << "\n";
        return withdrawnOnBadInput(ws, again, [&] { return executeRun(c, ws, again, device); });
    }
    throw UsageError("runs takes nothing, units ID, delete ID, rename ID NAME or rerun ID, not '" + action + "'");
}

int report(CommandContext &c)
{
    const Arguments &args = c.args;
    std::ostream &out = c.out;
    Workspace ws = c.workspace();
    RunStore store(ws);
    if (!args.value("run")) {
        listRuns(out, ws, store);
        return ExitOk;
    }
    const auto run = store.run(runIdOf(args, "run"));
    if (!run)
        throw InputError(InputProblem{ws.path().string(), {}, "no run " + *args.value("run"), "list runs with report"});
    const auto rows = runReport(ws, *run);
    if (args.has("csv"))
        out << generalizationCsv(rows);
    else
        printGeneralizationTable(out, rows);
    return ExitOk;
}

} // namespace

void addRunCommands(CommandTable &table)
{
    const CommandOption device{"device", "cpu|cuda",
                               "where model interventions compute (default cpu); a run may resume on another"};
    table.add(
        {"run",
         "Runs",
         {"--intervention NAME [--model DIR [--adapter DIR]] [--shifts genies|all|FILE|S:T,...] [--param k=v ...] "
          "[--seed N] [--device cpu|cuda]",
          "--resume ID [--device cpu|cuda]",
          "... --slurm --shared-dir DIR [--partition P] [--gpus-per-task N] [--max-parallel K] [--time T] "
          "[--sbatch-arg ARG ...]"},
         "train and evaluate an intervention over shifts, or resume a run; with --slurm, submit it to a Slurm cluster "
         "(one array task per unit and a collect job; --resume then resubmits the units that failed)",
         WorkspaceUse::Existing,
         {{"intervention", "NAME", "the intervention (see interventions)"},
          {"model", "DIR", "a Hugging Face model folder (interventions that use a model)"},
          {"adapter", "DIR", "a PEFT LoRA adapter folder applied to the model (merged)"},
          {"shifts", "SET", "genies (default), all, a shift specification FILE, or SOURCE:TARGET,..."},
          {"param", "KEY=VALUE", "an intervention parameter; repeat for several"},
          {"seed", "N", "the run's seed (default 0)"},
          {"resume", "ID", "continue run ID where it stopped"},
          device,
          {"slurm", {}, "submit the run to Slurm instead of executing it here"},
          {"shared-dir", "DIR", "--slurm: a folder every node reads and writes (plans, shards, caches)"},
          {"partition", "P", "--slurm: the partition"},
          {"gpus-per-task", "N", "--slurm: GPUs for each unit's task"},
          {"max-parallel", "K", "--slurm: at most K units at once"},
          {"time", "T", "--slurm: each task's time limit (sbatch --time)"},
          {"sbatch-arg", "ARG", "--slurm: one more sbatch argument, e.g. --sbatch-arg=--account=lab; repeatable"}},
         runRun});
    table.add({"run-unit",
               "Runs",
               {"--plan DIR --unit N [--device cpu|cuda]"},
               "execute one unit of a run planned with run --slurm and write its shard into the plan folder (what "
               "each Slurm task runs)",
               WorkspaceUse::None,
               {{"plan", "DIR", "the plan folder run --slurm wrote"}, {"unit", "N", "the unit's position"}, device},
               runUnit});
    table.add({"collect",
               "Runs",
               {"--run ID [--wait [--interval SECONDS]]"},
               "merge the finished units of a run on Slurm into the workspace (idempotent); --wait merges as units "
               "finish until none is pending or running",
               WorkspaceUse::Existing,
               {{"run", "ID", "the run"},
                {"wait", {}, "keep collecting until no unit can still finish"},
                {"interval", "SECONDS", "--wait: seconds between looks (default 10)"}},
               collect});
    table.add({"runs",
               "Runs",
               {"", "units ID [--json]", "delete ID", "rename ID NAME", "rerun ID [--seed N] [--device cpu|cuda]"},
               "list runs with their status and progress; each unit's state (on Slurm: pending, running, done, "
               "failed); delete a run with its evaluations and artifacts; name a run; run it again with another seed",
               WorkspaceUse::Existing,
               {{"seed", "N", "rerun: the seed (default: the next one of the run's configuration)"},
                device,
                {"json", {}, "units: print JSON"}},
               runs});
    table.add({"report",
               "Runs",
               {"[--run ID] [--csv]"},
               "list runs, or a run's generalization-metrics table",
               WorkspaceUse::Existing,
               {{"run", "ID", "the run whose table to print"}, {"csv", {}, "write the published CSV format"}},
               report});
    table.add({"interventions",
               "Runs",
               {"[--json]"},
               "the interventions with their parameters and defaults",
               WorkspaceUse::None,
               {{"json", {}, "print JSON instead of text"}},
               listInterventions});
}

} // namespace shiftscope
