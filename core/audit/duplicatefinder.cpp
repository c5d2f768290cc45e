#include "audit/duplicatefinder.h"

#include "audit/textfeatures.h"
#include "audit/tokenizedsplit.h"

#include <algorithm>
#include <array>
#include <limits>
#include <optional>

namespace shiftscope {

namespace {

constexpr std::uint32_t kEmptyBin = std::numeric_limits<std::uint32_t>::max();

//! Appends the shingle hashes of one text; a text shorter than a shingle is one shingle.
void appendShingles(std::span<const std::uint64_t> tokens, int width, std::vector<std::uint64_t> &out)
{
    const std::size_t w = std::size_t(std::max(1, width));
    const std::size_t windows = tokens.size() < w ? (tokens.empty() ? 0 : 1) : tokens.size() - w + 1;
    for (std::size_t start = 0; start < windows; ++start) {
        std::uint64_t h = tokens[start];
        for (std::size_t k = start + 1; k < std::min(tokens.size(), start + w); ++k)
            h = combineHash(h, tokens[k]);
        out.push_back(h);
    }
}

//! Shingle hashes of an example's prompt and responses, unsorted and with repeats (MinHash needs neither order nor
//! uniqueness). Template shingles are left out unless that would leave nothing.
void exampleShingles(const TokenizedSplit &split, std::size_t example, int width,
                     const std::vector<std::uint64_t> &templateShingles, std::vector<std::uint64_t> &out)
{
    out.clear();
    for (int text = -1; text < int(split.responses(example)); ++text)
        appendShingles(split.tokens(example, text), width, out);
    if (templateShingles.empty())
        return;
    // Most shingles are not template text; a 4096-bit filter answers for them before any search.
    std::array<std::uint64_t, 64> filter{};
    for (std::uint64_t t : templateShingles)
        filter[t >> 58] |= std::uint64_t(1) << ((t >> 52) & 63);
    const auto isTemplate = [&](std::uint64_t s) {
        return (filter[s >> 58] >> ((s >> 52) & 63) & 1) != 0
            && std::binary_search(templateShingles.begin(), templateShingles.end(), s);
    };
    if (!std::all_of(out.begin(), out.end(), isTemplate))
        out.erase(std::remove_if(out.begin(), out.end(), isTemplate), out.end());
}

void sortUnique(std::vector<std::uint64_t> &v)
{
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
}

//! Hash of a text's tokens: equal for texts with the same words and punctuation, whatever the spacing and case.
std::uint64_t textHash(std::span<const std::uint64_t> tokens)
{
    std::uint64_t h = tokens.size();
    for (std::uint64_t t : tokens)
        h = combineHash(h, t);
    return h;
}

//! One-permutation MinHash: each shingle lands in one bin by its high bits and keeps the bin's minimum low bits.
//! Empty bins borrow from the next full bin (rotation densification), the same way for every text.
void signature(const std::vector<std::uint64_t> &shingles, std::size_t bins, std::uint32_t *out)
{
    std::fill(out, out + bins, kEmptyBin);
    for (std::uint64_t s : shingles) {
        const std::size_t bin = std::size_t(((s >> 32) * bins) >> 32);
        out[bin] = std::min(out[bin], std::uint32_t(s & 0xffffffffu));
    }
    if (shingles.empty())
        return;
    for (std::size_t i = 0; i < bins; ++i) {
        if (out[i] != kEmptyBin)
            continue;
        std::size_t distance = 1;
        while (out[(i + distance) % bins] == kEmptyBin)
            ++distance;
        out[i] = out[(i + distance) % bins] + std::uint32_t(distance) * 0x9e3779b1u;
    }
}

double jaccardOf(const std::vector<std::uint64_t> &a, const std::vector<std::uint64_t> &b)
{
    if (a.empty() && b.empty())
        return 1.0;
    std::size_t i = 0, j = 0, shared = 0;
    while (i < a.size() && j < b.size()) {
        if (a[i] == b[j]) {
            ++shared;
            ++i;
            ++j;
        } else if (a[i] < b[j]) {
            ++i;
        } else {
            ++j;
        }
    }
    return double(shared) / double(a.size() + b.size() - shared);
}

//! One example of the sets being compared: which side it is on and where its fingerprint is.
struct Item {
    int side = 0;
    const SplitFingerprints *fingerprints = nullptr;
    std::size_t index = 0;

    ExampleRef ref() const
    {
        return {fingerprints->distribution, fingerprints->split, fingerprints->positions[index], -1};
    }
    std::uint64_t exampleHash() const { return fingerprints->exampleHashes[index]; }
};

//! Runs of at least `minimum` items sharing a key, in input order within each run.
template <typename KeyOf>
std::vector<std::vector<std::size_t>> groupsBy(const std::vector<Item> &items, KeyOf keyOf, std::size_t minimum = 2)
{
    std::vector<std::pair<std::uint64_t, std::size_t>> keyed;
    keyed.reserve(items.size());
    for (std::size_t i = 0; i < items.size(); ++i)
        keyed.emplace_back(keyOf(items[i]), i);
    std::sort(keyed.begin(), keyed.end());
    std::vector<std::vector<std::size_t>> groups;
    for (std::size_t i = 0; i < keyed.size();) {
        std::size_t end = i + 1;
        while (end < keyed.size() && keyed[end].first == keyed[i].first)
            ++end;
        if (end - i >= minimum) {
            groups.emplace_back();
            for (std::size_t k = i; k < end; ++k)
                groups.back().push_back(keyed[k].second);
        }
        i = end;
    }
    std::sort(groups.begin(), groups.end());
    return groups;
}

DuplicateGroup toGroup(const std::vector<Item> &items, const std::vector<std::size_t> &members)
{
    DuplicateGroup group;
    for (std::size_t m : members) {
        group.members.push_back(items[m].ref());
        const auto &first = items[members.front()];
        if (items[m].fingerprints->preferredHashes[items[m].index] != first.fingerprints->preferredHashes[first.index])
            group.conflictingLabels = true;
    }
    return group;
}

} // namespace

DuplicateFinder::DuplicateFinder(DuplicateOptions options) : m_options(options) {}

std::vector<std::uint64_t> DuplicateFinder::templateShingles(const std::vector<const TokenizedSplit *> &splits) const
{
    std::vector<std::pair<const TokenizedSplit *, std::size_t>> all; // (split, example)
    for (const auto *tokens : splits)
        for (std::size_t i = 0; i < tokens->examples(); ++i)
            all.emplace_back(tokens, i);
    if (m_options.templateShare <= 0.0 || all.size() < 8)
        return {};
    // An even sample is enough to see text that half of all examples share, at a fraction of the cost.
    const std::size_t sample = std::min<std::size_t>(all.size(), 64);
    std::vector<std::uint64_t> pooled, shingles;
    for (std::size_t i = 0; i < sample; ++i) {
        const auto &[tokens, example] = all[i * all.size() / sample];
        exampleShingles(*tokens, example, m_options.shingleWords, {}, shingles);
        sortUnique(shingles);
        pooled.insert(pooled.end(), shingles.begin(), shingles.end());
    }
    std::sort(pooled.begin(), pooled.end());
    const double needed = m_options.templateShare * double(sample);
    std::vector<std::uint64_t> common;
    for (std::size_t i = 0; i < pooled.size();) {
        std::size_t end = i + 1;
        while (end < pooled.size() && pooled[end] == pooled[i])
            ++end;
        if (double(end - i) >= needed)
            common.push_back(pooled[i]);
        i = end;
    }
    return common;
}

std::vector<std::uint64_t> DuplicateFinder::shingles(const Example &example,
                                                     const std::vector<std::uint64_t> &templateShingles) const
{
    const TokenizedSplit tokens(std::vector<Example>{example});
    std::vector<std::uint64_t> out;
    exampleShingles(tokens, 0, m_options.shingleWords, templateShingles, out);
    sortUnique(out);
    return out;
}

SplitFingerprints DuplicateFinder::fingerprint(const std::string &distribution, Split split,
                                               const std::vector<Example> &examples,
                                               std::shared_ptr<const std::vector<std::uint64_t>> templateShingles) const
{
    return fingerprint(distribution, split, examples, TokenizedSplit(examples), std::move(templateShingles));
}

SplitFingerprints DuplicateFinder::fingerprint(const std::string &distribution, Split split,
                                               const std::vector<Example> &examples, const TokenizedSplit &tokens,
                                               std::shared_ptr<const std::vector<std::uint64_t>> templateShingles) const
{
    static const std::vector<std::uint64_t> none;
    const std::size_t bins = std::size_t(m_options.bands * m_options.rows);
    SplitFingerprints fp;
    fp.distribution = distribution;
    fp.split = split;
    fp.templateShingles = std::move(templateShingles);
    const std::size_t bands = std::size_t(m_options.bands), rows = std::size_t(m_options.rows);
    fp.bandKeys.resize(examples.size() * bands);
    std::vector<std::uint32_t> values(bins);
    std::vector<std::uint64_t> shingleHashes, responseHashes;
    for (std::size_t i = 0; i < examples.size(); ++i) {
        const Example &e = examples[i];
        fp.positions.push_back(e.position);
        fp.promptHashes.push_back(textHash(tokens.tokens(i)));
        responseHashes.clear();
        for (std::size_t r = 0; r < e.responses.size(); ++r)
            responseHashes.push_back(textHash(tokens.tokens(i, int(r))));
        const int best = e.preferredIndex();
        fp.preferredHashes.push_back(best >= 0 ? responseHashes[std::size_t(best)] : 0);
        // The set of responses, not their order: reordered keys are still the same example.
        std::sort(responseHashes.begin(), responseHashes.end());
        std::uint64_t h = fp.promptHashes.back();
        for (std::uint64_t r : responseHashes)
            h = combineHash(h, r);
        fp.exampleHashes.push_back(h);
        exampleShingles(tokens, i, m_options.shingleWords, fp.templateShingles ? *fp.templateShingles : none,
                        shingleHashes);
        signature(shingleHashes, bins, values.data());
        for (std::size_t band = 0; band < bands; ++band) {
            std::uint64_t key = band;
            for (std::size_t k = 0; k < rows; ++k)
                key = combineHash(key, values[band * rows + k]);
            fp.bandKeys[i * bands + band] = key;
        }
    }
    return fp;
}

DuplicateResult DuplicateFinder::find(const std::vector<const SplitFingerprints *> &first,
                                      const std::vector<const SplitFingerprints *> &second,
                                      const ExampleLookup &lookup) const
{
    const bool across = !second.empty();
    std::vector<Item> items;
    for (int side = 0; side < 2; ++side)
        for (const auto *fp : side == 0 ? first : second)
            for (std::size_t i = 0; i < fp->size(); ++i)
                items.push_back({side, fp, i});
    const auto spansSides = [&](const std::vector<std::size_t> &members) {
        bool sides[2] = {false, false};
        for (std::size_t m : members)
            sides[items[m].side] = true;
        return !across || (sides[0] && sides[1]);
    };

    DuplicateResult result;
    for (const auto &members : groupsBy(items, [](const Item &it) { return it.exampleHash(); }))
        if (spansSides(members))
            result.exact.push_back(toGroup(items, members));

    const auto promptOf = [](const Item &it) { return it.fingerprints->promptHashes[it.index]; };
    for (const auto &members : groupsBy(items, promptOf)) {
        // Needs two different examples, one on each side when comparing sides.
        bool differs = false;
        for (std::size_t a : members)
            for (std::size_t b : members)
                differs = differs
                       || (items[a].exampleHash() != items[b].exampleHash()
                           && (!across || items[a].side != items[b].side));
        if (differs)
            result.samePrompt.push_back(toGroup(items, members));
    }

    // Near duplicates: one representative per exact-duplicate group and side, then LSH buckets per band.
    std::vector<std::size_t> reps;
    const auto sideAndContent = [](const Item &it) { return combineHash(std::uint64_t(it.side), it.exampleHash()); };
    for (const auto &group : groupsBy(items, sideAndContent, 1))
        reps.push_back(group.front());
    std::sort(reps.begin(), reps.end());
    const std::size_t bands = std::size_t(m_options.bands);
    std::vector<std::uint64_t> candidates;
    std::vector<std::pair<std::uint64_t, std::uint32_t>> buckets(reps.size());
    for (std::size_t band = 0; band < bands; ++band) {
        for (std::size_t r = 0; r < reps.size(); ++r) {
            const Item &it = items[reps[r]];
            buckets[r] = {it.fingerprints->bandKeys[it.index * bands + band], std::uint32_t(r)};
        }
        std::sort(buckets.begin(), buckets.end());
        for (std::size_t i = 0; i < buckets.size();) {
            std::size_t end = i + 1;
            while (end < buckets.size() && buckets[end].first == buckets[i].first)
                ++end;
            for (std::size_t a = i; a < end; ++a)
                for (std::size_t b = a + 1; b < end; ++b) {
                    const Item &x = items[reps[buckets[a].second]];
                    const Item &y = items[reps[buckets[b].second]];
                    if ((across && x.side == y.side) || x.exampleHash() == y.exampleHash())
                        continue;
                    const auto lo = std::min(buckets[a].second, buckets[b].second);
                    const auto hi = std::max(buckets[a].second, buckets[b].second);
                    candidates.push_back((std::uint64_t(lo) << 32) | hi);
                }
            i = end;
        }
    }
    std::sort(candidates.begin(), candidates.end());
    candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());

    static const std::vector<std::uint64_t> none;
    std::vector<std::optional<std::vector<std::uint64_t>>> cache(reps.size());
    const auto shinglesOf = [&](std::uint32_t r) -> const std::vector<std::uint64_t> * {
        if (!cache[r]) {
            const Item &it = items[reps[r]];
            const Example *e = lookup ? lookup(it.ref()) : nullptr;
            if (!e)
                return nullptr;
            cache[r] = shingles(*e, it.fingerprints->templateShingles ? *it.fingerprints->templateShingles : none);
        }
        return &*cache[r];
    };
    for (std::uint64_t code : candidates) {
        const auto a = std::uint32_t(code >> 32), b = std::uint32_t(code & 0xffffffffu);
        const auto *sa = shinglesOf(a);
        const auto *sb = shinglesOf(b);
        if (!sa || !sb)
            continue;
        const double j = jaccardOf(*sa, *sb);
        if (j >= m_options.threshold) {
            const Item &x = items[reps[a]], &y = items[reps[b]];
            const bool swap = x.side > y.side;
            result.near.push_back({(swap ? y : x).ref(), (swap ? x : y).ref(), j});
        }
    }
    std::stable_sort(result.near.begin(), result.near.end(),
                     [](const NearDuplicate &p, const NearDuplicate &q) { return p.jaccard > q.jaccard; });
    return result;
}

} // namespace shiftscope
