#include "tokenizer/wordcache.h"

#include <algorithm>
#include <cstring>

namespace shiftscope {

WordCache::WordCache() : m_slots(kSlots) {}

std::uint64_t WordCache::hashOf(std::string_view word)
{
    // Eight bytes at a time with a multiply-xorshift mix: words are short, so this beats byte-wise hashes.
    std::uint64_t h = 0x9E3779B97F4A7C15ULL ^ word.size();
    const char *p = word.data();
    std::size_t left = word.size();
    for (; left >= 8; p += 8, left -= 8) {
        std::uint64_t v;
        std::memcpy(&v, p, 8);
        h = (h ^ v) * 0xBF58476D1CE4E5B9ULL;
        h ^= h >> 31;
    }
    if (left > 0) {
        std::uint64_t v = 0;
        std::memcpy(&v, p, left);
        h = (h ^ v) * 0x94D049BB133111EBULL;
    }
    h ^= h >> 29;
    h *= 0xBF58476D1CE4E5B9ULL;
    h ^= h >> 32;
    return h | 1;
}

bool WordCache::find(std::string_view word, std::uint64_t hash, std::vector<int> &ids) const
{
    for (std::size_t i = hash >> 7 & (kSlots - 1);; i = (i + 1) & (kSlots - 1)) {
        const Slot &s = m_slots[i];
        if (s.hash == 0)
            return false;
        if (s.hash == hash && s.keyLength == word.size()
            && std::memcmp(m_keys.data() + s.keyOffset, word.data(), word.size()) == 0) {
            ids.insert(ids.end(), m_ids.begin() + s.idOffset, m_ids.begin() + s.idOffset + s.idCount);
            return true;
        }
    }
}

void WordCache::insert(std::string_view word, std::uint64_t hash, const int *ids, std::size_t count)
{
    if (word.size() > kMaxWordBytes || count > 0xFFFF)
        return;
    if (m_words >= kMaxWords) {
        std::fill(m_slots.begin(), m_slots.end(), Slot{});
        m_keys.clear();
        m_ids.clear();
        m_words = 0;
    }
    std::size_t i = hash >> 7 & (kSlots - 1);
    while (m_slots[i].hash != 0)
        i = (i + 1) & (kSlots - 1);
    m_slots[i] = Slot{hash, static_cast<std::uint32_t>(m_keys.size()), static_cast<std::uint32_t>(m_ids.size()),
                      static_cast<std::uint16_t>(word.size()), static_cast<std::uint16_t>(count)};
    m_keys.append(word);
    m_ids.insert(m_ids.end(), ids, ids + count);
    ++m_words;
}

} // namespace shiftscope
