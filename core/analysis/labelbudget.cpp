#include "analysis/labelbudget.h"

#include "analysis/cueanalysis.h"
#include "runs/runstore.h"
#include "util/errors.h"
#include "workspace/auditstore.h"
#include "workspace/workspace.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <set>

namespace shiftscope {

namespace {

LabelBudgetProvider &provider()
{
    static LabelBudgetProvider installed;
    return installed;
}

} // namespace

void setLabelBudgetProvider(LabelBudgetProvider budget) { provider() = std::move(budget); }

namespace {

//! The judged pairs of `examples`, each labelled by its annotators' majority (ties and skips left out).
std::pair<LabelDraw, int> relabelledDraw(Workspace &workspace, const std::string &distribution,
                                         const std::vector<Example> &examples)
{
    std::map<std::string, const Example *> byHash;
    for (const Example &e : examples)
        if (e.preferredIndex() >= 0)
            byHash[e.contentHash()] = &e;
    std::map<std::pair<std::string, int>, int> votes; // (example, dispreferred) -> for the dataset's label − against
    for (const RelabelJudgement &j : AuditStore(workspace).judgements(distribution))
        if (j.split == Split::Test && j.choice != RelabelChoice::Skip && byHash.count(j.exampleHash))
            votes[{j.exampleHash, j.dispreferredPosition}] += j.choice == RelabelChoice::Preferred ? 1 : -1;
    LabelDraw draw;
    int against = 0;
    std::set<int> drawn;
    for (const auto &[key, vote] : votes) {
        const Example &e = *byHash.at(key.first);
        if (vote == 0 || key.second < 0 || key.second >= int(e.responses.size()) || key.second == e.preferredIndex()
            || !drawn.insert(e.position).second)
            continue;
        draw.emplace_back(e.position, vote > 0 ? e.preferredIndex() : key.second);
        against += vote < 0;
    }
    return {draw, against};
}

} // namespace

LabelBudget labelBudget(Workspace &workspace, const LabelBudgetRequest &request)
{
    const RunRecord run = RunStore(workspace).existingRun(request.runId);
    LabelBudget budget;
    budget.intervention = request.intervention.empty() ? run.intervention : request.intervention;
    const RunUnit &unit = analysedUnit(workspace, run, budget.intervention, request.source, request.target);
    budget.unitPosition = unit.position;
    requireModelEngine(bool(provider()));
    // At least one labelled target example must stay out of the draw to be scored.
    const auto targetTest = workspace.examples(request.target, Split::Test);
    const auto labelled =
        std::count_if(targetTest.begin(), targetTest.end(), [](const Example &e) { return e.preferredIndex() >= 0; });
    for (const int k : request.ks)
        if (k >= labelled)
            throw InputError(InputProblem{workspace.path().string(), "k = " + std::to_string(k),
                                          request.target + " has " + std::to_string(labelled)
                                              + " labelled test examples, and some must stay out to be scored",
                                          "choose sizes below " + std::to_string(labelled)});
    // Seeded draws of k labelled examples, each with its own label.
    std::vector<const Example *> labelledExamples;
    for (const Example &e : targetTest)
        if (e.preferredIndex() >= 0)
            labelledExamples.push_back(&e);
    std::vector<LabelDraw> draws;
    std::vector<std::size_t> drawsOfK;
    for (const int k : request.ks) {
        const int repeats = k == 0 ? 1 : request.repeats;
        for (int repeat = 0; repeat < repeats; ++repeat) {
            std::vector<std::size_t> order(labelledExamples.size());
            for (std::size_t i = 0; i < order.size(); ++i)
                order[i] = i;
            std::mt19937_64 rng(run.seed + std::uint64_t(repeat) * 1000003u + std::uint64_t(k));
            std::shuffle(order.begin(), order.end(), rng);
            LabelDraw draw;
            for (std::size_t i = 0; i < std::size_t(k); ++i)
                draw.emplace_back(labelledExamples[order[i]]->position, labelledExamples[order[i]]->preferredIndex());
            draws.push_back(std::move(draw));
        }
        drawsOfK.push_back(std::size_t(repeats));
    }
    std::optional<std::pair<LabelDraw, int>> relabelled;
    if (request.relabels) {
        relabelled = relabelledDraw(workspace, request.target, targetTest);
        if (relabelled->first.empty())
            throw InputError(InputProblem{workspace.path().string(), request.target,
                                          "no test pair of " + request.target + " has a blind relabelling judgement",
                                          "relabel some pairs first (the Annotate view's blind relabelling, or "
                                          "annotations import)"});
        if (relabelled->first.size() >= labelledExamples.size())
            throw InputError(InputProblem{workspace.path().string(), request.target,
                                          "every labelled test example of " + request.target
                                              + " was relabelled, so none is left to score",
                                          "leave some examples unjudged, or drop --relabels"});
        draws.push_back(relabelled->first);
    }
    const std::vector<double> accuracies = provider()(workspace, run, unit, request, draws);
    std::size_t next = 0;
    for (std::size_t i = 0; i < request.ks.size(); ++i) {
        LabelBudgetPoint point;
        point.k = request.ks[i];
        point.accuracies.assign(accuracies.begin() + std::ptrdiff_t(next),
                                accuracies.begin() + std::ptrdiff_t(next + drawsOfK[i]));
        next += drawsOfK[i];
        std::vector<double> sorted;
        for (const double a : point.accuracies)
            if (!std::isnan(a))
                sorted.push_back(a);
        std::sort(sorted.begin(), sorted.end());
        if (!sorted.empty()) {
            double sum = 0;
            for (const double a : sorted)
                sum += a;
            point.mean = sum / double(sorted.size());
            auto at = [&](double q) {
                return sorted[std::min(sorted.size() - 1, std::size_t(q * double(sorted.size())))];
            };
            point.interval = Interval{at(0.025), at(0.975)};
        }
        budget.points.push_back(std::move(point));
    }
    if (relabelled)
        budget.relabelled = RelabelledPoint{int(relabelled->first.size()), relabelled->second, accuracies.back()};
    return budget;
}

bool labelBudgetApplies(const std::string &intervention)
{
    return intervention == "linear_probe" || intervention == "mms" || intervention == "cra"
        || intervention == "lat_stim_1" || intervention == "lat_stim_2";
}

} // namespace shiftscope
