#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace shiftscope {

//! Finaliser of splitmix64: spreads the bits of `x` so that any slice of the result is usable as a hash.
inline std::uint64_t mix64(std::uint64_t x)
{
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

//! Hash of an ordered pair of hashes (n-grams, shingles, composite keys).
inline std::uint64_t combineHash(std::uint64_t a, std::uint64_t b)
{
    return mix64(a * 0x9e3779b97f4a7c15ULL + b + 0x632be59bd9b4e019ULL);
}

//! A fast 64-bit hash for grouping texts, eight bytes at a time, each word passed through `transform` first (to
//! fold case, say). Not cryptographic, and not the same on machines of other byte order: use it for what stays in
//! memory, SHA-256 for what is stored.
template <typename Transform>
std::uint64_t hash64(std::string_view text, Transform transform)
{
    std::uint64_t h = text.size();
    std::size_t i = 0;
    for (; i + 8 <= text.size(); i += 8) {
        std::uint64_t word;
        std::memcpy(&word, text.data() + i, 8);
        h = combineHash(h, transform(word));
    }
    std::uint64_t tail = 0;
    for (std::size_t k = 0; i + k < text.size(); ++k)
        tail |= std::uint64_t(static_cast<unsigned char>(text[i + k])) << (8 * k);
    return combineHash(h, transform(tail));
}

inline std::uint64_t hash64(std::string_view text)
{
    return hash64(text, [](std::uint64_t word) { return word; });
}

} // namespace shiftscope
