#include "analysis/labelbudget.h"

#include "analysis/cueanalysis.h"
#include "runs/runstore.h"
#include "util/errors.h"
#include "workspace/workspace.h"

#include <algorithm>
#include <cmath>

namespace shiftscope {

namespace {

LabelBudgetProvider &provider()
{
    static LabelBudgetProvider installed;
    return installed;
}

} // namespace

void setLabelBudgetProvider(LabelBudgetProvider budget) { provider() = std::move(budget); }

LabelBudget labelBudget(Workspace &workspace, const LabelBudgetRequest &request)
{
    const RunRecord run = RunStore(workspace).existingRun(request.runId);
    LabelBudget budget;
    budget.intervention = request.intervention.empty() ? run.intervention : request.intervention;
    const RunUnit &unit = analysedUnit(workspace, run, budget.intervention, request.source, request.target);
    budget.unitPosition = unit.position;
    if (!provider())
        throw InputError(InputProblem{{}, {}, "this program has no model engine", "use shiftscope-cli or the GUI"});
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
    const auto draws = provider()(workspace, run, unit, request);
    for (std::size_t i = 0; i < draws.size() && i < request.ks.size(); ++i) {
        LabelBudgetPoint point;
        point.k = request.ks[i];
        point.accuracies = draws[i];
        std::vector<double> sorted;
        for (const double a : draws[i])
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
    return budget;
}

} // namespace shiftscope
