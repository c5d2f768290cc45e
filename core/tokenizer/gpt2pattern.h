#pragma once

#include "tokenizer/textspan.h"

#include <string_view>
#include <vector>

namespace shiftscope {

//! Cuts valid UTF-8 into the words that GPT-2's pre-tokenizer pattern matches, in order and covering all of it:
//!   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
//! Written by hand because std::regex has no \p{..} classes and is far too slow. Spans are shifted by `base`.
void splitGpt2Words(std::string_view text, std::uint32_t base, std::vector<TextSpan> &words);

} // namespace shiftscope
