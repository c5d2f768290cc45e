#include "demo/benchmarktree.h"

#include "data/types.h"
#include "genies/splitwriter.h"
#include "util/splitmix64.h"

#include <array>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

namespace shiftscope {

namespace {

using Rng = SplitMix64;

constexpr std::array kWords = {
    "the",       "model",     "answer",     "question", "data",       "result",    "because", "which",    "system",
    "value",     "people",    "water",      "history",  "number",     "city",      "energy",  "light",    "during",
    "between",   "important", "example",    "describe", "explain",    "process",   "method",  "change",   "research",
    "study",     "develop",   "public",     "market",   "language",   "simple",    "complex", "various",  "often",
    "should",    "would",     "could",      "first",    "second",     "third",     "small",   "large",    "quickly",
    "carefully", "country",   "government", "policy",   "school",     "student",   "teacher", "computer", "program",
    "function",  "variable",  "return",     "list",     "string",     "science",   "physics", "biology",  "cell",
    "plant",     "animal",    "ocean",      "mountain", "river",      "weather",   "climate", "season",   "summer",
    "winter",    "food",      "cook",       "recipe",   "flavor",     "health",    "doctor",  "patient",  "music",
    "song",      "story",     "character",  "author",   "book",       "page",      "word",    "sentence", "grammar",
    "meaning",   "reason",    "evidence",   "argument", "conclusion", "therefore", "however",
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
        e.responses.push_back(
            {words(rng, rng.between(30, 140)) + " (" + std::to_string(position) + "." + std::to_string(r) + ")",
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

std::uint64_t writeBenchmarkResults(const std::filesystem::path &resultsDir, int files, std::uint64_t seed)
{
    Rng rng(seed);
    const std::array<const char *, 4> models = {"llama-7b", "llama-13b", "llama-30b", "openllama-3b"};
    const std::array<const char *, 10> interventions = {
        "zero_shot", "few_shot",   "lora_fine_tuning", "prompt_tuning", "mms",
        "cra",       "lat_stim_1", "lat_stim_2",       "ccs",           "log_probs_4bit"};
    std::uint64_t bytes = 0;
    for (int i = 0; i < files; ++i) {
        const std::string model = models[std::size_t(i) % models.size()];
        const std::string intervention = interventions[std::size_t(i / 4) % interventions.size()];
        const int source = (i / 40) % 56;
        const int target = (i / 2240) * 7 + source % 7;
        const auto folder = resultsDir / "evaluations" / intervention / (model + "-source_" + std::to_string(source));
        std::filesystem::create_directories(folder);
        std::string text = "{\n    \"model_dir\": \"models/" + model + "\",\n    \"distribution_id\": \"target_"
                         + std::to_string(target) + "\",\n    \"timestamp\": \"2023-10-14 00:19:23\",\n";
        std::vector<double> p(750);
        double correct = 0, brier = 0, sum = 0;
        for (auto &v : p) {
            v = double(rng.next() >> 11) / 9007199254740992.0;
            correct += v >= 0.5;
            brier += (1 - v) * (1 - v);
            sum += v;
        }
        char number[64];
        std::snprintf(number, sizeof number, "%.17g", -brier / 750);
        text += std::string("    \"eval_score\": ") + number + ",\n";
        std::snprintf(number, sizeof number, "%.17g", brier / 750);
        text += std::string("    \"eval_brier_score\": ") + number + ",\n";
        std::snprintf(number, sizeof number, "%.17g", sum / 750);
        text += std::string("    \"eval_average_probability\": ") + number + ",\n";
        std::snprintf(number, sizeof number, "%.17g", correct / 750);
        text += std::string("    \"eval_accuracy\": ") + number + ",\n    \"eval_probabilities\": [\n";
        for (std::size_t k = 0; k < p.size(); ++k) {
            std::snprintf(number, sizeof number, "%.17g", p[k]);
            text += std::string("        ") + number + (k + 1 < p.size() ? ",\n" : "\n");
        }
        text += "    ]\n}";
        const auto path = folder / ("target_" + std::to_string(target) + ".json");
        std::FILE *out = std::fopen(path.c_str(), "wb");
        if (!out)
            throw std::runtime_error(path.string() + ": cannot write");
        std::fwrite(text.data(), 1, text.size(), out);
        std::fclose(out);
        bytes += text.size();
    }
    return bytes;
}

} // namespace shiftscope
