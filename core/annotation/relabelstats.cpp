#include "annotation/relabelstats.h"

#include <map>
#include <set>
#include <tuple>

namespace shiftscope {

namespace {

using PairKey = std::tuple<std::string, Split, std::string, int>;

PairKey keyOf(const RelabelJudgement &j) { return {j.distribution, j.split, j.exampleHash, j.dispreferredPosition}; }

template <typename GroupOf>
std::vector<Agreement> grouped(const std::vector<RelabelJudgement> &judgements, GroupOf groupOf)
{
    std::map<std::string, std::vector<RelabelJudgement>> groups;
    for (const auto &j : judgements)
        groups[groupOf(j)].push_back(j);
    std::vector<Agreement> out;
    for (const auto &[name, list] : groups)
        out.push_back(RelabelStats::agreement(list, name));
    return out;
}

} // namespace

Agreement RelabelStats::agreement(const std::vector<RelabelJudgement> &judgements, const std::string &group)
{
    Agreement a;
    a.group = group;
    for (const auto &j : judgements) {
        if (j.choice == RelabelChoice::Skip) {
            ++a.skipped;
            continue;
        }
        ++a.judged;
        a.agreeing += j.choice == RelabelChoice::Preferred ? 1 : 0;
    }
    a.rate = a.judged > 0 ? double(a.agreeing) / a.judged : 0.0;
    a.interval = wilsonInterval(a.rate, a.judged);
    return a;
}

Kappa RelabelStats::kappa(const std::vector<RelabelJudgement> &judgements, const std::string &first,
                          const std::string &second)
{
    std::map<PairKey, RelabelChoice> a, b;
    for (const auto &j : judgements) {
        if (j.choice == RelabelChoice::Skip)
            continue;
        if (j.annotator == first)
            a[keyOf(j)] = j.choice;
        else if (j.annotator == second)
            b[keyOf(j)] = j.choice;
    }
    Kappa k;
    k.first = first;
    k.second = second;
    int same = 0, firstPreferred = 0, secondPreferred = 0;
    for (const auto &[key, choice] : a) {
        auto it = b.find(key);
        if (it == b.end())
            continue;
        ++k.shared;
        same += choice == it->second ? 1 : 0;
        firstPreferred += choice == RelabelChoice::Preferred ? 1 : 0;
        secondPreferred += it->second == RelabelChoice::Preferred ? 1 : 0;
    }
    if (k.shared == 0)
        return k;
    const double n = k.shared, p1 = firstPreferred / n, p2 = secondPreferred / n;
    k.observed = same / n;
    k.expected = p1 * p2 + (1.0 - p1) * (1.0 - p2);
    if (k.expected < 1.0)
        k.kappa = (k.observed - k.expected) / (1.0 - k.expected);
    return k;
}

RelabelSummary RelabelStats::summarise(const std::vector<RelabelJudgement> &judgements)
{
    RelabelSummary s;
    s.overall = agreement(judgements);
    s.byDistribution = grouped(judgements, [](const RelabelJudgement &j) { return j.distribution; });
    s.byAnnotator = grouped(judgements, [](const RelabelJudgement &j) { return j.annotator; });
    std::set<std::string> names;
    for (const auto &j : judgements)
        names.insert(j.annotator);
    for (auto a = names.begin(); a != names.end(); ++a)
        for (auto b = std::next(a); b != names.end(); ++b) {
            Kappa k = kappa(judgements, *a, *b);
            if (k.shared > 0)
                s.kappas.push_back(std::move(k));
        }
    return s;
}

} // namespace shiftscope
