#include "data/types.h"

#include "util/sha256.h"

namespace shiftscope {

std::string_view splitName(Split split) { return split == Split::Train ? "train" : "test"; }

std::optional<Split> splitFromName(std::string_view name)
{
    if (name == "train")
        return Split::Train;
    if (name == "test")
        return Split::Test;
    return std::nullopt;
}

std::string Example::contentHash() const
{
    Sha256 hash;
    hash.update(prompt);
    for (const auto &r : responses) {
        hash.update(std::string_view("\0", 1));
        hash.update(r.text);
        hash.update(r.label == 1 ? std::string_view("\x01", 1) : std::string_view("\x02", 1));
    }
    return hash.hexDigest();
}

int Example::preferredIndex() const
{
    for (std::size_t i = 0; i < responses.size(); ++i)
        if (responses[i].label == 1)
            return int(i);
    return -1;
}

int Example::pairCount() const
{
    int count = 0;
    for (const auto &r : responses)
        count += r.label == 0 ? 1 : 0;
    return count;
}

std::vector<PairRef> pairsInOrder(const std::vector<Example> &examples)
{
    std::vector<PairRef> pairs;
    for (const auto &example : examples) {
        const int best = example.preferredIndex();
        if (best < 0)
            continue;
        for (std::size_t i = 0; i < example.responses.size(); ++i)
            if (example.responses[i].label == 0)
                pairs.push_back({example.position, best, int(i)});
    }
    return pairs;
}

} // namespace shiftscope
