#pragma once

#include "analysis/cue.h"
#include "util/progress.h"
#include "util/statistics.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>
#include <string>

namespace shiftscope {

class Workspace;
struct RunRecord;
struct RunUnit;

//! The run's unit of `intervention` that trained on `source` (or on nothing) and evaluated `target`; InputError
//! naming the run and listing its units otherwise.
const RunUnit &analysedUnit(const Workspace &workspace, const RunRecord &run, const std::string &intervention,
                            const std::string &source, const std::string &target);
//! The target test pair `pairIndex` of `pairs` (GENIES order); InputError naming the valid range otherwise.
const PairRef &targetPair(const Workspace &workspace, const std::vector<PairRef> &pairs, const std::string &target,
                          int pairIndex);
//! InputError unless the model engine has installed the analysis it computes (`installed`).
void requireModelEngine(bool installed);
//! The unit's stored predictions of `distribution`; InputError (resume the run) unless there are `pairs`.
std::vector<double> unitPredictions(Workspace &workspace, const RunRecord &run, const RunUnit &unit,
                                    const std::string &distribution, std::size_t pairs);

//! What to test: a run's unit trained on `source` and evaluated on `target`.
struct CueRequest {
    std::int64_t runId = 0;
    std::string source;
    std::string target;
    std::string intervention; //!< empty: the run's own
    CounterfactualKind counterfactual = CounterfactualKind::Remove;
    std::string device = "cpu"; //!< where the counterfactual is scored
    bool erase = true;          //!< for probes: also erase the cue's direction and refit
    ProgressCallback progress;
};

//! A probe's target accuracy before and after the cue's direction is erased from its activations.
struct CueErasure {
    std::string method;
    double accuracyBefore = 0; //!< the unit's stored predictions; a tie (0.5) counts half
    double accuracyAfter = 0;
    int tiedPairs = 0;       //!< pairs the erased probe cannot tell apart (it scores them 0.5)
    Interval intervalAfter;  //!< percentile bootstrap 95% over pairs
    double change = 0;       //!< after − before, on the same pairs
    Interval changeInterval; //!< paired bootstrap 95%
    CueFigures after;        //!< the cue's figures on the erased probe's predictions
};

//! How much of a unit's preferences a cue explains on the source and the target, and what the unit does on the
//! counterfactual target.
struct CueReport {
    std::string intervention;
    int unitPosition = 0;
    std::string cue;
    std::optional<CueFigures> source; //!< none when the unit did not evaluate the source
    CueFigures target;
    CounterfactualKind counterfactual = CounterfactualKind::None;
    int changedPairs = 0;
    std::optional<double> counterfactualAccuracy;
    std::optional<Interval> counterfactualInterval; //!< percentile bootstrap 95% over pairs
    std::optional<double> change;                   //!< counterfactual accuracy − accuracy on the same pairs
    std::optional<Interval> changeInterval;         //!< paired bootstrap 95%
    std::optional<CueErasure> erasure;              //!< for probe interventions
    std::string erasureSkipped;                     //!< why a probe's erasure was not computed, if it was not
};

//! The engine's concept erasure (registerModelInterventions installs it): a probe unit's P(preferred) on each target
//! pair (GENIES order) after the cue's direction is erased, with a sentence on how; none when the unit's
//! intervention is not a probe.
using CueErasureProvider = std::function<std::optional<std::pair<std::vector<double>, std::string>>(
    Workspace &, const RunRecord &, const RunUnit &, const CueRequest &, const Cue &)>;
void setCueErasureProvider(CueErasureProvider provider);

//! Measures `cue` on the unit's stored predictions, erases it from a probe's activations (request.erase) and, unless the request asks for none (or the cue is a length,
//! which cannot be moved), re-scores the trained unit on the counterfactual target in a scratch cache. InputError
//! naming the run when the unit does not exist, has not finished, or its artifacts are gone.
CueReport analyseCue(Workspace &workspace, const CueRequest &request, const Cue &cue);

} // namespace shiftscope
