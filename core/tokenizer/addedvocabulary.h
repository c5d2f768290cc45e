#pragma once

#include "tokenizer/jsonplace.h"
#include "tokenizer/stringmap.h"

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace shiftscope {

class Normalizer;

//! An entry of tokenizer.json's "added_tokens".
struct AddedToken {
    int id = 0;
    std::string content;
    bool special = false;    //!< skipped by decode(..., skipSpecialTokens)
    bool singleWord = false; //!< only matches with no word character on either side
    bool lstrip = false;     //!< swallows the whitespace before it
    bool rstrip = false;     //!< swallows the whitespace after it
    bool normalized = true;  //!< matched in normalized text (else in the raw input)
};

//! A stretch of text to tokenize further (`id` < 0) or an added token found in it, as byte offsets.
struct TextPiece {
    std::size_t offset = 0;
    std::size_t length = 0;
    int id = -1;
};

//! The added tokens and their matching, as the tokenizers library's AddedVocabulary does it: tokens with
//! normalized=false are found in the raw input first, the others in each normalized stretch after that; matches
//! are leftmost-longest and never overlap. Special tokens are always matched, whatever add_special_tokens says.
class AddedVocabulary {
public:
    static AddedVocabulary fromJson(const nlohmann::json &list, const JsonPlace &place);

    //! Builds the matchers; normalized tokens are looked for in their normalized form.
    void prepare(const Normalizer &normalizer);
    bool hasTokens(bool normalizedOnes) const { return !m_matchers[normalizedOnes ? 1 : 0].tokens.empty(); }
    //! Appends the pieces of `text`: the added tokens of one kind and the stretches between them (never empty).
    void split(std::string_view text, bool normalizedOnes, std::vector<TextPiece> &pieces) const;

    const std::vector<AddedToken> &tokens() const { return m_tokens; }
    const AddedToken *byId(int id) const;
    std::optional<int> idOf(std::string_view content) const;

private:
    //! A byte trie over token contents; the root fans out through a table because it is probed at every byte.
    struct Matcher {
        struct Node {
            std::vector<std::pair<unsigned char, int>> next;
            int token = -1; //!< index into m_tokens of the token ending here
        };
        std::array<int, 256> root{};
        std::vector<Node> nodes;
        std::vector<int> tokens;

        void add(std::string_view pattern, int token);
        //! Length of the longest pattern starting at `pos` (0 if none) and its token.
        std::pair<std::size_t, int> longestAt(std::string_view text, std::size_t pos) const;
    };

    std::vector<AddedToken> m_tokens;
    StringMap<int> m_byContent;
    std::unordered_map<int, int> m_byId; //!< id -> index into m_tokens
    std::array<Matcher, 2> m_matchers;   //!< [0]: raw input, [1]: normalized text
};

} // namespace shiftscope
