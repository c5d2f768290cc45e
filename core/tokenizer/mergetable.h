#pragma once

#include <cstdint>
#include <vector>

namespace shiftscope {

//! BPE merges by token pair: (left id, right id) -> (rank, merged id). An open-addressing table, because the
//! look-up sits in the innermost loop of encoding and std::unordered_map's nodes cost a cache miss each.
class MergeTable {
public:
    struct Merge {
        std::int32_t rank;
        std::int32_t merged;
    };

    explicit MergeTable(std::size_t expected = 0);
    //! Adds or replaces the merge of a pair (a later duplicate wins, as in the tokenizers library).
    void set(int left, int right, Merge merge);
    //! The merge of a pair, or nullptr.
    const Merge *find(int left, int right) const
    {
        const std::uint64_t key = keyOf(left, right);
        for (std::uint64_t slot = indexOf(key);; slot = (slot + 1) & m_mask) {
            const Slot &s = m_slots[slot];
            if (s.key == key)
                return &s.merge;
            if (s.key == kEmpty)
                return nullptr;
        }
    }
    std::size_t size() const { return m_size; }

private:
    struct Slot {
        std::uint64_t key;
        Merge merge;
    };
    static constexpr std::uint64_t kEmpty = ~std::uint64_t{0};

    static std::uint64_t keyOf(int left, int right)
    {
        return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(left)) << 32) | static_cast<std::uint32_t>(right);
    }
    std::uint64_t indexOf(std::uint64_t key) const { return (key * 0x9E3779B97F4A7C15ULL) >> m_shift; }
    void grow();

    std::vector<Slot> m_slots;
    std::uint64_t m_mask = 0;
    int m_shift = 64;
    std::size_t m_size = 0;
};

} // namespace shiftscope
