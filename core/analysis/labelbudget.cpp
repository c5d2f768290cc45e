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
