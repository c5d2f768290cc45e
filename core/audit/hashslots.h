#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace shiftscope {

//! Open addressing from 64-bit keys that are already well-mixed hashes to values, for the inner loops of the
//! audit where std::unordered_map's allocations would dominate. A slot stays valid until clear(), or until an
//! insert grows the table past the size given to clear().
template <typename Value>
class HashSlots {
public:
    //! Empties the table and makes room for about `expected` keys; cheap when few keys were used.
    void clear(std::size_t expected)
    {
        for (std::uint32_t i : m_used)
            m_slots[i] = Slot{};
        m_used.clear();
        std::size_t capacity = 64;
        while (capacity < 2 * expected)
            capacity *= 2;
        if (m_slots.size() < capacity)
            m_slots.assign(capacity, Slot{});
    }

    std::size_t size() const { return m_used.size(); }

    //! The slot of `key`, added with a default value when new; `added` tells which.
    std::uint32_t insert(std::uint64_t key, bool &added)
    {
        if (2 * (m_used.size() + 1) > m_slots.size())
            grow();
        const std::uint32_t i = probe(key);
        added = m_slots[i].key == kFree;
        if (added) {
            m_slots[i].key = stored(key);
            m_used.push_back(i);
        }
        return i;
    }
    std::uint32_t insert(std::uint64_t key)
    {
        bool added = false;
        return insert(key, added);
    }

    //! The slot of `key`, or -1 when absent.
    std::int64_t find(std::uint64_t key) const
    {
        if (m_slots.empty()) // never cleared or inserted into: nothing to probe
            return -1;
        const std::uint32_t i = probe(key);
        return m_slots[i].key == kFree ? -1 : std::int64_t(i);
    }

    Value &operator[](std::uint32_t slot) { return m_slots[slot].value; }
    const Value &operator[](std::uint32_t slot) const { return m_slots[slot].value; }

private:
    static constexpr std::uint64_t kFree = 0;
    static std::uint64_t stored(std::uint64_t key) { return key != kFree ? key : 1; }

    void grow()
    {
        std::vector<Slot> old;
        old.swap(m_slots);
        m_slots.assign(std::max<std::size_t>(64, 2 * old.size()), Slot{});
        m_used.clear();
        for (const Slot &slot : old)
            if (slot.key != kFree) {
                const std::uint32_t i = probe(slot.key);
                m_slots[i] = slot;
                m_used.push_back(i);
            }
    }

    std::uint32_t probe(std::uint64_t key) const
    {
        key = stored(key);
        const std::size_t mask = m_slots.size() - 1;
        std::size_t i = std::size_t(key) & mask;
        while (m_slots[i].key != kFree && m_slots[i].key != key)
            i = (i + 1) & mask;
        return std::uint32_t(i);
    }

    struct Slot {
        std::uint64_t key = kFree;
        Value value{};
    };
    std::vector<Slot> m_slots;
    std::vector<std::uint32_t> m_used;
};

} // namespace shiftscope
