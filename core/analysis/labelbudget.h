#pragma once

#include "util/progress.h"
#include "util/statistics.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace shiftscope {

class Workspace;
struct RunRecord;
struct RunUnit;

//! How many trusted target labels repair a shift: a run's probe unit refitted with k labelled target examples.
struct LabelBudgetRequest {
    std::int64_t runId = 0;
    std::string source;
    std::string target;
    std::string intervention; //!< empty: the run's own
    std::vector<int> ks = {0, 5, 10, 20, 50};
    int repeats = 10;
    std::string device = "cpu";
    ProgressCallback progress;
};

struct LabelBudgetPoint {
    int k = 0;
    std::vector<double> accuracies; //!< one per seeded draw, on the target pairs not drawn
    double mean = 0;
    Interval interval; //!< 2.5th and 97.5th percentiles of the draws
};

struct LabelBudget {
    std::string intervention;
    int unitPosition = 0;
    std::vector<LabelBudgetPoint> points;
};

//! Computes the refits with the model engine, which installs it (registerModelInterventions): per k, the
//! accuracy of each draw.
using LabelBudgetProvider = std::function<std::vector<std::vector<double>>(
    Workspace &, const RunRecord &, const RunUnit &, const LabelBudgetRequest &)>;
void setLabelBudgetProvider(LabelBudgetProvider provider);

//! The label budget of a run's unit on a shift, seeded by the run's seed. InputError when the unit is missing or
//! unfinished, or its intervention cannot be refitted.
LabelBudget labelBudget(Workspace &workspace, const LabelBudgetRequest &request);

} // namespace shiftscope
