#pragma once

#include "tokenizer/jsonplace.h"
#include "tokenizer/mergetable.h"
#include "tokenizer/stringmap.h"
#include "tokenizer/textspan.h"

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace shiftscope {

//! The tokenizer.json "model" of type BPE, as the tokenizers library runs it: each word starts as one symbol per
//! character (or per byte-level character), unknown characters become their <0xNN> byte tokens (byte_fallback) or
//! the unk token (fused when fuse_unk), then the pair with the lowest merge rank is merged, leftmost first, until
//! no pair has a merge. Results of short words are cached.
class BpeModel {
public:
    static BpeModel fromJson(const nlohmann::json &model, const JsonPlace &place);
    BpeModel(BpeModel &&) noexcept;
    BpeModel &operator=(BpeModel &&) noexcept;
    ~BpeModel();

    //! Words will arrive as raw bytes that stand for GPT-2's byte-level characters (ByteLevel pre-tokenizer).
    void setByteLevelInput(bool byteLevel);
    //! Appends the ids of each word (spans into `buffer`). Safe to call from several threads at once.
    void encodeWords(std::string_view buffer, const std::vector<TextSpan> &words, std::vector<int> &ids) const;

    //! Highest id + 1.
    int vocabSize() const { return static_cast<int>(m_tokens.size()); }
    std::optional<int> tokenId(std::string_view token) const;
    //! The vocabulary entry of an id, or nullptr for an id the vocabulary lacks.
    const std::string *token(int id) const;

private:
    struct Cache;
    BpeModel();

    void readVocabulary(const nlohmann::json &vocab, const JsonPlace &place);
    //! Reads the merges; true when one joins a symbol not ending in "▁" to one starting with "▁".
    bool readMerges(const nlohmann::json &merges, const JsonPlace &place);
    void prepareLookups();
    void encodeCached(std::string_view word, std::vector<int> &ids, Cache *cache) const;
    void encodeWord(std::string_view word, std::vector<int> &ids) const;
    void initialSymbols(std::string_view word, std::vector<int> &symbols) const;
    std::optional<int> characterId(std::string_view character) const;
    void mergeShort(std::vector<int> &symbols) const;
    void mergeLong(std::vector<int> &symbols) const;

    StringMap<int> m_vocab;
    std::vector<const std::string *> m_tokens; //!< by id, pointing at m_vocab's keys
    MergeTable m_merges;
    std::string m_continuingPrefix; //!< continuing_subword_prefix
    std::string m_endSuffix;        //!< end_of_word_suffix
    std::optional<int> m_unkId;
    bool m_fuseUnk = false;
    bool m_byteFallback = false;
    bool m_ignoreMerges = false;
    bool m_byteLevel = false;
    std::array<int, 256> m_byteFallbackIds{}; //!< ids of <0x00>..<0xFF>, -1 when missing
    std::array<int, 256> m_byteLevelIds{};    //!< ids of the byte-level characters, -1 when missing
    bool m_allByteLevelIds = false;
    std::array<int, 128> m_asciiIds{}; //!< ids of one-character ASCII tokens, -1 when missing
    std::unordered_map<char32_t, int> m_characterIds;
    //! Merges never join a "▁" to a preceding non-"▁" symbol, so a SentencePiece word can be cut in front of each
    //! "▁" without changing the result: long texts then cost linear time and hit the cache.
    bool m_cutAtMetaspace = false;
    std::unique_ptr<Cache> m_cache;
};

} // namespace shiftscope
