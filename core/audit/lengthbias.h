#pragma once

#include "audit/auditreport.h"
#include "data/types.h"

#include <string>
#include <vector>

namespace shiftscope {

//! Lengths of one pair, in characters (code points).
struct PairLengths {
    int position = 0;
    int dispreferred = 0; //!< index of the dispreferred response
    int preferredLength = 0;
    int dispreferredLength = 0;
};

//! How often the preferred response of a split's pairs is the longer one.
struct LengthBiasResult {
    int pairs = 0;
    int preferredLonger = 0;
    int preferredShorter = 0;
    int ties = 0;
    std::vector<PairLengths> lengths; //!< every pair in GENIES order

    //! Share of pairs whose preferred response is longer.
    double longerShare() const;
    //! Accuracy of the rule "prefer the longer response", a tie counting as a coin flip.
    double longerRuleAccuracy() const;
};

//! Length bias: a reward model can score well on a split by preferring long (or short) answers without judging
//! them. Per split, and across a shift, where a flip of direction is a spurious cue by construction or a flaw.
class LengthBias {
public:
    static LengthBiasResult measure(const std::vector<Example> &examples);

    //! "length_bias.<split>" for one split of a distribution.
    static Finding finding(const LengthBiasResult &result, const std::string &distribution, Split split, int cap);

    //! "length_bias.flip" for a shift: the source's training pairs against the target's test pairs.
    static Finding flipFinding(const LengthBiasResult &source, const LengthBiasResult &target, const ShiftPair &shift,
                               int cap);
};

} // namespace shiftscope
