#include "data/worddiff.h"

#include <algorithm>
#include <cctype>

namespace shiftscope {

namespace {

//! Words with their trailing whitespace, so joining them restores the text exactly.
std::vector<std::string_view> tokens(std::string_view text)
{
    std::vector<std::string_view> out;
    std::size_t i = 0;
    // Leading whitespace belongs to a token of its own.
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i])))
        ++i;
    if (i > 0)
        out.push_back(text.substr(0, i));
    while (i < text.size()) {
        std::size_t start = i;
        while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i])))
            ++i;
        while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i])))
            ++i;
        out.push_back(text.substr(start, i - start));
    }
    return out;
}

std::string_view word(std::string_view token)
{
    const auto end = token.find_last_not_of(" \t\r\n");
    return end == std::string_view::npos ? token : token.substr(0, end + 1);
}

void append(std::vector<DiffSpan> &out, DiffSpan::Kind kind, std::string_view text)
{
    if (!out.empty() && out.back().kind == kind)
        out.back().text += text;
    else
        out.push_back({kind, std::string(text)});
}

} // namespace

std::vector<DiffSpan> wordDiff(std::string_view first, std::string_view second, std::size_t maxWords)
{
    const auto a = tokens(first);
    const auto b = tokens(second);
    std::vector<DiffSpan> out;
    if (a.size() > maxWords || b.size() > maxWords) {
        if (!first.empty())
            out.push_back({DiffSpan::OnlyFirst, std::string(first)});
        if (!second.empty())
            out.push_back({DiffSpan::OnlySecond, std::string(second)});
        return out;
    }
    // lcs[i][j] = length of the LCS of a[i..] and b[j..].
    const std::size_t n = a.size(), m = b.size();
    std::vector<std::vector<int>> lcs(n + 1, std::vector<int>(m + 1, 0));
    for (std::size_t i = n; i-- > 0;)
        for (std::size_t j = m; j-- > 0;)
            lcs[i][j] = word(a[i]) == word(b[j]) ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
    std::size_t i = 0, j = 0;
    while (i < n && j < m) {
        if (word(a[i]) == word(b[j])) {
            // Common word; whitespace may differ, so keep each side's own when it does.
            if (a[i] == b[j]) {
                append(out, DiffSpan::Same, a[i]);
            } else {
                append(out, DiffSpan::Same, word(a[i]));
                append(out, DiffSpan::OnlyFirst, a[i].substr(word(a[i]).size()));
                append(out, DiffSpan::OnlySecond, b[j].substr(word(b[j]).size()));
            }
            ++i;
            ++j;
        } else if (lcs[i + 1][j] >= lcs[i][j + 1]) {
            append(out, DiffSpan::OnlyFirst, a[i++]);
        } else {
            append(out, DiffSpan::OnlySecond, b[j++]);
        }
    }
    for (; i < n; ++i)
        append(out, DiffSpan::OnlyFirst, a[i]);
    for (; j < m; ++j)
        append(out, DiffSpan::OnlySecond, b[j]);
    std::erase_if(out, [](const DiffSpan &s) { return s.text.empty(); });
    return out;
}

} // namespace shiftscope
