#pragma once

#include <array>
#include <string>
#include <string_view>

namespace shiftscope {

//! GPT-2's byte-level alphabet: every byte stands for a printable character (printable Latin-1 bytes for
//! themselves, the others for U+0100 onwards), so byte-level vocabularies hold only visible text ("Ġ" is a space).
class ByteLevelAlphabet {
public:
    static const ByteLevelAlphabet &instance();

    //! UTF-8 of the character that stands for `byte`.
    const std::string &character(unsigned char byte) const { return m_utf8[byte]; }
    //! The byte a character stands for, or -1 when it is not in the alphabet.
    int byteOf(char32_t codePoint) const;
    //! Maps every byte of `bytes` to its character.
    std::string encode(std::string_view bytes) const;
    //! Maps the characters of a token back to bytes; false (and `out` untouched) when one is not in the alphabet.
    bool decode(std::string_view token, std::string &out) const;

private:
    ByteLevelAlphabet();
    std::array<std::string, 256> m_utf8;
    std::array<short, 324> m_byteOf{}; //!< indexed by code point; the alphabet ends at U+0143
};

} // namespace shiftscope
