#include "tokenizer/nfc.h"

#include "tokenizer/nfctables.h"
#include "tokenizer/utf8codec.h"

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

namespace shiftscope {

namespace {

// Hangul syllables compose and decompose by arithmetic (Unicode 3.12).
constexpr char32_t kSBase = 0xAC00, kLBase = 0x1100, kVBase = 0x1161, kTBase = 0x11A7;
constexpr char32_t kLCount = 19, kVCount = 21, kTCount = 28, kNCount = kVCount * kTCount, kSCount = kLCount * kNCount;

//! Nothing below U+0300 has a decomposition, a combining class or a composition partner.
constexpr char32_t kFirstInteresting = 0x300;

int combiningClass(char32_t cp)
{
    if (cp < kFirstInteresting)
        return 0;
    const auto ranges = combiningClassRanges();
    const auto it = std::upper_bound(ranges.begin(), ranges.end(), cp,
                                     [](char32_t c, const CombiningClassRange &r) { return c < r.first; });
    return it != ranges.begin() && cp <= (it - 1)->last ? (it - 1)->combiningClass : 0;
}

void decompose(char32_t cp, std::vector<char32_t> &out)
{
    if (cp >= kSBase && cp < kSBase + kSCount) {
        const char32_t index = cp - kSBase;
        out.push_back(kLBase + index / kNCount);
        out.push_back(kVBase + (index % kNCount) / kTCount);
        if (index % kTCount != 0)
            out.push_back(kTBase + index % kTCount);
        return;
    }
    if (cp >= kFirstInteresting) {
        const auto pairs = pairDecompositions();
        const auto pair = std::lower_bound(pairs.begin(), pairs.end(), cp,
                                           [](const PairDecomposition &d, char32_t c) { return d.composite < c; });
        if (pair != pairs.end() && pair->composite == cp) {
            decompose(pair->first, out);
            decompose(pair->second, out);
            return;
        }
        const auto singles = singletonDecompositions();
        const auto single = std::lower_bound(singles.begin(), singles.end(), cp,
                                             [](const SingletonDecomposition &d, char32_t c) { return d.source < c; });
        if (single != singles.end() && single->source == cp) {
            decompose(single->target, out);
            return;
        }
    }
    out.push_back(cp);
}

std::uint64_t pairKey(char32_t first, char32_t second) { return (static_cast<std::uint64_t>(first) << 21) | second; }

//! Primary composites by their (first, second) pair: the two-part decompositions minus the exclusions.
const std::vector<std::pair<std::uint64_t, char32_t>> &compositionTable()
{
    static const auto table = [] {
        std::vector<std::pair<std::uint64_t, char32_t>> rows;
        const auto excluded = compositionExclusions();
        for (const auto &d : pairDecompositions())
            if (!std::binary_search(excluded.begin(), excluded.end(), d.composite))
                rows.emplace_back(pairKey(d.first, d.second), d.composite);
        std::sort(rows.begin(), rows.end());
        return rows;
    }();
    return table;
}

//! The primary composite of two code points, or 0.
char32_t compose(char32_t first, char32_t second)
{
    if (first >= kLBase && first < kLBase + kLCount && second >= kVBase && second < kVBase + kVCount)
        return kSBase + ((first - kLBase) * kVCount + (second - kVBase)) * kTCount;
    if (first >= kSBase && first < kSBase + kSCount && (first - kSBase) % kTCount == 0 && second > kTBase
        && second < kTBase + kTCount)
        return first + (second - kTBase);
    const auto &table = compositionTable();
    const std::uint64_t key = pairKey(first, second);
    const auto it = std::lower_bound(table.begin(), table.end(), std::make_pair(key, char32_t{0}));
    return it != table.end() && it->first == key ? it->second : 0;
}

//! Canonical ordering: a stable sort of each run of non-starters by combining class.
void reorder(std::vector<char32_t> &cps)
{
    std::size_t i = 0;
    while (i < cps.size()) {
        if (combiningClass(cps[i]) == 0) {
            ++i;
            continue;
        }
        std::size_t end = i;
        while (end < cps.size() && combiningClass(cps[end]) != 0)
            ++end;
        std::stable_sort(cps.begin() + static_cast<std::ptrdiff_t>(i), cps.begin() + static_cast<std::ptrdiff_t>(end),
                         [](char32_t a, char32_t b) { return combiningClass(a) < combiningClass(b); });
        i = end;
    }
}

//! Canonical composition in place (UAX #15's sample algorithm): a mark joins the last starter unless another mark
//! of the same or a higher class stands between them.
void recompose(std::vector<char32_t> &cps)
{
    if (cps.empty())
        return;
    std::size_t starter = 0;
    int lastClass = combiningClass(cps[0]) == 0 ? 0 : 256;
    std::size_t kept = 1;
    for (std::size_t i = 1; i < cps.size(); ++i) {
        const char32_t cp = cps[i];
        const int cls = combiningClass(cp);
        const char32_t composite = compose(cps[starter], cp);
        if (composite != 0 && (lastClass < cls || lastClass == 0)) {
            cps[starter] = composite;
            continue;
        }
        if (cls == 0)
            starter = kept;
        lastClass = cls;
        cps[kept++] = cp;
    }
    cps.resize(kept);
}

} // namespace

bool isNfcStable(std::string_view text)
{
    const auto ranges = nfcQuickCheckRanges();
    for (std::size_t pos = asciiPrefixLength(text); pos < text.size();) {
        if (static_cast<unsigned char>(text[pos]) < 0xCC) { // below U+0300
            pos += utf8Length(text[pos]);
            continue;
        }
        const DecodedChar c = decodeUtf8(text, pos);
        if (inRanges(ranges.data(), ranges.data() + ranges.size(), c.codePoint))
            return false;
        pos += c.length;
    }
    return true;
}

std::string toNfc(std::string_view text)
{
    std::vector<char32_t> cps;
    cps.reserve(text.size());
    for (std::size_t pos = 0; pos < text.size();) {
        const DecodedChar c = decodeUtf8(text, pos);
        decompose(c.codePoint, cps);
        pos += c.length;
    }
    reorder(cps);
    recompose(cps);
    std::string out;
    out.reserve(text.size());
    for (char32_t cp : cps)
        appendUtf8(out, cp);
    return out;
}

} // namespace shiftscope
