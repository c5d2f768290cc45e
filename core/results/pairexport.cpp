#include "results/pairexport.h"

#include "util/atomicfile.h"
#include "util/errors.h"

#include <charconv>
#include <map>
#include <nlohmann/json.hpp>
#include <ostream>

namespace shiftscope {

namespace {

const std::vector<std::string> kColumns = {"evaluation",
                                           "model",
                                           "intervention",
                                           "run",
                                           "train_distribution",
                                           "eval_distribution",
                                           "split",
                                           "example_hash",
                                           "example_position",
                                           "preferred_response",
                                           "dispreferred_response",
                                           "pair_index",
                                           "p_preferred",
                                           "correct"};

//! Shortest text that reads back as the same double.
std::string fullPrecision(double value)
{
    char text[32];
    const auto result = std::to_chars(text, text + sizeof text, value);
    return std::string(text, result.ptr);
}

std::string csvField(const std::string &text)
{
    if (text.find_first_of(",\"\n\r") == std::string::npos)
        return text;
    std::string quoted = "\"";
    for (char c : text)
        quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
    return quoted + "\"";
}

struct PairRows {
    std::vector<PairRef> pairs;
    std::vector<std::string> hashes; //!< per pair, its example's content hash
};

} // namespace

PairExportSummary exportPairs(Workspace &workspace, const std::vector<EvaluationInfo> &evaluations,
                              const std::filesystem::path &out)
{
    const std::string extension = out.extension().string();
    if (extension != ".csv" && extension != ".jsonl")
        throw InputError(
            InputProblem{out.string(), {}, "unknown export type '" + extension + "'", "name the file .csv or .jsonl"});
    const bool csv = extension == ".csv";
    PairExportSummary summary;
    ResultStore store(workspace);
    std::map<std::string, PairRows> byDistribution;
    writeFileAtomically(out, [&](std::ostream &file) {
        if (csv) {
            for (std::size_t c = 0; c < kColumns.size(); ++c)
                file << (c ? "," : "") << kColumns[c];
            file << "\n";
        }
        for (const EvaluationInfo &e : evaluations) {
            const LinkStatus link = store.linkStatus(e);
            if (!link.linked) {
                summary.skipped.push_back(e.label() + ": " + link.message);
                continue;
            }
            auto found = byDistribution.find(e.evalDistribution);
            if (found == byDistribution.end()) {
                PairRows rows;
                const auto examples = workspace.examples(e.evalDistribution, Split::Test);
                rows.pairs = pairsInOrder(examples);
                std::map<int, std::string> hashOf;
                for (const Example &example : examples)
                    hashOf[example.position] = example.contentHash();
                for (const PairRef &p : rows.pairs)
                    rows.hashes.push_back(hashOf[p.examplePosition]);
                found = byDistribution.emplace(e.evalDistribution, std::move(rows)).first;
            }
            const PairRows &rows = found->second;
            const std::vector<double> p = store.probabilities(e.id);
            const std::string run = e.runId ? std::to_string(*e.runId) : std::string();
            for (std::size_t i = 0; i < p.size() && i < rows.pairs.size(); ++i) {
                const PairRef &pair = rows.pairs[i];
                const bool correct = p[i] >= 0.5;
                if (csv) {
                    file << csvField(e.label()) << ',' << csvField(e.model) << ',' << csvField(e.intervention) << ','
                         << run << ',' << csvField(e.trainDistribution) << ',' << csvField(e.evalDistribution)
                         << ",test," << rows.hashes[i] << ',' << pair.examplePosition << ',' << pair.preferredIndex
                         << ',' << pair.dispreferredIndex << ',' << i << ',' << fullPrecision(p[i]) << ','
                         << (correct ? 1 : 0) << '\n';
                } else {
                    nlohmann::ordered_json row = {{"evaluation", e.label()},
                                                  {"model", e.model},
                                                  {"intervention", e.intervention},
                                                  {"run", e.runId ? nlohmann::ordered_json(*e.runId) : nullptr},
                                                  {"train_distribution", e.trainDistribution},
                                                  {"eval_distribution", e.evalDistribution},
                                                  {"split", "test"},
                                                  {"example_hash", rows.hashes[i]},
                                                  {"example_position", pair.examplePosition},
                                                  {"preferred_response", pair.preferredIndex},
                                                  {"dispreferred_response", pair.dispreferredIndex},
                                                  {"pair_index", i},
                                                  {"p_preferred", p[i]},
                                                  {"correct", correct}};
                    file << row.dump() << '\n';
                }
                ++summary.pairs;
            }
            ++summary.evaluations;
        }
    });
    return summary;
}

} // namespace shiftscope
