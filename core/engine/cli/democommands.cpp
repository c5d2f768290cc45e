#include "cli/commandtable.h"
#include "cli/corecommands.h"
#include "engine/cli/enginecommands.h"
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

int makeDemoModel(CommandContext &c)
{
    const std::string dir = c.required("out");
    DemoModelOptions options;
    options.seed = std::uint64_t(c.number("seed", std::int64_t(options.seed)));
    const std::string written = buildDemoModel(dir, options, c.progress("steps"));
    c.endProgress();
    c.out << written << "\n";
    return ExitOk;
}

int demo(CommandContext &c)
{
    const Arguments &args = c.args;
    std::ostream &out = c.out;
    const fs::path path = args.value("workspace").value_or(defaultDemoWorkspacePath().string());
    const fs::path model = args.value("model") ? fs::path(*args.value("model")) : fs::path();
    const auto finished = demoPipelineRuns(path, c.progress("pairs"), c.progress("steps"),
                                           splitList(args.value("interventions").value_or("zero_shot,lora,mms")), model,
                                           &c.err);
    c.endProgress();
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
                << "| shift | source accuracy | target accuracy | baseline | differential elicitation "
                   "|\n|---|---|---|---|---|\n";
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
            printGeneralizationTable(out, rows);
        }
    }
    out << "\nDemo workspace: " << path.string() << "\n";
    return int(ExitOk);
}

} // namespace

void addDemoCommands(CommandTable &table)
{
    table.add({"make-demo-model",
               "Demo and tools",
               {"--out DIR [--seed N]"},
               "train the demo tokenizer and language model into a model folder",
               WorkspaceUse::None,
               {{"out", "DIR", "the model folder to write"}, {"seed", "N", "the training seed"}},
               makeDemoModel});
    table.add({"demo",
               "Demo and tools",
               {"[--model DIR] [--interventions A,B] [--markdown]"},
               "build the demo workspace and model, run zero_shot, lora and mms over the demo shifts (reusing finished "
               "runs) and print their results",
               WorkspaceUse::Optional,
               {{"model", "DIR", "use this model folder instead of building the demo model"},
                {"interventions", "A,B,...", "the interventions to run (default zero_shot,lora,mms)"},
                {"markdown", {}, "print Markdown tables"}},
               demo});
}

} // namespace shiftscope
