#pragma once

#include "audit/hashslots.h"
#include "data/types.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace shiftscope {

class TokenizedSplit;

//! Dense ids for the n-gram hashes a classifier has seen, so its weights fit in cache.
class Vocabulary {
public:
    //! The id of `hash`, added when new.
    std::uint32_t add(std::uint64_t hash);
    //! The id of `hash`, or -1 when it was never added.
    std::int64_t find(std::uint64_t hash) const;
    std::uint64_t hash(std::uint32_t id) const { return m_hashes[id]; }
    std::size_t size() const { return m_hashes.size(); }

private:
    HashSlots<std::uint32_t> m_index;
    std::vector<std::uint64_t> m_hashes;
};

//! A split's pairs as sparse difference vectors over words and word pairs (unigrams and bigrams of the
//! responses, never the prompt): +1 for an n-gram only the preferred response has, -1 for one only the
//! dispreferred response has, scaled to unit length.
class PairFeatures {
public:
    struct Pair {
        int position = 0;
        int dispreferred = 0;           //!< index of the dispreferred response
        std::size_t begin = 0, end = 0; //!< range in ids/values
    };

    //! With `grow`, n-grams new to `vocabulary` are added (training); without, they are dropped (scoring). With a
    //! `onePairSeed`, each example gives one pair, its dispreferred response chosen by the seed (GENIES trains on
    //! one pair per instruction); without, every pair.
    PairFeatures(Split split, const std::vector<Example> &examples, const TokenizedSplit &tokens,
                 Vocabulary &vocabulary, bool grow, std::optional<std::uint64_t> onePairSeed = std::nullopt);

    Split split;
    std::vector<Pair> pairs;
    std::vector<std::uint32_t> ids;
    std::vector<float> values;
};

} // namespace shiftscope
