#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace shiftscope {

//! One run of a word-level diff: text common to both sides, only in the first, or only in the second.
struct DiffSpan {
    enum Kind { Same, OnlyFirst, OnlySecond } kind = Same;
    std::string text; //!< the words with the whitespace that followed them
};

//! Word-level diff of `first` against `second` (longest common subsequence of whitespace-separated words).
//! Concatenating the Same and OnlyFirst spans gives `first` back; Same and OnlySecond give `second`.
//! Texts over `maxWords` words each fall back to one OnlyFirst and one OnlySecond span.
std::vector<DiffSpan> wordDiff(std::string_view first, std::string_view second, std::size_t maxWords = 4000);

} // namespace shiftscope
