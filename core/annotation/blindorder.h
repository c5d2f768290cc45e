#pragma once

#include "data/types.h"
#include "workspace/auditstore.h"

#include <cstdint>
#include <string>
#include <vector>

namespace shiftscope {

//! One pair as an annotator sees it: two responses in an order that hides which one the dataset prefers.
struct BlindItem {
    std::string distribution;
    Split split = Split::Test;
    int position = 0;
    std::string exampleHash;
    int preferred = 0;    //!< index of the preferred response
    int dispreferred = 0; //!< index of the dispreferred response
    bool preferredFirst = true;

    int shownFirst() const { return preferredFirst ? preferred : dispreferred; }
    int shownSecond() const { return preferredFirst ? dispreferred : preferred; }
};

//! Seeded blind order for relabelling: the pairs of a split in a shuffled order, each with its responses on random
//! sides. The same seed and data give the same queue; an item's sides depend only on the seed and its content, so
//! they do not change when other examples do.
class BlindOrder {
public:
    static std::vector<BlindItem> queue(const std::string &distribution, Split split,
                                        const std::vector<Example> &examples, std::uint64_t seed, int limit = -1);

    //! The judgement for picking the first (0) or second (1) response shown, or for skipping (any other value).
    static RelabelJudgement judge(const BlindItem &item, int pick, const std::string &annotator);
};

} // namespace shiftscope
