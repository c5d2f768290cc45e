#include "annotation/blindorder.h"

#include "util/fasthash.h"

#include <random>

namespace shiftscope {

std::vector<BlindItem> BlindOrder::queue(const std::string &distribution, Split split,
                                         const std::vector<Example> &examples, std::uint64_t seed, int limit)
{
    std::vector<BlindItem> items;
    for (const auto &e : examples) {
        const int best = e.preferredIndex();
        if (best < 0)
            continue;
        const std::string hash = e.contentHash();
        for (std::size_t i = 0; i < e.responses.size(); ++i) {
            if (e.responses[i].label != 0)
                continue;
            const std::uint64_t side = mix64(combineHash(seed, hash64(hash)) + i);
            items.push_back({distribution, split, e.position, hash, best, int(i), (side & 1) == 0});
        }
    }
    std::mt19937_64 rng(seed);
    // Fisher-Yates by hand: std::shuffle's result differs between standard libraries.
    for (std::size_t i = items.size(); i > 1; --i)
        std::swap(items[i - 1], items[std::size_t(rng() % i)]);
    if (limit >= 0 && items.size() > std::size_t(limit))
        items.resize(std::size_t(limit));
    return items;
}

RelabelJudgement BlindOrder::judge(const BlindItem &item, int pick, const std::string &annotator)
{
    RelabelJudgement j;
    j.distribution = item.distribution;
    j.split = item.split;
    j.exampleHash = item.exampleHash;
    j.dispreferredPosition = item.dispreferred;
    j.annotator = annotator;
    j.preferredShownFirst = item.preferredFirst;
    if (pick == 0 || pick == 1)
        j.choice = (pick == 0) == item.preferredFirst ? RelabelChoice::Preferred : RelabelChoice::Dispreferred;
    return j;
}

} // namespace shiftscope
