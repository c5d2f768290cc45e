#include "audit/structurechecks.h"

#include "audit/textfeatures.h"

#include <algorithm>
#include <cmath>

namespace shiftscope {

namespace {

//! Both splits of a distribution, walked example by example.
struct Input {
    const std::string &distribution;
    const std::vector<Example> &train;
    const std::vector<Example> &test;
    int cap;

    template <typename F>
    void forEach(F f) const
    {
        for (const Example &e : train)
            f(Split::Train, e);
        for (const Example &e : test)
            f(Split::Test, e);
    }
    ExampleRef ref(Split split, const Example &e, int response = -1) const
    {
        return {distribution, split, e.position, response};
    }
    int examples() const { return int(train.size() + test.size()); }
};

Finding identicalResponses(const Input &in)
{
    std::vector<ExampleRef> refs;
    std::vector<std::size_t> visible;
    in.forEach([&](Split split, const Example &e) {
        visible.clear();
        for (std::size_t i = 0; i < e.responses.size(); ++i) {
            const std::string &text = e.responses[i].text;
            // Texts equal after normalisation have as many non-space bytes: compare only those.
            visible.push_back(visibleLength(text));
            for (std::size_t k = 0; k < i; ++k)
                if (visible[k] == visible[i] && normalizeWhitespace(e.responses[k].text) == normalizeWhitespace(text)) {
                    refs.push_back(in.ref(split, e, int(i)));
                    break;
                }
        }
    });
    const int n = int(refs.size());
    Finding f = makeFinding("structure.identical_responses", in.distribution,
                            "Responses identical after whitespace normalisation", n, std::to_string(n),
                            n > 0 ? Severity::Problem : Severity::Info);
    f.explanation = "Responses of one example that differ only in whitespace: " + std::to_string(n)
                  + ". A pair of such responses cannot be judged; its label is noise.";
    setEvidence(f, std::move(refs), in.cap);
    return f;
}

Finding emptyTexts(const Input &in)
{
    std::vector<ExampleRef> refs;
    int prompts = 0;
    in.forEach([&](Split split, const Example &e) {
        if (isBlank(e.prompt)) {
            refs.push_back(in.ref(split, e));
            ++prompts;
        }
        for (std::size_t i = 0; i < e.responses.size(); ++i)
            if (isBlank(e.responses[i].text))
                refs.push_back(in.ref(split, e, int(i)));
    });
    const int n = int(refs.size());
    Finding f = makeFinding("structure.empty_text", in.distribution, "Empty or whitespace-only prompts and responses",
                            n, std::to_string(n), n > 0 ? Severity::Problem : Severity::Info);
    f.explanation = std::to_string(prompts) + " prompts and " + std::to_string(n - prompts)
                  + " responses are empty or only whitespace.";
    setEvidence(f, std::move(refs), in.cap);
    return f;
}

Finding preferredPosition(const Input &in)
{
    std::vector<int> counts;
    std::vector<ExampleRef> earlier, later;
    in.forEach([&](Split split, const Example &e) {
        const int best = e.preferredIndex();
        if (best < 0)
            return;
        counts.resize(std::max(counts.size(), e.responses.size()), 0);
        ++counts[std::size_t(best)];
        for (std::size_t i = 0; i < e.responses.size(); ++i)
            if (e.responses[i].label == 0)
                (best < int(i) ? earlier : later).push_back(in.ref(split, e, int(i)));
    });
    const int pairs = int(earlier.size() + later.size());
    const double accuracy = pairs > 0 ? double(earlier.size()) / pairs : 0.5;
    // Capped at a warning: a reward model scores each response alone and never sees the file order; only methods
    // that show the responses together (multiple choice, few-shot) can use it.
    Finding f = makeFinding("structure.preferred_position", in.distribution,
                            "Preferred response comes first in file order", accuracy, formatPercent(accuracy),
                            chanceRuleSeverity(accuracy, pairs, Severity::Warning));
    std::string histogram;
    for (std::size_t i = 0; i < counts.size(); ++i)
        histogram += (i ? ", " : "") + std::string("position ") + std::to_string(i) + ": " + std::to_string(counts[i]);
    f.explanation = "In " + formatPercent(accuracy) + " of " + std::to_string(pairs)
                  + " pairs the preferred response comes before the dispreferred one in the file (examples by "
                    "preferred position: "
                  + histogram
                  + "). It matters to methods that show both responses in file "
                    "order.";
    if (f.severity != Severity::Info)
        setEvidence(f, accuracy >= 0.5 ? earlier : later, in.cap);
    return f;
}

//! A few characters around `offset`, cut at character boundaries.
std::string snippet(std::string_view text, std::size_t offset)
{
    std::size_t begin = offset > 12 ? offset - 12 : 0, end = std::min(text.size(), offset + 12);
    while (begin > 0 && (static_cast<unsigned char>(text[begin]) & 0xC0) == 0x80)
        --begin;
    while (end < text.size() && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80)
        ++end;
    return normalizeWhitespace(text.substr(begin, end - begin));
}

Finding encoding(const Input &in)
{
    std::vector<ExampleRef> refs;
    std::string first;
    const auto check = [&](std::string_view text, ExampleRef ref) {
        if (auto offset = findEncodingDamage(text)) {
            if (first.empty())
                first = snippet(text, *offset);
            refs.push_back(std::move(ref));
        }
    };
    in.forEach([&](Split split, const Example &e) {
        check(e.prompt, in.ref(split, e));
        for (std::size_t i = 0; i < e.responses.size(); ++i)
            check(e.responses[i].text, in.ref(split, e, int(i)));
    });
    const int n = int(refs.size());
    Finding f = makeFinding("structure.encoding", in.distribution,
                            "Suspicious encodings (mojibake, control characters)", n, std::to_string(n),
                            n > 0 ? Severity::Warning : Severity::Info);
    f.explanation = std::to_string(n)
                  + " prompts or responses look mis-decoded (UTF-8 read as Latin-1, such as 'Ã©' "
                    "for 'é', a replacement character, or a control character)";
    f.explanation += first.empty() ? "." : ", first: \"" + first + "\". If only one label has them, they are a cue.";
    setEvidence(f, std::move(refs), in.cap);
    return f;
}

Finding extremeLengths(const Input &in, const StructureOptions &options)
{
    struct Text {
        double logLength;
        ExampleRef ref;
        bool prompt;
    };
    std::vector<Text> texts;
    in.forEach([&](Split split, const Example &e) {
        // Bytes rather than characters: on a log scale the difference does not matter, and this is cheaper.
        texts.push_back({std::log(1.0 + double(e.prompt.size())), in.ref(split, e), true});
        for (std::size_t i = 0; i < e.responses.size(); ++i)
            texts.push_back({std::log(1.0 + double(e.responses[i].text.size())), in.ref(split, e, int(i)), false});
    });
    std::vector<std::pair<double, ExampleRef>> flagged;
    for (bool prompts : {true, false}) {
        std::vector<double> logs;
        for (const auto &t : texts)
            if (t.prompt == prompts)
                logs.push_back(t.logLength);
        if (logs.size() < 2)
            continue;
        const auto median = [](std::vector<double> v) {
            std::nth_element(v.begin(), v.begin() + std::ptrdiff_t(v.size() / 2), v.end());
            return v[v.size() / 2];
        };
        const double m = median(logs);
        for (double &x : logs)
            x = std::abs(x - m);
        const double limit =
            std::max(options.extremeLengthDeviations * 1.4826 * median(logs), std::log(options.extremeLengthRatio));
        for (const auto &t : texts)
            if (t.prompt == prompts && std::abs(t.logLength - m) > limit)
                flagged.emplace_back(std::abs(t.logLength - m), t.ref);
    }
    std::stable_sort(flagged.begin(), flagged.end(), [](const auto &a, const auto &b) { return a.first > b.first; });
    std::vector<ExampleRef> refs;
    for (auto &[distance, ref] : flagged)
        refs.push_back(std::move(ref));
    const int n = int(refs.size());
    const double share = texts.empty() ? 0.0 : double(n) / double(texts.size());
    Finding f = makeFinding("structure.extreme_length", in.distribution, "Prompts and responses of extreme length", n,
                            formatCountShare(n, int(texts.size())), share > 0.01 ? Severity::Warning : Severity::Info);
    f.explanation = std::to_string(n)
                  + " texts are far longer or shorter than is usual for their kind in this "
                    "distribution (outliers in log length, at least "
                  + std::to_string(int(options.extremeLengthRatio))
                  + "x from the median). They may be truncated, "
                    "pasted twice, or exceed a model's context. Most extreme first.";
    setEvidence(f, std::move(refs), in.cap);
    return f;
}

Finding contextLength(const Input &in, const ContextLimit &limit)
{
    std::vector<ExampleRef> refs;
    int examples = 0;
    in.forEach([&](Split split, const Example &e) {
        bool over = false;
        for (std::size_t i = 0; i < e.responses.size(); ++i)
            if (limit.countTokens(e.prompt + e.responses[i].text) > limit.maxTokens) {
                refs.push_back(in.ref(split, e, int(i)));
                over = true;
            }
        examples += over ? 1 : 0;
    });
    const double share = in.examples() > 0 ? double(examples) / in.examples() : 0.0;
    Finding f = makeFinding("structure.context_length", in.distribution,
                            "Pairs longer than " + limit.model + "'s context", examples,
                            formatCountShare(examples, in.examples()),
                            share >= 0.1   ? Severity::Problem
                            : examples > 0 ? Severity::Warning
                                           : Severity::Info);
    f.explanation = std::to_string(examples) + " examples have a prompt and response longer than "
                  + std::to_string(limit.maxTokens)
                  + " tokens. GENIES drops such examples, so results on this "
                    "distribution are computed without them.";
    setEvidence(f, std::move(refs), in.cap);
    return f;
}

} // namespace

StructureChecks::StructureChecks(StructureOptions options) : m_options(std::move(options)) {}

std::vector<Finding> StructureChecks::run(const std::string &distribution, const std::vector<Example> &train,
                                          const std::vector<Example> &test, int cap) const
{
    const Input in{distribution, train, test, cap};
    std::vector<Finding> out{identicalResponses(in), emptyTexts(in), preferredPosition(in), encoding(in),
                             extremeLengths(in, m_options)};
    if (m_options.context && m_options.context->countTokens && m_options.context->maxTokens > 0)
        out.push_back(contextLength(in, *m_options.context));
    return out;
}

} // namespace shiftscope
