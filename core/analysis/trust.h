#pragma once

#include "data/types.h"
#include "util/progress.h"
#include "util/statistics.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace shiftscope {

class Workspace;
struct RunRecord;
struct RunUnit;

//! One label-free reason to distrust a method's preference on each pair of a target: larger is less trusted, NaN
//! where the signal has no value for the pair.
struct TrustSignal {
    std::string name;
    std::vector<double> values; //!< one per pair, in GENIES order
    std::string note;           //!< what it was computed from, or why it is missing
};

//! How well a signal (or the combined trust) predicts the method's errors where the labels are known.
struct SignalQuality {
    std::string name;
    int pairs = 0;  //!< pairs with a value
    int errors = 0; //!< of them, pairs the method got wrong
    std::optional<double> auroc;
    std::optional<Interval> interval; //!< percentile bootstrap 95%
};

struct PairTrust {
    int pairIndex = 0;
    double probability = 0;       //!< the method's P(preferred)
    bool error = false;           //!< P(preferred) < 0.5
    std::vector<double> evidence; //!< each signal's value, in TrustAssessment::evidence order
    double distrust = 0;          //!< the mean of the signals' percentile ranks among the pairs
    double trust = 0;             //!< 1 − distrust (1: most trusted)
};

struct TrustAssessment {
    std::vector<TrustSignal> evidence; //!< the signals (not named "signals": Qt defines that word)
    std::vector<PairTrust> pairs;
    std::vector<SignalQuality> quality; //!< each signal, then "combined"
};

//! Area under the ROC curve of `score` for telling `positive` pairs from the others (ties count half); none
//! without both kinds.
std::optional<double> auroc(const std::vector<double> &score, const std::vector<bool> &positive);
//! Percentile bootstrap 95% interval of the AUROC, resampling pairs with a seeded generator.
std::optional<Interval> aurocInterval(const std::vector<double> &score, const std::vector<bool> &positive,
                                      int resamples = 1000, std::uint64_t seed = 42);

//! Combines the evidence of the method's probabilities `p` into a trust score per pair (rank-based, so the signals'
//! scales do not matter) and measures each signal and the combination against the method's errors.
TrustAssessment assessTrust(const std::vector<double> &p, std::vector<TrustSignal> evidence);

//! The signals that other evaluations of the same model give, from the workspace's runs: the share of other
//! interventions (trained on `source`, or untrained) whose choice on each `target` pair differs from `audited`'s,
//! and the disagreement |P_probe − P_zero_shot| between a probe (the audited unit when it is one, else another
//! run's) and the model's zero-shot preference.
std::vector<TrustSignal> evaluationSignals(Workspace &workspace, const RunRecord &run, const RunUnit &audited,
                                           const std::string &source, const std::string &target,
                                           const std::vector<double> &auditedP);

//! Which unit's trust to assess: the run's unit of `intervention` (empty: the run's own) trained on `source` that
//! evaluated `target`.
struct TrustRequest {
    std::int64_t runId = 0;
    std::string source;
    std::string target;
    std::string intervention;
    int layer = -1;             //!< the hidden state compared by the activation distance; −1: the middle block
    std::string device = "cpu"; //!< where activations are computed
    ProgressCallback progress;
};

struct RunTrust {
    std::string intervention;
    int unitPosition = 0;
    std::vector<PairRef> pairs; //!< the target's test pairs, in GENIES order
    std::optional<int> layer;   //!< the hidden state the activation distance read
    TrustAssessment assessment;
};

//! The activation-distance signal of a request: computed by the model engine, which installs it
//! (registerModelInterventions); `layer` is set to the hidden state read.
using ActivationDistanceProvider = std::function<TrustSignal(Workspace &, const RunRecord &, const RunUnit &,
                                                             const TrustRequest &, std::optional<int> &layer)>;
void setActivationDistanceProvider(ActivationDistanceProvider provider);

//! The trust assessment of a run's unit on a target: the activation distance (where the run has a model and an
//! engine is present), then evaluationSignals(). InputError naming the run when the unit is missing or unfinished.
RunTrust assessRunTrust(Workspace &workspace, const TrustRequest &request);

//! The trust of a unit on each shift of its run, and how well it predicts the errors per category.
struct RunTrustSummary {
    struct Shift {
        std::string source;
        std::string target;
        std::string category;
        RunTrust trust;
    };
    struct Category {
        std::string category;
        int shifts = 0;
        //! Each signal, then "combined", over the category's pairs pooled; values are ranked within their shift
        //! first (a distance from one source means nothing next to a distance from another).
        std::vector<SignalQuality> quality;
    };
    std::vector<Shift> shifts;
    std::vector<Category> categories;
};

//! assessRunTrust for every shift of the run (its catalogue's source → target pairs that a unit of the intervention
//! evaluated), pooled per category. `request`'s source and target are ignored.
RunTrustSummary assessRunTrustByShift(Workspace &workspace, const TrustRequest &request);

} // namespace shiftscope
