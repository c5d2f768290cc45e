#include "cli/commandtable.h"
#include "cli/corecommands.h"
#include "results/generalizationtable.h"
#include "runs/intervention.h"
#include "runs/runner.h"
#include "runs/runplanner.h"
#include "runs/runstore.h"
#include "util/errors.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
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
    } else {
        RunRequest request;
        request.modelDir = args.value("model").value_or("");
        request.adapterDir = args.value("adapter").value_or("");
        request.intervention = c.required("intervention");
        request.shifts = args.value("shifts").value_or("genies");
        request.parameters = args.values("param");
        if (args.value("seed"))
            request.seed = std::uint64_t(c.number("seed", 0));
        id = store.create(planRun(ws, request));
        err << "run " << id << ": " << store.run(id)->units.size() << " units\n";
    }
    return executeRun(c, ws, id, device);
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
void listRuns(std::ostream &out, RunStore &store)
{
    for (const auto &run : store.runs()) {
        const auto done = std::count_if(run.units.begin(), run.units.end(),
                                        [](const RunUnit &u) { return u.status == RunStatus::Done; });
        out << run.id << "  " << runStatusName(run.status)
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
        listRuns(c.out, store);
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
        const std::int64_t again = store.create(planRun(ws, rerunRequest(*run, seed)));
        c.err << "run " << again << ": run " << id << " again with seed " << seed << "\n";
        return executeRun(c, ws, again, c.choice("device", "cpu", {"cpu", "cuda"}));
    }
    throw UsageError("runs takes nothing, delete ID, rename ID NAME or rerun ID, not '" + action + "'");
}

int report(CommandContext &c)
{
    const Arguments &args = c.args;
    std::ostream &out = c.out;
    Workspace ws = c.workspace();
    RunStore store(ws);
    if (!args.value("run")) {
        listRuns(out, store);
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
          "--resume ID [--device cpu|cuda]"},
         "train and evaluate an intervention over shifts, or resume a run",
         WorkspaceUse::Existing,
         {{"intervention", "NAME", "the intervention (see interventions)"},
          {"model", "DIR", "a Hugging Face model folder (interventions that use a model)"},
          {"adapter", "DIR", "a PEFT LoRA adapter folder applied to the model (merged)"},
          {"shifts", "SET", "genies (default), all, a shift specification FILE, or SOURCE:TARGET,..."},
          {"param", "KEY=VALUE", "an intervention parameter; repeat for several"},
          {"seed", "N", "the run's seed (default 0)"},
          {"resume", "ID", "continue run ID where it stopped"},
          device},
         runRun});
    table.add({"runs",
               "Runs",
               {"", "delete ID", "rename ID NAME", "rerun ID [--seed N] [--device cpu|cuda]"},
               "list runs with their status and progress; delete a run with its evaluations and artifacts; name a "
               "run; run it again with another seed",
               WorkspaceUse::Existing,
               {{"seed", "N", "rerun: the seed (default: the next one of the run's configuration)"}, device},
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
