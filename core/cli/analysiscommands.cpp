// Why a shift fails: cue (how much of a unit's preferences a suspected cue explains, with a counterfactual target)
// trust (label-free reasons to distrust a unit's preference on each target pair) and attribute (which source
// pairs taught a unit its score on one target pair).
#include "analysis/attribution.h"
#include "analysis/cueanalysis.h"
#include "analysis/labelbudget.h"
#include "analysis/tokenevidence.h"
#include "analysis/trust.h"
#include "cli/commandtable.h"
#include "cli/corecommands.h"
#include "runs/runstore.h"
#include "util/errors.h"
#include "util/inputfile.h"
#include "workspace/workspace.h"

#include <algorithm>
#include <charconv>
#include <cmath>
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

Json erasureJson(const std::optional<CueErasure> &e)
{
    if (!e)
        return nullptr;
    return {{"method", e->method},
            {"accuracy_target_before", e->accuracyBefore},
            {"accuracy_target_after", e->accuracyAfter},
            {"tied_pairs_after", e->tiedPairs},
            {"interval_after", Json::array({e->intervalAfter.low, e->intervalAfter.high})},
            {"change", e->change},
            {"change_interval", Json::array({e->changeInterval.low, e->changeInterval.high})},
            {"agreement_with_cue_target_after", optionalNumber(e->after.agreement)}};
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
    request.erase = c.choice("erasure", "probe", {"probe", "none"}) == "probe";
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
                      {"counterfactual_change_interval", intervalJson(r.changeInterval)},
                      {"erasure", erasureJson(r.erasure)},
                      {"erasure_skipped", r.erasureSkipped.empty() ? Json(nullptr) : Json(r.erasureSkipped)}}
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
    if (const auto &e = r.erasure)
        c.out << "\ncue erased from the probe's activations: target accuracy " << percent(e->accuracyBefore) << " -> "
              << percent(e->accuracyAfter) << " [" << percent(e->intervalAfter.low) << ", "
              << percent(e->intervalAfter.high) << "], change " << number(e->change) << " ["
              << number(e->changeInterval.low) << ", " << number(e->changeInterval.high) << "]; agreement with the cue "
              << percent(r.target.agreement) << " -> " << percent(e->after.agreement) << "\n  (" << e->method << ")\n";
    if (!r.erasureSkipped.empty())
        c.out << "\nno erasure of the cue: " << r.erasureSkipped << "\n";
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

Json nullableNumber(double value) { return std::isnan(value) ? Json(nullptr) : Json(value); }

std::string fixed(double value, const char *format = "%.3f")
{
    if (std::isnan(value))
        return "–";
    char text[32];
    std::snprintf(text, sizeof text, format, value);
    return text;
}

Json qualityJson(const SignalQuality &q)
{
    return {{"name", q.name},
            {"auroc", q.auroc ? Json(*q.auroc) : Json(nullptr)},
            {"interval", q.interval ? Json::array({q.interval->low, q.interval->high}) : Json(nullptr)},
            {"pairs", q.pairs},
            {"errors", q.errors}};
}

std::string aurocText(const SignalQuality &q)
{
    if (!q.auroc)
        return "–";
    char text[48];
    std::snprintf(text, sizeof text, "%.3f", *q.auroc);
    if (q.interval)
        std::snprintf(text, sizeof text, "%.3f [%.2f-%.2f]", *q.auroc, q.interval->low, q.interval->high);
    return text;
}

//! trust --run ID without --shift: every shift of the run and every category, AUROCs only.
int trustSummary(CommandContext &c, TrustRequest request)
{
    Workspace ws = c.workspace();
    if (!request.intervention.empty()) {
        // As cue does: an intervention the run has no unit of is named, with the run's own.
        const RunRecord run = RunStore(ws).existingRun(request.runId);
        std::string units;
        bool found = false;
        for (const RunUnit &unit : run.units) {
            found = found || unit.intervention == request.intervention;
            if (units.find(unit.intervention) == std::string::npos)
                units += (units.empty() ? "" : ", ") + unit.intervention;
        }
        if (!found)
            throw InputError(InputProblem{ws.path().string(), "run " + std::to_string(request.runId),
                                          "the run has no unit of " + request.intervention,
                                          "choose one of its units: " + units});
    }
    const RunTrustSummary summary = assessRunTrustByShift(ws, request);
    c.endProgress();
    if (c.args.has("json")) {
        Json shifts = Json::array(), categories = Json::array();
        for (const auto &s : summary.shifts) {
            Json signals = Json::array();
            for (const SignalQuality &q : s.trust.assessment.quality)
                signals.push_back(qualityJson(q));
            shifts.push_back({{"shift", s.source + ":" + s.target},
                              {"category", s.category},
                              {"intervention", s.trust.intervention},
                              {"unit", s.trust.unitPosition + 1},
                              {"signals", signals}});
        }
        for (const auto &cat : summary.categories) {
            Json signals = Json::array();
            for (const SignalQuality &q : cat.quality)
                signals.push_back(qualityJson(q));
            categories.push_back({{"category", cat.category}, {"shifts", cat.shifts}, {"signals", signals}});
        }
        c.out << Json{{"run", request.runId}, {"shifts", shifts}, {"categories", categories}}.dump(2) << "\n";
        return ExitOk;
    }
    c.out << "trust of run " << request.runId
          << ": AUROC with which each signal picks out the errors [95% interval]\n\n";
    auto header = [&](const std::vector<SignalQuality> &quality) {
        std::string line;
        for (const SignalQuality &q : quality) {
            char cell[40];
            std::snprintf(cell, sizeof cell, "  %-22s", q.name.substr(0, 22).c_str());
            line += cell;
        }
        return line;
    };
    auto row = [&](const std::vector<SignalQuality> &quality) {
        std::string line;
        for (const SignalQuality &q : quality) {
            char cell[40];
            std::snprintf(cell, sizeof cell, "  %-22s", aurocText(q).c_str());
            line += cell;
        }
        return line;
    };
    if (summary.shifts.empty()) {
        c.out << "no shift of the run was evaluated by its unit\n";
        return ExitOk;
    }
    char name[64];
    std::snprintf(name, sizeof name, "%-44s", "shift");
    c.out << name << header(summary.shifts.front().trust.assessment.quality) << "\n";
    for (const auto &s : summary.shifts) {
        std::snprintf(name, sizeof name, "%-44s", (s.source + " -> " + s.target).substr(0, 44).c_str());
        c.out << name << row(s.trust.assessment.quality) << "\n";
    }
    c.out << "\nper category (pairs pooled, each signal ranked within its shift):\n";
    for (const auto &cat : summary.categories) {
        std::snprintf(name, sizeof name, "%-44s", (cat.category + " (" + std::to_string(cat.shifts) + ")").c_str());
        c.out << name << row(cat.quality) << "\n";
    }
    return ExitOk;
}

int trustCommand(CommandContext &c)
{
    const std::int64_t runId = runIdArgument(c.required("run"));
    if (!c.args.value("shift")) {
        TrustRequest request;
        request.runId = runId;
        request.intervention = c.args.value("intervention").value_or("");
        request.layer = c.count("layer", -1, -1, 1 << 20);
        request.device = c.choice("device", "cpu", {"cpu", "cuda"});
        request.progress = c.progress("chunks");
        return trustSummary(c, std::move(request));
    }
    const std::string shift = c.required("shift");
    const int layer = c.count("layer", -1, -1, 1 << 20);
    const std::string device = c.choice("device", "cpu", {"cpu", "cuda"});
    const auto shown = std::size_t(c.number("limit", 10, 0));

    TrustRequest request;
    request.runId = runId;
    std::tie(request.source, request.target) = shiftArgument(shift);
    request.intervention = c.args.value("intervention").value_or("");
    request.layer = layer;
    request.device = device;
    request.progress = c.progress("chunks");
    Workspace ws = c.workspace();
    const RunTrust trust = assessRunTrust(ws, request);
    c.endProgress();
    const TrustAssessment &a = trust.assessment;
    const std::string &source = request.source, &target = request.target;
    const auto &pairs = trust.pairs;
    if (c.args.has("json")) {
        Json signalList = Json::array();
        for (std::size_t i = 0; i < a.quality.size(); ++i) {
            const SignalQuality &q = a.quality[i];
            signalList.push_back(
                {{"name", q.name},
                 {"auroc", q.auroc ? Json(*q.auroc) : Json(nullptr)},
                 {"interval", q.interval ? Json::array({q.interval->low, q.interval->high}) : Json(nullptr)},
                 {"pairs", q.pairs},
                 {"errors", q.errors},
                 {"note", i < a.evidence.size() ? a.evidence[i].note : "mean percentile rank of the signals"}});
        }
        Json pairList = Json::array();
        for (const PairTrust &t : a.pairs) {
            const PairRef &ref = pairs[std::size_t(t.pairIndex)];
            Json row = {{"pair", t.pairIndex},
                        {"example", ref.examplePosition},
                        {"preferred", ref.preferredIndex},
                        {"dispreferred", ref.dispreferredIndex},
                        {"p_preferred", t.probability},
                        {"correct", !t.error}};
            for (std::size_t i = 0; i < a.evidence.size(); ++i)
                row[a.evidence[i].name] = nullableNumber(t.evidence[i]);
            row["trust"] = number(t.trust);
            pairList.push_back(std::move(row));
        }
        c.out << Json{{"run", runId},
                      {"shift", shift},
                      {"intervention", trust.intervention},
                      {"unit", trust.unitPosition + 1},
                      {"layer", trust.layer ? Json(*trust.layer) : Json(nullptr)},
                      {"signals", signalList},
                      {"pairs", pairList}}
                     .dump(2)
              << "\n";
        return ExitOk;
    }
    c.out << "trust in " << trust.intervention << " (run " << runId << ", unit " << trust.unitPosition + 1 << ") on "
          << target << ", trained on " << source << ": " << a.pairs.size() << " pairs\n\n";
    c.out << "signal                          AUROC for its errors   95% interval    pairs  errors\n";
    for (std::size_t i = 0; i < a.quality.size(); ++i) {
        const SignalQuality &q = a.quality[i];
        char line[160];
        std::snprintf(line, sizeof line, "%-31s %8s               %-15s %5d  %6d\n", q.name.c_str(),
                      fixed(q.auroc.value_or(NAN)).c_str(),
                      q.interval ? (fixed(q.interval->low) + "-" + fixed(q.interval->high)).c_str() : "–", q.pairs,
                      q.errors);
        c.out << line;
        if (i < a.evidence.size() && !a.evidence[i].note.empty())
            c.out << "    " << a.evidence[i].note << "\n";
    }
    std::vector<const PairTrust *> order;
    for (const PairTrust &t : a.pairs)
        if (!std::isnan(t.trust))
            order.push_back(&t);
    std::stable_sort(order.begin(), order.end(), [](auto x, auto y) { return x->trust < y->trust; });
    if (shown > 0 && !order.empty()) {
        c.out << "\nleast trusted pairs:\n  pair  example  trust  P(preferred)  correct\n";
        for (std::size_t i = 0; i < order.size() && i < shown; ++i) {
            char line[96];
            std::snprintf(line, sizeof line, "%6d  %7d  %5.3f  %12.3f  %s\n", order[i]->pairIndex,
                          pairs[std::size_t(order[i]->pairIndex)].examplePosition, order[i]->trust,
                          order[i]->probability, order[i]->error ? "no" : "yes");
            c.out << line;
        }
    }
    return ExitOk;
}

//! The end of `text` on one line, at most `width` characters (UTF-8 kept whole): what a prompt asks comes last,
//! after its template's preamble.
std::string preview(const std::string &text, std::size_t width)
{
    std::string line;
    for (const char ch : text)
        if (ch == '\n' || ch == '\t' || ch == '\r') {
            if (!line.empty() && line.back() != ' ')
                line += ' ';
        } else {
            line += ch;
        }
    while (!line.empty() && line.back() == ' ')
        line.pop_back();
    if (line.size() <= width)
        return line;
    std::size_t cut = line.size() - width;
    while (cut < line.size() && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80)
        ++cut;
    return "…" + line.substr(cut);
}

int attributeCommand(CommandContext &c)
{
    AttributionRequest request;
    request.runId = runIdArgument(c.required("run"));
    std::tie(request.source, request.target) = shiftArgument(c.required("shift"));
    request.intervention = c.args.value("intervention").value_or("");
    request.pairIndex = c.count("pair", -1, 0);
    if (request.pairIndex < 0)
        throw UsageError("attribute needs --pair N");
    request.device = c.choice("device", "cpu", {"cpu", "cuda"});
    const auto top = std::size_t(c.number("top", 5, 1));
    request.progress = c.progress("chunks");
    Workspace ws = c.workspace();
    const PairAttribution a = attributePair(ws, request);
    c.endProgress();

    std::vector<SourceInfluence> pushing = a.influences, pulling = a.influences;
    std::stable_sort(pushing.begin(), pushing.end(), [](auto x, auto y) { return x.value > y.value; });
    std::stable_sort(pulling.begin(), pulling.end(), [](auto x, auto y) { return x.value < y.value; });
    pushing.resize(std::min(top, pushing.size()));
    pulling.resize(std::min(top, pulling.size()));
    std::erase_if(pushing, [](const SourceInfluence &i) { return i.value <= 0; });
    std::erase_if(pulling, [](const SourceInfluence &i) { return i.value >= 0; });
    const auto train = ws.examples(request.source, Split::Train);
    auto exampleAt = [&](int position) -> const Example * {
        for (const Example &e : train)
            if (e.position == position)
                return &e;
        return nullptr;
    };
    if (c.args.has("json")) {
        auto list = [&](const std::vector<SourceInfluence> &items) {
            Json out = Json::array();
            for (const SourceInfluence &i : items) {
                const Example *e = exampleAt(i.examplePosition);
                out.push_back(
                    {{"example", i.examplePosition},
                     {"value", i.value},
                     {"prompt", e ? e->prompt : ""},
                     {"preferred",
                      e && e->preferredIndex() >= 0 ? e->responses[std::size_t(e->preferredIndex())].text : ""}});
            }
            return out;
        };
        Json all = Json::array();
        for (const SourceInfluence &i : a.influences)
            all.push_back({{"example", i.examplePosition}, {"value", i.value}});
        c.out << Json{{"run", request.runId},
                      {"shift", request.source + ":" + request.target},
                      {"intervention", a.intervention},
                      {"unit", a.unitPosition + 1},
                      {"pair", request.pairIndex},
                      {"example", a.pair.examplePosition},
                      {"margin", a.margin},
                      {"p_preferred", a.probability},
                      {"exact", a.exact},
                      {"constant", a.constant},
                      {"method", a.method},
                      {"pushing", list(pushing)},
                      {"pulling", list(pulling)},
                      {"influences", all}}
                     .dump(2)
              << "\n";
        return ExitOk;
    }
    char head[160];
    std::snprintf(head, sizeof head, "pair %d (example %d) of %s, %s (run %lld, unit %d): margin %+.4f\n",
                  request.pairIndex, a.pair.examplePosition, request.target.c_str(), a.intervention.c_str(),
                  static_cast<long long>(request.runId), a.unitPosition + 1, a.margin);
    c.out << head << a.method << "\n";
    auto print = [&](const char *title, const std::vector<SourceInfluence> &items) {
        c.out << "\n" << title << " (" << request.source << " train):\n";
        for (const SourceInfluence &i : items) {
            const Example *e = exampleAt(i.examplePosition);
            char line[64];
            std::snprintf(line, sizeof line, "  %+10.4f  example %-6d ", i.value, i.examplePosition);
            c.out << line << (e ? preview(e->prompt, 70) : std::string()) << "\n";
        }
        if (items.empty())
            c.out << "  none\n";
    };
    print("pushing towards the preferred response", pushing);
    print("pulling towards the dispreferred response", pulling);
    return ExitOk;
}

std::vector<int> budgetSizes(const std::string &text)
{
    std::vector<int> ks;
    std::size_t start = 0;
    while (start <= text.size()) {
        const auto comma = std::min(text.find(',', start), text.size());
        const std::string item = text.substr(start, comma - start);
        int k = -1;
        const auto [end, error] = std::from_chars(item.data(), item.data() + item.size(), k);
        if (error != std::errc() || end != item.data() + item.size() || k < 0)
            throw UsageError("--ks needs whole numbers >= 0 separated by commas, got '" + text + "'");
        ks.push_back(k);
        start = comma + 1;
    }
    return ks;
}

//! A token's text on one line: line breaks and tabs written as escapes.
std::string visibleToken(const std::string &text)
{
    std::string out;
    for (char ch : text)
        out += ch == '\n' ? "\\n" : ch == '\t' ? "\\t" : ch == '\r' ? "\\r" : std::string(1, ch);
    return out;
}

int tokenEvidenceCommand(CommandContext &c)
{
    TokenEvidenceRequest request;
    request.runId = runIdArgument(c.required("run"));
    std::tie(request.source, request.target) = shiftArgument(c.required("shift"));
    request.pairIndex = c.count("pair", -1, 0);
    if (request.pairIndex < 0)
        throw UsageError("token-evidence needs --pair N");
    request.intervention = c.args.value("intervention").value_or("");
    request.device = c.choice("device", "cpu", {"cpu", "cuda"});
    request.progress = c.progress("chunks");
    Workspace ws = c.workspace();
    const TokenEvidence e = tokenEvidence(ws, request);
    c.endProgress();
    const char *const sides[2] = {"preferred", "dispreferred"};
    if (c.args.has("json")) {
        Json tracks = Json::array();
        for (const TokenTrack &t : e.tracks) {
            Json track = {{"intervention", t.intervention},
                          {"quantity", t.quantity},
                          {"note", t.note},
                          {"signed", t.signedValues}};
            for (std::size_t side = 0; side < 2; ++side)
                track[sides[side]] = {{"tokens", t.tokens[side]}, {"values", t.values[side]}, {"total", t.total[side]}};
            tracks.push_back(std::move(track));
        }
        Json unread = Json::array();
        for (const auto &[intervention, why] : e.unread)
            unread.push_back({{"intervention", intervention}, {"why", why}});
        c.out << Json{{"run", request.runId},
                      {"shift", request.source + ":" + request.target},
                      {"pair", request.pairIndex},
                      {"example", e.pair.examplePosition},
                      {"prompt", e.prompt},
                      {"preferred", e.responses[0]},
                      {"dispreferred", e.responses[1]},
                      {"tracks", tracks},
                      {"unread", unread}}
                     .dump(2)
              << "\n";
        return ExitOk;
    }
    c.out << "pair " << request.pairIndex << " (example " << e.pair.examplePosition << ") of " << request.target
          << ", run " << request.runId << "\n";
    for (const TokenTrack &t : e.tracks) {
        c.out << "\n" << t.intervention << ": " << t.quantity << " per token (" << t.note << ")\n";
        for (std::size_t side = 0; side < 2; ++side) {
            char total[48];
            std::snprintf(total, sizeof total, "%+.4f", t.total[side]);
            c.out << "  " << sides[side] << " (" << total << "):";
            for (std::size_t k = 0; k < t.tokens[side].size(); ++k) {
                char value[32];
                std::snprintf(value, sizeof value, "%+.3f", t.values[side][k]);
                c.out << " [" << visibleToken(t.tokens[side][k]) << "]" << value;
            }
            c.out << "\n";
        }
    }
    for (const auto &[intervention, why] : e.unread)
        c.out << "\n" << intervention << ": no reading token by token (" << why << ")\n";
    return ExitOk;
}

int labelBudgetCommand(CommandContext &c)
{
    LabelBudgetRequest request;
    request.runId = runIdArgument(c.required("run"));
    std::tie(request.source, request.target) = shiftArgument(c.required("shift"));
    request.intervention = c.args.value("intervention").value_or("");
    if (const auto ks = c.args.value("ks"))
        request.ks = budgetSizes(*ks);
    request.repeats = c.count("repeats", 10, 1, 100000);
    request.relabels = c.args.has("relabels");
    request.device = c.choice("device", "cpu", {"cpu", "cuda"});
    request.progress = c.progress("chunks");
    Workspace ws = c.workspace();
    const LabelBudget budget = labelBudget(ws, request);
    c.endProgress();
    if (c.args.has("json")) {
        Json points = Json::array();
        for (const LabelBudgetPoint &p : budget.points)
            points.push_back({{"k", p.k},
                              {"mean_accuracy", p.mean},
                              {"interval", Json::array({p.interval.low, p.interval.high})},
                              {"accuracies", p.accuracies}});
        c.out << Json{{"run", request.runId},
                      {"shift", request.source + ":" + request.target},
                      {"intervention", budget.intervention},
                      {"unit", budget.unitPosition + 1},
                      {"points", points},
                      {"relabelled", budget.relabelled ? Json{{"k", budget.relabelled->pairs},
                                                              {"against_dataset", budget.relabelled->againstDataset},
                                                              {"accuracy", budget.relabelled->accuracy}}
                                                       : Json(nullptr)}}
                     .dump(2)
              << "\n";
        return ExitOk;
    }
    c.out << budget.intervention << " (run " << request.runId << ") refitted with k labelled " << request.target
          << " examples added to " << request.source << "; accuracy on the other target pairs\n\n";
    c.out << "     k   accuracy   95% of draws    draws\n";
    for (const LabelBudgetPoint &p : budget.points) {
        char line[96];
        std::snprintf(line, sizeof line, "%6d   %7.1f%%   %5.1f%%-%5.1f%%   %5zu\n", p.k, 100 * p.mean,
                      100 * p.interval.low, 100 * p.interval.high, p.accuracies.size());
        c.out << line;
    }
    if (const auto &r = budget.relabelled) {
        char line[160];
        std::snprintf(line, sizeof line,
                      "\nwith the %d blind-relabelled pairs as their annotators labelled them (%d against the "
                      "dataset): %.1f%%\n",
                      r->pairs, r->againstDataset, 100 * r->accuracy);
        c.out << line;
    }
    return ExitOk;
}

} // namespace

void addAnalysisCommands(CommandTable &table)
{
    table.add({"cue",
               "Runs",
               {"--run ID --shift SOURCE:TARGET (--length | --regex RE | --words FILE) [--intervention NAME] "
                "[--counterfactual remove|swap|none] [--erasure probe|none] [--device cpu|cuda] [--json]"},
               "how much of a run's preferences a suspected cue explains on source and target, the unit's "
               "accuracy on a counterfactual target with the cue removed or swapped, and for a probe its accuracy "
               "with the cue's direction erased from its activations",
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
                {"erasure", "probe|none",
                 "for linear_probe, mms, cra and lat units: erase the cue's direction (least-squares concept erasure "
                 "fitted on the source) and refit (default), or not"},
                {"device", "cpu|cuda", "where the counterfactual is scored (default cpu)"},
                {"json", {}, "print JSON instead of text"}},
               cueCommand});
    table.add({"trust",
               "Runs",
               {"--run ID --shift SOURCE:TARGET [--intervention NAME] [--layer N] [--device cpu|cuda] [--limit N] "
                "[--json]",
                "--run ID [--intervention NAME] [--layer N] [--device cpu|cuda] [--json]"},
               "per target pair, label-free signals to distrust a run's preference (distance from the source in "
               "activations, disagreement between interventions, a probe against zero-shot) combined into a trust "
               "score, with each signal's AUROC for the errors where labels exist",
               WorkspaceUse::Existing,
               {{"run", "ID", "the run"},
                {"shift", "SOURCE:TARGET",
                 "the shift: the unit trained on SOURCE that evaluated TARGET (without it: every shift of the run, and "
                 "the AUROCs per category)"},
                {"intervention", "NAME", "the run's unit of this intervention (default: the run's own)"},
                {"layer", "N", "the hidden state whose activations are compared (default: the middle block)"},
                {"device", "cpu|cuda", "where activations are computed (default cpu)"},
                {"limit", "N", "least trusted pairs listed in the text form (default 10)"},
                {"json", {}, "print JSON instead of text"}},
               trustCommand});
    table.add({"attribute",
               "Runs",
               {"--run ID --shift SOURCE:TARGET --pair N [--intervention NAME] [--top N] [--device cpu|cuda] [--json]"},
               "which source training pairs pushed a unit's score on one target pair towards or away from the "
               "preferred response (exact for linear_probe, mms, cra and lat; a gradient-similarity approximation "
               "for lora and prompt_tuning)",
               WorkspaceUse::Existing,
               {{"run", "ID", "the run"},
                {"shift", "SOURCE:TARGET", "the shift: the unit trained on SOURCE that evaluated TARGET"},
                {"pair", "N", "the target test pair, in GENIES order (the Disagreements view's Pair column)"},
                {"intervention", "NAME", "the run's unit of this intervention (default: the run's own)"},
                {"top", "N", "source examples listed each way (default 5)"},
                {"device", "cpu|cuda", "where activations are computed (default cpu)"},
                {"json", {}, "print JSON instead of text"}},
               attributeCommand});
    table.add({"label-budget",
               "Runs",
               {"--run ID --shift SOURCE:TARGET [--intervention NAME] [--ks 0,5,10,20,50] [--repeats R] [--relabels] "
                "[--device cpu|cuda] [--json]"},
               "how many trusted target labels repair a shift: a run's probe (linear_probe, mms, cra, lat) refitted "
               "with k labelled target examples added, its accuracy on the other target pairs over seeded draws, "
               "and with the blind relabelling's judgements",
               WorkspaceUse::Existing,
               {{"run", "ID", "the run"},
                {"shift", "SOURCE:TARGET", "the shift: the unit trained on SOURCE that evaluated TARGET"},
                {"intervention", "NAME", "the run's unit of this intervention (default: the run's own)"},
                {"ks", "K,K,...", "numbers of labelled target examples to add (default 0,5,10,20,50)"},
                {"repeats", "R", "seeded draws per k (default 10; k = 0 has one)"},
                {"relabels",
                 {},
                 "also refit once with the target pairs blind relabelling judged, labelled as their annotators chose "
                 "(a pair's majority)"},
                {"device", "cpu|cuda", "where activations are computed (default cpu)"},
                {"json", {}, "print JSON instead of text"}},
               labelBudgetCommand});
    table.add({"token-evidence",
               "Runs",
               {"--run ID --shift SOURCE:TARGET --pair N [--intervention NAME] [--device cpu|cuda] [--json]"},
               "each token's part in the decision on one target pair, side by side: zero_shot's log-probabilities, "
               "a lora or prompt_tuning reward read at every token, a probe's reading of every token",
               WorkspaceUse::Existing,
               {{"run", "ID", "the run"},
                {"shift", "SOURCE:TARGET", "the shift: the run's unit trained on SOURCE that evaluated TARGET"},
                {"pair", "N", "the target test pair, in GENIES order (the Disagreements view's Pair column)"},
                {"intervention", "NAME", "the run's unit read beside zero-shot (default: the run's own)"},
                {"device", "cpu|cuda", "where the model runs (default cpu)"},
                {"json", {}, "print JSON instead of text"}},
               tokenEvidenceCommand});
}

} // namespace shiftscope
