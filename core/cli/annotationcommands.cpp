#include "cli/annotationcommands.h"

#include "annotation/annotationio.h"
#include "annotation/relabelstats.h"
#include "audit/auditreport.h"
#include "cli/commandsupport.h"

#include <cstdio>
#include <nlohmann/json.hpp>
#include <ostream>

namespace shiftscope {

namespace {

using Json = nlohmann::ordered_json;

int exportAnnotations(const Arguments &args, std::ostream &out)
{
    const auto file = args.value("out");
    if (!file)
        throw CommandUsageError("annotations export needs --out FILE.csv or --out FILE.json");
    Workspace ws = openExistingWorkspace(args);
    const auto s = AnnotationIo::exportFile(ws, *file);
    out << "Exported " << s.flags << " flags and " << s.judgements << " relabel judgements to " << *file << "\n";
    return ExitOk;
}

int importAnnotations(const Arguments &args, std::ostream &out, std::ostream &err)
{
    if (args.positionals().size() != 3)
        throw CommandUsageError("annotations import needs one FILE");
    const std::string file = args.positionals()[2];
    Workspace ws = openExistingWorkspace(args);
    AnnotationImportOptions options;
    options.keepUnmatched = args.has("keep-unmatched");
    const auto s = AnnotationIo::importFile(ws, file, options);
    for (const auto &p : s.unmatched)
        err << "unmatched: " << p.toString() << "\n";
    if (args.has("json")) {
        Json unmatched = Json::array();
        for (const auto &p : s.unmatched)
            unmatched.push_back({{"file", p.file}, {"place", p.place}, {"reason", p.message}});
        out << Json{{"flags_added", s.flagsAdded}, {"flags_present", s.flagsPresent},
                    {"judgements_added", s.judgementsAdded}, {"judgements_updated", s.judgementsUpdated},
                    {"judgements_present", s.judgementsPresent}, {"unmatched", unmatched},
                    {"unmatched_kept", options.keepUnmatched}}
                   .dump(2)
            << "\n";
        return ExitOk;
    }
    out << "Imported from " << file << ": " << s.flagsAdded << " flags added (" << s.flagsPresent
        << " already present), "
        << s.judgementsAdded << " judgements added, " << s.judgementsUpdated << " updated (" << s.judgementsPresent
        << " already present); " << s.unmatched.size() << " records match no example"
        << (s.unmatched.empty() ? "" : options.keepUnmatched ? " (kept)" : " (skipped)") << "\n";
    return ExitOk;
}

std::string intervalText(const Interval &i)
{
    return formatPercent(i.low) + "-" + formatPercent(i.high);
}

Json agreementJson(const Agreement &a)
{
    return Json{{"group", a.group}, {"judged", a.judged}, {"agreeing", a.agreeing}, {"skipped", a.skipped},
                {"rate", a.rate}, {"ci95_low", a.interval.low}, {"ci95_high", a.interval.high}};
}

void printAgreement(std::ostream &out, const Agreement &a, const std::string &indent)
{
    out << indent << (a.group.empty() ? "all" : a.group) << ": " << a.agreeing << " of " << a.judged << " agree ("
        << formatPercent(a.rate) << ", 95% CI " << intervalText(a.interval) << "), " << a.skipped << " skipped\n";
}

int stats(const Arguments &args, std::ostream &out)
{
    Workspace ws = openExistingWorkspace(args);
    const RelabelSummary s = RelabelStats::summarise(AuditStore(ws).judgements());
    if (args.has("json")) {
        Json byDistribution = Json::array(), byAnnotator = Json::array(), kappas = Json::array();
        for (const auto &a : s.byDistribution)
            byDistribution.push_back(agreementJson(a));
        for (const auto &a : s.byAnnotator)
            byAnnotator.push_back(agreementJson(a));
        for (const auto &k : s.kappas)
            kappas.push_back({{"first", k.first}, {"second", k.second}, {"shared", k.shared}, {"observed", k.observed},
                              {"expected", k.expected}, {"kappa", k.kappa ? Json(*k.kappa) : Json(nullptr)}});
        out << Json{{"overall", agreementJson(s.overall)}, {"by_distribution", byDistribution},
                    {"by_annotator", byAnnotator}, {"kappas", kappas}}
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

} // namespace

int runAnnotationsCommand(const Arguments &args, std::ostream &out, std::ostream &err)
{
    return runWithUsageErrors(err, [&] {
        const auto &words = args.positionals();
        const std::string action = words.size() > 1 ? words[1] : "";
        if (action == "export")
            return exportAnnotations(args, out);
        if (action == "import")
            return importAnnotations(args, out, err);
        if (action == "stats")
            return stats(args, out);
        throw CommandUsageError("annotations needs export, import or stats");
    });
}

} // namespace shiftscope
