#include "cli/cli.h"

#include "cli/annotationcommands.h"
#include "cli/arguments.h"
#include "cli/auditcommands.h"
#include "cli/commandregistry.h"
#include "cli/enginecommands.h"
#include "cli/runcommands.h"
#include "demo/benchmarktree.h"
#include "demo/demosuite.h"
#include "genies/dataimporter.h"
#include "genies/shiftcatalogue.h"
#include "results/generalizationtable.h"
#include "results/resultsimporter.h"
#include "results/resultstore.h"
#include "util/errors.h"
#include "workspace/workspace.h"

#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>
#include <unistd.h>

namespace shiftscope {

namespace {

using Json = nlohmann::ordered_json;

const char *kUsage = R"(Usage: shiftscope-cli [--workspace FILE] COMMAND [options]

Commands:
  import-data DIR [--json]             import GENIES distributions (a checkout or a distributions/ folder)
  load-shifts FILE [--name NAME]       load a shift specification file as a catalogue
  shifts [--category C] [--genies] [--catalogue NAME] [--json]
                                       list shift pairs (default: the built-in GENIES catalogue)
  catalogues [--json]                  list the workspace's shift catalogues
  distributions [--json]               list imported distributions with their counts
  examples DIST [--split train|test] [--limit N] [--json]
                                       print examples with their responses in file order
  import-results DIR [--json]          import a GENIES results/ tree (evaluations, metrics CSVs, capabilities)
  metrics --model M --intervention I --shifts genies|all [--csv]
                                       the generalization-metrics table rebuilt from imported results
  result-checks [--json]               list the flags raised when results were imported
  run --intervention NAME [--model DIR] [--shifts genies|all|FILE|S:T,...] [--param k=v ...] [--seed N]
      [--device cpu|cuda]
  run --resume ID [--device cpu|cuda]  train and evaluate an intervention over shifts (or resume a run)
  report [--run ID] [--csv]            list runs, or a run's generalization-metrics table
  interventions [--json]               the interventions with their parameters and defaults
  audit DIST | --shift SOURCE:TARGET | --all [--catalogue NAME] [--severity LEVEL] [--json]
                                       data-quality audit of a distribution, a shift, or everything
  review-finding KEY --status reviewed|dismissed|open [--note TEXT] [--author NAME]
                                       mark an audit finding reviewed or dismissed (or open again)
  annotations export --out FILE.csv|FILE.json | import FILE [--keep-unmatched] [--json] | stats [--json]
                                       move flags and relabel judgements between workspaces; relabel agreement
  tokenize --tokenizer FILE_OR_MODEL_DIR --jsonl IN [--special]
                                       token ids of each {"text": ...} line of IN (- for stdin), as {"ids": [...]}
  forward --model DIR --input CASES.json --out OUT.json [--dtype float32|bfloat16] [--device cpu|cuda]
                                       run a model on token batches: logits, last hidden states, response log-probs
  score --model DIR --distribution D [--split test] [--scoring genies|mean] [--limit N] [--dtype ...] [--device ...]
                                       score every pair with a model (GENIES zero-shot) into the scores table
  export-figure VIEW --out FILE.svg|png [--model M] [--interventions A,B] [--shifts genies|all] [--shift S:T]
                [--metric de|accuracy] [--size 1920x1080] [--presentation]
                                       render a results view (shift-results, heatmap, categories, transfer,
                                       calibration) headless, as the GUI exports it
  demo [--model DIR] [--interventions A,B] [--markdown]
                                       build the demo workspace and model, run zero_shot, lora and mms over the
                                       demo shifts (reusing finished runs) and print their results
  make-demo-model --out DIR [--seed N] train the demo tokenizer and language model into a model folder
  make-demo-data --out DIR             write the demo suite in the GENIES layout
  make-benchmark-tree --out DIR [--distributions N] [--train N] [--test N] [--responses N]
                                       write a synthetic GENIES-sized tree for benchmarks
  --version                            print the version
  --help                               print this text

Exit codes: 0 done, 2 bad input (messages on stderr), 1 anything else.
)";

struct Context {
    const Arguments &args;
    std::ostream &out;
    std::ostream &err;
};

//! Raised for a command line that cannot be understood; reported with the usage hint and exit code 2.
struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

Workspace openWorkspace(const Context &c, bool createIfMissing)
{
    const auto path = c.args.value("workspace");
    if (!path)
        throw UsageError("this command needs --workspace FILE");
    return createIfMissing ? Workspace::openOrCreate(*path) : Workspace::open(*path);
}

const std::string &positional(const Context &c, std::size_t index, const char *what)
{
    if (c.args.positionals().size() <= index)
        throw UsageError(std::string("missing ") + what);
    return c.args.positionals()[index];
}

int intOption(const Context &c, const std::string &name, int fallback)
{
    const auto text = c.args.value(name);
    if (!text)
        return fallback;
    try {
        std::size_t used = 0;
        const int value = std::stoi(*text, &used);
        if (used == text->size() && value >= 0)
            return value;
    } catch (const std::exception &) {
    }
    throw UsageError("--" + name + " needs a whole number >= 0, got '" + *text + "'");
}

//! Progress on stderr, redrawn in place at most every 200 ms, only when stderr is a terminal.
ProgressCallback terminalProgress(std::ostream &err)
{
    if (!isatty(STDERR_FILENO))
        return {};
    auto last = std::make_shared<std::chrono::steady_clock::time_point>();
    return [&err, last](std::int64_t done, std::int64_t total, const std::string &stage) {
        const auto now = std::chrono::steady_clock::now();
        if (now - *last < std::chrono::milliseconds(200) && done != total)
            return true;
        *last = now;
        err << "\r\033[K" << stage;
        if (total > 0)
            err << " " << (100 * done / total) << "%";
        err << std::flush;
        return true;
    };
}

Json summaryJson(const ImportSummary &s)
{
    return Json{{"distributions_dir", s.distributionsDir.string()}, {"added", s.added}, {"updated", s.updated},
                {"unchanged", s.unchanged}, {"examples_written", s.examples}, {"responses_written", s.responses},
                {"warnings", s.warnings}, {"missing_distributions", s.missingDistributions},
                {"complete_shifts", s.completeShifts}, {"incomplete_shifts", s.incompleteShifts}};
}

std::string joined(const std::vector<std::string> &items)
{
    std::string text;
    for (const auto &item : items)
        text += (text.empty() ? "" : ", ") + item;
    return text;
}

int importData(const Context &c)
{
    const std::string dir = positional(c, 1, "the GENIES folder to import (import-data DIR)");
    Workspace ws = openWorkspace(c, true);
    auto progress = terminalProgress(c.err);
    const ImportSummary s = DataImporter::importData(ws, dir, progress);
    if (progress)
        c.err << "\r\033[K";
    for (const auto &w : s.warnings)
        c.err << "warning: " << w << "\n";
    if (c.args.has("json")) {
        c.out << summaryJson(s).dump(2) << "\n";
        return ExitOk;
    }
    c.out << "Imported from " << s.distributionsDir.string() << ": " << s.added.size() << " added, " << s.updated.size()
          << " updated, " << s.unchanged.size() << " unchanged (" << s.examples << " examples written)\n";
    if (!s.added.empty())
        c.out << "  added: " << joined(s.added) << "\n";
    if (!s.updated.empty())
        c.out << "  updated: " << joined(s.updated) << "\n";
    c.out << "GENIES shifts: " << s.completeShifts << " complete, " << s.incompleteShifts << " incomplete";
    if (!s.missingDistributions.empty())
        c.out << " (" << s.missingDistributions.size() << " distributions missing: " << joined(s.missingDistributions) << ")";
    c.out << "\n";
    return ExitOk;
}

int loadShifts(const Context &c)
{
    const std::string file = positional(c, 1, "the shift specification file (load-shifts FILE)");
    Workspace ws = openWorkspace(c, true);
    ShiftCatalogue catalogue = ShiftCatalogueReader::readFile(file);
    const std::string name = c.args.value("name").value_or(catalogue.name);
    if (name == ShiftCatalogueReader::builtin().name)
        throw InputError(InputProblem{file, {}, "the name '" + name + "' belongs to the built-in catalogue",
                                      "choose another name with --name"});
    ws.saveCatalogue(name, catalogue.origin, catalogue.rows, false);
    c.out << "Loaded catalogue '" << name << "': " << catalogue.rows.size() << " rows, " << catalogue.uniqueRows().size()
          << " unique shifts\n";
    return ExitOk;
}

std::int64_t catalogueId(const Context &c, Workspace &ws)
{
    const auto name = c.args.value("catalogue");
    if (!name)
        return ws.builtinCatalogueId();
    if (auto info = ws.catalogue(*name))
        return info->id;
    std::vector<std::string> names;
    for (const auto &info : ws.catalogues())
        names.push_back(info.name);
    throw InputError(InputProblem{ws.path().string(), {}, "no catalogue named '" + *name + "'",
                                  "use one of: " + joined(names)});
}

int listShifts(const Context &c)
{
    Workspace ws = openWorkspace(c, true);
    const auto category = c.args.value("category");
    if (category) {
        const auto &known = geniesCategories();
        const bool valid = std::any_of(known.begin(), known.end(), [&](const CategoryInfo &k) { return k.id == *category; });
        if (!valid) {
            std::vector<std::string> ids;
            for (const auto &k : known)
                ids.push_back(k.id);
            throw UsageError("unknown category '" + *category + "'; use one of: " + joined(ids));
        }
    }
    std::vector<ShiftPair> rows;
    for (auto &p : ws.shifts(catalogueId(c, ws))) {
        if (category && p.category != *category)
            continue;
        if (c.args.has("genies") && !p.isGenies())
            continue;
        rows.push_back(std::move(p));
    }
    if (c.args.has("genies"))
        std::stable_sort(rows.begin(), rows.end(), [](const ShiftPair &a, const ShiftPair &b) { return a.geniesRank < b.geniesRank; });
    if (c.args.has("json")) {
        Json list = Json::array();
        for (const auto &p : rows)
            list.push_back({{"source", p.source}, {"target", p.target}, {"target_reference", p.effectiveReference()},
                            {"category", p.category}, {"group", p.group}, {"genies", p.isGenies()}});
        c.out << list.dump(2) << "\n";
        return ExitOk;
    }
    for (const auto &p : rows) {
        c.out << p.source << " -> " << p.target;
        if (!p.targetReference.empty())
            c.out << " (reference " << p.targetReference << ")";
        c.out << "  [" << p.category << (p.group.empty() ? "" : ", " + p.group) << "]";
        if (p.isGenies())
            c.out << "  GENIES #" << p.geniesRank;
        c.out << "\n";
    }
    c.out << rows.size() << " shifts\n";
    return ExitOk;
}

int listCatalogues(const Context &c)
{
    Workspace ws = openWorkspace(c, true);
    Json list = Json::array();
    for (const auto &info : ws.catalogues()) {
        if (c.args.has("json"))
            list.push_back({{"name", info.name}, {"origin", info.origin}, {"builtin", info.builtin}, {"rows", info.rows},
                            {"unique_shifts", info.uniqueShifts}});
        else
            c.out << info.name << ": " << info.uniqueShifts << " shifts (" << info.rows << " rows) from " << info.origin << "\n";
    }
    if (c.args.has("json"))
        c.out << list.dump(2) << "\n";
    return ExitOk;
}

int listDistributions(const Context &c)
{
    Workspace ws = openWorkspace(c, false);
    const auto all = ws.distributions();
    if (c.args.has("json")) {
        Json list = Json::array();
        for (const auto &d : all)
            list.push_back({{"id", d.name}, {"train_examples", d.trainExamples}, {"test_examples", d.testExamples},
                            {"responses_per_example", d.responsesPerExample}, {"test_pairs", d.testPairs},
                            {"origin_path", d.originPath}, {"content_hash", d.contentHash}});
        c.out << list.dump(2) << "\n";
        return ExitOk;
    }
    for (const auto &d : all)
        c.out << d.name << ": " << d.trainExamples << " train, " << d.testExamples << " test, " << d.responsesPerExample
              << " responses per example, " << d.testPairs << " test pairs\n";
    c.out << all.size() << " distributions\n";
    return ExitOk;
}

int listExamples(const Context &c)
{
    const std::string name = positional(c, 1, "the distribution id (examples DIST)");
    Workspace ws = openWorkspace(c, false);
    const std::string splitText = c.args.value("split").value_or("test");
    const auto split = splitFromName(splitText);
    if (!split)
        throw UsageError("--split must be train or test, got '" + splitText + "'");
    if (!ws.distribution(name))
        throw InputError(InputProblem{ws.path().string(), {}, "no distribution '" + name + "' in the workspace",
                                      "import it with import-data, or list them with the distributions command"});
    const int limit = c.args.value("limit") ? intOption(c, "limit", -1) : -1;
    const auto examples = ws.examples(name, *split, limit);
    if (c.args.has("json")) {
        Json list = Json::array();
        for (const auto &e : examples) {
            Json responses = Json::array();
            for (const auto &r : e.responses)
                responses.push_back({{"text", r.text}, {"label", r.label}});
            list.push_back({{"index", e.position}, {"prompt", e.prompt}, {"responses", responses}});
        }
        c.out << list.dump(2) << "\n";
        return ExitOk;
    }
    for (const auto &e : examples) {
        c.out << "=== " << name << " " << splitText << " example " << e.position << " ===\n" << e.prompt << "\n";
        for (const auto &r : e.responses)
            c.out << (r.label == 1 ? "  [preferred] " : "  [ ] ") << r.text << "\n";
    }
    return ExitOk;
}

int importResults(const Context &c)
{
    const std::string dir = positional(c, 1, "the results folder to import (import-results DIR)");
    Workspace ws = openWorkspace(c, true);
    auto progress = terminalProgress(c.err);
    const ResultsImportSummary s = ResultsImporter::importResults(ws, dir, progress);
    if (progress)
        c.err << "\r\033[K";
    for (const auto &w : s.warnings)
        c.err << "warning: " << w << "\n";
    if (c.args.has("json")) {
        c.out << Json{{"results_dir", s.resultsDir.string()}, {"evaluation_files", s.evaluationFiles},
                      {"duplicate_files", s.duplicateFiles}, {"probabilities", s.probabilities},
                      {"metrics_files", s.metricsFiles}, {"metrics_rows", s.metricsRows},
                      {"capability_files", s.capabilityFiles}, {"flagged_files", s.flaggedFiles},
                      {"hard_probability_files", s.hardFiles}, {"stored_value_disagreements", s.storedValueDisagreements},
                      {"linked_files", s.linkedFiles}, {"length_mismatches", s.lengthMismatches},
                      {"compared_cells", s.comparedCells}, {"agreeing_cells", s.agreeingCells},
                      {"rows_without_inputs", s.rowsWithoutInputs}, {"table_differences", s.tableDifferences},
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

int listResultChecks(const Context &c)
{
    Workspace ws = openWorkspace(c, false);
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

int metricsTable(const Context &c)
{
    const auto model = c.args.value("model");
    const auto intervention = c.args.value("intervention");
    const std::string which = c.args.value("shifts").value_or("genies");
    if (!model || !intervention)
        throw UsageError("metrics needs --model M and --intervention I");
    if (which != "genies" && which != "all")
        throw UsageError("--shifts must be genies or all, got '" + which + "'");
    Workspace ws = openWorkspace(c, false);
    ResultStore store(ws);
    const auto models = store.models();
    if (std::find(models.begin(), models.end(), *model) == models.end())
        throw InputError(InputProblem{ws.path().string(), {}, "no results for model '" + *model + "'",
                                      "import results first (import-results); models here: " + joined(models)});
    const auto interventions = store.interventions(*model);
    if (std::find(interventions.begin(), interventions.end(), *intervention) == interventions.end())
        throw InputError(InputProblem{ws.path().string(), {}, "no results for intervention '" + *intervention + "' of " + *model,
                                      "use one of: " + joined(interventions)});
    std::vector<ShiftPair> shifts = ws.shifts(ws.builtinCatalogueId());
    if (which == "genies") {
        std::erase_if(shifts, [](const ShiftPair &p) { return !p.isGenies(); });
        std::stable_sort(shifts.begin(), shifts.end(), [](const ShiftPair &a, const ShiftPair &b) { return a.geniesRank < b.geniesRank; });
    }
    const auto rows = rebuildGeneralizationTable(ws, *model, *intervention, shifts);
    if (c.args.has("csv")) {
        c.out << generalizationCsv(rows);
        return ExitOk;
    }
    auto cell = [](const std::optional<double> &v) {
        char text[32];
        if (!v)
            return std::string("      -");
        std::snprintf(text, sizeof text, "%7.3f", *v);
        return std::string(text);
    };
    c.out << "source -> target                                       gen.   base.   cap.  src.ID   DE\n";
    for (const auto &r : rows) {
        std::string name = r.source + " -> " + r.target;
        name.resize(std::max<std::size_t>(name.size(), 50), ' ');
        c.out << name << cell(r.generalizationAccuracy) << cell(r.baselineAccuracy) << cell(r.targetTunedCapability)
              << cell(r.sourceIdAccuracy) << cell(r.differentialElicitation) << "\n";
    }
    return ExitOk;
}

int makeDemoData(const Context &c)
{
    const auto out = c.args.value("out");
    if (!out)
        throw UsageError("make-demo-data needs --out DIR");
    const auto ids = writeDemoSuite(*out);
    c.out << "Wrote " << ids.size() << " demo distributions to " << *out << "\n";
    return ExitOk;
}

int makeBenchmarkTree(const Context &c)
{
    const auto out = c.args.value("out");
    if (!out)
        throw UsageError("make-benchmark-tree needs --out DIR");
    BenchmarkTreeOptions options;
    options.distributions = intOption(c, "distributions", options.distributions);
    options.trainExamples = intOption(c, "train", options.trainExamples);
    options.testExamples = intOption(c, "test", options.testExamples);
    options.responses = std::max(2, intOption(c, "responses", options.responses));
    const auto bytes = writeBenchmarkTree(*out, options);
    c.out << "Wrote " << options.distributions << " distributions (" << bytes / (1024 * 1024) << " MiB) to " << *out << "\n";
    return ExitOk;
}

} // namespace

int runCli(const std::vector<std::string> &words, std::ostream &out, std::ostream &err)
{
    const Arguments args(words, {"workspace", "category", "catalogue", "split", "limit", "out", "name", "distributions",
                                 "train", "test", "responses", "model", "intervention", "shifts", "param", "seed", "resume", "run",
                                 "shift", "severity", "status", "note", "author",
                                 "input", "distribution", "scoring", "dtype", "device", "size", "interventions", "metric",
                                 "tokenizer", "jsonl"},
                         {"json", "genies", "version", "help", "csv", "all", "keep-unmatched", "special", "presentation", "markdown"});
    if (args.has("version")) {
        out << "shiftscope-cli " << SHIFTSCOPE_VERSION << "\n";
        return ExitOk;
    }
    if (args.has("help") || args.positionals().empty()) {
        (args.has("help") ? out : err) << kUsage;
        return args.has("help") ? ExitOk : ExitBadInput;
    }
    if (!args.error().empty()) {
        err << "shiftscope-cli: " << args.error() << " (see shiftscope-cli --help)\n";
        return ExitBadInput;
    }
    const Context c{args, out, err};
    const std::string &command = args.positionals().front();
    try {
        if (const CliCommand *registered = findCliCommand(command))  // commands of libraries core does not link
            return (*registered)(args, out, err);
        if (command == "tokenize")  // needs no workspace
            return runTokenizeCommand(args, out, err);
        if (command == "import-data")
            return importData(c);
        if (command == "load-shifts")
            return loadShifts(c);
        if (command == "shifts")
            return listShifts(c);
        if (command == "catalogues")
            return listCatalogues(c);
        if (command == "distributions")
            return listDistributions(c);
        if (command == "examples")
            return listExamples(c);
        if (command == "import-results")
            return importResults(c);
        if (command == "metrics")
            return metricsTable(c);
        if (command == "result-checks")
            return listResultChecks(c);
        if (command == "run")
            return runRunCommand(args, out, err);
        if (command == "report")
            return runReportCommand(args, out, err);
        if (command == "interventions")
            return runInterventionsCommand(args, out, err);
        if (command == "audit")
            return runAuditCommand(args, out, err);
        if (command == "review-finding")
            return runReviewCommand(args, out, err);
        if (command == "annotations")
            return runAnnotationsCommand(args, out, err);
        if (command == "make-demo-data")
            return makeDemoData(c);
        if (command == "make-benchmark-tree")
            return makeBenchmarkTree(c);
        err << "shiftscope-cli: unknown command '" << command << "' (see shiftscope-cli --help)\n";
        return ExitBadInput;
    } catch (const UsageError &e) {
        err << "shiftscope-cli: " << e.what() << " (see shiftscope-cli --help)\n";
        return ExitBadInput;
    } catch (const InputError &e) {
        for (const auto &p : e.problems())
            err << "error: " << p.toString() << "\n";
        err << e.problems().size() << (e.problems().size() == 1 ? " problem" : " problems") << " found; nothing was changed\n";
        return ExitBadInput;
    } catch (const std::exception &e) {
        err << "shiftscope-cli: " << e.what() << "\n";
        return ExitFailure;
    }
}

} // namespace shiftscope
