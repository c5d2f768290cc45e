#include "demo/demotext.h"

#include <algorithm>

namespace shiftscope::demotext {

//! FNV-1a, to turn (seed, id, split) into a stream seed without depending on std::hash.
std::uint64_t fnv1a(std::string_view text)
{
    std::uint64_t hash = 0xcbf29ce484222325ULL;
    for (const char c : text) {
        hash ^= std::uint8_t(c);
        hash *= 0x100000001b3ULL;
    }
    return hash;
}

//! Replaces every "{key}" in `pattern`.
std::string fill(std::string_view pattern, Vars vars)
{
    std::string out(pattern);
    for (const auto &[key, value] : vars) {
        const std::string token = "{" + std::string(key) + "}";
        for (std::size_t at = out.find(token); at != std::string::npos; at = out.find(token, at + value.size()))
            out.replace(at, token.size(), value);
    }
    return out;
}

std::string capitalised(std::string text)
{
    if (!text.empty() && text[0] >= 'a' && text[0] <= 'z')
        text[0] = char(text[0] - 'a' + 'A');
    return text;
}

std::string lowercased(std::string text)
{
    for (char &c : text)
        if (c >= 'A' && c <= 'Z')
            c = char(c - 'A' + 'a');
    return text;
}

//! "Mexico City" -> "M-E-X-I-C-O C-I-T-Y".
std::string spelled(std::string_view word)
{
    std::string out;
    for (const char c : word) {
        if (c == ' ') {
            out += ' ';
            continue;
        }
        if (!out.empty() && out.back() != ' ')
            out += '-';
        out += (c >= 'a' && c <= 'z') ? char(c - 'a' + 'A') : c;
    }
    return out;
}

bool contains(const std::vector<std::string> &items, std::string_view value)
{
    return std::find(items.begin(), items.end(), value) != items.end();
}

} // namespace shiftscope::demotext
