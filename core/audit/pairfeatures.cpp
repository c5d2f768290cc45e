#include "audit/pairfeatures.h"

#include "audit/tokenizedsplit.h"
#include "util/fasthash.h"

#include <cmath>
#include <span>

namespace shiftscope {

namespace {

//! Hashes of a response's tokens and adjacent token pairs, with repeats.
void ngrams(std::span<const std::uint64_t> tokens, std::vector<std::uint64_t> &out)
{
    out.clear();
    for (std::size_t i = 0; i < tokens.size(); ++i) {
        out.push_back(tokens[i]);
        if (i + 1 < tokens.size())
            out.push_back(combineHash(tokens[i], tokens[i + 1]));
    }
}

//! What one example's responses hold of an n-gram: the preferred one, and the last pair whose dispreferred one did.
struct Presence {
    bool inPreferred = false;
    int lastPair = -1;
    std::int64_t id = -2; //!< its vocabulary id once looked up (-1: not in the vocabulary)
};

} // namespace

std::uint32_t Vocabulary::add(std::uint64_t hash)
{
    bool added = false;
    const std::uint32_t slot = m_index.insert(hash, added);
    if (added) {
        m_index[slot] = std::uint32_t(m_hashes.size());
        m_hashes.push_back(hash);
    }
    return m_index[slot];
}

std::int64_t Vocabulary::find(std::uint64_t hash) const
{
    const std::int64_t slot = m_index.find(hash);
    return slot < 0 ? -1 : std::int64_t(m_index[std::uint32_t(slot)]);
}

PairFeatures::PairFeatures(Split s, const std::vector<Example> &examples, const TokenizedSplit &tokens,
                           Vocabulary &vocabulary, bool grow, std::optional<std::uint64_t> onePairSeed)
    : split(s)
{
    // Per example, a table of its n-grams instead of sorting every response: this is the detector's inner loop.
    HashSlots<Presence> table;
    std::vector<std::uint64_t> grams, preferred;
    std::vector<std::uint32_t> preferredSlots;
    // Each distinct n-gram of an example is looked up in the vocabulary once, not once per pair.
    const auto add = [&](Presence &presence, std::uint64_t hash, float value) {
        if (presence.id == -2)
            presence.id = grow ? std::int64_t(vocabulary.add(hash)) : vocabulary.find(hash);
        if (presence.id < 0)
            return;
        ids.push_back(std::uint32_t(presence.id));
        values.push_back(value);
    };
    for (std::size_t index = 0; index < examples.size(); ++index) {
        const Example &e = examples[index];
        const int best = e.preferredIndex();
        if (best < 0)
            continue;
        // The one pair's dispreferred response, counted among the dispreferred ones; -1 keeps every pair.
        const int chosen = onePairSeed && e.pairCount() > 0
                             ? int(combineHash(*onePairSeed, std::uint64_t(e.position)) % std::uint64_t(e.pairCount()))
                             : -1;
        std::size_t all = 0; // n-grams of all responses: the table must not grow while slots are kept
        for (std::size_t r = 0; r < e.responses.size(); ++r)
            all += 2 * tokens.tokens(index, int(r)).size();
        table.clear(all);
        ngrams(tokens.tokens(index, best), grams);
        preferred.clear();
        preferredSlots.clear();
        for (std::uint64_t g : grams)
            if (const std::uint32_t slot = table.insert(g); !table[slot].inPreferred) {
                table[slot].inPreferred = true;
                preferred.push_back(g);
                preferredSlots.push_back(slot);
            }
        int dispreferred = -1;
        for (std::size_t r = 0; r < e.responses.size(); ++r) {
            if (e.responses[r].label != 0 || (chosen >= 0 && ++dispreferred != chosen))
                continue;
            const int pair = int(pairs.size());
            const std::size_t begin = ids.size();
            ngrams(tokens.tokens(index, int(r)), grams);
            for (std::uint64_t g : grams) {
                Presence &p = table[table.insert(g)];
                if (p.lastPair == pair)
                    continue;
                p.lastPair = pair;
                if (!p.inPreferred)
                    add(p, g, -1.0f);
            }
            for (std::size_t k = 0; k < preferred.size(); ++k)
                if (Presence &p = table[preferredSlots[k]]; p.lastPair != pair)
                    add(p, preferred[k], 1.0f);
            const float scale = ids.size() > begin ? 1.0f / std::sqrt(float(ids.size() - begin)) : 1.0f;
            for (std::size_t k = begin; k < values.size(); ++k)
                values[k] *= scale;
            pairs.push_back({e.position, int(r), begin, ids.size()});
        }
    }
}

} // namespace shiftscope
