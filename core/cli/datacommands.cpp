#include "cli/commandtable.h"
#include "cli/corecommands.h"
#include "demo/benchmarktree.h"
#include "demo/demosuite.h"
#include "genies/catalogueeditor.h"
#include "genies/dataimporter.h"
#include "genies/shiftcatalogue.h"
#include "preferences/preferenceimport.h"
#include "util/errors.h"
#include "workspace/workspace.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace shiftscope {

namespace {

using Json = nlohmann::ordered_json;

Json summaryJson(const ImportSummary &s)
{
    return Json{{"distributions_dir", s.distributionsDir.string()},
                {"added", s.added},
                {"updated", s.updated},
                {"unchanged", s.unchanged},
                {"examples_written", s.examples},
                {"responses_written", s.responses},
                {"warnings", s.warnings},
                {"missing_distributions", s.missingDistributions},
                {"complete_shifts", s.completeShifts},
                {"incomplete_shifts", s.incompleteShifts}};
}

int importData(CommandContext &c)
{
    const std::string dir = c.operand(0, "the GENIES folder to import (import-data DIR)");
    Workspace ws = c.workspace();
    const ImportSummary s = DataImporter::importData(ws, dir, c.progress());
    c.endProgress();
    for (const auto &w : s.warnings)
        c.err << "warning: " << w << "\n";
    if (c.args.has("json")) {
        c.out << summaryJson(s).dump(2) << "\n";
        return ExitOk;
    }
    c.out << "Imported from " << s.distributionsDir.string() << ": " << s.added.size() << " added, " << s.updated.size()
          << " updated, " << s.unchanged.size() << " unchanged (" << s.examples << " examples written)\n";
    if (!s.added.empty())
        c.out << "  added: " << joinedList(s.added) << "\n";
    if (!s.updated.empty())
        c.out << "  updated: " << joinedList(s.updated) << "\n";
    c.out << "GENIES shifts: " << s.completeShifts << " complete, " << s.incompleteShifts << " incomplete";
    if (!s.missingDistributions.empty())
        c.out << " (" << s.missingDistributions.size()
              << " distributions missing: " << joinedList(s.missingDistributions) << ")";
    c.out << "\n";
    return ExitOk;
}

int importPreferencesCommand(CommandContext &c)
{
    const std::string file = c.operand(0, "the preference file to import (import-preferences FILE --name D)");
    PreferenceImportOptions options;
    options.name = c.required("name");
    options.testFraction = c.real("test-fraction", 0.2, 0, 1);
    options.seed = std::uint64_t(c.number("seed", 0));
    options.bySubset = c.args.has("by-subset");
    options.replace = c.args.has("replace");
    options.chatTemplateDir = c.args.value("chat-template").value_or("");
    Workspace ws = c.workspace();
    const PreferenceImportSummary s = importPreferences(ws, file, options, c.progress());
    c.endProgress();
    if (c.args.has("json")) {
        nlohmann::ordered_json list = nlohmann::ordered_json::array();
        for (const auto &d : s.distributions)
            list.push_back({{"name", d.name},
                            {"subset", d.subset},
                            {"train_pairs", d.trainPairs},
                            {"test_pairs", d.testPairs},
                            {"outcome", d.outcome == DistributionStore::Outcome::Added     ? "added"
                                        : d.outcome == DistributionStore::Outcome::Updated ? "updated"
                                                                                           : "unchanged"}});
        c.out << nlohmann::ordered_json{{"file", file},         {"records", s.records},
                                        {"formats", s.formats}, {"test_fraction", options.testFraction},
                                        {"seed", options.seed}, {"distributions", list}}
                     .dump(2)
              << "\n";
        return ExitOk;
    }
    c.out << "Imported " << s.records << " preference pairs (" << s.formats << ") from " << file << ":\n";
    for (const auto &d : s.distributions)
        c.out << "  " << d.name << ": " << d.trainPairs << " train, " << d.testPairs << " test"
              << (d.outcome == DistributionStore::Outcome::Unchanged ? " (unchanged)"
                  : d.outcome == DistributionStore::Outcome::Updated ? " (replaced)"
                                                                     : "")
              << "\n";
    return ExitOk;
}

int addShift(CommandContext &c)
{
    const std::string pair = c.operand(0, "the shift (add-shift SOURCE:TARGET --catalogue NAME)");
    const auto colon = pair.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == pair.size())
        throw UsageError("add-shift needs SOURCE:TARGET, got '" + pair + "'");
    ShiftPair shift;
    shift.source = pair.substr(0, colon);
    shift.target = pair.substr(colon + 1);
    shift.targetReference = c.args.value("reference").value_or("");
    shift.category = c.args.value("category").value_or("");
    shift.group = c.choice("group", "", {"extreme", "probing"});
    const std::string catalogue = c.required("catalogue");
    Workspace ws = c.workspace();
    const auto rows = addShiftToCatalogue(ws, catalogue, shift);
    c.out << "Added " << shift.source << " -> " << shift.target << " to catalogue '" << catalogue << "' ("
          << rows.size() << " rows)\n";
    return ExitOk;
}

int exportCatalogueCommand(CommandContext &c)
{
    const std::string name = c.operand(0, "the catalogue to export (export-catalogue NAME --out FILE)");
    const std::string file = c.required("out");
    Workspace ws = c.workspace();
    exportCatalogue(ws, name, file);
    c.out << "Wrote catalogue '" << name << "' to " << file << "\n";
    return ExitOk;
}

int loadShifts(CommandContext &c)
{
    const std::string file = c.operand(0, "the shift specification file (load-shifts FILE)");
    Workspace ws = c.workspace();
    ShiftCatalogue catalogue = ShiftCatalogueReader::readFile(file);
    const std::string name = c.args.value("name").value_or(catalogue.name);
    if (name == ShiftCatalogueReader::builtin().name)
        throw InputError(InputProblem{
            file, {}, "the name '" + name + "' belongs to the built-in catalogue", "choose another name with --name"});
    ws.saveCatalogue(name, catalogue.origin, catalogue.rows, false);
    c.out << "Loaded catalogue '" << name << "': " << catalogue.rows.size() << " rows, "
          << catalogue.uniqueRows().size() << " unique shifts\n";
    return ExitOk;
}


std::int64_t catalogueId(const CommandContext &c, Workspace &ws)
{
    const auto name = c.args.value("catalogue");
    if (!name)
        return ws.builtinCatalogueId();
    if (auto info = ws.catalogue(*name))
        return info->id;
    std::vector<std::string> names;
    for (const auto &info : ws.catalogues())
        names.push_back(info.name);
    throw InputError(
        InputProblem{ws.path().string(), {}, "no catalogue named '" + *name + "'", "use one of: " + joinedList(names)});
}


int listShifts(CommandContext &c)
{
    Workspace ws = c.workspace();
    const auto category = c.args.value("category");
    if (category) {
        const auto &known = geniesCategories();
        const bool valid =
            std::any_of(known.begin(), known.end(), [&](const CategoryInfo &k) { return k.id == *category; });
        if (!valid) {
            std::vector<std::string> ids;
            for (const auto &k : known)
                ids.push_back(k.id);
            throw UsageError("unknown category '" + *category + "'; use one of: " + joinedList(ids));
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
        std::stable_sort(rows.begin(), rows.end(),
                         [](const ShiftPair &a, const ShiftPair &b) { return a.geniesRank < b.geniesRank; });
    if (c.args.has("json")) {
        Json list = Json::array();
        for (const auto &p : rows)
            list.push_back({{"source", p.source},
                            {"target", p.target},
                            {"target_reference", p.effectiveReference()},
                            {"category", p.category},
                            {"group", p.group},
                            {"genies", p.isGenies()}});
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


int listCatalogues(CommandContext &c)
{
    Workspace ws = c.workspace();
    Json list = Json::array();
    for (const auto &info : ws.catalogues()) {
        if (c.args.has("json"))
            list.push_back({{"name", info.name},
                            {"origin", info.origin},
                            {"builtin", info.builtin},
                            {"rows", info.rows},
                            {"unique_shifts", info.uniqueShifts}});
        else
            c.out << info.name << ": " << info.uniqueShifts << " shifts (" << info.rows << " rows) from " << info.origin
                  << "\n";
    }
    if (c.args.has("json"))
        c.out << list.dump(2) << "\n";
    return ExitOk;
}


int listDistributions(CommandContext &c)
{
    Workspace ws = c.workspace();
    const auto all = ws.distributions();
    if (c.args.has("json")) {
        Json list = Json::array();
        for (const auto &d : all)
            list.push_back({{"id", d.name},
                            {"train_examples", d.trainExamples},
                            {"test_examples", d.testExamples},
                            {"responses_per_example", d.responsesPerExample},
                            {"test_pairs", d.testPairs},
                            {"origin_path", d.originPath},
                            {"content_hash", d.contentHash}});
        c.out << list.dump(2) << "\n";
        return ExitOk;
    }
    for (const auto &d : all)
        c.out << d.name << ": " << d.trainExamples << " train, " << d.testExamples << " test, " << d.responsesPerExample
              << " responses per example, " << d.testPairs << " test pairs\n";
    c.out << all.size() << " distributions\n";
    return ExitOk;
}


int listExamples(CommandContext &c)
{
    const std::string name = c.operand(0, "the distribution id (examples DIST)");
    Workspace ws = c.workspace();
    const std::string splitText = c.choice("split", "test", {"train", "test"});
    const auto split = splitFromName(splitText);
    if (!ws.distribution(name))
        throw InputError(InputProblem{ws.path().string(),
                                      {},
                                      "no distribution '" + name + "' in the workspace",
                                      "import it with import-data, or list them with the distributions command"});
    const int limit = c.args.value("limit") ? c.count("limit", -1) : -1;
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


int makeDemoData(CommandContext &c)
{
    const std::string out = c.required("out");
    const auto ids = writeDemoSuite(out);
    c.out << "Wrote " << ids.size() << " demo distributions to " << out << "\n";
    return ExitOk;
}


int makeBenchmarkTree(CommandContext &c)
{
    const std::string out = c.required("out");
    BenchmarkTreeOptions options;
    options.distributions = c.count("distributions", options.distributions, 0, 100000);
    options.trainExamples = c.count("train", options.trainExamples, 0, 10000000);
    options.testExamples = c.count("test", options.testExamples, 0, 10000000);
    options.responses = c.count("responses", options.responses, 2, 1000);
    const auto bytes = writeBenchmarkTree(out, options);
    c.out << "Wrote " << options.distributions << " distributions (" << bytes / (1024 * 1024) << " MiB) to " << out
          << "\n";
    return ExitOk;
}


} // namespace

void addDataCommands(CommandTable &table)
{
    const CommandOption json{"json", {}, "print JSON instead of text"};
    table.add({"import-data",
               "Data",
               {"DIR [--json]"},
               "import GENIES distributions (a checkout or a distributions/ folder) in one transaction",
               WorkspaceUse::Create,
               {json},
               importData});
    table.add(
        {"import-preferences",
         "Data",
         {"FILE --name D [--test-fraction F] [--seed N] [--by-subset] [--chat-template DIR] [--replace] [--json]"},
         "import preference pairs (TRL/RewardBench, Anthropic HH or conversational JSON Lines or JSON)",
         WorkspaceUse::Create,
         {{"name", "D", "the distribution's name (with --by-subset the prefix: D_SUBSET)"},
          {"test-fraction", "F", "share of the pairs drawn into the test split (default 0.2)"},
          {"seed", "N", "seeds the draw of the test split (default 0); recorded with the import"},
          {"by-subset", {}, "one distribution per value of the records' \"subset\""},
          {"chat-template", "DIR",
           "render conversations with the chat template of this model folder's tokenizer_config.json"},
          {"replace", {}, "replace a distribution of that name that came from elsewhere"},
          json},
         importPreferencesCommand});
    table.add({"add-shift",
               "Data",
               {"SOURCE:TARGET --catalogue NAME [--reference D] [--category C] [--group extreme|probing]"},
               "add a shift between two of the workspace's distributions to a catalogue of your own",
               WorkspaceUse::Existing,
               {{"catalogue", "NAME", "the catalogue (created when missing; not the built-in one)"},
                {"reference", "D", "the target reference distribution (default: the target itself)"},
                {"category", "C", "the shift's category (e.g. unwanted_personas, or your own)"},
                {"group", "extreme|probing", "the GENIES group"}},
               addShift});
    table.add({"export-catalogue",
               "Data",
               {"NAME --out FILE.json"},
               "write a catalogue as a GENIES shift specification file",
               WorkspaceUse::Existing,
               {{"out", "FILE.json", "the file to write"}},
               exportCatalogueCommand});
    table.add({"load-shifts",
               "Data",
               {"FILE [--name NAME]"},
               "load a shift specification file as a catalogue",
               WorkspaceUse::Create,
               {{"name", "NAME", "the catalogue's name (default: the file's)"}},
               loadShifts});
    table.add({"shifts",
               "Data",
               {"[--category C] [--genies] [--catalogue NAME] [--json]"},
               "list shift pairs (default: the built-in GENIES catalogue)",
               WorkspaceUse::Create,
               {{"category", "C", "keep one category (difficulty, skill, unwanted_personas, ...)"},
                {"genies", {}, "keep the 15 GENIES pairs, in published order"},
                {"catalogue", "NAME", "a catalogue loaded with load-shifts"},
                json},
               listShifts});
    table.add({"catalogues",
               "Data",
               {"[--json]"},
               "list the workspace's shift catalogues",
               WorkspaceUse::Create,
               {json},
               listCatalogues});
    table.add({"distributions",
               "Data",
               {"[--json]"},
               "list imported distributions with their counts",
               WorkspaceUse::Existing,
               {json},
               listDistributions});
    table.add({"examples",
               "Data",
               {"DIST [--split train|test] [--limit N] [--json]"},
               "print examples with their responses in file order",
               WorkspaceUse::Existing,
               {{"split", "train|test", "which split (default test)"}, {"limit", "N", "at most N examples"}, json},
               listExamples});
    table.add({"make-demo-data",
               "Demo and tools",
               {"--out DIR"},
               "write the demo suite in the GENIES layout",
               WorkspaceUse::None,
               {{"out", "DIR", "the folder to write"}},
               makeDemoData});
    table.add({"make-benchmark-tree",
               "Demo and tools",
               {"--out DIR [--distributions N] [--train N] [--test N] [--responses N]"},
               "write a synthetic GENIES-sized tree for benchmarks",
               WorkspaceUse::None,
               {{"out", "DIR", "the folder to write"},
                {"distributions", "N", "how many distributions (default 61)"},
                {"train", "N", "train examples each (default 600)"},
                {"test", "N", "test examples each (default 250)"},
                {"responses", "N", "responses per example, at least 2 (default 4)"}},
               makeBenchmarkTree});
}

} // namespace shiftscope
