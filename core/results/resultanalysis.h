#pragma once

#include "metrics/geniesmetrics.h"
#include "results/generalizationtable.h"
#include "results/resultstore.h"
#include "results/seedgroups.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace shiftscope {

//! Which shifts a results view covers.
enum class ShiftSet { Genies, All };

//! The 15 GENIES pairs in published order, or all shifts: the built-in catalogue's 56 unique pairs in file order,
//! then those of the other loaded catalogues (such as the demo suite) that it lacks.
std::vector<ShiftPair> shiftsOf(Workspace &workspace, ShiftSet set);
//! The shift set a model's results are shown on at first: the GENIES pairs, or all shifts for a model evaluated on
//! none of their distributions (such as the demo model).
ShiftSet defaultShiftSet(Workspace &workspace, const std::string &model);

//! An accuracy with its 95% interval (Wilson, over the evaluation's pairs).
struct AccuracyEstimate {
    std::optional<double> value;
    double low = 0;
    double high = 0;
    int pairs = 0;
    bool acrossSeeds = false; //!< low and high are the lowest and highest seed's value, not a Wilson interval
};

//! One shift for the shift-results view: the table row plus interval estimates.
struct ShiftResult {
    GeneralizationRow row;
    AccuracyEstimate generalization;
    AccuracyEstimate baseline;
    AccuracyEstimate capability;
    std::vector<SeedValue> seeds; //!< a seed group's values per seed (row holds their means); empty otherwise
    std::optional<double> sdAccuracy;
    std::optional<double> sdDifferentialElicitation;
};

//! Per intervention, the shift results for a model. An intervention may name a seed group (seedGroups): its row
//! holds the means across seeds, its generalization estimate spans the lowest to the highest seed.
std::map<std::string, std::vector<ShiftResult>> shiftResults(Workspace &workspace, const std::string &model,
                                                             const std::vector<std::string> &interventions,
                                                             ShiftSet set,
                                                             CapabilityRule rule = CapabilityRule::Automatic);

//! A value per (intervention, shift) for the heatmap; rows = interventions, columns = shifts.
struct ResultMatrix {
    std::vector<std::string> rowLabels;
    std::vector<std::string> columnLabels; //!< "source → target", or distribution ids for the transfer matrix
    std::vector<std::string> columnCategories;
    std::vector<std::vector<std::optional<double>>> values;
};

enum class HeatmapMetric { DifferentialElicitation, GeneralizationAccuracy };

ResultMatrix interventionShiftMatrix(Workspace &workspace, const std::string &model,
                                     const std::vector<std::string> &interventions, ShiftSet set, HeatmapMetric metric,
                                     CapabilityRule rule = CapabilityRule::Automatic);
//! Mean differential elicitation per category (columns, in catalogue order) per intervention (rows): over the
//! category's shifts in the set that some intervention has a result for, none where the row lacks one of them.
ResultMatrix categoryBreakdown(Workspace &workspace, const std::string &model,
                               const std::vector<std::string> &interventions, ShiftSet set,
                               CapabilityRule rule = CapabilityRule::Automatic);
//! Accuracy of every training distribution (rows) on every evaluated distribution (columns) for one intervention
//! (for a seed group, the mean over its seeds).
ResultMatrix transferMatrix(Workspace &workspace, const std::string &model, const std::string &intervention);

//! Reliability data of a shift's source (in-distribution) and target (generalization) evaluations; for a seed
//! group, its first seed's (calibration is a property of one model, not of a mean).
struct CalibrationData {
    std::optional<EvaluationInfo> source;
    std::optional<EvaluationInfo> target;
    std::vector<ReliabilityBin> sourceBins;
    std::vector<ReliabilityBin> targetBins;
    std::vector<int> sourceHistogram; //!< counts of p (probability of the preferred response) in 10 bins
    std::vector<int> targetHistogram;
    std::string seedNote; //!< for a seed group: which seed is shown, e.g. "seed 11 (run 1), the first of 3 seeds"
};
CalibrationData calibration(Workspace &workspace, const std::string &model, const std::string &intervention,
                            const ShiftPair &shift);

//! One pair of an evaluated distribution with the probability several evaluations give its preferred response.
struct DisagreementRow {
    int pairIndex = 0;
    int examplePosition = -1; //!< -1 when the probabilities are not linked to the workspace's data
    int preferredIndex = -1;
    int dispreferredIndex = -1;
    std::vector<double> probabilities; //!< one per evaluation, NaN where an evaluation has no value
    bool possibleLabelError = false;   //!< every evaluation is confidently wrong
};

struct DisagreementTable {
    std::string distribution;
    std::vector<EvaluationInfo> evaluations;
    std::vector<LinkStatus> links;
    std::vector<DisagreementRow> rows;
};

//! Confidently wrong means p(preferred) below this for every evaluation.
constexpr double kConfidentlyWrong = 0.2;

//! Lines up the probabilities of `evaluationIds` (all evaluated on the same distribution) pair by pair, and maps
//! pairs to examples when the counts match the workspace's test data (reference 1.3 order).
DisagreementTable disagreements(Workspace &workspace, const std::vector<std::int64_t> &evaluationIds);

//! 2x2 agreement between two evaluations over the same pairs: [a right?][b right?] counts, right = p >= 0.5.
std::array<std::array<int, 2>, 2> agreementMatrix(const DisagreementTable &table, std::size_t a, std::size_t b);

} // namespace shiftscope
