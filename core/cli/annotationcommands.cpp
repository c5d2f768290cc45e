#include "annotation/annotationio.h"
#include "annotation/relabelstats.h"
#include "audit/auditreport.h"
#include "cli/commandtable.h"
#include "cli/corecommands.h"

#include <cstdio>
#include <nlohmann/json.hpp>
#include <ostream>

namespace shiftscope {

namespace {

using Json = nlohmann::ordered_json;

int exportAnnotations(CommandContext &c)
{
    const Arguments &args = c.args;
    std::ostream &out = c.out;
    const auto file = args.value("out");
    if (!file)
        throw UsageError("annotations export needs --out FILE.csv or --out FILE.json");
    Workspace ws = c.workspace();
    const auto s = AnnotationIo::exportFile(ws, *file);
    out << "Exported " << s.flags << " flags and " << s.judgements << " relabel judgements to " << *file << "\n";
    return ExitOk;
}

int importAnnotations(CommandContext &c)
{
    const Arguments &args = c.args;
    std::ostream &out = c.out;
    std::ostream &err = c.err;
    c.expectOperands(2, "import and one FILE");
    const std::string file = args.positionals()[1];
    Workspace ws = c.workspace();
    AnnotationImportOptions options;
    options.keepUnmatched = args.has("keep-unmatched");
    const auto s = AnnotationIo::importFile(ws, file, options);
    for (const auto &p : s.unmatched)
        err << "unmatched: " << p.toString() << "\n";
    if (args.has("json")) {
        Json unmatched = Json::array();
        for (const auto &p : s.unmatched)
            unmatched.push_back({{"file", p.file}, {"place", p.place}, {"reason", p.message}});
        out << Json{{"flags_added", s.flagsAdded},
                    {"flags_present", s.flagsPresent},
                    {"judgements_added", s.judgementsAdded},
                    {"judgements_updated", s.judgementsUpdated},
                    {"judgements_present", s.judgementsPresent},
                    {"unmatched", unmatched},
                    {"unmatched_kept", options.keepUnmatched}}
                   .dump(2)
            << "\n";
        return ExitOk;
    }
    out << "Imported from " << file << ": " << s.flagsAdded << " flags added (" << s.flagsPresent
        << " already present), " << s.judgementsAdded << " judgements added, " << s.judgementsUpdated << " updated ("
        << s.judgementsPresent << " already present); " << s.unmatched.size() << " records match no example"
        << (s.unmatched.empty()     ? ""
            : options.keepUnmatched ? " (kept)"
                                    : " (skipped)")
        << "\n";
    return ExitOk;
}

std::string intervalText(const Interval &i) { return formatPercent(i.low) + "-" + formatPercent(i.high); }

Json agreementJson(const Agreement &a)
{
    return Json{{"group", a.group}, {"judged", a.judged},         {"agreeing", a.agreeing},      {"skipped", a.skipped},
                {"rate", a.rate},   {"ci95_low", a.interval.low}, {"ci95_high", a.interval.high}};
}

void printAgreement(std::ostream &out, const Agreement &a, const std::string &indent)
{
    out << indent << (a.group.empty() ? "all" : a.group) << ": " << a.agreeing << " of " << a.judged << " agree ("
        << formatPercent(a.rate) << ", 95% CI " << intervalText(a.interval) << "), " << a.skipped << " skipped\n";
}

int stats(CommandContext &c)
{
    const Arguments &args = c.args;
    std::ostream &out = c.out;
    Workspace ws = c.workspace();
    const RelabelSummary s = RelabelStats::summarise(AuditStore(ws).judgements());
    if (args.has("json")) {
        Json byDistribution = Json::array(), byAnnotator = Json::array(), kappas = Json::array();
        for (const auto &a : s.byDistribution)
            byDistribution.push_back(agreementJson(a));
        for (const auto &a : s.byAnnotator)
            byAnnotator.push_back(agreementJson(a));
        for (const auto &k : s.kappas)
            kappas.push_back({{"first", k.first},
                              {"second", k.second},
                              {"shared", k.shared},
                              {"observed", k.observed},
                              {"expected", k.expected},
                              {"kappa", k.kappa ? Json(*k.kappa) : Json(nullptr)}});
        out << Json{{"overall", agreementJson(s.overall)},
                    {"by_distribution", byDistribution},
                    {"by_annotator", byAnnotator},
                    {"kappas", kappas}}
                   .dump(2)
            << "\n";
        return ExitOk;
    }
    out << "Blind relabelling: agreement with the dataset label\n";
    printAgreement(out, s.overall, "  ");
    out << "  by distribution:\n";
    for (const auto &a : s.byDistribution)
        printAgreement(out, a, "    ");
    out << "  by annotator:\n";
    for (const auto &a : s.byAnnotator)
        printAgreement(out, a, "    ");
    out << "Cohen's kappa between annotators (pairs both judged):\n";
    for (const auto &k : s.kappas) {
        char kappa[32] = "undefined";
        if (k.kappa)
            std::snprintf(kappa, sizeof kappa, "%.3f", *k.kappa);
        out << "  " << k.first << " / " << k.second << ": " << kappa << " over " << k.shared << " pairs (observed "
            << formatPercent(k.observed) << ", chance " << formatPercent(k.expected) << ")\n";
    }
    if (s.kappas.empty())
        out << "  no pair judged by two annotators\n";
    return ExitOk;
}

int annotations(CommandContext &c)
{
    const std::string action = c.operandCount() > 0 ? c.args.positionals()[0] : "";
    if (action == "export")
        return exportAnnotations(c);
    if (action == "import")
        return importAnnotations(c);
    if (action == "stats")
        return stats(c);
    throw UsageError("annotations needs export, import or stats");
}

} // namespace

void addAnnotationCommands(CommandTable &table)
{
    table.add({"annotations",
               "Audit and annotation",
               {"export --out FILE.csv|FILE.json", "import FILE [--keep-unmatched] [--json]", "stats [--json]"},
               "move flags and relabel judgements between workspaces; relabel agreement and Cohen's kappa",
               WorkspaceUse::Existing,
               {{"out", "FILE", "export: the file to write (.csv or .json)"},
                {"keep-unmatched", {}, "import: keep annotations whose pair is not in this workspace"},
                {"json", {}, "print JSON instead of text"}},
               annotations});
}

} // namespace shiftscope
