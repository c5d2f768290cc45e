// Intervention benchmark: each intervention trained on one source and evaluated on the source's and a target's
// test split, on the Pythia-160m-shaped GPT-NeoX of the engine benchmark (random weights, a character tokenizer so
// a 200-character prompt is 200 tokens). Prints, per intervention, the training and evaluation time; for the
// probe interventions the time of a second run with the activation cache filled by the first, which gives the
// share of time spent extracting activations and what the cache saves; lora trains once with each pair's prompt
// shared by its two responses (the default) and once with both sequences in full. Asserts nothing.
//   bench_interventions [train examples=48] [test examples=24] [threads=2] [interventions=all]
#include "bench/benchdata.h"
#include "bench/pythiamodel.h"
#include "core/chartokenizer.h"

#include "engine/model/computebackend.h"
#include "engine/interventions/modelinterventions.h"
#include "runs/intervention.h"

#include <ATen/Parallel.h>
#include <chrono>
#include <cstdio>
#include <random>
#include <sstream>

using namespace shiftscope;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

double seconds(Clock::time_point since) { return std::chrono::duration<double>(Clock::now() - since).count(); }

struct Timing {
    double train = 0;
    double evaluate = 0;
    double accuracySource = 0;
    double accuracyTarget = 0;
};

Timing runOnce(const std::string &name, const std::vector<std::string> &parameters, const fs::path &model,
               const fs::path &work, const std::string &tag, const std::vector<Example> &train,
               const std::vector<Example> &sourceTest, const std::vector<Example> &targetTest)
{
    auto intervention = InterventionRegistry::instance().create(name);
    InterventionContext c;
    c.modelDir = model;
    c.modelHash = "bench-pythia-160m";
    c.parameters = resolveParameters(*intervention, parameters);
    c.seed = 1;
    c.artifactDir = work / (name + "-" + tag);
    c.cacheDir = work / "cache";
    fs::create_directories(c.artifactDir);
    c.trainDistribution = "source";
    c.trainDataHash = "source-v1";
    Timing t;
    auto start = Clock::now();
    if (intervention->trains())
        intervention->train(c, train);
    t.train = seconds(start);
    start = Clock::now();
    for (const auto &[distribution, test] : {std::pair{"source", &sourceTest}, std::pair{"target", &targetTest}}) {
        c.evalDistribution = distribution;
        c.evalDataHash = std::string(distribution) + "-v1";
        const auto pairs = pairsInOrder(*test);
        double correct = 0;
        for (std::size_t first = 0; first < pairs.size(); first += 32) {
            const std::vector<PairRef> batch(pairs.begin() + std::ptrdiff_t(first),
                                             pairs.begin() + std::ptrdiff_t(std::min(pairs.size(), first + 32)));
            for (double p : intervention->evaluate(c, *test, batch))
                correct += p > 0.5 ? 1.0 : p == 0.5 ? 0.5 : 0.0;
        }
        (distribution == std::string("source") ? t.accuracySource : t.accuracyTarget) = correct / double(pairs.size());
    }
    t.evaluate = seconds(start);
    return t;
}

} // namespace

int main(int argc, char **argv)
{
    const int trainCount = argc > 1 ? std::atoi(argv[1]) : 48;
    const int testCount = argc > 2 ? std::atoi(argv[2]) : 24;
    const int threads = argc > 3 ? std::atoi(argv[3]) : 2;
    const std::string only = argc > 4 ? argv[4] : "all";
    EngineOptions options;
    options.threads = threads;
    prepareComputeBackend(options);
    at::set_num_threads(threads);
    registerModelInterventions();

    const fs::path work = fs::temp_directory_path() / ("shiftscope-bench-interventions-" + std::to_string(getpid()));
    const fs::path model = work / "model";
    bench::writePythiaModel(model);
    std::ofstream(model / "tokenizer.json") << test::charTokenizerJson();
    const auto train = bench::examples(trainCount, 1, " yes"), sourceTest = bench::examples(testCount, 2, " yes"),
               targetTest = bench::examples(testCount, 3, " yes!");
    std::printf("model: Pythia-160m-shaped GPT-NeoX, random float32 weights; %d threads\n", threads);
    std::printf("data: %d source train examples, %d source and %d target test examples; 200-token prompts, 3 responses "
                "of about "
                "40 tokens (2 pairs an example)\n\n",
                trainCount, testCount, testCount);
    std::printf("%-14s %-44s %9s %9s %9s %8s %8s\n", "intervention", "parameters", "train s", "eval s", "total s",
                "acc src", "acc tgt");

    // CPU-sized settings: the few steps a benchmark needs, not the defaults' quality.
    const std::vector<std::pair<std::string, std::vector<std::string>>> plan = {
        {"zero_shot", {}},
        {"few_shot", {"num_shots=2"}},
        {"lora", {"steps=8", "batch_size=4"}},
        {"lora", {"steps=8", "batch_size=4", "prefix_sharing=false"}}, // each pair's prompt run twice, as GENIES
        {"prompt_tuning", {"steps=8", "batch_size=4"}},
        {"prompt_tuning", {"steps=8", "batch_size=4", "prefix_sharing=false"}},
        {"mms", {}},
        {"cra", {}},
        {"lat_stim_1", {}},
        {"lat_stim_2", {}},
        {"linear_probe", {}},
        {"ccs", {"max_examples=48", "restarts=2", "epochs=300"}}};
    const std::vector<std::string> probes = {"mms", "cra", "lat_stim_1", "lat_stim_2", "linear_probe", "ccs"};
    std::vector<std::string> cacheLines;
    for (const auto &[name, parameters] : plan) {
        if (only != "all" && only.find(name) == std::string::npos)
            continue;
        std::string text;
        for (const auto &p : parameters)
            text += (text.empty() ? "" : " ") + p;
        const Timing cold = runOnce(name, parameters, model, work, "cold", train, sourceTest, targetTest);
        std::printf("%-14s %-44s %9.1f %9.1f %9.1f %8.3f %8.3f\n", name.c_str(),
                    text.empty() ? "(defaults)" : text.c_str(), cold.train, cold.evaluate, cold.train + cold.evaluate,
                    cold.accuracySource, cold.accuracyTarget);
        std::fflush(stdout);
        if (std::find(probes.begin(), probes.end(), name) == probes.end())
            continue;
        const Timing warm = runOnce(name, parameters, model, work, "warm", train, sourceTest, targetTest);
        const double coldTotal = cold.train + cold.evaluate, warmTotal = warm.train + warm.evaluate;
        char line[200];
        std::snprintf(
            line, sizeof line,
            "%-14s first run %7.1f s, again with the cache %6.1f s: extraction %3.0f%% of the first run, saving %.1f s",
            name.c_str(), coldTotal, warmTotal, 100.0 * (coldTotal - warmTotal) / coldTotal, coldTotal - warmTotal);
        cacheLines.push_back(line);
    }
    if (!cacheLines.empty()) {
        std::printf("\nactivation cache (the first probe run fills it for all later ones of the same reader text):\n");
        for (const auto &line : cacheLines)
            std::printf("%s\n", line.c_str());
    }
    fs::remove_all(work);
    return 0;
}
