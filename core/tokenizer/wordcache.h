#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace shiftscope {

//! Token ids of words encoded before, for BpeModel: most words of a corpus repeat, and a look-up is several times
//! cheaper than merging again. Open addressing over one key arena and one id arena; when full it starts over.
//! Not thread-safe: the model lends it to one thread at a time.
class WordCache {
public:
    static constexpr std::size_t kMaxWordBytes = 64;

    WordCache();
    static std::uint64_t hashOf(std::string_view word);
    //! Appends the ids of `word` (hashed with hashOf) to `ids`; false when it is not cached.
    bool find(std::string_view word, std::uint64_t hash, std::vector<int> &ids) const;
    //! Caches the ids of a word of at most kMaxWordBytes bytes.
    void insert(std::string_view word, std::uint64_t hash, const int *ids, std::size_t count);

private:
    struct Slot {
        std::uint64_t hash = 0; //!< 0 marks an empty slot; hashes always have their lowest bit set
        std::uint32_t keyOffset = 0;
        std::uint32_t idOffset = 0;
        std::uint16_t keyLength = 0;
        std::uint16_t idCount = 0;
    };
    static constexpr std::size_t kSlots = std::size_t{1} << 17;
    static constexpr std::size_t kMaxWords = kSlots / 2;

    std::vector<Slot> m_slots;
    std::string m_keys;
    std::vector<int> m_ids;
    std::size_t m_words = 0;
};

} // namespace shiftscope
