// trust: per target pair of a run's unit, label-free reasons to distrust its preference, combined into a trust
// score, and how well each predicts the unit's errors where the labels are known.
#include "analysis/cueanalysis.h"
#include "analysis/trust.h"
#include "cli/commandtable.h"
#include "engine/analysis/activationdistance.h"
#include "engine/cli/enginecommands.h"
#include "runs/runner.h"
#include "runs/runstore.h"
#include "util/errors.h"
#include "workspace/workspace.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

namespace shiftscope {

namespace {

using Json = nlohmann::ordered_json;

Json number(double value) { return std::isnan(value) ? Json(nullptr) : Json(value); }

std::string fixed(double value, const char *format = "%.3f")
{
    if (std::isnan(value))
        return "–";
    char text[32];
    std::snprintf(text, sizeof text, format, value);
    return text;
}

int trustCommand(CommandContext &c)
{
    const std::int64_t runId = runIdArgument(c.required("run"));
    const std::string shift = c.required("shift");
    const auto colon = shift.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == shift.size())
        throw UsageError("--shift needs SOURCE:TARGET, got '" + shift + "'");
    const std::string source = shift.substr(0, colon), target = shift.substr(colon + 1);
    const int layer = int(c.number("layer", -1, -1));
    const std::string device = c.choice("device", "cpu", {"cpu", "cuda"});
    const auto shown = std::size_t(c.number("limit", 10, 0));

    Workspace ws = c.workspace();
    const RunRecord run = RunStore(ws).existingRun(runId);
    const std::string intervention = c.args.value("intervention").value_or(run.intervention);
    const RunUnit &unit = analysedUnit(ws, run, intervention, source, target);
    const auto targetTest = ws.examples(target, Split::Test);
    const std::vector<double> p = unitPredictions(ws, run, unit, target, pairsInOrder(targetTest).size());

    // The distance from the source in the model's activations, where the run has a model.
    TrustSignal distance{"activation_distance", std::vector<double>(p.size(), NAN), {}};
    std::optional<ActivationDistances> distances;
    if (run.modelPath.empty()) {
        distance.note = "the run has no model";
    } else {
        RunOptions options;
        options.device = device;
        InterventionContext context = RunRunner::unitContext(ws, run, unit, options);
        context.parameters = {{"max_length", "512"}, {"precision", "float32"}};
        for (const char *key : {"max_length", "precision"})
            if (const auto it = run.parameters.find(key);
                it != run.parameters.end() && unit.intervention == run.intervention)
                context.parameters[key] = it->second;
        const auto sourceInfo = ws.distribution(source), targetInfo = ws.distribution(target);
        distances = activationDistances(
            context, source, sourceInfo ? sourceInfo->contentHash : "", ws.examples(source, Split::Train), target,
            targetInfo ? targetInfo->contentHash : "", targetTest, layer, c.progress("chunks"));
        c.endProgress();
        distance.values = distances->values;
        char note[160];
        std::snprintf(note, sizeof note,
                      "Mahalanobis distance at hidden state %d from %d source training responses (Ledoit-Wolf "
                      "shrinkage %.3f)",
                      distances->layer, distances->sourceResponses, distances->shrinkage);
        distance.note = note;
    }
    std::vector<TrustSignal> evidence = {distance};
    for (TrustSignal &s : evaluationSignals(ws, run, unit, source, target, p))
        evidence.push_back(std::move(s));
    const TrustAssessment a = assessTrust(p, std::move(evidence));

    const auto pairs = pairsInOrder(targetTest);
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
                row[a.evidence[i].name] = number(t.evidence[i]);
            row["trust"] = number(t.trust);
            pairList.push_back(std::move(row));
        }
        c.out << Json{{"run", runId},
                      {"shift", shift},
                      {"intervention", unit.intervention},
                      {"unit", unit.position + 1},
                      {"layer", distances ? Json(distances->layer) : Json(nullptr)},
                      {"signals", signalList},
                      {"pairs", pairList}}
                     .dump(2)
              << "\n";
        return ExitOk;
    }
    c.out << "trust in " << unit.intervention << " (run " << runId << ", unit " << unit.position + 1 << ") on "
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

} // namespace

void addTrustCommand(CommandTable &table)
{
    table.add({"trust",
               "Runs",
               {"--run ID --shift SOURCE:TARGET [--intervention NAME] [--layer N] [--device cpu|cuda] [--limit N] "
                "[--json]"},
               "per target pair, label-free signals to distrust a run's preference (distance from the source in "
               "activations, disagreement between interventions, a probe against zero-shot) combined into a trust "
               "score, with each signal's AUROC for the errors where labels exist",
               WorkspaceUse::Existing,
               {{"run", "ID", "the run"},
                {"shift", "SOURCE:TARGET", "the shift: the unit trained on SOURCE that evaluated TARGET"},
                {"intervention", "NAME", "the run's unit of this intervention (default: the run's own)"},
                {"layer", "N", "the hidden state whose activations are compared (default: the middle block)"},
                {"device", "cpu|cuda", "where activations are computed (default cpu)"},
                {"limit", "N", "least trusted pairs listed in the text form (default 10)"},
                {"json", {}, "print JSON instead of text"}},
               trustCommand});
}

} // namespace shiftscope
