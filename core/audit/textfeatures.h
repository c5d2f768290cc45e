#pragma once

#include "util/fasthash.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace shiftscope {

//! Collapses every run of whitespace to one space and trims both ends, so texts that differ only in spacing compare
//! equal.
std::string normalizeWhitespace(std::string_view text);

//! Bytes that are not whitespace: equal for texts that are equal after normalizeWhitespace().
std::size_t visibleLength(std::string_view text);

//! True for an empty or whitespace-only text.
bool isBlank(std::string_view text);

//! A word or punctuation character of a text: its case-folded hash and where it is.
struct Token {
    std::uint64_t hash = 0;
    std::uint32_t offset = 0;
    std::uint32_t length = 0;
};

//! Hash of one token, ignoring ASCII case.
std::uint64_t tokenHash(std::string_view token);

//! Appends the hashes of the tokens of `text` (see tokenize()) to `out`.
void tokenHashes(std::string_view text, std::vector<std::uint64_t> &out);

//! Appends the tokens of `text` to `out`: words (runs of ASCII letters, digits, '_' and any non-ASCII character)
//! and every other non-space character on its own. Hashes ignore ASCII case, so "Bug" and "bug" are one token.
void tokenize(std::string_view text, std::vector<Token> &out);

//! Offset of the first sign of mis-decoded text: UTF-8 read as Latin-1 or Windows-1252 ("Ã©", "â€™"), the
//! replacement character U+FFFD, or a control character other than tab, newline and carriage return.
std::optional<std::size_t> findEncodingDamage(std::string_view text);

} // namespace shiftscope
