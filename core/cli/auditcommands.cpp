#include "audit/auditjson.h"
#include "audit/auditor.h"
#include "cli/commandtable.h"
#include "cli/corecommands.h"
#include "util/errors.h"
#include "workspace/auditstore.h"

#include <algorithm>
#include <map>
#include <ostream>

namespace shiftscope {

namespace {

std::int64_t catalogueIdOf(const Arguments &args, Workspace &ws)
{
    const auto name = args.value("catalogue");
    if (!name)
        return ws.builtinCatalogueId();
    if (auto info = ws.catalogue(*name))
        return info->id;
    throw InputError(InputProblem{
        ws.path().string(), {}, "no catalogue named '" + *name + "'", "list them with the catalogues command"});
}

//! The shift named on the command line, with its category from the catalogue when it is listed there.
ShiftPair shiftOf(const std::string &text, const Arguments &args, Workspace &ws)
{
    const auto colon = text.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == text.size())
        throw UsageError("--shift needs SOURCE:TARGET, got '" + text + "'");
    ShiftPair shift;
    shift.source = text.substr(0, colon);
    shift.target = text.substr(colon + 1);
    for (const auto &row : ws.shifts(catalogueIdOf(args, ws), true))
        if (row.source == shift.source && row.target == shift.target)
            return row;
    return shift;
}

std::vector<AuditReport> runAudit(const Arguments &args, Workspace &ws)
{
    const auto &positionals = args.positionals();
    const bool all = args.has("all");
    const auto shift = args.value("shift");
    const int chosen = (positionals.empty() ? 0 : 1) + (shift ? 1 : 0) + (all ? 1 : 0);
    if (chosen != 1 || positionals.size() > 1)
        throw UsageError("audit needs exactly one of DIST, --shift SOURCE:TARGET or --all");
    Auditor auditor(ws);
    if (all)
        return auditor.auditAll(catalogueIdOf(args, ws));
    if (!shift)
        return {auditor.auditDistribution(positionals[0])};
    const ShiftPair pair = shiftOf(*shift, args, ws);
    return {auditor.auditDistribution(pair.source), auditor.auditDistribution(pair.target), auditor.auditShift(pair)};
}

std::string refText(const ExampleRef &ref, const AuditReport &report)
{
    std::string text = ref.distribution == report.scope ? "" : ref.distribution + " ";
    text += std::string(splitName(ref.split)) + " " + std::to_string(ref.position);
    if (ref.response >= 0)
        text += " (r" + std::to_string(ref.response) + ")";
    return text;
}

void printReport(std::ostream &out, const AuditReport &report,
                 const std::map<std::string, const FindingReview *> &reviews)
{
    out << "== " << (report.kind == AuditScope::Shift ? "shift " : "distribution ") << report.scope;
    if (!report.category.empty())
        out << " [" << report.category << "]";
    out << ": " << formatCount(report.count(Severity::Problem), "problem") << ", "
        << formatCount(report.count(Severity::Warning), "warning") << " ==\n";
    for (const auto &f : report.findings) {
        std::string tag(severityName(f.severity));
        if (f.severity != Severity::Info)
            std::transform(tag.begin(), tag.end(), tag.begin(), [](char c) { return char(c - 32); });
        tag.resize(9, ' ');
        out << "  " << tag << f.title << ": " << f.figureText;
        if (auto it = reviews.find(f.key); it != reviews.end()) {
            const FindingReview &r = *it->second;
            out << "  [" << reviewStatusName(r.status) << " by " << r.author;
            if (!r.note.empty())
                out << ": " << r.note;
            out << (r.figureText != f.figureText ? "; figure was " + r.figureText : "") << "]";
        }
        out << "\n";
        if (f.severity == Severity::Info)
            continue;
        out << "           key " << f.key << "\n";
        if (f.examples.empty())
            continue;
        out << "           examples: ";
        for (std::size_t i = 0; i < std::min<std::size_t>(5, f.examples.size()); ++i)
            out << (i ? ", " : "") << refText(f.examples[i], report);
        if (f.exampleCount > 5)
            out << " (+" << f.exampleCount - 5 << " more)";
        out << "\n";
    }
}

int audit(CommandContext &c)
{
    const Arguments &args = c.args;
    std::ostream &out = c.out;
    Workspace ws = c.workspace();
    const std::string level = args.value("severity").value_or("info");
    const auto minimum = severityFromName(level);
    if (!minimum)
        throw UsageError("--severity must be info, warning or problem, got '" + level + "'");
    auto reports = runAudit(args, ws);
    for (auto &report : reports)
        std::erase_if(report.findings, [&](const Finding &f) { return f.severity < *minimum; });
    const auto reviews = AuditStore(ws).reviews();
    if (args.has("json")) {
        out << auditReportsJson(reports, reviews) << "\n";
        return ExitOk;
    }
    std::map<std::string, const FindingReview *> byKey;
    for (const auto &r : reviews)
        byKey[r.findingKey] = &r;
    int problems = 0, warnings = 0, distributions = 0;
    for (const auto &report : reports) {
        printReport(out, report, byKey);
        problems += report.count(Severity::Problem);
        warnings += report.count(Severity::Warning);
        distributions += report.kind == AuditScope::Distribution ? 1 : 0;
    }
    out << "Audited " << formatCount(distributions, "distribution") << " and "
        << formatCount(int(reports.size()) - distributions, "shift") << ": " << formatCount(problems, "problem") << ", "
        << formatCount(warnings, "warning") << "\n";
    return ExitOk;
}

//! The finding a key names, from a fresh audit of its scope; InputError when there is none.
Finding findingOf(const std::string &key, const Arguments &args, Workspace &ws)
{
    const auto at = key.find('@');
    if (at == std::string::npos)
        throw UsageError("a finding key looks like check@scope, got '" + key + "'");
    std::string scope = key.substr(at + 1);
    // A subject (cue text) follows the first ':' after the scope; distribution names have no ':'.
    scope = scope.substr(0, scope.find(':'));
    Auditor auditor(ws);
    AuditReport report;
    if (const auto arrow = scope.find("->"); arrow != std::string::npos)
        report = auditor.auditShift(shiftOf(scope.substr(0, arrow) + ":" + scope.substr(arrow + 2), args, ws));
    else
        report = auditor.auditDistribution(scope);
    for (const auto &f : report.findings)
        if (f.key == key)
            return f;
    throw InputError(InputProblem{ws.path().string(),
                                  {},
                                  "the audit of " + scope + " has no finding '" + key + "'",
                                  "copy the key from the audit output (audit " + scope + " --json lists every key)"});
}

int review(CommandContext &c)
{
    const Arguments &args = c.args;
    std::ostream &out = c.out;
    c.expectOperands(1, "one finding KEY");
    const std::string &key = args.positionals()[0];
    const std::string status = args.value("status").value_or("");
    if (status != "reviewed" && status != "dismissed" && status != "open")
        throw UsageError("review-finding needs --status reviewed, dismissed or open");
    Workspace ws = c.workspace();
    AuditStore store(ws);
    if (status == "open") {
        out << (store.clearReview(key) ? "Reopened " : "No review to clear for ") << key << "\n";
        return ExitOk;
    }
    const Finding finding = findingOf(key, args, ws);
    FindingReview r;
    r.findingKey = key;
    r.status = *reviewStatusFromName(status);
    r.note = args.value("note").value_or("");
    r.figureText = finding.figureText;
    r.author = c.author();
    store.setReview(r);
    out << "Marked " << key << " as " << status << " (figure " << finding.figureText << ")\n";
    return ExitOk;
}

} // namespace

void addAuditCommands(CommandTable &table)
{
    const CommandOption catalogue{"catalogue", "NAME", "the catalogue whose shifts to use (default: the built-in one)"};
    table.add(
        {"audit",
         "Audit and annotation",
         {"DIST [--severity LEVEL] [--json]", "--shift SOURCE:TARGET [--catalogue NAME] [--severity LEVEL] [--json]",
          "--all [--catalogue NAME] [--severity LEVEL] [--json]"},
         "data-quality audit of a distribution, a shift (both sides and the shift), or everything",
         WorkspaceUse::Existing,
         {{"shift", "SOURCE:TARGET", "audit a shift"},
          {"all", {}, "audit every distribution and every shift of the catalogue"},
          catalogue,
          {"severity", "LEVEL", "the least severity shown: info (default), warning or problem"},
          {"json", {}, "print JSON instead of text"}},
         audit});
    table.add({"review-finding",
               "Audit and annotation",
               {"KEY --status reviewed|dismissed|open [--note TEXT] [--author NAME]"},
               "mark an audit finding reviewed or dismissed (or open again)",
               WorkspaceUse::Existing,
               {{"status", "reviewed|dismissed|open", "the verdict"},
                {"note", "TEXT", "why"},
                {"author", "NAME", "who reviewed it (default: the login name)"},
                catalogue},
               review});
}

} // namespace shiftscope
