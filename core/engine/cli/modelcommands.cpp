#include "cli/commandtable.h"
#include "engine/cli/enginecommands.h"
#include "engine/interventions/modelinterventions.h"
#include "data/types.h"
#include "engine/model/causallm.h"
#include "engine/model/forwardcases.h"
#include "engine/model/forwardpass.h"
#include "engine/model/computebackend.h"
#include "engine/scoring/responsescorer.h"
#include "engine/scoring/rewardscorer.h"
#include "tokenizer/tokenizer.h"
#include "util/errors.h"
#include "data/modelidentity.h"
#include "util/inputfile.h"
#include "workspace/scorestore.h"
#include "workspace/workspace.h"

#include <ATen/ATen.h>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <unistd.h>

namespace shiftscope {

namespace {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

EngineOptions engineOptions(const CommandContext &c)
{
    EngineOptions options;
    if (c.choice("dtype", "float32", {"float32", "bfloat16"}) == "bfloat16")
        options.dtype = ComputeDtype::BFloat16;
    if (c.choice("device", "cpu", {"cpu", "cuda"}) == "cuda")
        options.device = ComputeDevice::Cuda;
    if (const auto adapter = c.args.value("adapter"))
        options.adapter = *adapter;
    options.mergeAdapter = !c.args.has("unmerged");
    return options;
}

std::unique_ptr<CausalLM> loadModel(const CommandContext &c)
{
    const std::string dir = c.required("model");
    const EngineOptions options = engineOptions(c);
    auto model = loadCausalLM(dir, options);
    for (const auto &note : prepareComputeBackend(options))
        c.err << "note: " << note << "\n";
    return model;
}

// ---- forward ---------------------------------------------------------------------------------------------------

//! One case of a CASES.json file: a left-padded batch.
//! A float tensor as nested JSON lists.
Json nested(const float *data, at::IntArrayRef sizes)
{
    Json list = Json::array();
    if (sizes.size() == 1) {
        for (std::int64_t i = 0; i < sizes[0]; ++i)
            list.push_back(double(data[i]));
        return list;
    }
    std::int64_t stride = 1;
    for (std::size_t d = 1; d < sizes.size(); ++d)
        stride *= sizes[d];
    for (std::int64_t i = 0; i < sizes[0]; ++i)
        list.push_back(nested(data + i * stride, sizes.slice(1)));
    return list;
}

Json nested(const at::Tensor &t)
{
    const at::Tensor c = t.to(at::kCPU, at::kFloat).contiguous();
    return nested(c.data_ptr<float>(), c.sizes());
}

//! Per row, the mean log-probability of the tokens from `start` on, counting a token when it and the one before
//! it are real; null when no token counts.
Json responseMeanLogprobs(const ForwardCase &c, const at::Tensor &logits)
{
    const at::Tensor logprobs =
        at::log_softmax(logits, -1).to(at::kCPU, at::kDouble).contiguous(); // (rows, length, vocab)
    const double *lp = logprobs.data_ptr<double>();
    const std::int64_t vocab = logprobs.size(2);
    Json means = Json::array();
    for (std::int64_t r = 0; r < c.rows; ++r) {
        double sum = 0;
        int count = 0;
        for (std::int64_t t = std::max<std::int64_t>(*c.responseStart, 1); t < c.length; ++t) {
            const auto at = std::size_t(r * c.length + t);
            if (c.mask[at] && c.mask[at - 1]) {
                sum += lp[(r * c.length + t - 1) * vocab + c.ids[at]];
                ++count;
            }
        }
        means.push_back(count ? Json(sum / count) : Json(nullptr));
    }
    return means;
}

//! Runs the model on each case's batch and writes logits, the hidden states at each row's last position and each
//! row's mean response log-probability (docs/CLI.md has the formats).
int forward(CommandContext &context)
{
    const Arguments &args = context.args;
    std::ostream &out = context.out;
    const auto input = std::optional<std::string>(context.required("input"));
    const auto output = std::optional<std::string>(context.required("out"));
    const auto model = loadModel(context);
    const auto cases = readForwardCases(*input, model->config().vocabSize);
    Json results = Json::array();
    const auto longs = at::TensorOptions().dtype(at::kLong);
    for (const ForwardCase &c : cases) {
        ForwardRequest request;
        request.inputIds = at::from_blob(const_cast<std::int64_t *>(c.ids.data()), {c.rows, c.length}, longs)
                               .to(model->device(), at::kLong, false, true);
        request.attentionMask = at::from_blob(const_cast<std::int64_t *>(c.mask.data()), {c.rows, c.length}, longs)
                                    .to(model->device(), at::kLong, false, true);
        const at::Tensor last = lastRealPositions(request.attentionMask); // (rows)
        request.capturePositions = last.unsqueeze(1);
        request.hiddenStates = true;
        const ForwardResult result = model->forward(request);
        Json entry = c.source;
        if (model->config().classifies()) { // the head's scores where transformers reads them: (rows, labels)
            const at::Tensor scored =
                scoredPositions(request.inputIds, request.attentionMask, model->config().padTokenId);
            const at::Tensor index = scored.view({c.rows, 1, 1}).expand({c.rows, 1, result.logits.size(2)});
            entry["scores"] = nested(result.logits.gather(1, index).squeeze(1));
        } else {
            entry["logits"] = nested(result.logits); // (rows, length, vocab)
            if (c.responseStart)
                entry["response_mean_logprob"] = responseMeanLogprobs(c, result.logits);
        }
        entry["hidden_last"] = nested(result.hiddenStates.squeeze(1)); // (rows, layers + 1, hidden)
        results.push_back(std::move(entry));
    }
    refuseProtectedFile(*output);
    std::ofstream file(*output, std::ios::binary | std::ios::trunc);
    file << Json{{"model", *args.value("model")}, {"cases", std::move(results)}}.dump() << "\n";
    if (!file)
        throw std::runtime_error("cannot write " + *output);
    out << "Wrote " << cases.size() << " cases to " << *output << "\n";
    return int(ExitOk);
}

// ---- score -----------------------------------------------------------------------------------------------------

std::vector<double> scoreLanguageModel(CommandContext &c, const CausalLM &model, const Tokenizer &tokenizer, int eos,
                                       const std::vector<Example> &examples, const std::vector<PairRef> &pairs,
                                       const std::string &scoringText)
{
    // GENIES tokenization (reference 4.0): prompt and response separately, no special tokens, EOS appended.
    std::vector<TokenizedExample> tokenized;
    std::map<int, std::size_t> indexOf;
    for (const Example &e : examples) {
        indexOf[e.position] = tokenized.size();
        TokenizedExample t{tokenizer.encode(e.prompt), {}};
        for (const Response &r : e.responses) {
            t.responses.push_back(tokenizer.encode(r.text));
            t.responses.back().push_back(eos);
        }
        tokenized.push_back(std::move(t));
    }
    std::vector<ResponsePair> responsePairs;
    for (const PairRef &p : pairs)
        responsePairs.push_back({indexOf.at(p.examplePosition), p.preferredIndex, p.dispreferredIndex});

    ScorerOptions options;
    options.scoring = scoringText == "mean" ? PairScoring::MeanLogprob : PairScoring::GeniesZeroShot;
    options.padId = eos;
    const auto probabilities = ResponseScorer(model, options).scorePairs(tokenized, responsePairs, c.progress("pairs"));
    c.endProgress();
    return probabilities;
}

int storeScores(CommandContext &c, Workspace &ws, const fs::path &modelDir, const std::string &distribution,
                const std::string &splitText, const std::string &scoringText, const std::vector<PairRef> &pairs,
                const std::vector<double> &probabilities)
{
    std::ostream &out = c.out;
    const std::string hash = modelIdentity(modelDir, c.args.value("adapter").value_or(""));
    ScoreStore(ws).replace({fs::absolute(modelDir).string(), hash, distribution, splitText, scoringText}, pairs,
                           probabilities);
    int correct = 0;
    for (const double p : probabilities)
        correct += p >= 0.5; // ties count as correct, as in GENIES
    out << "Scored " << pairs.size() << " pairs of " << distribution << " (" << splitText << ") with "
        << modelDir.string();
    if (!pairs.empty())
        out << ": accuracy " << double(correct) / double(pairs.size());
    out << "\n";
    return int(ExitOk);
}

//! Scores every pair of a split with the GENIES zero-shot semantics (or the mean log-probability), or with a reward
//! model's rewards, and stores P(preferred) per pair in the workspace's scores table.
int score(CommandContext &c)
{
    const Arguments &args = c.args;
    const fs::path modelDir = c.required("model");
    const auto distribution = std::optional<std::string>(c.required("distribution"));
    const std::string splitText = c.choice("split", "test", {"train", "test"});
    const auto split = splitFromName(splitText);
    std::string scoringText = c.choice("scoring", "", {"genies", "mean", "reward"});
    const int limit = args.value("limit") ? int(c.number("limit", -1, 1)) : -1;

    Workspace ws = c.workspace();
    if (!ws.distribution(*distribution))
        throw InputError(InputProblem{ws.path().string(),
                                      {},
                                      "no distribution '" + *distribution + "' in the workspace",
                                      "import it with import-data, or list them with the distributions command"});
    const std::vector<Example> examples = ws.examples(*distribution, *split, limit);
    const std::vector<PairRef> pairs = pairsInOrder(examples);

    const auto model = loadModel(c);
    const Tokenizer tokenizer = Tokenizer::load(modelDir);
    const auto eos = model->config().eosTokenId ? model->config().eosTokenId : tokenizer.eosId();
    if (!eos)
        throw InputError(InputProblem{modelDir.string(),
                                      {},
                                      "neither config.json nor the tokenizer names an end-of-sequence token",
                                      "set eos_token_id in config.json"});
    requireTokenizerFits(tokenizer, modelDir / "tokenizer.json", model->config(), eos);
    const bool classifier = model->config().classifies();
    if (scoringText.empty())
        scoringText = classifier ? "reward" : "genies";
    if ((scoringText == "reward") != classifier)
        throw UsageError(classifier ? "--scoring " + scoringText + " needs a language model; " + modelDir.string()
                                          + " is a reward model (" + model->config().architectureName
                                          + "): use --scoring reward or leave --scoring out"
                                    : "--scoring reward needs a reward model (*ForSequenceClassification); "
                                          + modelDir.string() + " is a language model");

    std::vector<double> probabilities;
    if (classifier) {
        // A reward model: P(preferred) = σ(r_preferred − r_dispreferred), as the reward_model intervention.
        std::vector<TokenizedExample> tokenized;
        std::map<int, std::size_t> indexOf;
        for (const Example &e : examples) {
            indexOf[e.position] = tokenized.size();
            std::vector<std::string> responses;
            for (const Response &r : e.responses)
                responses.push_back(r.text);
            tokenized.push_back(RewardScorer::tokenize(tokenizer, *eos, e.prompt, responses, false, 1 << 20));
        }
        std::vector<ResponsePair> responsePairs;
        for (const PairRef &p : pairs)
            responsePairs.push_back({indexOf.at(p.examplePosition), p.preferredIndex, p.dispreferredIndex});
        RewardScorerOptions options;
        options.padId = *eos;
        probabilities = RewardScorer(*model, options).scorePairs(tokenized, responsePairs, c.progress("examples"));
        c.endProgress();
    } else {
        probabilities = scoreLanguageModel(c, *model, tokenizer, *eos, examples, pairs, scoringText);
    }
    return storeScores(c, ws, modelDir, *distribution, splitText, scoringText, pairs, probabilities);
}

} // namespace

void addModelCommands(CommandTable &table)
{
    const CommandOption model{"model", "DIR", "a Hugging Face model folder (config.json, safetensors, tokenizer.json)"};
    const CommandOption dtype{"dtype", "float32|bfloat16", "the compute type (default float32)"};
    const CommandOption device{"device", "cpu|cuda", "where to compute (default cpu)"};
    const CommandOption adapter{"adapter", "DIR", "a PEFT LoRA adapter folder to apply to the model"};
    const CommandOption unmerged{"unmerged", {}, "add the adapter's update at run time instead of merging it"};
    table.add({"forward",
               "Models",
               {"--model DIR --input CASES.json --out OUT.json [--adapter DIR [--unmerged]] [--dtype float32|bfloat16] "
                "[--device cpu|cuda]"},
               "run a model on token batches: logits, last hidden states, response log-probabilities",
               WorkspaceUse::None,
               {model,
                {"input", "CASES.json", "the token batches (docs/CLI.md has the format)"},
                {"out", "OUT.json", "the file to write"},
                adapter,
                unmerged,
                dtype,
                device},
               forward});
    table.add(
        {"score",
         "Models",
         {"--model DIR [--adapter DIR [--unmerged]] --distribution D [--split test] [--scoring genies|mean|reward] "
          "[--limit N] [--dtype ...] [--device ...]"},
         "score every pair of a split with a model (GENIES zero-shot, or a reward model) into the scores table",
         WorkspaceUse::Existing,
         {model,
          {"distribution", "D", "an imported distribution"},
          {"split", "train|test", "which split (default test)"},
          {"scoring", "genies|mean|reward",
           "GENIES zero-shot (the default for a language model), the mean response log-probability, or "
           "σ(r_preferred − r_dispreferred) of a reward model (its default)"},
          {"limit", "N", "score the first N examples only"},
          adapter,
          unmerged,
          dtype,
          device},
         score});
}

void registerEngineCommands()
{
    registerModelInterventions();
    CommandTable &table = CommandTable::instance();
    addModelCommands(table);
    addDemoCommands(table);
}

} // namespace shiftscope
