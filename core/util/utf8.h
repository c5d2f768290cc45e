#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace shiftscope {

//! Position of a byte offset in a text, counted the way editors show it (1-based line and column).
struct TextPosition {
    std::size_t line = 1;
    std::size_t column = 1;
};

TextPosition positionOfOffset(std::string_view text, std::size_t offset);

//! Byte offset of the first byte that breaks UTF-8 (overlong forms and surrogates included), or nullopt.
std::optional<std::size_t> firstInvalidUtf8(std::string_view text);

//! Number of Unicode code points, which is what users mean by "characters" for valid UTF-8.
std::size_t codePointCount(std::string_view text);

} // namespace shiftscope
