#pragma once

#include "data/types.h"
#include "util/progress.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace shiftscope {

class Workspace;
struct RunRecord;
struct RunUnit;

//! Which target pair's score to trace back to the source pairs that taught it.
struct AttributionRequest {
    std::int64_t runId = 0;
    std::string source;
    std::string target;
    std::string intervention; //!< empty: the run's own
    int pairIndex = 0;        //!< in the target's test pairs, GENIES order
    std::string device = "cpu";
    ProgressCallback progress;
};

//! One source training example's share of the unit's margin on the target pair: positive pushes towards the
//! preferred response, negative pulls towards the dispreferred one.
struct SourceInfluence {
    int examplePosition = 0;
    double value = 0;
};

struct PairAttribution {
    std::string intervention;
    int unitPosition = 0;
    PairRef pair;
    double margin = 0;      //!< the unit's margin on the pair: its logit, or score − ½ for an uncalibrated probe
    double probability = 0; //!< the P(preferred) the margin gives, the unit's stored prediction
    bool exact = true; //!< the margin is `constant` plus the influences; else they only approximate where it comes from
    double constant = 0; //!< the part of an exact margin that no source example makes (a calibration's offset)
    std::string method;  //!< how the shares were computed, and whether they are exact
    std::vector<SourceInfluence> influences; //!< every source training example, in file order
};

//! Computes a request's attribution with the model engine, which installs it (registerModelInterventions).
using AttributionProvider =
    std::function<PairAttribution(Workspace &, const RunRecord &, const RunUnit &, const AttributionRequest &)>;
void setAttributionProvider(AttributionProvider provider);

//! The attribution of a run's unit on one target pair. InputError when the unit is missing or unfinished, the pair
//! does not exist, or the unit's intervention has no attribution.
PairAttribution attributePair(Workspace &workspace, const AttributionRequest &request);

} // namespace shiftscope
