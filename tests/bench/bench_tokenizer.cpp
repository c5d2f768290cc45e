// Tokenizer benchmark: encodes every prompt and response of a generated GENIES-sized distribution (600 train + 250
// test examples, 4 responses each), and of the real GENIES fixtures, with each real tokenizer in ../shared/tokenizers;
// prints tokens/s and the time per distribution (CPU time). Prints figures; it asserts nothing.
// Usage: bench_tokenizer [SHARED_DIR]
#include "demo/benchmarktree.h"
#include "tokenizer/tokenizer.h"
#include "genies/distributionreader.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <time.h>
#include <unistd.h>

using namespace shiftscope;
namespace fs = std::filesystem;

namespace {

//! CPU time of this thread in ms: the machine is shared, and wall time would count other people's work.
double cpuMs()
{
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return double(t.tv_sec) * 1000.0 + double(t.tv_nsec) / 1e6;
}

//! Prompts and responses of the distributions in `dir`/distributions, in file order.
std::vector<std::string> textsOf(const fs::path &dir)
{
    std::vector<std::string> texts;
    std::vector<InputProblem> problems;
    for (const auto &entry : fs::directory_iterator(dir / "distributions")) {
        for (const auto &[file, split] : {std::pair{"train.json", Split::Train}, std::pair{"test.json", Split::Test}}) {
            if (!fs::exists(entry.path() / file))
                continue;
            const SplitFile splitFile = DistributionReader::readSplit(entry.path() / file, split, problems);
            for (const auto &example : splitFile.examples) {
                texts.push_back(example.prompt);
                for (const auto &response : example.responses)
                    texts.push_back(response.text);
            }
        }
    }
    return texts;
}

//! Prompts and responses of one generated GENIES-sized distribution.
std::vector<std::string> generatedTexts()
{
    const fs::path dir = fs::temp_directory_path() / ("shiftscope-bench-tok-" + std::to_string(::getpid()));
    BenchmarkTreeOptions options;
    options.distributions = 1;
    writeBenchmarkTree(dir, options);
    auto texts = textsOf(dir);
    fs::remove_all(dir);
    return texts;
}

std::size_t bytesOf(const std::vector<std::string> &texts)
{
    std::size_t bytes = 0;
    for (const auto &text : texts)
        bytes += text.size();
    return bytes;
}

//! CPU ms of one pass over `texts` and the tokens it made.
std::pair<double, std::size_t> encodeAll(const Tokenizer &tokenizer, const std::vector<std::string> &texts)
{
    const double start = cpuMs();
    std::size_t tokens = 0;
    for (const auto &text : texts)
        tokens += tokenizer.encode(text, true).size();
    return {cpuMs() - start, tokens};
}

} // namespace

int main(int argc, char **argv)
{
    const fs::path shared = argc > 1 ? fs::path(argv[1]) : fs::path(SHIFTSCOPE_SHARED_DIR);
    const auto texts = generatedTexts();
    const std::size_t bytes = bytesOf(texts);
    std::printf("generated distribution: %zu texts (prompts and responses), %.1f MiB\n", texts.size(),
                double(bytes) / 1048576.0);
    // Real GENIES text has a far larger vocabulary than the generated filler, so the word cache helps less.
    const fs::path fixtures = shared / "fixtures" / "genies";
    const auto real = fs::exists(fixtures / "distributions") ? textsOf(fixtures) : std::vector<std::string>{};
    if (!real.empty())
        std::printf("real GENIES fixtures: %zu texts, %.1f MiB\n", real.size(), double(bytesOf(real)) / 1048576.0);
    std::printf("(CPU time of the encoding thread; tokens/s count the ids encode(text, true) returns)\n");
    for (const char *name : {"gpt2", "gpt-neox-20b", "llama"}) {
        const fs::path file = shared / "tokenizers" / name / "tokenizer.json";
        if (!fs::exists(file)) {
            std::printf("%-13s skipped: %s is absent\n", name, file.string().c_str());
            continue;
        }
        const double start = cpuMs();
        const Tokenizer tokenizer = Tokenizer::load(file);
        const double loadMs = cpuMs() - start;
        if (!real.empty()) {
            const auto [ms, tokens] = encodeAll(tokenizer, real);
            std::printf("%-13s real fixtures, empty cache: %zu tokens in %.1f ms (%.2f M tokens/s)\n", name, tokens, ms,
                        double(tokens) / ms / 1000.0);
        }
        // The first pass over the generated distribution fills the cache; later passes are the steady state of
        // scoring many distributions.
        const auto [firstMs, tokens] = encodeAll(tokenizer, texts);
        double bestMs = firstMs;
        for (int pass = 0; pass < 3; ++pass)
            bestMs = std::min(bestMs, encodeAll(tokenizer, texts).first);
        std::printf("%-13s load %.0f ms; generated distribution: %zu tokens (%.2f bytes/token), first pass %.1f ms "
                    "(%.2f M tokens/s), steady %.1f ms per distribution (%.2f M tokens/s, %.0f MiB/s)\n",
                    name, loadMs, tokens, double(bytes) / double(tokens), firstMs, double(tokens) / firstMs / 1000.0,
                    bestMs, double(tokens) / bestMs / 1000.0, double(bytes) / 1048576.0 / (bestMs / 1000.0));
    }
    return 0;
}
