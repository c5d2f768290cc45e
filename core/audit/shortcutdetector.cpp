#include "audit/shortcutdetector.h"

#include "audit/pairfeatures.h"
#include "audit/textfeatures.h"
#include "audit/tokenizedsplit.h"

#include <algorithm>
#include <cmath>
#include <random>

namespace shiftscope {

namespace {

//! Logistic regression weights over a vocabulary's ids.
class Model {
public:
    explicit Model(std::size_t features) : m_weights(features, 0.0f) {}

    float &weight(std::uint32_t id) { return m_weights[id]; }
    float weight(std::uint32_t id) const { return m_weights[id]; }
    std::size_t size() const { return m_weights.size(); }

    float margin(const PairFeatures &set, const PairFeatures::Pair &p) const
    {
        float m = 0.0f;
        for (std::size_t k = p.begin; k < p.end; ++k)
            m += m_weights[set.ids[k]] * set.values[k];
        return m;
    }

    double accuracy(const PairFeatures &set) const
    {
        if (set.pairs.empty())
            return 0.5;
        double right = 0.0;
        for (const auto &p : set.pairs) {
            const float m = margin(set, p);
            right += m > 0.0f ? 1.0 : m == 0.0f ? 0.5 : 0.0;
        }
        return right / double(set.pairs.size());
    }

private:
    std::vector<float> m_weights;
};

//! Sparse SGD on log(1 + exp(-w.x)): the pairs are always oriented preferred-first, and with no bias term this
//! is the same as training on randomly flipped pairs with both labels.
void fit(Model &model, const PairFeatures &set, const ShortcutOptions &options)
{
    std::vector<std::size_t> order(set.pairs.size());
    for (std::size_t i = 0; i < order.size(); ++i)
        order[i] = i;
    std::mt19937_64 rng(options.seed);
    for (int epoch = 0; epoch < options.epochs; ++epoch) {
        // Fisher-Yates by hand: std::shuffle's result differs between standard libraries.
        for (std::size_t i = order.size(); i > 1; --i)
            std::swap(order[i - 1], order[std::size_t(rng() % i)]);
        const auto rate = float(options.learningRate / std::sqrt(1.0 + epoch));
        const auto l2 = float(options.l2);
        for (std::size_t index : order) {
            const auto &p = set.pairs[index];
            const float gradient = -1.0f / (1.0f + std::exp(model.margin(set, p)));
            for (std::size_t k = p.begin; k < p.end; ++k) {
                float &w = model.weight(set.ids[k]);
                w -= rate * (gradient * set.values[k] + l2 * w);
            }
        }
    }
}

//! The ids with the strongest weights, strongest first (ties by id, so the order is stable).
std::vector<std::uint32_t> strongest(const Model &model, std::size_t wanted)
{
    std::vector<std::uint32_t> ids;
    for (std::uint32_t id = 0; id < model.size(); ++id)
        if (model.weight(id) != 0.0f)
            ids.push_back(id);
    const auto stronger = [&](std::uint32_t a, std::uint32_t b) {
        const float x = std::abs(model.weight(a)), y = std::abs(model.weight(b));
        return x > y || (x == y && a < b);
    };
    wanted = std::min(wanted, ids.size());
    std::partial_sort(ids.begin(), ids.begin() + std::ptrdiff_t(wanted), ids.end(), stronger);
    ids.resize(wanted);
    return ids;
}

//! The text of an n-gram hash, from the first response that contains it.
std::string ngramText(std::uint64_t hash, const std::vector<const Example *> &examples)
{
    std::vector<Token> tokens;
    for (const Example *e : examples)
        for (const auto &r : e->responses) {
            tokens.clear();
            tokenize(r.text, tokens);
            for (std::size_t i = 0; i < tokens.size(); ++i) {
                std::size_t last = i;
                if (tokens[i].hash != hash) {
                    if (i + 1 >= tokens.size() || combineHash(tokens[i].hash, tokens[i + 1].hash) != hash)
                        continue;
                    last = i + 1;
                }
                std::string text;
                for (std::size_t k = i; k <= last; ++k) {
                    for (char c : std::string_view(r.text).substr(tokens[k].offset, tokens[k].length))
                        text += c >= 'A' && c <= 'Z' ? char(c + 32) : c;
                    text += k < last ? " " : "";
                }
                return text;
            }
        }
    return {};
}

} // namespace

ShortcutDetector::ShortcutDetector(ShortcutOptions options) : m_options(options) {}

ShortcutResult ShortcutDetector::run(const std::string &distribution, const std::vector<Example> &train,
                                     const std::vector<Example> &test) const
{
    return run(distribution, train, test, TokenizedSplit(train), TokenizedSplit(test));
}

ShortcutResult ShortcutDetector::run(const std::string &distribution, const std::vector<Example> &train,
                                     const std::vector<Example> &test, const TokenizedSplit &trainTokens,
                                     const TokenizedSplit &testTokens) const
{
    Vocabulary vocabulary;
    const PairFeatures trainSet(Split::Train, train, trainTokens, vocabulary, true, m_options.seed);
    const PairFeatures testSet(Split::Test, test, testTokens, vocabulary, false);
    ShortcutResult result;
    result.trainPairs = int(trainSet.pairs.size());
    result.testPairs = int(testSet.pairs.size());
    if (trainSet.pairs.empty())
        return result;
    Model model(vocabulary.size());
    fit(model, trainSet, m_options);
    result.trainAccuracy = model.accuracy(trainSet);
    result.testAccuracy = model.accuracy(testSet);

    // Every candidate's pairs in one pass: a pair's difference holds exactly the n-grams in one response only.
    const auto candidates = strongest(model, std::size_t(20 * std::max(1, m_options.topCues)));
    std::vector<int> candidateOf(vocabulary.size(), -1);
    for (std::size_t c = 0; c < candidates.size(); ++c)
        candidateOf[candidates[c]] = int(c);
    std::vector<std::vector<std::pair<const PairFeatures *, std::size_t>>> with(candidates.size());
    std::vector<int> against(candidates.size(), 0);
    for (const PairFeatures *set : {&trainSet, &testSet})
        for (std::size_t p = 0; p < set->pairs.size(); ++p)
            for (std::size_t k = set->pairs[p].begin; k < set->pairs[p].end; ++k) {
                const int c = candidateOf[set->ids[k]];
                if (c < 0)
                    continue;
                if ((set->values[k] > 0) == (model.weight(set->ids[k]) > 0))
                    with[std::size_t(c)].emplace_back(set, p);
                else
                    ++against[std::size_t(c)];
            }

    std::vector<const Example *> examples;
    for (const auto *split : {&train, &test})
        for (const auto &e : *split)
            examples.push_back(&e);
    for (std::size_t c = 0; c < candidates.size(); ++c) {
        const float weight = model.weight(candidates[c]);
        auto &list = weight > 0 ? result.preferredCues : result.dispreferredCues;
        const int count = int(with[c].size());
        if (int(list.size()) >= m_options.topCues || count < m_options.minCuePairs || count <= against[c])
            continue;
        Cue cue;
        cue.preferred = weight > 0;
        cue.weight = weight;
        cue.with = count;
        cue.against = against[c];
        for (const auto &[set, p] : with[c])
            cue.pairs.push_back({distribution, set->split, set->pairs[p].position, set->pairs[p].dispreferred});
        cue.text = ngramText(vocabulary.hash(candidates[c]), examples);
        list.push_back(std::move(cue));
    }
    return result;
}

std::vector<Finding> ShortcutDetector::findings(const ShortcutResult &r, const std::string &distribution, int cap)
{
    std::vector<Finding> out;
    // Response quality is legitimately in the responses, so high accuracy alone is a warning; near-certain
    // markers (below) are the problems.
    const std::string figure = formatPercent(r.testAccuracy) + " (train " + formatPercent(r.trainAccuracy) + ")";
    Finding accuracy = makeFinding("shortcut.accuracy", distribution, "Response-only classifier accuracy on test",
                                   r.testAccuracy, figure,
                                   chanceRuleSeverity(r.testAccuracy, r.testPairs, Severity::Warning));
    accuracy.explanation =
        r.trainPairs == 0
            ? "No training pairs, so no classifier was trained."
            : "A bag-of-words classifier that sees only the two responses, never the prompt, was trained on "
                  + std::to_string(r.trainPairs) + " train pairs (one per example, as GENIES trains) and picks the "
                  + "preferred response in " + formatPercent(r.testAccuracy) + " of " + std::to_string(r.testPairs)
                  + " test pairs (50% is chance). What it uses is listed as cues.";
    out.push_back(std::move(accuracy));
    const int total = r.trainPairs + r.testPairs;
    for (const auto *list : {&r.preferredCues, &r.dispreferredCues})
        for (const auto &cue : *list) {
            const std::string label = cue.preferred ? "preferred" : "dispreferred";
            const double coverage = total > 0 ? double(cue.with) / total : 0.0;
            const double purity = double(cue.with) / double(cue.with + cue.against);
            const bool common = coverage >= 0.05 && cue.with >= 5;
            const Severity severity = common && purity >= 0.95 ? Severity::Problem
                                    : common && purity >= 0.8  ? Severity::Warning
                                                               : Severity::Info;
            Finding f = makeFinding("shortcut.cue." + label, distribution,
                                    "Cue for the " + label + " response: \"" + cue.text + "\"", coverage,
                                    formatCountShare(cue.with, total), severity, cue.text);
            f.explanation = "\"" + cue.text + "\" is in only the " + label + " response of " + std::to_string(cue.with)
                          + " pairs and in only the other response of " + std::to_string(cue.against)
                          + " (train and test). A model can pick the " + label + " response by looking for it.";
            setEvidence(f, cue.pairs, cap);
            out.push_back(std::move(f));
        }
    return out;
}

} // namespace shiftscope
