#include "analysis/cue.h"

#include "util/errors.h"
#include "util/utf8.h"

#include <cmath>
#include <regex>

namespace shiftscope {

struct Cue::Compiled {
    std::regex expression;
};

namespace {

std::string escapedForRegex(const std::string &word)
{
    static const std::string special = R"(\^$.|?*+()[]{}/-)";
    std::string out;
    for (const char c : word) {
        if (special.find(c) != std::string::npos)
            out += '\\';
        out += c;
    }
    return out;
}

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

//! ECMAScript syntax, matched in time linear in the text (libstdc++'s breadth-first matcher): a backtracking match
//! can take exponential time on a pattern such as ((a|b)*)*x, and recurses once per character, so a response of
//! some hundred thousand characters would exhaust the stack. Among alternatives it takes the longest match.
constexpr auto kMatching = std::regex::ECMAScript | std::regex_constants::__polynomial;

} // namespace

Cue Cue::length()
{
    Cue cue;
    cue.m_kind = Kind::Length;
    cue.m_description = "length";
    return cue;
}

Cue Cue::regex(const std::string &pattern, const std::string &place)
{
    Cue cue;
    cue.m_kind = Kind::Regex;
    cue.m_description = "regex /" + pattern + "/";
    auto compiled = std::make_shared<Compiled>();
    try {
        compiled->expression = std::regex(pattern, kMatching);
    } catch (const std::regex_error &e) {
        if (e.code() == std::regex_constants::error_backref)
            throw InputError(InputProblem{{},
                                          place,
                                          "'" + pattern
                                              + "' has a back-reference (\\1...), which can take exponential "
                                                "time on long responses",
                                          "write the repeated text out instead of referring back to it"});
        throw InputError(InputProblem{{},
                                      place,
                                      "'" + pattern + "' is not a regular expression (" + e.what() + ")",
                                      "write an ECMAScript regular expression, e.g. \"^Sure!\" or \"As an AI\""});
    }
    if (std::regex_match(std::string(), compiled->expression))
        throw InputError(InputProblem{{},
                                      place,
                                      "'" + pattern + "' matches the empty text, so it is everywhere",
                                      "write an expression that needs at least one character"});
    cue.m_compiled = std::move(compiled);
    return cue;
}

Cue Cue::words(const std::vector<std::string> &words, const std::string &file)
{
    std::string alternatives;
    int count = 0;
    for (const std::string &word : words) {
        if (word.empty())
            continue;
        alternatives += (alternatives.empty() ? "" : "|") + escapedForRegex(word);
        ++count;
    }
    if (count == 0)
        throw InputError(InputProblem{file, {}, "the word list is empty", "put one word or phrase on each line"});
    Cue cue;
    cue.m_kind = Kind::Words;
    cue.m_description = "words from " + file + " (" + std::to_string(count) + ")";
    auto compiled = std::make_shared<Compiled>();
    compiled->expression = std::regex("\\b(?:" + alternatives + ")\\b", kMatching | std::regex::icase);
    cue.m_compiled = std::move(compiled);
    return cue;
}

double Cue::strength(const std::string &text) const
{
    if (m_kind == Kind::Length)
        return double(codePointCount(text));
    return double(matches(text).size());
}

std::vector<std::string> Cue::matches(const std::string &text, bool *atStart) const
{
    std::vector<std::string> found;
    if (atStart)
        *atStart = false;
    if (!m_compiled)
        return found;
    for (auto it = std::sregex_iterator(text.begin(), text.end(), m_compiled->expression); it != std::sregex_iterator();
         ++it) {
        if (it->length(0) == 0)
            continue;
        if (found.empty() && atStart)
            *atStart = it->position(0) == 0;
        found.push_back(it->str(0));
    }
    return found;
}

std::string Cue::removed(const std::string &text) const
{
    if (!m_compiled)
        return text;
    std::string out;
    std::size_t from = 0;
    for (auto it = std::sregex_iterator(text.begin(), text.end(), m_compiled->expression); it != std::sregex_iterator();
         ++it) {
        const auto begin = std::size_t(it->position(0)), end = begin + std::size_t(it->length(0));
        if (end == begin)
            continue;
        out += text.substr(from, begin - from);
        from = end;
        // One space goes with the match: the one after it at the start of the text, else the one before it.
        if (out.empty())
            while (from < text.size() && isSpace(text[from]))
                ++from;
        else if (isSpace(out.back()) && (from == text.size() || isSpace(text[from])))
            out.pop_back();
    }
    out += text.substr(from);
    return out;
}

Counterfactual buildCounterfactual(const std::vector<Example> &examples, const Cue &cue, CounterfactualKind kind)
{
    Counterfactual result{examples, 0};
    if (kind == CounterfactualKind::None || !cue.movable())
        return result;
    for (Example &example : result.examples) {
        const int pairs = example.pairCount();
        if (kind == CounterfactualKind::Remove) {
            bool changed = false;
            for (Response &response : example.responses) {
                std::string text = cue.removed(response.text);
                changed = changed || text != response.text;
                response.text = std::move(text);
            }
            result.changedPairs += changed ? pairs : 0;
            continue;
        }
        if (example.responses.size() != 2)
            continue;
        bool startA = false, startB = false;
        const auto a = cue.matches(example.responses[0].text, &startA);
        const auto b = cue.matches(example.responses[1].text, &startB);
        if (a.empty() == b.empty())
            continue;
        const std::size_t from = a.empty() ? 1 : 0, to = 1 - from;
        const auto &moved = a.empty() ? b : a;
        std::string piece;
        for (const std::string &m : moved)
            piece += (piece.empty() ? "" : " ") + m;
        Response &source = example.responses[from];
        Response &target = example.responses[to];
        source.text = cue.removed(source.text);
        if (a.empty() ? startB : startA)
            target.text = piece + (isSpace(piece.back()) ? "" : " ") + target.text;
        else
            target.text = target.text + (target.text.empty() || isSpace(target.text.back()) ? "" : " ") + piece;
        result.changedPairs += pairs;
    }
    return result;
}

namespace {

double pearson(const std::vector<double> &x, const std::vector<double> &y)
{
    const auto n = double(x.size());
    double mx = 0, my = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        mx += x[i] / n;
        my += y[i] / n;
    }
    double sxy = 0, sxx = 0, syy = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        sxy += (x[i] - mx) * (y[i] - my);
        sxx += (x[i] - mx) * (x[i] - mx);
        syy += (y[i] - my) * (y[i] - my);
    }
    return sxx > 0 && syy > 0 ? sxy / std::sqrt(sxx * syy) : NAN;
}

} // namespace

CueFigures cueFigures(const std::vector<Example> &examples, const std::vector<double> &p, const Cue &cue)
{
    CueFigures figures;
    const std::vector<PairRef> pairs = pairsInOrder(examples);
    std::vector<int> indexOf;
    for (std::size_t i = 0; i < examples.size(); ++i) {
        const auto position = std::size_t(examples[i].position);
        if (indexOf.size() <= position)
            indexOf.resize(position + 1, -1);
        indexOf[position] = int(i);
    }
    double cueRight = 0, agreed = 0, right = 0;
    int scored = 0;
    std::vector<double> preference, sign, label; // each pair in both orders
    for (std::size_t k = 0; k < pairs.size() && k < p.size(); ++k) {
        if (std::isnan(p[k]))
            continue;
        ++scored;
        right += p[k] >= 0.5;
        const Example &e = examples[std::size_t(indexOf[std::size_t(pairs[k].examplePosition)])];
        const double difference = cue.strength(e.responses[std::size_t(pairs[k].preferredIndex)].text)
                                - cue.strength(e.responses[std::size_t(pairs[k].dispreferredIndex)].text);
        if (difference == 0)
            continue;
        ++figures.cuePairs;
        const double s = difference > 0 ? 1.0 : -1.0; // +1: the cue points at the preferred response
        cueRight += s > 0;
        const double m = 2 * p[k] - 1; // > 0: the method prefers the preferred response
        agreed += m == 0 ? 0.5 : double((m > 0) == (s > 0));
        for (const double order : {1.0, -1.0}) {
            preference.push_back(order * m);
            sign.push_back(order * s);
            label.push_back(order);
        }
    }
    figures.pairs = scored;
    if (scored > 0)
        figures.accuracy = right / scored;
    if (figures.cuePairs == 0)
        return figures;
    figures.cueAccuracy = cueRight / figures.cuePairs;
    figures.agreement = agreed / figures.cuePairs;
    const double ys = pearson(preference, sign), yl = pearson(preference, label), sl = pearson(sign, label);
    if (!std::isnan(ys) && !std::isnan(yl) && !std::isnan(sl) && std::fabs(sl) < 1 - 1e-12 && std::fabs(yl) < 1 - 1e-12)
        figures.partialCorrelation = (ys - yl * sl) / std::sqrt((1 - yl * yl) * (1 - sl * sl));
    return figures;
}

} // namespace shiftscope
