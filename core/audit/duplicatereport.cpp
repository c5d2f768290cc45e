#include "audit/duplicatereport.h"

#include <algorithm>

namespace shiftscope {

namespace {

using Comparison = DuplicateReport::Comparison;

std::string describe(Comparison c)
{
    switch (c) {
    case Comparison::Train: return "within train";
    case Comparison::Test: return "within test";
    case Comparison::TrainTest: return "between train and test";
    case Comparison::SourceTarget: return "between source and target";
    }
    return {};
}

std::string why(Comparison c)
{
    switch (c) {
    case Comparison::Train:
    case Comparison::Test:
        return "Repeats give some examples more weight than others and shrink the effective size of the split.";
    case Comparison::TrainTest:
        return "Test examples also seen in training measure memory, not generalisation (leakage).";
    case Comparison::SourceTarget:
        return "Target examples that are also source examples are not shifted: the shift is weaker than it looks.";
    }
    return {};
}

//! Examples on the counted side, each once.
int countedMembers(const std::vector<ExampleRef> &refs, const std::function<bool(const ExampleRef &)> &counted)
{
    std::vector<std::pair<Split, int>> seen;
    for (const auto &r : refs)
        if (!counted || counted(r))
            seen.emplace_back(r.split, r.position);
    std::sort(seen.begin(), seen.end());
    return int(std::unique(seen.begin(), seen.end()) - seen.begin());
}

Severity exactSeverity(Comparison c, int count, double share)
{
    if (count == 0)
        return Severity::Info;
    if (c == Comparison::TrainTest)
        return Severity::Problem;
    return share >= (c == Comparison::SourceTarget ? 0.10 : 0.05) ? Severity::Problem : Severity::Warning;
}

} // namespace

std::string_view DuplicateReport::suffix(Comparison c)
{
    switch (c) {
    case Comparison::Train: return "train";
    case Comparison::Test: return "test";
    case Comparison::TrainTest: return "train_test";
    case Comparison::SourceTarget: return "source_target";
    }
    return {};
}

std::vector<Finding> DuplicateReport::findings(const DuplicateResult &result, Comparison c, const std::string &scope,
                                               int examples, const std::function<bool(const ExampleRef &)> &counted,
                                               int cap)
{
    const std::string end = "." + std::string(suffix(c));
    const auto share = [&](int n) { return examples > 0 ? double(n) / examples : 0.0; };
    std::vector<Finding> out;

    std::vector<ExampleRef> refs;
    int conflicts = 0;
    for (const auto &g : result.exact) {
        refs.insert(refs.end(), g.members.begin(), g.members.end());
        conflicts += g.conflictingLabels ? 1 : 0;
    }
    int n = countedMembers(refs, counted);
    Finding exact = makeFinding("duplicates.exact" + end, scope, "Exact duplicates " + describe(c), n,
                                formatCountShare(n, examples), exactSeverity(c, n, share(n)));
    exact.explanation = std::to_string(result.exact.size()) + " groups of examples with the same prompt and responses "
                      + "(after whitespace normalisation) " + describe(c) + ", covering " + std::to_string(n)
                      + " examples; " + std::to_string(conflicts) + " groups disagree on the preferred response. "
                      + why(c);
    setEvidence(exact, std::move(refs), cap);
    out.push_back(std::move(exact));

    refs.clear();
    for (const auto &p : result.near) {
        refs.push_back(p.first);
        refs.push_back(p.second);
    }
    n = int(result.near.size());
    Finding near = makeFinding("duplicates.near" + end, scope, "Near duplicates " + describe(c), n,
                               formatCount(n, "pair"), n > 0 ? Severity::Warning : Severity::Info);
    near.explanation = std::to_string(n) + " pairs of examples " + describe(c)
                     + " share most of their word shingles (Jaccard similarity of word shingles at or above the "
                       "threshold, template text left out) without being identical. Listed in pairs, most similar "
                       "first. "
                     + why(c);
    setEvidence(near, std::move(refs), cap);
    out.push_back(std::move(near));

    refs.clear();
    for (const auto &g : result.samePrompt)
        refs.insert(refs.end(), g.members.begin(), g.members.end());
    n = countedMembers(refs, counted);
    const bool across = c == Comparison::TrainTest || c == Comparison::SourceTarget;
    const Severity promptSeverity = n > 0 && (across || share(n) >= 0.05) ? Severity::Warning : Severity::Info;
    Finding prompt = makeFinding("duplicates.prompt" + end, scope, "Same prompt, different responses " + describe(c), n,
                                 formatCountShare(n, examples), promptSeverity);
    prompt.explanation = std::to_string(result.samePrompt.size()) + " prompts occur more than once " + describe(c)
                       + " with different responses (" + std::to_string(n) + " examples). "
                       + (across ? "A model trained on one side has already seen these prompts."
                                 : "Several samples per prompt can be intended; many make the split less varied "
                                   "than its size.");
    setEvidence(prompt, std::move(refs), cap);
    out.push_back(std::move(prompt));
    return out;
}

Finding DuplicateReport::conflictingLabels(const std::vector<const DuplicateResult *> &results,
                                           const std::string &distribution, int cap)
{
    std::vector<std::vector<ExampleRef>> groups;
    for (const auto *r : results)
        for (const auto &g : r->exact)
            if (g.conflictingLabels)
                groups.push_back(g.members);
    // Larger groups first, so a group inside another (train-only members of a train/test group) is dropped.
    std::stable_sort(groups.begin(), groups.end(), [](const auto &a, const auto &b) { return a.size() > b.size(); });
    std::vector<ExampleRef> refs;
    int kept = 0;
    for (std::size_t i = 0; i < groups.size(); ++i) {
        const bool inside = std::any_of(groups.begin(), groups.begin() + std::ptrdiff_t(i), [&](const auto &bigger) {
            return std::all_of(groups[i].begin(), groups[i].end(), [&](const ExampleRef &m) {
                return std::find(bigger.begin(), bigger.end(), m) != bigger.end();
            });
        });
        if (inside)
            continue;
        ++kept;
        refs.insert(refs.end(), groups[i].begin(), groups[i].end());
    }
    Finding f = makeFinding("labels.conflicting", distribution, "Identical examples with conflicting labels", kept,
                            formatCount(kept, "group"), kept > 0 ? Severity::Problem : Severity::Info);
    f.explanation = std::to_string(kept)
                  + " groups of examples have the same prompt and the same responses but a "
                    "different preferred response. At most one label of each group is right.";
    setEvidence(f, std::move(refs), cap);
    return f;
}

} // namespace shiftscope
