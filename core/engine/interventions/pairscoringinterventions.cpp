#include "engine/interventions/pairscoringinterventions.h"

#include "engine/interventions/modelsession.h"
#include "engine/interventions/parameters.h"
#include "engine/scoring/rewardscorer.h"
#include "util/errors.h"
#include "util/inputfile.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

namespace shiftscope {

namespace {

using Json = nlohmann::ordered_json;

std::vector<ParameterSpec> scoringParameters()
{
    return {{"scoring", "genies",
             "genies: summed log-probability of response and EOS over the pair's padded length minus one, as GENIES "
             "does; mean: mean log-probability per response token"},
            {"batch_tokens", "2048", "tokens per forward batch, padding included (bounds memory)"}};
}

//! Scores `pairs` of `examples` whose prompts `promptOf` gives, responses tokenized GENIES' way.
template <typename PromptOf>
std::vector<double> scorePairs(const InterventionContext &context, const std::vector<Example> &examples,
                               const std::vector<PairRef> &pairs, PromptOf promptOf)
{
    const auto session = ModelSession::open(context);
    const auto indexOf = exampleIndexByPosition(examples);
    std::vector<TokenizedExample> tokenized;
    std::vector<int> localOf(indexOf.size(), -1);
    std::vector<ResponsePair> local;
    for (const PairRef &p : pairs) {
        const std::size_t e = indexOf.at(std::size_t(p.examplePosition));
        if (localOf[std::size_t(p.examplePosition)] < 0) {
            localOf[std::size_t(p.examplePosition)] = int(tokenized.size());
            std::vector<std::string> responses;
            for (const Response &r : examples[e].responses)
                responses.push_back(r.text);
            tokenized.push_back(session->pairTokens(promptOf(examples[e]), responses));
        }
        local.push_back({std::size_t(localOf[std::size_t(p.examplePosition)]), p.preferredIndex, p.dispreferredIndex});
    }
    ScorerOptions options;
    options.scoring = choiceParameter(context, "scoring", {"genies", "mean"}) == "mean" ? PairScoring::MeanLogprob
                                                                                        : PairScoring::GeniesZeroShot;
    options.batchTokens = intParameter(context, "batch_tokens", 64, 1 << 20);
    options.padId = session->eosId();
    return ResponseScorer(session->model(), options)
        .scorePairs(tokenized, local, [&](std::int64_t, std::int64_t, const std::string &) {
            return !context.progress || context.progress(0, 0, "scoring " + context.evalDistribution);
        });
}

} // namespace

std::vector<ParameterSpec> ZeroShotIntervention::parameters() const { return scoringParameters(); }

std::vector<double> ZeroShotIntervention::evaluate(const InterventionContext &context,
                                                   const std::vector<Example> &examples,
                                                   const std::vector<PairRef> &pairs)
{
    return scorePairs(context, examples, pairs, [](const Example &e) { return e.prompt; });
}

std::vector<ParameterSpec> FewShotIntervention::parameters() const
{
    auto specs = scoringParameters();
    specs.insert(specs.begin(),
                 {"num_shots", "4",
                  "demonstrations before each test prompt, drawn without replacement from the source's train split"});
    return specs;
}

void FewShotIntervention::train(const InterventionContext &context, const std::vector<Example> &trainExamples)
{
    m_pool.clear();
    Json pool = Json::array();
    for (const Example &e : trainExamples) {
        const int preferred = e.preferredIndex();
        if (preferred < 0)
            continue;
        m_pool.push_back({e.prompt, e.responses[std::size_t(preferred)].text});
        pool.push_back({{"prompt", e.prompt}, {"response", m_pool.back().response}});
    }
    if (m_pool.empty())
        throw InputError(InputProblem{context.trainDistribution,
                                      {},
                                      "the train split has no example with a preferred response",
                                      "few_shot draws its demonstrations from the source's train split; import one"});
    const Json saved = {{"intervention", "few_shot"},
                        {"source", context.trainDistribution},
                        {"model_dir", context.modelDir.string()},
                        {"demonstration_pool", pool}};
    std::ofstream(context.artifactDir / "few_shot.json") << saved.dump(1) << "\n";
}

void FewShotIntervention::load(const InterventionContext &context)
{
    const auto file = context.artifactDir / "few_shot.json";
    m_pool.clear();
    try {
        const std::string text = readInputFile(file, kMaxInputFileBytes, "delete the run's unit folder and run again");
        checkJsonDepth(text, file);
        const Json saved = Json::parse(text);
        const Json &pool = saved.at("demonstration_pool");
        if (!pool.is_array())
            throw std::runtime_error("demonstration_pool is not a list");
        for (const auto &shot : pool)
            m_pool.push_back({shot.at("prompt").get<std::string>(), shot.at("response").get<std::string>()});
    } catch (const InputError &) {
        throw;
    } catch (const std::exception &e) {
        throw InputError(InputProblem{
            file.string(), {}, std::string("unreadable: ") + e.what(), "delete the run's unit folder and run again"});
    }
}

std::vector<double> FewShotIntervention::evaluate(const InterventionContext &context,
                                                  const std::vector<Example> &examples,
                                                  const std::vector<PairRef> &pairs)
{
    return scorePairs(context, examples, pairs, [&](const Example &e) { return promptFor(context, e); });
}

std::string FewShotIntervention::promptFor(const InterventionContext &context, const Example &example) const
{
    const std::size_t shots =
        std::min<std::size_t>(std::size_t(intParameter(context, "num_shots", 0, 64)), m_pool.size());
    // The same demonstrations for every pair of an example: drawn from the seed and the example's position.
    std::seed_seq seq{std::uint32_t(context.seed), std::uint32_t(context.seed >> 32), std::uint32_t(example.position)};
    std::mt19937_64 rng(seq);
    std::vector<std::size_t> order(m_pool.size());
    for (std::size_t i = 0; i < order.size(); ++i)
        order[i] = i;
    std::string prompt;
    for (std::size_t j = 0; j < shots; ++j) { // partial Fisher-Yates: `shots` distinct demonstrations
        std::swap(order[j], order[j + std::uniform_int_distribution<std::size_t>(0, order.size() - 1 - j)(rng)]);
        prompt += "\n\n" + m_pool[order[j]].prompt + m_pool[order[j]].response;
    }
    return shots ? prompt + "\n\n" + example.prompt : example.prompt;
}

std::vector<ParameterSpec> RewardModelScoringIntervention::parameters() const
{
    return {{"label", "0", "which output of the model's head is the reward (0 for a reward model's single output)"},
            {"append_eos", "false",
             "false: the text alone, as TRL trains reward models; true: EOS follows each response, as ShiftScope's own "
             "lora trains (where EOS is also the pad token, transformers reads the token before it either way)"},
            {"special_tokens", "true",
             "true: the prompt gets the tokenizer's special tokens (BOS for LLaMA), as a text encoded on its own; "
             "false: none, as GENIES and ShiftScope's lora tokenize"},
            {"max_length", "2048", "tokens kept per sequence; a longer prompt loses its beginning"},
            {"batch_tokens", "2048", "tokens per forward batch, padding included (bounds memory)"}};
}

std::vector<double> RewardModelScoringIntervention::evaluate(const InterventionContext &context,
                                                             const std::vector<Example> &examples,
                                                             const std::vector<PairRef> &pairs)
{
    const auto session = ModelSession::open(context);
    RewardScorerOptions options;
    options.label = intParameter(context, "label", 0, 65535);
    options.batchTokens = intParameter(context, "batch_tokens", 64, 1 << 20);
    options.padId = session->eosId();
    const bool appendEos = choiceParameter(context, "append_eos", {"true", "false"}) == "true";
    const bool specialTokens = choiceParameter(context, "special_tokens", {"true", "false"}) == "true";
    const auto maxLength = std::size_t(intParameter(context, "max_length", 8, 1 << 20));
    const RewardScorer scorer(session->model(), options);

    const auto indexOf = exampleIndexByPosition(examples);
    std::vector<TokenizedExample> tokenized;
    std::vector<int> localOf(indexOf.size(), -1);
    std::vector<ResponsePair> local;
    for (const PairRef &p : pairs) {
        const Example &example = examples[indexOf.at(std::size_t(p.examplePosition))];
        int &slot = localOf[std::size_t(p.examplePosition)];
        if (slot < 0) {
            slot = int(tokenized.size());
            std::vector<std::string> responses;
            for (const Response &r : example.responses)
                responses.push_back(r.text);
            tokenized.push_back(RewardScorer::tokenize(session->tokenizer(), session->eosId(), example.prompt,
                                                       responses, appendEos, maxLength, specialTokens));
        }
        local.push_back({std::size_t(slot), p.preferredIndex, p.dispreferredIndex});
    }
    return scorer.scorePairs(tokenized, local, [&](std::int64_t, std::int64_t, const std::string &) {
        return !context.progress || context.progress(0, 0, "scoring " + context.evalDistribution + " with its reward");
    });
}

} // namespace shiftscope
