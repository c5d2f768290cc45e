#pragma once

#include "util/progress.h"
#include "util/statistics.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <utility>
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
    //! Also refit once with the target pairs blind relabelling judged, labelled as their annotators chose.
    bool relabels = false;
    std::string device = "cpu";
    ProgressCallback progress;
};

struct LabelBudgetPoint {
    int k = 0;
    std::vector<double> accuracies; //!< one per seeded draw, on the target pairs not drawn
    double mean = 0;
    Interval interval; //!< 2.5th and 97.5th percentiles of the draws
};

//! The blind relabelling's own labels: the target pairs annotators judged (a pair's majority, ties and skips left
//! out), each labelled with the response the annotators preferred, added at once.
struct RelabelledPoint {
    int pairs = 0;          //!< judged pairs added (k)
    int againstDataset = 0; //!< of them, those the annotators labelled the other way from the dataset
    double accuracy = 0;    //!< on the pairs of the other labelled target examples, by the dataset's labels
};

struct LabelBudget {
    std::string intervention;
    int unitPosition = 0;
    std::vector<LabelBudgetPoint> points;
    std::optional<RelabelledPoint> relabelled; //!< with request.relabels, when some pair was judged
};

//! A set of labelled target examples to refit with: each by position, with the response labelled preferred.
using LabelDraw = std::vector<std::pair<int, int>>;

//! Computes the refits with the model engine, which installs it (registerModelInterventions): the accuracy after
//! each draw, on the pairs of the labelled target examples the draw does not hold.
using LabelBudgetProvider = std::function<std::vector<double>(
    Workspace &, const RunRecord &, const RunUnit &, const LabelBudgetRequest &, const std::vector<LabelDraw> &)>;
void setLabelBudgetProvider(LabelBudgetProvider provider);

//! The label budget of a run's unit on a shift, seeded by the run's seed: for each k, `repeats` draws of k labelled
//! target examples (one draw for k = 0, the unit as trained). InputError when the unit is missing or
//! unfinished, or its intervention cannot be refitted.
LabelBudget labelBudget(Workspace &workspace, const LabelBudgetRequest &request);

//! Whether a unit of `intervention` can be refitted with labelled pairs: linear_probe and the direction probes (mms,
//! cra, lat_stim_1, lat_stim_2).
bool labelBudgetApplies(const std::string &intervention);

} // namespace shiftscope
