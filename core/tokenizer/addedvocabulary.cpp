#include "tokenizer/addedvocabulary.h"

#include "tokenizer/normalizer.h"
#include "tokenizer/unicodeclasses.h"
#include "tokenizer/utf8codec.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace shiftscope {

namespace {

//! Start of the code point that ends just before `pos`.
std::size_t previousStart(std::string_view text, std::size_t pos)
{
    do {
        --pos;
    } while (pos > 0 && (static_cast<unsigned char>(text[pos]) & 0xC0) == 0x80);
    return pos;
}

//! Approximates the regex \w the library uses for single_word: letters, numbers and the underscore.
bool isWordCharacter(char32_t cp)
{
    const CharClass cls = charClass(cp);
    return cp == '_' || cls == CharClass::Letter || cls == CharClass::Number;
}

} // namespace

AddedVocabulary AddedVocabulary::fromJson(const nlohmann::json &list, const JsonPlace &place)
{
    AddedVocabulary vocabulary;
    if (list.is_null())
        return vocabulary;
    if (!list.is_array())
        place.fail("expected a list of added tokens", "restore the file from its source");
    for (std::size_t i = 0; i < list.size(); ++i) {
        const auto &entry = list[i];
        const JsonPlace at = place.element(i);
        const auto &id = at.require(entry, "id");
        if (!id.is_number_integer() || id.get<long long>() < 0 || id.get<long long>() > 50'000'000)
            at.member("id").fail("the id " + id.dump() + " is not a whole number from 0 to 50,000,000",
                                 "restore the file from its source");
        AddedToken token;
        token.id = id.get<int>();
        token.content = at.requireString(entry, "content");
        token.special = at.optionalBool(entry, "special", false);
        token.singleWord = at.optionalBool(entry, "single_word", false);
        token.lstrip = at.optionalBool(entry, "lstrip", false);
        token.rstrip = at.optionalBool(entry, "rstrip", false);
        token.normalized = at.optionalBool(entry, "normalized", !token.special);
        if (token.content.empty())
            continue; // the library ignores empty added tokens
        const int index = static_cast<int>(vocabulary.m_tokens.size());
        vocabulary.m_byContent[token.content] = token.id;
        vocabulary.m_byId[token.id] = index;
        vocabulary.m_tokens.push_back(std::move(token));
    }
    return vocabulary;
}

void AddedVocabulary::prepare(const Normalizer &normalizer)
{
    m_matchers = {};
    for (auto &matcher : m_matchers)
        matcher.root.fill(-1);
    for (std::size_t i = 0; i < m_tokens.size(); ++i) {
        const AddedToken &token = m_tokens[i];
        if (!token.normalized) {
            m_matchers[0].add(token.content, static_cast<int>(i));
            continue;
        }
        std::string buffer;
        const std::string_view pattern = normalizer.apply(token.content, buffer);
        if (!pattern.empty())
            m_matchers[1].add(pattern, static_cast<int>(i));
    }
}

void AddedVocabulary::Matcher::add(std::string_view pattern, int token)
{
    tokens.push_back(token);
    const auto first = static_cast<unsigned char>(pattern[0]);
    if (root[first] < 0) {
        root[first] = static_cast<int>(nodes.size());
        nodes.emplace_back();
    }
    int node = root[first];
    for (std::size_t i = 1; i < pattern.size(); ++i) {
        const auto byte = static_cast<unsigned char>(pattern[i]);
        auto &next = nodes[static_cast<std::size_t>(node)].next;
        const auto it = std::find_if(next.begin(), next.end(), [&](const auto &edge) { return edge.first == byte; });
        if (it != next.end()) {
            node = it->second;
            continue;
        }
        const int child = static_cast<int>(nodes.size());
        nodes[static_cast<std::size_t>(node)].next.emplace_back(byte, child);
        nodes.emplace_back();
        node = child;
    }
    nodes[static_cast<std::size_t>(node)].token = token;
}

std::pair<std::size_t, int> AddedVocabulary::Matcher::longestAt(std::string_view text, std::size_t pos) const
{
    int node = root[static_cast<unsigned char>(text[pos])];
    std::pair<std::size_t, int> best{0, -1};
    for (std::size_t i = pos + 1; node >= 0; ++i) {
        const Node &n = nodes[static_cast<std::size_t>(node)];
        if (n.token >= 0)
            best = {i - pos, n.token};
        if (i >= text.size())
            break;
        const auto byte = static_cast<unsigned char>(text[i]);
        const auto it =
            std::find_if(n.next.begin(), n.next.end(), [&](const auto &edge) { return edge.first == byte; });
        node = it == n.next.end() ? -1 : it->second;
    }
    return best;
}

void AddedVocabulary::split(std::string_view text, bool normalizedOnes, std::vector<TextPiece> &pieces) const
{
    const Matcher &matcher = m_matchers[normalizedOnes ? 1 : 0];
    if (matcher.tokens.empty()) {
        if (!text.empty())
            pieces.push_back({0, text.size(), -1});
        return;
    }
    std::size_t done = 0; // end of the last match
    auto isSpaceAt = [&](std::size_t pos) { return charClass(decodeUtf8(text, pos).codePoint) == CharClass::Space; };
    for (std::size_t pos = 0; pos < text.size();) {
        if (matcher.root[static_cast<unsigned char>(text[pos])] < 0) { // the common case, kept cheap
            ++pos;
            continue;
        }
        const auto [length, index] = matcher.longestAt(text, pos);
        if (length == 0) {
            ++pos;
            continue;
        }
        const AddedToken &token = m_tokens[static_cast<std::size_t>(index)];
        std::size_t start = pos, stop = pos + length;
        pos = stop; // matches never overlap, even when single_word discards one
        if (token.singleWord) {
            const bool wordBefore = start > 0
                                 && isWordCharacter(decodeUtf8(text, previousStart(text, start)).codePoint);
            const bool wordAfter = stop < text.size() && isWordCharacter(decodeUtf8(text, stop).codePoint);
            if (wordBefore || wordAfter)
                continue;
        }
        if (token.lstrip)
            while (start > done && isSpaceAt(previousStart(text, start)))
                start = previousStart(text, start);
        if (token.rstrip)
            while (stop < text.size() && isSpaceAt(stop))
                stop += utf8Length(text[stop]);
        pos = stop;
        if (start > done)
            pieces.push_back({done, start - done, -1});
        pieces.push_back({start, stop - start, token.id});
        done = stop;
    }
    if (done < text.size())
        pieces.push_back({done, text.size() - done, -1});
}

const AddedToken *AddedVocabulary::byId(int id) const
{
    const auto it = m_byId.find(id);
    return it == m_byId.end() ? nullptr : &m_tokens[static_cast<std::size_t>(it->second)];
}

std::optional<int> AddedVocabulary::idOf(std::string_view content) const
{
    const auto it = m_byContent.find(content);
    return it == m_byContent.end() ? std::nullopt : std::optional<int>(it->second);
}

} // namespace shiftscope
