#include "cli/commandtable.h"
#include "cli/corecommands.h"
#include "results/generalizationtable.h"
#include "results/resultanalysis.h"
#include "results/resultsimporter.h"
#include "results/evaluationcomparison.h"
#include "results/pairexport.h"
#include "results/resultstore.h"
#include "results/seedgroups.h"
#include "runs/runplanner.h"
#include "runs/runstore.h"
#include "util/errors.h"
#include "workspace/workspace.h"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <ostream>

namespace shiftscope {

namespace {

using Json = nlohmann::ordered_json;

int importResults(CommandContext &c)
{
    const std::string dir = c.operand(0, "the results folder to import (import-results DIR)");
    Workspace ws = c.workspace();
    const ResultsImportSummary s = ResultsImporter::importResults(ws, dir, c.progress());
    c.endProgress();
    for (const auto &w : s.warnings)
        c.err << "warning: " << w << "\n";
    if (c.args.has("json")) {
        c.out << Json{{"results_dir", s.resultsDir.string()},
                      {"evaluation_files", s.evaluationFiles},
                      {"duplicate_files", s.duplicateFiles},
                      {"probabilities", s.probabilities},
                      {"metrics_files", s.metricsFiles},
                      {"metrics_rows", s.metricsRows},
                      {"capability_files", s.capabilityFiles},
                      {"flagged_files", s.flaggedFiles},
                      {"hard_probability_files", s.hardFiles},
                      {"stored_value_disagreements", s.storedValueDisagreements},
                      {"linked_files", s.linkedFiles},
                      {"length_mismatches", s.lengthMismatches},
                      {"compared_cells", s.comparedCells},
                      {"agreeing_cells", s.agreeingCells},
                      {"rows_without_inputs", s.rowsWithoutInputs},
                      {"table_differences", s.tableDifferences},
                      {"warnings", s.warnings}}
                     .dump(2)
              << "\n";
        return ExitOk;
    }
    c.out << "Imported " << s.evaluationFiles << " evaluation files (" << s.duplicateFiles << " copies of others, "
          << s.probabilities << " per-pair probabilities), " << s.metricsFiles << " metrics tables (" << s.metricsRows
          << " rows) and " << s.capabilityFiles << " target-tuned capabilities from " << s.resultsDir.string() << "\n";
    c.out << "Checks: " << s.flaggedFiles << " files flagged, " << s.storedValueDisagreements
          << " stored values disagree with their probabilities, " << s.hardFiles << " files hold hard 0/1 probabilities"
          << " (see result-checks)\n";
    c.out << "Linked to this workspace's pairs: " << s.linkedFiles << " files; " << s.lengthMismatches
          << " files disagree in length with their distribution and stay unlinked\n";
    c.out << "Rebuilt tables vs published: " << s.agreeingCells << " of " << s.comparedCells << " cells agree";
    if (s.rowsWithoutInputs > 0)
        c.out << "; " << s.rowsWithoutInputs << " rows lack inputs in these results";
    c.out << "\n";
    for (const auto &d : s.tableDifferences)
        c.out << "  differs: " << d << "\n";
    return ExitOk;
}


int listResultChecks(CommandContext &c)
{
    Workspace ws = c.workspace();
    const auto flags = ResultStore(ws).flags();
    if (c.args.has("json")) {
        Json list = Json::array();
        for (const auto &f : flags)
            list.push_back({{"path", f.path}, {"kind", f.kind}, {"message", f.message}});
        c.out << list.dump(2) << "\n";
        return ExitOk;
    }
    for (const auto &f : flags)
        c.out << f.path << ": " << f.kind << ": " << f.message << "\n";
    c.out << flags.size() << " flags\n";
    return ExitOk;
}


CapabilityRule capabilityRuleOf(const CommandContext &c)
{
    return *capabilityRuleFromName(
        c.choice("capability", "automatic", {"automatic", "same-intervention", "published-best"}));
}

//! `metrics --run ID`: the run's table, over the shifts it was run on.
int runMetricsTable(CommandContext &c, const std::string &idText)
{
    const std::int64_t id = runIdArgument(idText);
    if (c.args.value("model") || c.args.value("intervention") || c.args.value("shifts"))
        throw UsageError(
            "--run names the model, intervention and shifts itself; leave out --model, --intervention and --shifts");
    Workspace ws = c.workspace();
    const auto run = std::optional<RunRecord>(RunStore(ws).existingRun(id));
    const auto rows = runReport(ws, *run, capabilityRuleOf(c));
    if (c.args.has("csv")) {
        c.out << generalizationCsv(rows);
        return ExitOk;
    }
    printGeneralizationTable(c.out, rows);
    // The other seeds of this configuration: the spread a single run's numbers come with.
    std::optional<SeedGroup> group;
    for (SeedGroup &g : seedGroups(ws, runModelName(*run)))
        for (const SeedMember &member : g.members)
            if (member.runId == run->id)
                group = std::move(g);
    if (!group)
        return ExitOk;
    std::string which;
    for (const SeedMember &member : group->members)
        which +=
            (which.empty() ? "" : ", ") + std::to_string(member.runId) + " (seed " + std::to_string(member.seed) + ")";
    c.out << "\nAcross " << group->members.size() << " seeds, runs " << which
          << ": mean and standard deviation (listed in the views as \"" << group->name << "\")\n";
    c.out << "source -> target                                   gen. mean    sd   DE mean    sd  seeds\n";
    auto cell = [](const std::optional<double> &v, int width) {
        char text[32];
        if (!v)
            return std::string(std::size_t(width - 1), ' ') + "-";
        std::snprintf(text, sizeof text, "%*.3f", width, *v);
        return std::string(text);
    };
    for (const SeedGroupRow &row :
         seedGroupTable(ws, runModelName(*run), *group, resolveShifts(ws, run->shifts), capabilityRuleOf(c))) {
        std::string name = row.mean.source + " -> " + row.mean.target;
        name.resize(std::max<std::size_t>(name.size(), 50), ' ');
        const auto seeds = std::count_if(row.seeds.begin(), row.seeds.end(),
                                         [](const SeedValue &v) { return v.accuracy.has_value(); });
        c.out << name << cell(row.mean.generalizationAccuracy, 10) << cell(row.sdAccuracy, 6)
              << cell(row.mean.differentialElicitation, 10) << cell(row.sdDifferentialElicitation, 6) << "  " << seeds
              << "\n";
    }
    return ExitOk;
}

int metricsTable(CommandContext &c)
{
    if (const auto run = c.args.value("run"))
        return runMetricsTable(c, *run);
    const auto model = c.args.value("model");
    const auto intervention = c.args.value("intervention");
    const std::string which = c.args.value("shifts").value_or("genies");
    if (!model || !intervention)
        throw UsageError("metrics needs --model M and --intervention I, or --run ID");
    if (which != "genies" && which != "all")
        throw UsageError("--shifts must be genies or all, got '" + which + "'");
    Workspace ws = c.workspace();
    ResultStore store(ws);
    const auto models = store.models();
    if (std::find(models.begin(), models.end(), *model) == models.end())
        throw InputError(InputProblem{ws.path().string(),
                                      {},
                                      "no results for model '" + *model + "'",
                                      "import results first (import-results); models here: " + joinedList(models)});
    auto interventions = store.interventions(*model);
    for (const SeedGroup &group : seedGroups(ws, *model))
        interventions.push_back(group.name);
    if (std::find(interventions.begin(), interventions.end(), *intervention) == interventions.end())
        throw InputError(InputProblem{ws.path().string(),
                                      {},
                                      "no results for intervention '" + *intervention + "' of " + *model,
                                      "use one of: " + joinedList(interventions)});
    // The views' shift sets, so that the table holds what they show.
    const std::vector<ShiftPair> shifts = shiftsOf(ws, which == "genies" ? ShiftSet::Genies : ShiftSet::All);
    const auto rows = resultsTable(ws, *model, *intervention, shifts, capabilityRuleOf(c));
    if (c.args.has("csv")) {
        c.out << generalizationCsv(rows);
        return ExitOk;
    }
    printGeneralizationTable(c.out, rows);
    return ExitOk;
}


//! `compare --run ID --model M --intervention I`: per shift of the run, its target evaluation beside the one of
//! M and I on the same shift.
int compareCommand(CommandContext &c)
{
    const std::int64_t id = runIdArgument(c.required("run"));
    const std::string model = c.required("model");
    const std::string intervention = c.required("intervention");
    Workspace ws = c.workspace();
    RunStore runs(ws);
    runs.publishPending();
    const auto run = std::optional<RunRecord>(runs.existingRun(id));
    ResultStore store(ws);
    if (store.evaluations(model, intervention).empty())
        throw InputError(InputProblem{ws.path().string(), "--model " + model + " --intervention " + intervention,
                                      "no evaluations to compare with", "check the names with metrics"});
    const std::string label = runEvaluationLabel(*run, run->intervention);
    const std::string runModel = runModelName(*run);
    auto evaluationOf =
        [&](const std::string &m, const std::string &i, const std::string &source, const std::string &target) {
        auto e = store.find(m, i, source, target);
        return e ? e : store.find(m, i, "", target);
    };
    c.out << "Run " << id << " (" << label << ", " << runModel << ") beside " << model << " " << intervention
          << "; accuracy = share of pairs with P(preferred) >= 0.5\n";
    c.out
        << "source -> target                                   run  run 95% CI        other   difference [95% CI]     "
           "McNemar p  reproduced\n";
    char line[256];
    int compared = 0;
    for (const ShiftPair &shift : resolveShifts(ws, run->shifts)) {
        std::string name = shift.source + " -> " + shift.target;
        name.resize(std::max<std::size_t>(name.size(), 50), ' ');
        const auto mine = evaluationOf(runModel, label, shift.source, shift.target);
        const auto other = evaluationOf(model, intervention, shift.source, shift.target);
        const auto comparison = mine && other ? compareEvaluations(ws, *mine, *other) : std::nullopt;
        if (!comparison) {
            c.out << name << (mine ? "" : "  (no run evaluation)") << (other ? "" : "  (nothing to compare with)")
                  << "\n";
            continue;
        }
        ++compared;
        const auto &k = *comparison;
        std::snprintf(line, sizeof line, "%5.3f  [%5.3f, %5.3f]  %6.3f  %+6.3f", k.accuracy, k.interval.low,
                      k.interval.high, k.otherAccuracy, k.difference);
        c.out << name << line;
        if (k.differenceInterval && k.mcnemar) {
            std::snprintf(line, sizeof line, " [%+6.3f, %+6.3f]  %9.3g", k.differenceInterval->low,
                          k.differenceInterval->high, k.mcnemar->pValue);
            c.out << line;
        } else {
            c.out << "  (pairs differ: no paired test)";
        }
        c.out << "  " << (k.reproduces ? "yes" : "no") << "\n";
    }
    c.out << compared << " shifts compared\n";
    return ExitOk;
}

int exportPairsCommand(CommandContext &c)
{
    const std::string out = c.required("out");
    const auto run = c.args.value("run");
    const auto model = c.args.value("model");
    const auto intervention = c.args.value("intervention");
    if (bool(run) == bool(model || intervention) || (!run && !(model && intervention)))
        throw UsageError("export-pairs needs --run ID, or --model M and --intervention I");
    Workspace ws = c.workspace();
    ResultStore store(ws);
    std::vector<EvaluationInfo> evaluations;
    if (run) {
        const std::int64_t id = runIdArgument(*run);
        RunStore(ws).publishPending();
        for (auto &e : store.evaluations())
            if (e.runId == id)
                evaluations.push_back(std::move(e));
        if (evaluations.empty())
            throw InputError(InputProblem{ws.path().string(), "--run " + *run, "no evaluations of this run",
                                          "list runs and their progress with runs"});
    } else {
        evaluations = store.evaluations(*model, *intervention);
        if (evaluations.empty())
            throw InputError(InputProblem{ws.path().string(), "--model " + *model + " --intervention " + *intervention,
                                          "no evaluations",
                                          "list them with metrics, or the models and interventions "
                                          "in the GUI's results toolbar"});
    }
    const PairExportSummary s = exportPairs(ws, evaluations, out);
    for (const auto &skipped : s.skipped)
        c.err << "skipped: " << skipped << "\n";
    c.out << "Wrote " << s.pairs << " pairs of " << s.evaluations << " evaluations to " << out << "\n";
    return ExitOk;
}

} // namespace

void printGeneralizationTable(std::ostream &out, const std::vector<GeneralizationRow> &rows)
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
    // Where each capability came from, once per source: the rule is part of the number.
    std::vector<std::string> sources;
    for (const auto &r : rows)
        if (r.targetTunedCapability && !r.capabilitySource.empty()
            && std::find(sources.begin(), sources.end(), r.capabilitySource) == sources.end())
            sources.push_back(r.capabilitySource);
    for (const auto &source : sources)
        out << "capability: " << source << "\n";
}

std::string joinedList(const std::vector<std::string> &items)
{
    std::string text;
    for (const auto &item : items)
        text += (text.empty() ? "" : ", ") + item;
    return text;
}

void addResultsCommands(CommandTable &table)
{
    const CommandOption json{"json", {}, "print JSON instead of text"};
    table.add({"import-results",
               "Published results",
               {"DIR [--json]"},
               "import a GENIES results/ tree (evaluations, metrics CSVs, capabilities) and check it",
               WorkspaceUse::Create,
               {json},
               importResults});
    table.add({"metrics",
               "Published results",
               {"--model M --intervention I [--shifts genies|all] [--csv]", "--run ID [--csv]"},
               "the generalization-metrics table of imported results or of a run (the numbers the views show)",
               WorkspaceUse::Existing,
               {{"model", "M", "the model the results are of (a run's: its model folder's name)"},
                {"intervention", "I",
                 "the intervention (a run's: \"<intervention> · run <id>\", or its name; seeds of one configuration: "
                 "\"<intervention> · N seeds\", their means)"},
                {"run", "ID", "a run: its table over the shifts it was run on"},
                {"capability", "RULE",
                 "the target-tuned capability: automatic (default: a run's own, published tables' for imported "
                 "results), same-intervention or published-best"},
                {"shifts", "genies|all", "the 15 GENIES pairs (default) or every shift the views list"},
                {"csv", {}, "write the published CSV format"}},
               metricsTable});
    table.add({"compare",
               "Runs",
               {"--run ID --model M --intervention I"},
               "a run beside published (or other) evaluations per shift: accuracies, the difference with a paired "
               "95% interval, McNemar's test, and whether the run reproduces the other number",
               WorkspaceUse::Existing,
               {{"run", "ID", "the run"},
                {"model", "M", "the model of the evaluations to compare with"},
                {"intervention", "I", "their intervention"}},
               compareCommand});
    table.add({"export-pairs",
               "Published results",
               {"--run ID --out FILE.csv|FILE.jsonl", "--model M --intervention I --out FILE.csv|FILE.jsonl"},
               "every pair of a run's (or a model and intervention's) evaluations with P(preferred), for notebooks",
               WorkspaceUse::Existing,
               {{"run", "ID", "the run whose evaluations to write (its baseline's included)"},
                {"model", "M", "the model"},
                {"intervention", "I", "the intervention"},
                {"out", "FILE", "the file to write: .csv (with a header) or .jsonl"}},
               exportPairsCommand});
    table.add({"result-checks",
               "Published results",
               {"[--json]"},
               "list the flags raised when results were imported",
               WorkspaceUse::Existing,
               {json},
               listResultChecks});
}

} // namespace shiftscope
