#include "audit/templatecheck.h"

#include "audit/textfeatures.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>

namespace shiftscope {

namespace {

constexpr double kDominant = 0.5; // a template exists when at least half the prompts share the value
constexpr double kRare = 0.05;    // values used by fewer prompts than this break it

std::string_view trimmed(std::string_view line)
{
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t' || line.front() == '\r'))
        line.remove_prefix(1);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r'))
        line.remove_suffix(1);
    return line;
}

//! How often each value occurs (each prompt counted once per value), split by split.
struct Tally {
    std::map<std::string, std::vector<ExampleRef>> refs;
    std::map<std::string, int> perSplit[2];
    int prompts[2] = {0, 0};

    int total() const { return prompts[0] + prompts[1]; }
    double share(const std::string &value) const
    {
        auto it = refs.find(value);
        return it == refs.end() || total() == 0 ? 0.0 : double(it->second.size()) / total();
    }
    double splitShare(const std::string &value, int split) const
    {
        auto it = perSplit[split].find(value);
        return it == perSplit[split].end() || prompts[split] == 0 ? 0.0 : double(it->second) / prompts[split];
    }
    //! Values by count, most common first.
    std::vector<std::pair<std::string, int>> ranked() const
    {
        std::vector<std::pair<std::string, int>> out;
        for (const auto &[value, list] : refs)
            out.emplace_back(value, int(list.size()));
        std::stable_sort(out.begin(), out.end(), [](const auto &a, const auto &b) { return a.second > b.second; });
        return out;
    }
};

template <typename ValuesOf>
Tally tally(const std::string &distribution, const std::vector<Example> &train, const std::vector<Example> &test,
            ValuesOf valuesOf)
{
    Tally t;
    for (int s = 0; s < 2; ++s)
        for (const Example &e : s == 0 ? train : test) {
            ++t.prompts[s];
            for (const std::string &value : valuesOf(e.prompt)) {
                t.refs[value].push_back({distribution, s == 0 ? Split::Train : Split::Test, e.position, -1});
                ++t.perSplit[s][value];
            }
        }
    return t;
}

std::string listed(const std::vector<std::pair<std::string, int>> &ranked, int total, std::size_t most)
{
    std::string text;
    for (std::size_t i = 0; i < std::min(most, ranked.size()); ++i)
        text += (i ? ", " : "") + ("\"" + ranked[i].first + "\" ") + formatCountShare(ranked[i].second, total);
    if (ranked.size() > most)
        text += " and " + std::to_string(ranked.size() - most) + " more";
    return text;
}

//! Values most prompts use but one split lacks (or the reverse): the template changed between train and test.
std::vector<std::string> splitChanges(const Tally &t)
{
    std::vector<std::string> changed;
    if (t.prompts[0] == 0 || t.prompts[1] == 0)
        return changed;
    for (const auto &[value, list] : t.refs)
        if (std::abs(t.splitShare(value, 0) - t.splitShare(value, 1)) > kDominant)
            changed.push_back(value);
    return changed;
}

Finding consistency(const std::string &distribution, const std::string &check, const std::string &title,
                    const std::string &what, const Tally &t, int cap)
{
    const auto ranked = t.ranked();
    const double top = ranked.empty() ? 0.0 : t.share(ranked.front().first);
    std::vector<ExampleRef> refs;
    int rareValues = 0;
    if (top >= kDominant)
        for (const auto &[value, count] : ranked)
            if (t.share(value) < kRare) {
                ++rareValues;
                const auto &list = t.refs.at(value);
                refs.insert(refs.end(), list.begin(), list.end());
            }
    std::sort(refs.begin(), refs.end(), [](const ExampleRef &a, const ExampleRef &b) {
        return std::make_pair(a.split, a.position) < std::make_pair(b.split, b.position);
    });
    const auto changed = splitChanges(t);
    const int n = int(refs.size());
    Finding f = makeFinding(check, distribution, title, n, formatCount(n, "prompt"),
                            n > 0 || !changed.empty() ? Severity::Warning : Severity::Info);
    if (top < kDominant)
        f.explanation = "No " + what + " is shared by half the prompts, so there is no fixed template to break ("
                      + listed(ranked, t.total(), 3) + ").";
    else
        f.explanation = "Prompts use " + listed(ranked, t.total(), 4) + ". " + std::to_string(n)
                      + " prompts use one of " + std::to_string(rareValues) + " rare " + what + "s (under "
                      + formatPercent(kRare) + " of prompts), which usually means a formatting slip.";
    for (const auto &value : changed)
        f.explanation += " \"" + value + "\" is in " + formatPercent(t.splitShare(value, 0)) + " of train prompts but "
                       + formatPercent(t.splitShare(value, 1))
                       + " of test prompts: the template changes between splits.";
    setEvidence(f, std::move(refs), cap);
    return f;
}

} // namespace

std::string TemplateCheck::promptEnding(std::string_view prompt)
{
    std::size_t end = prompt.size();
    while (end > 0 && std::string_view(" \t\r\n").find(prompt[end - 1]) != std::string_view::npos)
        --end;
    std::string_view line = prompt.substr(0, end);
    line = line.substr(line.rfind('\n') == std::string_view::npos ? 0 : line.rfind('\n') + 1);
    std::string ending;
    std::size_t start = 0, characters = 0;
    for (std::size_t i = line.size(); i > 0; --i)
        if ((static_cast<unsigned char>(line[i - 1]) & 0xC0) != 0x80 && ++characters == 30) {
            start = i - 1;
            break;
        }
    if (start > 0)
        ending = "...";
    ending += line.substr(start);
    for (char c : prompt.substr(end))
        ending += c == '\n' ? "\\n" : c == '\t' ? "\\t" : c == '\r' ? "\\r" : "\xe2\x90\xa3"; // U+2423 for a space
    return ending;
}

std::vector<std::string> TemplateCheck::sectionMarkers(std::string_view prompt)
{
    static constexpr std::array<std::string_view, 7> speakers = {
        "Human:", "Assistant:", "User:", "System:", "Question:", "Answer:", "Comment:"};
    std::vector<std::string> markers;
    std::size_t begin = 0;
    while (begin <= prompt.size()) {
        std::size_t end = prompt.find('\n', begin);
        if (end == std::string_view::npos)
            end = prompt.size();
        const std::string_view line = trimmed(prompt.substr(begin, end - begin));
        std::string marker;
        // "### Instruction:": hashes, then words, then a colon; code comments rarely end with a colon.
        if (line.size() > 2 && line.size() <= 60 && line.front() == '#' && line.back() == ':')
            marker = normalizeWhitespace(line);
        for (std::string_view speaker : speakers)
            if (line.substr(0, speaker.size()) == speaker)
                marker = std::string(speaker);
        if (!marker.empty() && std::find(markers.begin(), markers.end(), marker) == markers.end())
            markers.push_back(std::move(marker));
        begin = end + 1;
    }
    return markers;
}

std::vector<Finding> TemplateCheck::run(const std::string &distribution, const std::vector<Example> &train,
                                        const std::vector<Example> &test, int cap)
{
    const Tally endings = tally(distribution, train, test,
                                [](std::string_view prompt) { return std::vector<std::string>{promptEnding(prompt)}; });
    const Tally markers = tally(distribution, train, test, [](std::string_view prompt) {
        auto list = sectionMarkers(prompt);
        return list.empty() ? std::vector<std::string>{"(no markers)"} : list;
    });
    return {consistency(distribution, "structure.prompt_ending", "Prompts that end differently from the rest", "ending",
                        endings, cap),
            consistency(distribution, "structure.section_markers", "Prompts with unusual section markers", "marker",
                        markers, cap)};
}

} // namespace shiftscope
