#pragma once

#include "data/types.h"
#include "util/progress.h"

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace shiftscope {

class Workspace;
struct RunRecord;
struct RunUnit;

//! Which target pair to read token by token, and with which of the run's units.
struct TokenEvidenceRequest {
    std::int64_t runId = 0;
    std::string source;
    std::string target;
    std::string intervention; //!< the unit read beside zero-shot; empty: the run's own
    int pairIndex = 0;        //!< in the target's test pairs, GENIES order
    std::string device = "cpu";
    ProgressCallback progress;
};

//! One intervention's reading of the pair, token by token, for the preferred ([0]) and the dispreferred ([1])
//! response. Each intervention reads the texts its own way, so each track has its own tokens.
struct TokenTrack {
    std::string intervention;
    std::string quantity;                           //!< what the values are ("log-probability", "reward"...)
    std::string note;                               //!< how they were read
    std::array<std::vector<std::string>, 2> tokens; //!< each response token's text, in order
    std::array<std::vector<double>, 2> values;      //!< one per token
    std::array<double, 2> total = {0, 0};           //!< what the intervention scores each response as a whole
    bool signedValues = true; //!< values centred on 0 (rewards, projections) rather than all of one sign
};

struct TokenEvidence {
    PairRef pair;
    std::string prompt;
    std::array<std::string, 2> responses; //!< preferred, dispreferred
    //! zero_shot first (unless the model is a sequence classifier), then the run's units on the shift
    std::vector<TokenTrack> tracks;
    //! The readings asked for that do not exist, as (intervention, why): a classifier's zero_shot, cra, ccs
    std::vector<std::pair<std::string, std::string>> unread;
};

//! Reads tracks with the model engine, which installs it (registerModelInterventions): for each entry of `units`,
//! the base model's zero-shot log-probabilities when it is null, else that unit's per-token reading; one track per
//! entry, in order, the model loaded once for all of them. A track without a `quantity` is a reading that does not
//! exist (a classifier's zero-shot, cra, ccs); its note says why.
using TokenEvidenceProvider = std::function<std::vector<TokenTrack>(
    Workspace &, const RunRecord &, const std::vector<const RunUnit *> &, const TokenEvidenceRequest &)>;
void setTokenEvidenceProvider(TokenEvidenceProvider provider);

//! Each token's part in the decision on one target pair, side by side: zero_shot's per-token log-probabilities of
//! both responses, the reward of a lora or prompt_tuning unit read at every position, and a probe's projection of
//! each token's activation. InputError when the run has no unit trained on the source that evaluated the target,
//! or the pair does not exist.
TokenEvidence tokenEvidence(Workspace &workspace, const TokenEvidenceRequest &request);

} // namespace shiftscope
