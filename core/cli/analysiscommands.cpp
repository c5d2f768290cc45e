// Why a shift fails: cue (how much of a unit's preferences a suspected cue explains, with a counterfactual target).
#include "analysis/cueanalysis.h"
#include "cli/commandtable.h"
#include "cli/corecommands.h"
#include "util/errors.h"
#include "util/inputfile.h"
#include "workspace/workspace.h"

#include <cstdio>
#include <nlohmann/json.hpp>
#include <ostream>
#include <sstream>

namespace shiftscope {

namespace {

using Json = nlohmann::ordered_json;

std::pair<std::string, std::string> shiftArgument(const std::string &text)
{
    const auto colon = text.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == text.size())
        throw UsageError("--shift needs SOURCE:TARGET, got '" + text + "'");
    return {text.substr(0, colon), text.substr(colon + 1)};
}

//! One word or phrase per line; blank lines and lines starting with '#' are skipped.
std::vector<std::string> wordList(const std::string &file)
{
    std::vector<std::string> words;
    std::istringstream lines(readInputFile(file, 16u << 20));
    for (std::string line; std::getline(lines, line);) {
        const auto first = line.find_first_not_of(" \t\r");
        const auto last = line.find_last_not_of(" \t\r");
        if (first == std::string::npos || line[first] == '#')
            continue;
        words.push_back(line.substr(first, last - first + 1));
    }
    return words;
}

Cue cueArgument(const CommandContext &c)
{
    const int given =
        int(c.args.has("length")) + int(c.args.value("regex").has_value()) + int(c.args.value("words").has_value());
    if (given != 1)
        throw UsageError("cue needs exactly one of --length, --regex RE or --words FILE");
    if (c.args.has("length"))
        return Cue::length();
    if (const auto pattern = c.args.value("regex"))
        return Cue::regex(*pattern, "--regex");
    const std::string file = *c.args.value("words");
    return Cue::words(wordList(file), file);
}

Json optionalNumber(const std::optional<double> &value) { return value ? Json(*value) : Json(nullptr); }

Json intervalJson(const std::optional<Interval> &interval)
{
    return interval ? Json::array({interval->low, interval->high}) : Json(nullptr);
}

Json figuresJson(const std::optional<CueFigures> &f)
{
    if (!f)
        return nullptr;
    return {{"pairs", f->pairs},
            {"cue_pairs", f->cuePairs},
            {"cue_accuracy", optionalNumber(f->cueAccuracy)},
            {"agreement_with_cue", optionalNumber(f->agreement)},
            {"partial_correlation", optionalNumber(f->partialCorrelation)},
            {"accuracy", optionalNumber(f->accuracy)}};
}

std::string counterfactualName(CounterfactualKind kind)
{
    switch (kind) {
    case CounterfactualKind::None: return "none";
    case CounterfactualKind::Remove: return "remove";
    case CounterfactualKind::Swap: return "swap";
    }
    return "none";
}

std::string percent(const std::optional<double> &value)
{
    if (!value)
        return "–";
    char text[32];
    std::snprintf(text, sizeof text, "%.1f%%", 100 * *value);
    return text;
}

std::string number(const std::optional<double> &value)
{
    if (!value)
        return "–";
    char text[32];
    std::snprintf(text, sizeof text, "%+.3f", *value);
    return text;
}

int cueCommand(CommandContext &c)
{
    CueRequest request;
    request.runId = runIdArgument(c.required("run"));
    std::tie(request.source, request.target) = shiftArgument(c.required("shift"));
    request.intervention = c.args.value("intervention").value_or("");
    const Cue cue = cueArgument(c);
    const std::string kind = c.choice("counterfactual", cue.movable() ? "remove" : "none", {"remove", "swap", "none"});
    if (!cue.movable() && kind != "none")
        throw UsageError("a length cannot be taken out of a response: --counterfactual " + kind
                         + " needs --regex or --words");
    request.counterfactual = kind == "remove" ? CounterfactualKind::Remove
                           : kind == "swap"   ? CounterfactualKind::Swap
                                              : CounterfactualKind::None;
    request.device = c.choice("device", "cpu", {"cpu", "cuda"});
    request.progress = c.progress("pairs");
    Workspace ws = c.workspace();
    const CueReport r = analyseCue(ws, request, cue);
    c.endProgress();

    if (c.args.has("json")) {
        const auto &s = r.source;
        c.out << Json{{"run", request.runId},
                      {"shift", request.source + ":" + request.target},
                      {"intervention", r.intervention},
                      {"unit", r.unitPosition + 1},
                      {"cue", r.cue},
                      {"cue_accuracy_source", s ? optionalNumber(s->cueAccuracy) : Json(nullptr)},
                      {"cue_accuracy_target", optionalNumber(r.target.cueAccuracy)},
                      {"agreement_with_cue_source", s ? optionalNumber(s->agreement) : Json(nullptr)},
                      {"agreement_with_cue_target", optionalNumber(r.target.agreement)},
                      {"partial_correlation_source", s ? optionalNumber(s->partialCorrelation) : Json(nullptr)},
                      {"partial_correlation_target", optionalNumber(r.target.partialCorrelation)},
                      {"accuracy_source", s ? optionalNumber(s->accuracy) : Json(nullptr)},
                      {"accuracy_target", optionalNumber(r.target.accuracy)},
                      {"source", figuresJson(r.source)},
                      {"target", figuresJson(r.target)},
                      {"counterfactual", counterfactualName(r.counterfactual)},
                      {"counterfactual_changed_pairs", r.changedPairs},
                      {"counterfactual_accuracy_target", optionalNumber(r.counterfactualAccuracy)},
                      {"counterfactual_interval", intervalJson(r.counterfactualInterval)},
                      {"counterfactual_change", optionalNumber(r.change)},
                      {"counterfactual_change_interval", intervalJson(r.changeInterval)}}
                     .dump(2)
              << "\n";
        return ExitOk;
    }
    c.out << "cue " << r.cue << " for " << r.intervention << " (run " << request.runId << ", unit "
          << r.unitPosition + 1 << "), " << request.source << " -> " << request.target << "\n\n";
    c.out << "                                   source     target\n";
    auto row =
        [&](const char *name, const std::optional<double> &source, const std::optional<double> &target, auto format) {
        char line[128];
        std::snprintf(line, sizeof line, "%-32s %9s  %9s\n", name, format(source).c_str(), format(target).c_str());
        c.out << line;
    };
    const auto cuePairs = [&](const std::optional<CueFigures> &f) {
        return f ? std::optional<double>(double(f->cuePairs) / std::max(1, f->pairs)) : std::optional<double>();
    };
    row("pairs the cue tells apart", cuePairs(r.source), cuePairs(r.target), percent);
    row("accuracy of the cue alone", r.source ? r.source->cueAccuracy : std::nullopt, r.target.cueAccuracy, percent);
    row("agreement with the cue", r.source ? r.source->agreement : std::nullopt, r.target.agreement, percent);
    row("partial correlation (label fixed)", r.source ? r.source->partialCorrelation : std::nullopt,
        r.target.partialCorrelation, number);
    row("accuracy of the unit", r.source ? r.source->accuracy : std::nullopt, r.target.accuracy, percent);
    if (r.counterfactual == CounterfactualKind::None) {
        c.out << "\nno counterfactual (" << (cue.movable() ? "not asked for" : "a length cannot be moved") << ")\n";
        return ExitOk;
    }
    c.out << "\ncounterfactual target (" << counterfactualName(r.counterfactual) << " the cue, " << r.changedPairs
          << " pairs changed): accuracy " << percent(r.counterfactualAccuracy) << " ["
          << percent(r.counterfactualInterval->low) << ", " << percent(r.counterfactualInterval->high) << "], change "
          << number(r.change) << " [" << number(r.changeInterval->low) << ", " << number(r.changeInterval->high)
          << "]\n";
    return ExitOk;
}

} // namespace

void addAnalysisCommands(CommandTable &table)
{
    table.add({"cue",
               "Runs",
               {"--run ID --shift SOURCE:TARGET (--length | --regex RE | --words FILE) [--intervention NAME] "
                "[--counterfactual remove|swap|none] [--device cpu|cuda] [--json]"},
               "how much of a run's preferences a suspected cue explains on source and target, and the unit's "
               "accuracy on a counterfactual target with the cue removed or swapped",
               WorkspaceUse::Existing,
               {{"run", "ID", "the run"},
                {"shift", "SOURCE:TARGET", "the shift: the unit trained on SOURCE that evaluated TARGET"},
                {"intervention", "NAME",
                 "the run's unit of this intervention (default: the run's own; e.g. zero_shot "
                 "for its baseline)"},
                {"length", {}, "the cue is the response's length in characters"},
                {"regex", "RE", "the cue is an ECMAScript regular expression (a marker word, a persona phrase)"},
                {"words", "FILE", "the cue is any of the words or phrases in FILE, one a line (whole words, any case)"},
                {"counterfactual", "remove|swap|none",
                 "remove the cue from every target response (the default for --regex and --words), move it to the "
                 "other response where only one has it, or build none"},
                {"device", "cpu|cuda", "where the counterfactual is scored (default cpu)"},
                {"json", {}, "print JSON instead of text"}},
               cueCommand});
}

} // namespace shiftscope
