#include "audit/textfeatures.h"

#include <algorithm>
#include <array>
#include <cstring>

namespace shiftscope {

namespace {

//! Character classes of bytes, looked up rather than compared: these loops run over every byte of a benchmark.
enum : unsigned char { kOther = 0, kSpace = 1, kWord = 2 };

constexpr std::array<unsigned char, 256> kClass = [] {
    std::array<unsigned char, 256> table{};
    for (int c = 0; c < 256; ++c) {
        const bool word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'
                       || c >= 0x80;
        const bool space = c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
        table[std::size_t(c)] = word ? kWord : space ? kSpace : kOther;
    }
    return table;
}();

unsigned char classOf(char c) { return kClass[static_cast<unsigned char>(c)]; }

//! Calls `f(start, length)` for each token: a run of word bytes, or any other non-space byte on its own.
template <typename F>
void forEachToken(std::string_view text, F f)
{
    const std::size_t n = text.size();
    std::size_t i = 0;
    while (i < n) {
        const unsigned char kind = classOf(text[i]);
        if (kind == kSpace) {
            ++i;
            continue;
        }
        const std::size_t start = i++;
        if (kind == kWord)
            while (i < n && classOf(text[i]) == kWord)
                ++i;
        f(start, i - start);
    }
}

//! Decodes the code point at `i` of valid UTF-8 (the importer guarantees it) and its length in bytes.
std::uint32_t decode(std::string_view text, std::size_t i, std::size_t &length)
{
    const auto byte = [&](std::size_t k) { return static_cast<std::uint32_t>(static_cast<unsigned char>(text[k])); };
    const std::uint32_t c = byte(i);
    length = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (i + length > text.size()) {
        length = 1;
        return c;
    }
    if (length == 1)
        return c;
    std::uint32_t cp = c & (0x3Fu >> (length - 1));
    for (std::size_t k = 1; k < length; ++k)
        cp = (cp << 6) | (byte(i + k) & 0x3F);
    return cp;
}

//! Characters that Windows-1252 puts at bytes 0x80-0x9F: the second character of most "â€™"-style mojibake.
bool isCp1252High(std::uint32_t cp)
{
    static constexpr std::array<std::uint32_t, 27> chars = {
        0x20AC, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x017D, 0x2018,
        0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x017E, 0x0178};
    for (std::uint32_t c : chars)
        if (c == cp)
            return true;
    return false;
}

} // namespace

std::string normalizeWhitespace(std::string_view text)
{
    std::string out(text.size(), '\0');
    std::size_t n = 0;
    bool pendingSpace = false;
    for (char c : text) {
        if (classOf(c) == kSpace) {
            pendingSpace = n > 0;
            continue;
        }
        if (pendingSpace)
            out[n++] = ' ';
        pendingSpace = false;
        out[n++] = c;
    }
    out.resize(n);
    return out;
}

std::size_t visibleLength(std::string_view text)
{
    // Counts bytes above 0x20 eight at a time: whitespace is all at or below it, and normalising whitespace leaves
    // every other byte as it was.
    constexpr std::uint64_t highBits = 0x8080808080808080ULL;
    std::size_t low = 0, i = 0;
    for (; i + 8 <= text.size(); i += 8) {
        std::uint64_t w;
        std::memcpy(&w, text.data() + i, 8);
        // Bit 7 of each byte: set when the byte is above 0x20.
        const std::uint64_t aboveSpace = ((w & 0x7f7f7f7f7f7f7f7fULL) + 0x5f5f5f5f5f5f5f5fULL) | w;
        // One bit per byte at or below 0x20; multiplying adds the bytes up into the top byte.
        low += std::size_t((((~aboveSpace & highBits) >> 7) * 0x0101010101010101ULL) >> 56);
    }
    for (; i < text.size(); ++i)
        low += static_cast<unsigned char>(text[i]) <= 0x20 ? 1 : 0;
    return text.size() - low;
}

bool isBlank(std::string_view text)
{
    return std::all_of(text.begin(), text.end(), [](char c) { return classOf(c) == kSpace; });
}

namespace {

//! Lower-cases the ASCII letters of eight bytes at once in a register (SWAR): tokenizing is a large part of an
//! audit.
std::uint64_t lowerAscii(std::uint64_t w)
{
    const std::uint64_t heptets = w & 0x7f7f7f7f7f7f7f7fULL;
    const std::uint64_t atLeastA = heptets + 0x3f3f3f3f3f3f3f3fULL;             // high bit set from 'A' (0x41) up
    const std::uint64_t pastZ = heptets + 0x2525252525252525ULL;                // high bit set from '[' (0x5B) up
    const std::uint64_t upper = atLeastA & ~pastZ & ~w & 0x8080808080808080ULL; // ASCII bytes only
    return w | (upper >> 2);
}

//! tokenHash() of text[start, start + length), reading a short token with one load when the text allows.
std::uint64_t tokenHashAt(std::string_view text, std::size_t start, std::size_t length)
{
    if (length >= 8 || start + 8 > text.size())
        return tokenHash(text.substr(start, length));
    std::uint64_t word;
    std::memcpy(&word, text.data() + start, 8);
    word &= (std::uint64_t(1) << (8 * length)) - 1; // the same value hash64 builds byte by byte
    return combineHash(length, lowerAscii(word));
}

} // namespace

std::uint64_t tokenHash(std::string_view token) { return hash64(token, lowerAscii); }

void tokenHashes(std::string_view text, std::vector<std::uint64_t> &out)
{
    forEachToken(text, [&](std::size_t start, std::size_t length) { out.push_back(tokenHashAt(text, start, length)); });
}

void tokenize(std::string_view text, std::vector<Token> &out)
{
    forEachToken(text, [&](std::size_t start, std::size_t length) {
        out.push_back({tokenHashAt(text, start, length), std::uint32_t(start), std::uint32_t(length)});
    });
}

std::optional<std::size_t> findEncodingDamage(std::string_view text)
{
    std::uint32_t previous = 0;
    std::size_t previousOffset = 0;
    constexpr std::uint64_t highBits = 0x8080808080808080ULL;
    for (std::size_t i = 0; i < text.size();) {
        // Eight bytes of printable ASCII (0x20-0x7E) at a time: nothing to decode, nothing to find.
        std::uint64_t w = 0;
        if (i + 8 <= text.size())
            std::memcpy(&w, text.data() + i, 8);
        const bool printable = i + 8 <= text.size() && (w & highBits) == 0
                            && ((w + 0x6060606060606060ULL) & highBits) == highBits // all at least 0x20
                            && ((w + 0x0101010101010101ULL) & highBits) == 0;       // none is 0x7F
        if (printable) {
            previous = 0;
            i += 8;
            continue;
        }
        const auto byte = static_cast<unsigned char>(text[i]);
        if (byte >= 0x20 && byte < 0x7F) {
            previous = byte;
            ++i;
            continue;
        }
        std::size_t length = 1;
        const std::uint32_t cp = decode(text, i, length);
        if (cp == 0xFFFD || (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || cp == 0x7F)
            return i;
        // A lead byte of a 2-4 byte UTF-8 sequence shown as Latin-1 (Â..ô), followed by a continuation byte shown
        // as Latin-1 (U+0080..U+00BF) or as Windows-1252: what UTF-8 looks like after a wrong decode.
        const bool leadShown = previous >= 0xC2 && previous <= 0xF4;
        if (leadShown && ((cp >= 0x80 && cp <= 0xBF) || isCp1252High(cp)))
            return previousOffset;
        previous = cp;
        previousOffset = i;
        i += length;
    }
    return std::nullopt;
}

} // namespace shiftscope
