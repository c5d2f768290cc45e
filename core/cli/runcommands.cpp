#include "cli/runcommands.h"

#include "cli/cli.h"
#include "results/generalizationtable.h"
#include "runs/intervention.h"
#include "runs/runner.h"
#include "runs/runplanner.h"
#include "runs/runstore.h"
#include "util/errors.h"

#include <chrono>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <unistd.h>

namespace shiftscope {

namespace {

Workspace workspaceOf(const Arguments &args)
{
    const auto path = args.value("workspace");
    if (!path)
        throw InputError(InputProblem{{}, {}, "this command needs --workspace FILE", "name the workspace to use"});
    return Workspace::open(*path);
}

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
    throw InputError(InputProblem{{}, std::string("--") + option, "'" + text + "' is not a run id", "give the number report lists"});
}

} // namespace

//! "unit 2/5: evaluating alpaca_hard  42%  180 pairs/s  ETA 1m20s", redrawn in place on a terminal, a line per
//! second otherwise (logs of scripted runs stay readable). A count that starts again (a new phase) restarts the rate.
ProgressCallback runProgressLine(std::ostream &err, const std::string &unit)
{
    struct State {
        std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
        std::chrono::steady_clock::time_point last{};
        std::int64_t firstDone = -1;
        std::int64_t lastDone = 0;
    };
    auto state = std::make_shared<State>();
    const bool tty = isatty(STDERR_FILENO);
    return [&err, state, tty, unit](std::int64_t done, std::int64_t total, const std::string &stage) {
        const auto now = std::chrono::steady_clock::now();
        if (state->firstDone < 0 || done < state->lastDone) {
            state->firstDone = done;
            state->start = now;
        }
        state->lastDone = done;
        if (now - state->last < std::chrono::milliseconds(tty ? 200 : 1000) && done != total)
            return true;
        state->last = now;
        const double seconds = std::chrono::duration<double>(now - state->start).count();
        const double rate = seconds > 0 ? double(done - state->firstDone) / seconds : 0;
        char line[256];
        if (total > 0 && rate > 0) {
            const double eta = double(total - done) / rate;
            std::snprintf(line, sizeof line, "  %3d%%  %.0f %s/s  ETA %dm%02ds", int(100 * done / total), rate, unit.c_str(),
                          int(eta) / 60, int(eta) % 60);
        } else {
            std::snprintf(line, sizeof line, "  %3d%%", total > 0 ? int(100 * done / total) : 0);
        }
        err << (tty ? "\r\033[K" : "") << stage << line << (tty ? "" : "\n") << std::flush;
        return true;
    };
}

void printRunReport(std::ostream &out, const std::vector<GeneralizationRow> &rows)
{
    auto cell = [](const std::optional<double> &v) {
        char text[32];
        if (!v)
            return std::string("      -");
        std::snprintf(text, sizeof text, "%7.3f", *v);
        return std::string(text);
    };
    out << "source -> target                                       gen.   base.   cap.  src.ID   DE\n";
    for (const auto &r : rows) {
        std::string name = r.source + " -> " + r.target;
        name.resize(std::max<std::size_t>(name.size(), 50), ' ');
        out << name << cell(r.generalizationAccuracy) << cell(r.baselineAccuracy) << cell(r.targetTunedCapability)
            << cell(r.sourceIdAccuracy) << cell(r.differentialElicitation) << "\n";
    }
}


int runRunCommand(const Arguments &args, std::ostream &out, std::ostream &err)
{
    const std::string device = args.value("device").value_or("cpu");
    if (device != "cpu" && device != "cuda")
        throw InputError(InputProblem{{}, "--device " + device, "unknown device", "use --device cpu or --device cuda"});
    Workspace ws = workspaceOf(args);
    RunStore store(ws);
    for (auto id : store.markInterrupted())
        err << "run " << id << " was interrupted; resume it with: run --resume " << id << "\n";
    std::int64_t id = 0;
    if (args.value("resume")) {
        id = runIdOf(args, "resume");
    } else {
        RunRequest request;
        request.modelDir = args.value("model").value_or("");
        const auto intervention = args.value("intervention");
        if (!intervention)
            throw InputError(InputProblem{{}, {}, "run needs --intervention NAME", "e.g. --intervention zero_shot"});
        request.intervention = *intervention;
        request.shifts = args.value("shifts").value_or("genies");
        request.parameters = args.values("param");
        if (auto seed = args.value("seed"))
            request.seed = std::stoull(*seed);
        id = store.create(planRun(ws, request));
        err << "run " << id << ": " << store.run(id)->units.size() << " units\n";
    }
    RunOptions options;
    options.progress = runProgressLine(err);
    options.device = device;
    const RunStatus status = RunRunner::execute(ws, id, options);
    err << (isatty(STDERR_FILENO) ? "\r\033[K" : "");
    out << "run " << id << ": " << runStatusName(status) << "\n";
    if (status == RunStatus::Done)
        printRunReport(out, runReport(ws, *store.run(id)));
    return status == RunStatus::Done ? ExitOk : ExitFailure;
}

int runInterventionsCommand(const Arguments &args, std::ostream &out, std::ostream &)
{
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

int runReportCommand(const Arguments &args, std::ostream &out, std::ostream &)
{
    Workspace ws = workspaceOf(args);
    RunStore store(ws);
    if (!args.value("run")) {
        for (const auto &run : store.runs())
            out << run.id << "  " << runStatusName(run.status)
                << (run.status == RunStatus::Running && !run.owner.empty() ? " (" + run.owner.describe() + ")" : "")
                << "  " << run.intervention << "  " << run.shifts << "  "
                << (run.modelPath.empty() ? "(no model)" : run.modelPath) << "  seed " << run.seed << "  " << run.createdAt << "\n";
        return ExitOk;
    }
    const auto run = store.run(runIdOf(args, "run"));
    if (!run)
        throw InputError(InputProblem{ws.path().string(), {}, "no run " + *args.value("run"), "list runs with report"});
    const auto rows = runReport(ws, *run);
    if (args.has("csv"))
        out << generalizationCsv(rows);
    else
        printRunReport(out, rows);
    return ExitOk;
}

} // namespace shiftscope
