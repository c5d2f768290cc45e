#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace shiftscope {

//! A code point and the number of UTF-8 bytes it took.
struct DecodedChar {
    char32_t codePoint = 0;
    std::size_t length = 1;
};

//! Decodes the code point starting at `pos` of text that is known to be valid UTF-8.
inline DecodedChar decodeUtf8(std::string_view text, std::size_t pos)
{
    const auto byte = [&](std::size_t i) {
        return static_cast<std::uint32_t>(static_cast<unsigned char>(text[pos + i]));
    };
    const std::uint32_t c = byte(0);
    if (c < 0x80)
        return {c, 1};
    if (c < 0xE0)
        return {((c & 0x1F) << 6) | (byte(1) & 0x3F), 2};
    if (c < 0xF0)
        return {((c & 0x0F) << 12) | ((byte(1) & 0x3F) << 6) | (byte(2) & 0x3F), 3};
    return {((c & 0x07) << 18) | ((byte(1) & 0x3F) << 12) | ((byte(2) & 0x3F) << 6) | (byte(3) & 0x3F), 4};
}

//! Number of bytes of the UTF-8 sequence that starts with `lead` (valid text assumed).
inline std::size_t utf8Length(char lead)
{
    const auto c = static_cast<unsigned char>(lead);
    return c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

//! Length of the pure-ASCII start of `text`, checked eight bytes at a time: most text the tokenizers see is ASCII.
inline std::size_t asciiPrefixLength(std::string_view text)
{
    std::size_t pos = 0;
    for (; pos + 8 <= text.size(); pos += 8) {
        std::uint64_t chunk;
        std::memcpy(&chunk, text.data() + pos, 8);
        if (chunk & 0x8080808080808080ULL)
            break;
    }
    while (pos < text.size() && static_cast<unsigned char>(text[pos]) < 0x80)
        ++pos;
    return pos;
}

//! True for well-formed UTF-8 (no overlong forms, surrogates or code points past U+10FFFF).
bool isValidUtf8(std::string_view text);

void appendUtf8(std::string &out, char32_t codePoint);

//! The text with each maximal invalid UTF-8 subsequence replaced by U+FFFD, as Rust's `String::from_utf8_lossy`
//! (and so the tokenizers library's decoders) does it. Valid text comes back unchanged.
std::string toValidUtf8(std::string_view text);

} // namespace shiftscope
