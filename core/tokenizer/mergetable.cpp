#include "tokenizer/mergetable.h"

namespace shiftscope {

MergeTable::MergeTable(std::size_t expected)
{
    std::size_t capacity = 16;
    int bits = 4;
    while (capacity < expected * 2) { // at most half full keeps probe runs short
        capacity *= 2;
        ++bits;
    }
    m_slots.assign(capacity, Slot{kEmpty, {0, 0}});
    m_mask = capacity - 1;
    m_shift = 64 - bits;
}

void MergeTable::set(int left, int right, Merge merge)
{
    if ((m_size + 1) * 2 > m_slots.size())
        grow();
    const std::uint64_t key = keyOf(left, right);
    for (std::uint64_t slot = indexOf(key);; slot = (slot + 1) & m_mask) {
        Slot &s = m_slots[slot];
        if (s.key == key) {
            s.merge = merge;
            return;
        }
        if (s.key == kEmpty) {
            s = Slot{key, merge};
            ++m_size;
            return;
        }
    }
}

void MergeTable::grow()
{
    MergeTable bigger(m_slots.size());
    for (const Slot &s : m_slots)
        if (s.key != kEmpty)
            bigger.set(static_cast<int>(s.key >> 32), static_cast<int>(s.key & 0xFFFFFFFFu), s.merge);
    *this = std::move(bigger);
}

} // namespace shiftscope
