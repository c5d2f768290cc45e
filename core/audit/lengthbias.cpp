#include "audit/lengthbias.h"

#include "util/utf8.h"

#include <algorithm>
#include <cmath>

namespace shiftscope {

namespace {

//! The pairs that follow the split's majority direction, most lopsided first: the evidence of a bias.
std::vector<ExampleRef> evidence(const LengthBiasResult &r, const std::string &distribution, Split split)
{
    const bool longerWins = r.preferredLonger >= r.preferredShorter;
    std::vector<const PairLengths *> following;
    for (const auto &p : r.lengths)
        if (longerWins ? p.preferredLength > p.dispreferredLength : p.preferredLength < p.dispreferredLength)
            following.push_back(&p);
    const auto ratio = [](const PairLengths *p) {
        return std::abs(std::log((p->preferredLength + 1.0) / (p->dispreferredLength + 1.0)));
    };
    std::stable_sort(following.begin(), following.end(),
                     [&](const PairLengths *a, const PairLengths *b) { return ratio(a) > ratio(b); });
    std::vector<ExampleRef> refs;
    for (const auto *p : following)
        refs.push_back({distribution, split, p->position, p->dispreferred});
    return refs;
}

std::string describe(const LengthBiasResult &r)
{
    return "the preferred response is longer in " + formatCountShare(r.preferredLonger, r.pairs) + " of "
         + std::to_string(r.pairs) + " pairs, shorter in " + formatCountShare(r.preferredShorter, r.pairs)
         + ", as long in " + std::to_string(r.ties);
}

} // namespace

double LengthBiasResult::longerShare() const { return pairs > 0 ? double(preferredLonger) / pairs : 0.0; }

double LengthBiasResult::longerRuleAccuracy() const { return pairs > 0 ? (preferredLonger + 0.5 * ties) / pairs : 0.5; }

LengthBiasResult LengthBias::measure(const std::vector<Example> &examples)
{
    LengthBiasResult r;
    for (const auto &e : examples) {
        const int best = e.preferredIndex();
        if (best < 0)
            continue;
        const int bestLength = int(codePointCount(e.responses[std::size_t(best)].text));
        for (std::size_t i = 0; i < e.responses.size(); ++i) {
            if (e.responses[i].label != 0)
                continue;
            const int length = int(codePointCount(e.responses[i].text));
            r.lengths.push_back({e.position, int(i), bestLength, length});
            ++r.pairs;
            if (bestLength > length)
                ++r.preferredLonger;
            else if (bestLength < length)
                ++r.preferredShorter;
            else
                ++r.ties;
        }
    }
    return r;
}

Finding LengthBias::finding(const LengthBiasResult &r, const std::string &distribution, Split split, int cap)
{
    const std::string splitText(splitName(split));
    const double accuracy = r.longerRuleAccuracy();
    Finding f = makeFinding("length_bias." + splitText, distribution,
                            "Preferred response is the longer one (" + splitText + ")", r.longerShare(),
                            formatPercent(r.longerShare()), chanceRuleSeverity(accuracy, r.pairs));
    f.explanation = "In " + splitText + ", " + describe(r) + ". The rule 'prefer the longer response' is right for "
                  + formatPercent(accuracy) + " of pairs (50% is no bias); 'prefer the shorter' for "
                  + formatPercent(1.0 - accuracy) + ". A model can reach that accuracy without reading the answers.";
    if (f.severity != Severity::Info)
        setEvidence(f, evidence(r, distribution, split), cap);
    return f;
}

Finding LengthBias::flipFinding(const LengthBiasResult &source, const LengthBiasResult &target, const ShiftPair &shift,
                                int cap)
{
    const double a = source.longerRuleAccuracy(), b = target.longerRuleAccuracy();
    const Severity sourceBias = chanceRuleSeverity(a, source.pairs), targetBias = chanceRuleSeverity(b, target.pairs);
    // A flip: each side leans clearly (a warning or more on its own), and in opposite directions.
    const bool flipped = sourceBias != Severity::Info && targetBias != Severity::Info && (a > 0.5) != (b > 0.5);
    const bool byDesign = shift.category == "spurious_cues";
    const Severity severity = !flipped ? Severity::Info : byDesign ? Severity::Warning : Severity::Problem;
    const std::string scope = shiftScopeName(shift.source, shift.target);
    Finding f = makeFinding("length_bias.flip", scope, "Length bias flips between source and target", b - a,
                            "longer wins " + formatPercent(a) + " -> " + formatPercent(b), severity);
    f.explanation = "'Prefer the longer response' is right for " + formatPercent(a) + " of " + shift.source
                  + " training pairs and " + formatPercent(b) + " of " + shift.target + " test pairs. ";
    if (!flipped)
        f.explanation += "The direction does not flip.";
    else if (byDesign)
        f.explanation += "The direction flips; this is a spurious-cue shift, so length is likely the cue it plants.";
    else
        f.explanation += "The direction flips, so a model that learned length from the source fails the target for "
                         "that reason alone. Unless the shift is meant to test a length cue, this is a flaw of the "
                         "data.";
    if (flipped) {
        auto refs = evidence(source, shift.source, Split::Train);
        const auto targetRefs = evidence(target, shift.target, Split::Test);
        const int total = int(refs.size() + targetRefs.size());
        // Half the evidence from each side, so both directions are one click away.
        refs.resize(std::min(refs.size(), std::size_t(std::max(1, cap / 2))));
        refs.insert(refs.end(), targetRefs.begin(), targetRefs.end());
        setEvidence(f, std::move(refs), cap);
        f.exampleCount = total;
    }
    return f;
}

} // namespace shiftscope
