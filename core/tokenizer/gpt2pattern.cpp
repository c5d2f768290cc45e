#include "tokenizer/gpt2pattern.h"

#include "tokenizer/unicodeclasses.h"
#include "tokenizer/utf8codec.h"

namespace shiftscope {

namespace {

struct Scanned {
    CharClass cls;
    std::size_t length;
};

inline Scanned scanAt(std::string_view text, std::size_t pos)
{
    const auto byte = static_cast<unsigned char>(text[pos]);
    if (byte < 0x80)
        return {kLatin1Classes[byte], 1};
    const DecodedChar c = decodeUtf8(text, pos);
    return {charClass(c.codePoint), c.length};
}

//! End of the run of `cls` characters starting at `pos`.
std::size_t runEnd(std::string_view text, std::size_t pos, CharClass cls)
{
    while (pos < text.size()) {
        const Scanned s = scanAt(text, pos);
        if (s.cls != cls)
            break;
        pos += s.length;
    }
    return pos;
}

//! Length of the English contraction ('s 't 're 've 'm 'll 'd, lower case only) at `pos`, or 0.
std::size_t contractionLength(std::string_view text, std::size_t pos)
{
    const std::string_view rest = text.substr(pos + 1, 2);
    if (rest.empty())
        return 0;
    switch (rest[0]) {
    case 's':
    case 't':
    case 'm':
    case 'd': return 2;
    default: break;
    }
    return rest == "re" || rest == "ve" || rest == "ll" ? 3 : 0;
}

} // namespace

void splitGpt2Words(std::string_view text, std::uint32_t base, std::vector<TextSpan> &words)
{
    const std::size_t n = text.size();
    std::size_t pos = 0;
    while (pos < n) {
        const std::size_t start = pos;
        if (text[pos] == '\'') {
            if (const std::size_t length = contractionLength(text, pos)) {
                pos += length;
                words.push_back({base + static_cast<std::uint32_t>(start), static_cast<std::uint32_t>(length)});
                continue;
            }
        }
        const Scanned first = scanAt(text, pos);
        if (text[pos] == ' ' && pos + 1 < n) {
            // " ?\p{L}+", " ?\p{N}+" and " ?[^\s\p{L}\p{N}]+" take one leading space along.
            const Scanned next = scanAt(text, pos + 1);
            if (next.cls != CharClass::Space)
                pos = runEnd(text, pos + 1, next.cls);
        }
        if (pos == start && first.cls != CharClass::Space)
            pos = runEnd(text, pos, first.cls);
        if (pos == start) {
            // "\s+(?!\S)" backs off by one character so the last space can lead the next word; "\s+" takes a lone
            // space, and a run that ends the text whole.
            std::size_t last = pos;
            std::size_t end = pos;
            while (end < n) {
                const Scanned s = scanAt(text, end);
                if (s.cls != CharClass::Space)
                    break;
                last = end;
                end += s.length;
            }
            pos = (end == n || last == start) ? end : last;
        }
        words.push_back({base + static_cast<std::uint32_t>(start), static_cast<std::uint32_t>(pos - start)});
    }
}

} // namespace shiftscope
