#include "engine/cli/democommands.h"

#include "cli/commandregistry.h"
#include "cli/commandsupport.h"
#include "cli/runcommands.h"
#include "demo/demoworkspace.h"
#include "engine/demo/demomodel.h"
#include "engine/demo/demopipeline.h"
#include "runs/runplanner.h"
#include "util/errors.h"
#include "workspace/workspace.h"

#include <chrono>
#include <cstdio>
#include <sstream>

namespace shiftscope {

namespace {

namespace fs = std::filesystem;

std::vector<std::string> splitList(const std::string &text)
{
    std::vector<std::string> out;
    std::stringstream list(text);
    std::string item;
    while (std::getline(list, item, ','))
        if (!item.empty())
            out.push_back(item);
    return out;
}

int runMakeDemoModelCommand(const Arguments &args, std::ostream &out, std::ostream &err)
{
    return runWithUsageErrors(err, [&] {
        const auto dir = args.value("out");
        if (!dir)
            throw CommandUsageError("make-demo-model needs --out DIR");
        DemoModelOptions options;
        if (const auto seed = args.value("seed"))
            options.seed = std::stoull(*seed);
        out << buildDemoModel(*dir, options, runProgressLine(err, "steps")) << "\n";
        return int(ExitOk);
    });
}

int runDemoCommand(const Arguments &args, std::ostream &out, std::ostream &err)
{
    return runWithUsageErrors(err, [&] {
        const fs::path path = args.value("workspace").value_or(defaultDemoWorkspacePath().string());
        const fs::path model = args.value("model") ? fs::path(*args.value("model")) : fs::path();
        const auto finished = demoPipelineRuns(path, runProgressLine(err), runProgressLine(err, "steps"),
                                       splitList(args.value("interventions").value_or("zero_shot,lora,mms")), model, &err);
        Workspace ws = Workspace::open(path);
        const bool markdown = args.has("markdown");
        for (const auto &[intervention, run] : finished) {
            const auto rows = runReport(ws, run);
            const auto seconds = [](const std::string &from, const std::string &to) {
                std::tm a{}, b{};
                if (!strptime(from.c_str(), "%Y-%m-%dT%H:%M:%S", &a) || !strptime(to.c_str(), "%Y-%m-%dT%H:%M:%S", &b))
                    return -1.0;
                return std::difftime(timegm(&b), timegm(&a));
            }(run.startedAt, run.endedAt);
            if (markdown) {
                out << "\n**" << intervention << "** (run " << run.id << ", " << seconds << " s)\n\n"
                    << "| shift | source accuracy | target accuracy | baseline | differential elicitation |\n|---|---|---|---|---|\n";
                auto cell = [](const std::optional<double> &v) {
                    char text[16];
                    std::snprintf(text, sizeof text, "%.3f", v.value_or(NAN));
                    return v ? std::string(text) : std::string("–");
                };
                for (const auto &r : rows)
                    out << "| " << r.source << " → " << r.target << " | " << cell(r.sourceIdAccuracy) << " | "
                        << cell(r.generalizationAccuracy) << " | " << cell(r.baselineAccuracy) << " | "
                        << cell(r.differentialElicitation) << " |\n";
            } else {
                out << "\n" << intervention << " (run " << run.id << ", " << seconds << " s)\n";
                printRunReport(out, rows);
            }
        }
        out << "\nDemo workspace: " << path.string() << "\n";
        return int(ExitOk);
    });
}

} // namespace

void registerDemoCommands()
{
    registerCliCommand("make-demo-model", runMakeDemoModelCommand);
    registerCliCommand("demo", runDemoCommand);
}

} // namespace shiftscope
