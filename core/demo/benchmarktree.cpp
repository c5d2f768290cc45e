#include "demo/benchmarktree.h"

#include "data/types.h"
#include "genies/splitwriter.h"

#include <array>
#include <string>
#include <vector>

namespace shiftscope {

namespace {

//! splitmix64: small, fast and the same on every platform.
class Rng {
public:
    explicit Rng(std::uint64_t seed) : m_state(seed) {}
    std::uint64_t next()
    {
        std::uint64_t z = (m_state += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    int below(int n) { return int(next() % std::uint64_t(n)); }
    int between(int lo, int hi) { return lo + below(hi - lo + 1); }

private:
    std::uint64_t m_state;
};

constexpr std::array kWords = {
    "the", "model", "answer", "question", "data", "result", "because", "which", "system", "value", "people",
    "water", "history", "number", "city", "energy", "light", "during", "between", "important", "example",
    "describe", "explain", "process", "method", "change", "research", "study", "develop", "public", "market",
    "language", "simple", "complex", "various", "often", "should", "would", "could", "first", "second", "third",
    "small", "large", "quickly", "carefully", "country", "government", "policy", "school", "student", "teacher",
    "computer", "program", "function", "variable", "return", "list", "string", "science", "physics", "biology",
    "cell", "plant", "animal", "ocean", "mountain", "river", "weather", "climate", "season", "summer", "winter",
    "food", "cook", "recipe", "flavor", "health", "doctor", "patient", "music", "song", "story", "character",
    "author", "book", "page", "word", "sentence", "grammar", "meaning", "reason", "evidence", "argument",
    "conclusion", "therefore", "however",
};

std::string words(Rng &rng, int count)
{
    std::string text;
    for (int i = 0; i < count; ++i) {
        std::string word = kWords[std::size_t(rng.below(int(kWords.size())))];
        if (i == 0)
            word[0] = char(word[0] - 'a' + 'A');
        if (!text.empty())
            text += ' ';
        text += word;
        if (i + 1 == count || rng.below(12) == 0)
            text += '.';
    }
    return text;
}

Example makeExample(Rng &rng, int position, int responses)
{
    Example e;
    e.position = position;
    e.prompt = "Below is an instruction that describes a task. Write a response that appropriately completes the "
               "request.\n\n### Instruction:\n"
             + words(rng, rng.between(20, 60)) + "\n\n";
    if (rng.below(2) == 0)
        e.prompt += "### Input:\n" + words(rng, rng.between(30, 90)) + "\n\n";
    e.prompt += "### Response:\n";
    const int preferred = rng.below(responses);
    for (int r = 0; r < responses; ++r)
        e.responses.push_back({words(rng, rng.between(30, 140)) + " (" + std::to_string(position) + "." + std::to_string(r) + ")",
                               r == preferred ? 1 : 0});
    return e;
}

} // namespace

std::uint64_t writeBenchmarkTree(const std::filesystem::path &dir, const BenchmarkTreeOptions &options)
{
    Rng rng(options.seed);
    std::uint64_t bytes = 0;
    for (int d = 0; d < options.distributions; ++d) {
        const std::string id = "synthetic_" + std::to_string(d);
        std::vector<Example> train, test;
        for (int i = 0; i < options.trainExamples; ++i)
            train.push_back(makeExample(rng, i, options.responses));
        for (int i = 0; i < options.testExamples; ++i)
            test.push_back(makeExample(rng, i, options.responses));
        writeDistribution(dir / "distributions", id, train, test);
        for (const char *split : {"train.json", "test.json"})
            bytes += std::filesystem::file_size(dir / "distributions" / id / split);
    }
    return bytes;
}

} // namespace shiftscope
