#pragma once

#include <array>

namespace shiftscope {

//! A run of code points, both ends included; tables of them are sorted and disjoint.
struct CodePointRange {
    char32_t first;
    char32_t last;
};

//! Whether `cp` falls in one of the sorted ranges.
bool inRanges(const CodePointRange *begin, const CodePointRange *end, char32_t cp);

//! What the GPT-2 pre-tokenizer pattern tells apart: `\p{L}`, `\p{N}`, `\s` (Oniguruma's Unicode `\s`, which is
//! the White_Space property) and everything else.
enum class CharClass : unsigned char { Letter, Number, Space, Other };

//! Classes of U+0000..U+00FF, filled at compile time (so usable during static initialization).
extern const std::array<CharClass, 256> kLatin1Classes;
CharClass charClassBeyondLatin1(char32_t codePoint);

//! Class of a code point, from tables of Unicode 14.0 (what Python 3.11's unicodedata and the tokenizers
//! library's Oniguruma know).
inline CharClass charClass(char32_t codePoint)
{
    return codePoint < 256 ? kLatin1Classes[codePoint] : charClassBeyondLatin1(codePoint);
}

} // namespace shiftscope
