#pragma once

#include "tokenizer/jsonplace.h"
#include "tokenizer/textspan.h"

#include <string>
#include <string_view>
#include <vector>

namespace shiftscope {

//! The tokenizer.json "pre_tokenizer": cuts normalized text into the words the model encodes one by one.
//! Implements ByteLevel (GPT-2's pattern) and Metaspace (SentencePiece's "▁" words), alone or in a Sequence.
class PreTokenizer {
public:
    //! Reads the "pre_tokenizer" entry; null means the whole text is one word.
    static PreTokenizer fromJson(const nlohmann::json &json, const JsonPlace &place);

    //! True when the words stand for GPT-2's byte-level alphabet: the model sees each byte as its character.
    bool byteLevel() const { return m_byteLevel; }
    //! Cuts one piece of normalized text into words, appending their bytes to `buffer` and their spans (into
    //! `buffer`) to `words`. `startsInput` says the piece begins the input (Metaspace's "first" prepend scheme).
    void split(std::string_view text, bool startsInput, std::string &buffer, std::vector<TextSpan> &words) const;

private:
    enum class Kind { ByteLevel, Metaspace };
    enum class Prepend { Always, First, Never };
    struct Step {
        Kind kind = Kind::ByteLevel;
        bool addPrefixSpace = false; //!< ByteLevel: put a space in front of a piece that lacks one
        bool useRegex = true;        //!< ByteLevel: cut with GPT-2's pattern
        std::string replacement;     //!< Metaspace: what spaces become, "▁"
        Prepend prepend = Prepend::Always;
        bool splitWords = true; //!< Metaspace: cut in front of every replacement character
    };
    struct Word {
        std::string text;
        bool startsInput;
    };

    void read(const nlohmann::json &json, const JsonPlace &place);
    void splitByteLevel(const Step &step, std::string_view text, std::string &buffer,
                        std::vector<TextSpan> &words) const;
    void applyMetaspace(const Step &step, Word word, std::vector<Word> &out) const;

    std::vector<Step> m_steps;
    bool m_byteLevel = false;
};

} // namespace shiftscope
