#include "engine/interventions/rewardmodelintervention.h"

#include "engine/model/causallm.h"
#include "engine/interventions/adamw.h"
#include "engine/model/kvcache.h"
#include "engine/interventions/modelsession.h"
#include "engine/interventions/parameters.h"
#include "util/errors.h"

#include <ATen/ATen.h>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

namespace shiftscope {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

namespace {

constexpr const char *kWeightsFile = "reward_model.safetensors";
constexpr const char *kRecordFile = "reward_model.json";

} // namespace

std::vector<ParameterSpec> RewardModelIntervention::parameters() const
{
    std::vector<ParameterSpec> specs = {
        {"steps", "100", "optimizer steps (GENIES: 100 to 150 on a GPU)"},
        {"batch_size", "8", "pairs per step (GENIES: 16)"},
        {"weight_decay", "0", "AdamW weight decay"},
        {"max_grad_norm", "0.3", "gradients are clipped to this norm, as in GENIES"},
        {"max_length", "512", "tokens kept per sequence; longer prompts lose their beginning"},
        precisionParameter("what is trained, the head and the optimizer stay float32"),
        {"prefix_sharing", "true",
         "true: each training pair's prompt (after prompt_tuning's virtual tokens) runs once and both responses "
         "continue its keys and values; "
         "false: both sequences in full, as GENIES trains"},
        {"activation_checkpointing", "false",
         "true: keep only each transformer block's input while training and run the block again for the backward "
         "pass, so a model that fits in memory for scoring can also be trained, at about a third more time per step"},
    };
    for (auto &spec : ownParameters())
        specs.push_back(std::move(spec));
    return specs;
}

at::Tensor RewardModelIntervention::finalHiddenAtLastTokens(const ModelSession &session, ForwardRequest &request,
                                                            std::int64_t length, std::int64_t positions)
{
    const std::int64_t rows = request.attentionMask.size(0);
    request.capturePositions = at::arange(length - positions, length, at::kLong).unsqueeze(0).repeat({rows, 1});
    request.hiddenStates = true;
    request.logitsFrom = length;
    const ForwardResult result = session.model().forward(request);
    return result.hiddenStates.select(2, session.model().config().layers); // (rows, positions, hidden)
}

at::Tensor RewardModelIntervention::rewards(const ModelSession &session, const std::vector<std::vector<int>> &rows,
                                            bool training) const
{
    const auto [ids, mask] = leftPadded(rows, session.eosId());
    return at::mv(lastHidden(session, ids, mask, training, 1).select(1, 0).to(m_head.scalar_type()), m_head); // (rows)
}

at::Tensor RewardModelIntervention::sharedRewards(const ModelSession &session,
                                                  const std::vector<const TokenizedExample *> &examples,
                                                  const std::vector<std::pair<int, int>> &responses) const
{
    const CausalLM &model = session.model();
    const auto pairs = std::int64_t(examples.size());
    // 1. The prompts, left-padded, into a cache that keeps the autograd graph.
    std::vector<std::vector<int>> prompts;
    for (const TokenizedExample *t : examples)
        prompts.push_back(t->prompt);
    KvCache cache;
    const auto [promptIds, promptMask] = leftPadded(prompts, session.eosId());
    const bool cached = runSharedPrompt(session, promptIds, promptMask, cache);
    // 2. Chosen responses then rejected ones, right-padded, each continuing its prompt's cache row; the reward is
    //    read at each response's last token.
    std::vector<const std::vector<int> *> rows;
    std::vector<std::int64_t> cacheRows, last;
    std::size_t length = 0;
    for (int side = 0; side < 2; ++side)
        for (std::int64_t k = 0; k < pairs; ++k) {
            const auto &[preferred, dispreferred] = responses[std::size_t(k)];
            const auto &response =
                examples[std::size_t(k)]->responses[std::size_t(side == 0 ? preferred : dispreferred)];
            rows.push_back(&response);
            cacheRows.push_back(k);
            last.push_back(std::int64_t(response.size()) - 1);
            length = std::max(length, response.size());
        }
    const auto count = std::int64_t(rows.size());
    std::vector<std::int64_t> ids(std::size_t(count) * length, session.eosId()), mask(ids.size(), 0);
    for (std::int64_t r = 0; r < count; ++r)
        for (std::size_t t = 0; t < rows[std::size_t(r)]->size(); ++t) {
            ids[std::size_t(r) * length + t] = (*rows[std::size_t(r)])[t];
            mask[std::size_t(r) * length + t] = 1;
        }
    const auto shape = std::vector<std::int64_t>{count, std::int64_t(length)};
    KvCache continued = cached ? cache.selectRows(at::tensor(cacheRows, at::kLong)) : KvCache();
    ForwardRequest request;
    request.inputIds = at::tensor(ids, at::kLong).view(shape);
    request.attentionMask = at::tensor(mask, at::kLong).view(shape);
    request.capturePositions = at::tensor(last, at::kLong).view({count, 1});
    request.hiddenStates = true;
    request.logitsFrom = std::int64_t(length);
    request.hooks = sharedHooks(true);
    setTraining(request, true);
    const ForwardResult result = model.forward(request, cached ? &continued : nullptr);
    const at::Tensor hidden = result.hiddenStates.select(1, 0).select(1, model.config().layers); // (rows, hidden)
    return at::mv(hidden.to(m_head.scalar_type()), m_head);
}

void RewardModelIntervention::setTraining(ForwardRequest &request, bool training) const
{
    request.trainable = training;
    request.checkpointLayers = training && m_checkpointLayers;
}

bool RewardModelIntervention::runSharedPrompt(const ModelSession &session, const at::Tensor &ids,
                                              const at::Tensor &mask, KvCache &cache) const
{
    if (mask.sum().item<std::int64_t>() == 0) // no prompt tokens at all
        return false;
    ForwardRequest request;
    request.inputIds = ids;
    request.attentionMask = mask;
    request.logitsFrom = ids.size(1);
    request.hooks = sharedHooks(true);
    setTraining(request, true);
    session.model().forward(request, &cache);
    return true;
}

void RewardModelIntervention::train(const InterventionContext &context, const std::vector<Example> &trainExamples)
{
    const auto session = ModelSession::open(context);
    const int steps = intParameter(context, "steps", 1, 1000000);
    const int batchSize = intParameter(context, "batch_size", 1, 4096);
    const double learningRate = realParameter(context, "learning_rate", 0, 10);
    const double weightDecay = realParameter(context, "weight_decay", 0, 10);
    const double maxGradNorm = realParameter(context, "max_grad_norm", 0, 1e9);
    const auto maxLength = std::size_t(intParameter(context, "max_length", 8, 1 << 20));
    const bool prefixSharing = choiceParameter(context, "prefix_sharing", {"true", "false"}) == "true";
    m_checkpointLayers = choiceParameter(context, "activation_checkpointing", {"true", "false"}) == "true";
    bfloat16Asked(context); // refuses a precision other than float32 or bfloat16

    const std::vector<PairRef> pairs = onePairPerExample(trainExamples, context.seed);
    if (pairs.empty())
        throw InputError(InputProblem{context.trainDistribution,
                                      {},
                                      "the train split has no pair to train on",
                                      "each example needs a preferred and a dispreferred response"});
    const auto indexOf = exampleIndexByPosition(trainExamples);
    std::vector<TokenizedExample> tokens;
    for (const PairRef &p : pairs)
        tokens.push_back(session->pairTokens(trainExamples[indexOf[std::size_t(p.examplePosition)]]));

    at::manual_seed(context.seed);
    initialize(context, *session);
    const std::int64_t hidden = session->model().config().hiddenSize;
    // Hugging Face's initializer_range; drawn on the CPU so that a seed gives the same head on every device.
    m_head = (at::randn({hidden}) * 0.02).to(session->model().device()).requires_grad_(true);
    NamedTensors trainable = tensors();
    trainable.emplace_back("head", m_head);
    AdamW optimizer(trainable, learningRate, weightDecay);

    std::mt19937_64 rng(context.seed);
    std::vector<std::size_t> order(pairs.size());
    std::size_t cursor = order.size();
    Json log = Json::array();
    for (int step = 1; step <= steps; ++step) {
        std::vector<std::vector<int>> rows; // chosen sequences, then rejected ones
        std::vector<std::vector<int>> rejected;
        std::vector<const TokenizedExample *> batchTokens;
        std::vector<std::pair<int, int>> batchPairs; // (preferred, dispreferred) response indices
        bool cut = false;                            // a sequence lost its beginning to max_length
        for (int b = 0; b < batchSize && b < int(pairs.size()); ++b) {
            if (cursor == order.size()) { // a new epoch in a new order
                for (std::size_t i = 0; i < order.size(); ++i)
                    order[i] = i;
                std::shuffle(order.begin(), order.end(), rng);
                cursor = 0;
            }
            const std::size_t k = order[cursor++];
            const TokenizedExample &t = tokens[k];
            auto sequence = [&](int response) {
                std::vector<int> ids = t.prompt;
                ids.insert(ids.end(), t.responses[std::size_t(response)].begin(),
                           t.responses[std::size_t(response)].end());
                return keepLast(std::move(ids), maxLength);
            };
            rows.push_back(sequence(pairs[k].preferredIndex));
            rejected.push_back(sequence(pairs[k].dispreferredIndex));
            batchTokens.push_back(&t);
            batchPairs.emplace_back(pairs[k].preferredIndex, pairs[k].dispreferredIndex);
            for (int response : {pairs[k].preferredIndex, pairs[k].dispreferredIndex})
                cut = cut || t.prompt.size() + t.responses[std::size_t(response)].size() > maxLength;
        }
        const auto chosenCount = std::int64_t(rows.size());
        rows.insert(rows.end(), rejected.begin(), rejected.end());
        // Each pair's prompt once, its keys and values shared by both responses (gradients flow through them),
        // where the subclass allows it and no sequence was cut; otherwise every sequence in full.
        const at::Tensor r = prefixSharing && !cut ? sharedRewards(*session, batchTokens, batchPairs)
                                                   : rewards(*session, rows, true);
        const at::Tensor margin = r.narrow(0, 0, chosenCount) - r.narrow(0, chosenCount, chosenCount);
        const at::Tensor loss = -at::log_sigmoid(margin).mean();
        optimizer.zeroGrad();
        loss.backward();
        optimizer.clipGradNorm(maxGradNorm);
        optimizer.step();
        const double lossValue = loss.item<double>();
        const double accuracy = (margin > 0).to(at::kDouble).mean().item<double>();
        log.push_back({{"step", step}, {"loss", lossValue}, {"batch_accuracy", accuracy}});
        char stage[96];
        std::snprintf(stage, sizeof stage, "training %s on %s: step %d/%d, loss %.4f", name().c_str(),
                      context.trainDistribution.c_str(), step, steps, lossValue);
        reportProgress(context.progress, step, steps, stage);
    }

    NamedTensors saved = tensors();
    saved.emplace_back("head", m_head);
    saveTensors(context.artifactDir / kWeightsFile, saved);
    Json record = {{"intervention", name()},
                   {"model_dir", context.modelDir.string()},
                   {"source", context.trainDistribution},
                   {"seed", context.seed},
                   {"training_pairs", pairs.size()},
                   {"parameters", context.parameters},
                   {"reward", "linear head on the final-normed hidden state of the last token (EOS)"},
                   {"training_log", log}};
    std::ofstream(context.artifactDir / kRecordFile) << record.dump(1) << "\n";
    saveExtras(context, *session, m_head);
}

void RewardModelIntervention::load(const InterventionContext &context)
{
    const fs::path file = context.artifactDir / kWeightsFile;
    auto saved = loadTensors(file);
    const at::Device device = ModelSession::open(context)->model().device();
    for (auto &entry : saved)
        entry.second = entry.second.to(device);
    restore(context, saved, file);
    m_head = requireTensor(saved, "head", file);
}

std::vector<double> RewardModelIntervention::evaluate(const InterventionContext &context,
                                                      const std::vector<Example> &examples,
                                                      const std::vector<PairRef> &pairs)
{
    const auto session = ModelSession::open(context);
    const auto maxLength = std::size_t(intParameter(context, "max_length", 8, 1 << 20));
    const int batchSize = intParameter(context, "batch_size", 1, 4096);
    const auto indexOf = exampleIndexByPosition(examples);

    // One reward per response of the examples the pairs use, computed once, in batches of similar length.
    std::map<std::pair<int, int>, double> reward;
    std::vector<std::pair<int, int>> keys;
    std::vector<std::vector<int>> rows;
    for (const PairRef &p : pairs)
        for (int response : {p.preferredIndex, p.dispreferredIndex})
            if (reward.emplace(std::pair{p.examplePosition, response}, 0.0).second)
                keys.emplace_back(p.examplePosition, response);
    for (const auto &[position, response] : keys) {
        const Example &e = examples[indexOf.at(std::size_t(position))];
        const TokenizedExample t = session->pairTokens(e.prompt, {e.responses[std::size_t(response)].text});
        std::vector<int> ids = t.prompt;
        ids.insert(ids.end(), t.responses[0].begin(), t.responses[0].end());
        rows.push_back(keepLast(std::move(ids), maxLength));
    }
    std::vector<std::size_t> byLength(rows.size());
    for (std::size_t i = 0; i < byLength.size(); ++i)
        byLength[i] = i;
    std::stable_sort(byLength.begin(), byLength.end(), [&](auto a, auto b) { return rows[a].size() > rows[b].size(); });
    const auto rowsPerBatch = std::size_t(2 * batchSize);
    c10::InferenceMode inference;
    for (std::size_t start = 0; start < byLength.size(); start += rowsPerBatch) {
        reportProgress(context.progress, 0, 0, "scoring " + context.evalDistribution + " with " + name());
        std::vector<std::vector<int>> batch;
        const std::size_t end = std::min(byLength.size(), start + rowsPerBatch);
        for (std::size_t i = start; i < end; ++i)
            batch.push_back(rows[byLength[i]]);
        const at::Tensor r = rewards(*session, batch, false).to(at::kCPU, at::kDouble);
        for (std::size_t i = start; i < end; ++i)
            reward[keys[byLength[i]]] = r[std::int64_t(i - start)].item<double>();
    }
    std::vector<double> out;
    for (const PairRef &p : pairs) {
        const double margin =
            reward[{p.examplePosition, p.preferredIndex}] - reward[{p.examplePosition, p.dispreferredIndex}];
        out.push_back(1.0 / (1.0 + std::exp(-margin)));
    }
    return out;
}

RewardModelIntervention::GradientSimilarity
RewardModelIntervention::gradientSimilarities(const InterventionContext &context,
                                              const std::vector<Example> &trainExamples,
                                              const std::vector<Example> &examples, const PairRef &pair)
{
    const auto session = ModelSession::open(context);
    const auto maxLength = std::size_t(intParameter(context, "max_length", 8, 1 << 20));
    NamedTensors trainable = tensors();
    trainable.emplace_back("head", m_head);
    for (auto &entry : trainable)
        entry.second.requires_grad_(true);
    // However this ends, the tensors go back to what load() left: no gradients kept or asked for.
    struct GradientsDropped {
        NamedTensors &tensors;
        ~GradientsDropped()
        {
            for (auto &entry : tensors) {
                entry.second.mutable_grad() = at::Tensor();
                entry.second.requires_grad_(false);
            }
        }
    } dropped{trainable};
    // The margin of one pair and its gradient, flattened over every trained tensor.
    auto marginAndGradient = [&](const Example &e, int preferred, int dispreferred) {
        const TokenizedExample t = session->pairTokens(e);
        std::vector<std::vector<int>> rows;
        for (int response : {preferred, dispreferred}) {
            std::vector<int> ids = t.prompt;
            ids.insert(ids.end(), t.responses[std::size_t(response)].begin(), t.responses[std::size_t(response)].end());
            rows.push_back(keepLast(std::move(ids), maxLength));
        }
        for (auto &entry : trainable)
            entry.second.mutable_grad() = at::Tensor();
        const at::Tensor r = rewards(*session, rows, true);
        const at::Tensor margin = r[0] - r[1];
        margin.backward();
        std::vector<at::Tensor> parts;
        for (auto &entry : trainable)
            if (entry.second.grad().defined())
                parts.push_back(entry.second.grad().reshape({-1}).to(at::kCPU, at::kDouble));
        return std::pair{margin.item<double>(), at::cat(parts)};
    };

    GradientSimilarity out;
    const auto evaluatedAt = exampleIndexByPosition(examples);
    const auto [margin, gradient] = marginAndGradient(examples[evaluatedAt.at(std::size_t(pair.examplePosition))],
                                                      pair.preferredIndex, pair.dispreferredIndex);
    out.margin = margin;
    out.byExample.assign(trainExamples.size(), 0.0);
    const std::vector<PairRef> pairs = onePairPerExample(trainExamples, context.seed);
    const auto trainedAt = exampleIndexByPosition(trainExamples);
    for (std::size_t k = 0; k < pairs.size(); ++k) {
        reportProgress(context.progress, std::int64_t(k), std::int64_t(pairs.size()),
                       "gradients of " + context.trainDistribution + "'s training pairs");
        const std::size_t index = trainedAt.at(std::size_t(pairs[k].examplePosition));
        const auto [m, g] =
            marginAndGradient(trainExamples[index], pairs[k].preferredIndex, pairs[k].dispreferredIndex);
        out.byExample[index] = (1.0 - 1.0 / (1.0 + std::exp(-m))) * g.dot(gradient).item<double>();
    }
    return out;
}

RewardModelIntervention::TokenRewards RewardModelIntervention::tokenRewards(const InterventionContext &context,
                                                                            const Example &example, int response)
{
    const auto session = ModelSession::open(context);
    const auto maxLength = std::size_t(intParameter(context, "max_length", 8, 1 << 20));
    const TokenizedExample t = session->pairTokens(example.prompt, {example.responses[std::size_t(response)].text});
    std::vector<int> ids = t.prompt;
    ids.insert(ids.end(), t.responses[0].begin(), t.responses[0].end());
    ids = keepLast(std::move(ids), maxLength);
    const auto positions = std::int64_t(std::min(t.responses[0].size(), ids.size()));
    const auto [tensor, mask] = leftPadded({ids}, session->eosId());
    c10::InferenceMode inference;
    const at::Tensor hidden = lastHidden(*session, tensor, mask, false, positions).select(0, 0); // (positions, hidden)
    const at::Tensor rewards = at::mv(hidden.to(m_head.scalar_type()), m_head).to(at::kCPU, at::kDouble);
    TokenRewards out;
    out.ids.assign(ids.end() - positions, ids.end());
    for (std::int64_t i = 0; i < positions; ++i)
        out.rewards.push_back(rewards[i].item<double>());
    return out;
}

} // namespace shiftscope
