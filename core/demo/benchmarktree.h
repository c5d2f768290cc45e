#pragma once

#include <cstdint>
#include <filesystem>

namespace shiftscope {

//! Shape of a synthetic GENIES-sized tree for benchmarks. Defaults match the real benchmark:
//! 61 distributions of 600 train and 250 test examples with 4 responses of realistic length.
struct BenchmarkTreeOptions {
    int distributions = 61;
    int trainExamples = 600;
    int testExamples = 250;
    int responses = 4;
    std::uint64_t seed = 1;
};

//! Writes `<dir>/distributions/<id>/{train,test}.json` with filler text of realistic length (prompts of about
//! 60-160 words in the Alpaca layout, responses of 30-140 words). Returns the number of bytes written.
std::uint64_t writeBenchmarkTree(const std::filesystem::path &dir, const BenchmarkTreeOptions &options = {});

//! Writes a synthetic GENIES `results/evaluations/` tree of `files` evaluation files (750 probabilities each, as
//! most published files have) spread over models, interventions and sources like the published tree, plus
//! matching generalization-metrics CSVs. Returns the number of bytes written.
std::uint64_t writeBenchmarkResults(const std::filesystem::path &resultsDir, int files = 5648, std::uint64_t seed = 1);

} // namespace shiftscope
