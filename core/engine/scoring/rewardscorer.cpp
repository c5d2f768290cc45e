#include "engine/scoring/rewardscorer.h"

#include "engine/model/causallm.h"
#include "engine/model/forwardpass.h"
#include "engine/model/kvcache.h"
#include "engine/scoring/prefixsharing.h"
#include "tokenizer/tokenizer.h"
#include "util/errors.h"

#include <ATen/ATen.h>
#include <algorithm>
#include <cmath>
#include <numeric>

namespace shiftscope {

namespace {

std::string modelName(const CausalLM &model)
{
    const auto &source = model.config().source;
    return source.empty() ? std::string("the model") : source.parent_path().string();
}

} // namespace

RewardScorer::RewardScorer(const CausalLM &model, RewardScorerOptions options) : m_model(model), m_options(options)
{
    const ModelConfig &c = model.config();
    if (!c.classifies())
        throw InputError(InputProblem{modelName(model),
                                      {},
                                      c.architectureName + " is a language model, not a reward model",
                                      "use a *ForSequenceClassification model folder (a reward model), or zero_shot "
                                      "to let a language model judge"});
    if (options.label < 0 || options.label >= c.numLabels)
        throw InputError(InputProblem{modelName(model), "label " + std::to_string(options.label),
                                      "the model's head has " + std::to_string(c.numLabels) + " output"
                                          + (c.numLabels == 1 ? "" : "s"),
                                      "choose a label from 0 to " + std::to_string(c.numLabels - 1)});
}

TokenizedExample RewardScorer::tokenize(const Tokenizer &tokenizer, int eos, const std::string &prompt,
                                        const std::vector<std::string> &responses, bool appendEos,
                                        std::size_t maxLength, bool specialTokens)
{
    TokenizedExample t{tokenizer.encode(prompt, specialTokens), {}};
    std::size_t longest = 0;
    for (const std::string &response : responses) {
        std::vector<int> ids = tokenizer.encode(response);
        if (appendEos)
            ids.push_back(eos);
        if (ids.size() > maxLength)
            ids.erase(ids.begin(), ids.end() - std::ptrdiff_t(maxLength));
        longest = std::max(longest, ids.size());
        t.responses.push_back(std::move(ids));
    }
    const std::size_t room = maxLength - longest;
    if (t.prompt.size() > room)
        t.prompt.erase(t.prompt.begin(), t.prompt.end() - std::ptrdiff_t(room));
    return t;
}

std::int64_t RewardScorer::scoredIndex(const std::vector<int> &response) const
{
    const auto pad = m_model.config().padTokenId;
    for (auto i = std::int64_t(response.size()) - 1; i >= 0; --i)
        if (!pad || response[std::size_t(i)] != *pad)
            return i;
    return -1;
}

std::vector<double> RewardScorer::rewardsAt(const at::Tensor &logits, const std::vector<std::int64_t> &last) const
{
    std::vector<std::int64_t> positions = last;
    const auto rows = std::int64_t(positions.size());
    const at::Tensor index = at::from_blob(positions.data(), {rows, 1, 1}, at::kLong)
                                 .to(logits.device(), at::kLong, false, true)
                                 .expand({rows, 1, logits.size(2)});
    const at::Tensor picked =
        logits.gather(1, index).select(1, 0).select(1, m_options.label).to(at::kCPU, at::kDouble).contiguous();
    std::vector<double> out(picked.data_ptr<double>(), picked.data_ptr<double>() + rows);
    for (double r : out)
        if (!std::isfinite(r))
            throw InputError(InputProblem{modelName(m_model),
                                          {},
                                          "the model computes rewards that are NaN or infinite",
                                          "check its weights: a checkpoint holding NaN or infinite values cannot "
                                          "score anything"});
    return out;
}

std::vector<std::vector<double>> RewardScorer::scoreResponses(const std::vector<TokenizedExample> &examples,
                                                              const ProgressCallback &progress) const
{
    std::vector<std::vector<double>> rewards(examples.size());
    for (std::size_t e = 0; e < examples.size(); ++e) {
        rewards[e].resize(examples[e].responses.size());
        for (const auto &r : examples[e].responses)
            if (r.empty() && examples[e].prompt.empty())
                throw std::invalid_argument("example " + std::to_string(e) + " has no token to score");
    }
    std::int64_t done = 0;
    for (const auto &chunk : promptChunks(examples, m_options.batchTokens)) {
        scoreChunk(examples, chunk, rewards);
        done += std::int64_t(chunk.size());
        reportProgress(progress, done, std::int64_t(examples.size()), "scoring");
    }
    return rewards;
}

void RewardScorer::scoreChunk(const std::vector<TokenizedExample> &examples, const std::vector<std::size_t> &chunk,
                              std::vector<std::vector<double>> &rewards) const
{
    c10::InferenceMode inference;
    const at::Device device = m_model.device();

    // 1. Every prompt once, left-padded, keeping its keys and values and the head's output at its last token (the
    //    reward of an empty response).
    KvCache cache;
    const PromptPass prompts = runPrompts(m_model, examples, chunk, m_options.padId, cache);
    const std::int64_t promptLength = prompts.length;
    std::vector<double> promptRewards(chunk.size(), 0.0);
    if (promptLength > 0)
        promptRewards = rewardsAt(prompts.lastLogits.unsqueeze(1), std::vector<std::int64_t>(chunk.size(), 0));

    // 2. Responses, longest first, in batches of similar length, right-padded after their prompt's cache row.
    struct Row {
        std::int64_t chunkIndex;
        std::size_t response;
        std::int64_t length;
    };
    std::vector<Row> rows;
    for (std::size_t k = 0; k < chunk.size(); ++k)
        for (std::size_t r = 0; r < examples[chunk[k]].responses.size(); ++r) {
            const auto length = std::int64_t(examples[chunk[k]].responses[r].size());
            if (length == 0)
                rewards[chunk[k]][r] = promptRewards[k];
            else
                rows.push_back({std::int64_t(k), r, length});
        }
    std::stable_sort(rows.begin(), rows.end(), [](const Row &a, const Row &b) { return a.length > b.length; });
    for (std::size_t begin = 0; begin < rows.size();) {
        const std::int64_t length = rows[begin].length;
        std::size_t end = begin + 1;
        while (end < rows.size() && std::int64_t(end - begin + 1) * length <= m_options.batchTokens)
            ++end;
        std::vector<std::vector<const std::vector<int> *>> tokens;
        std::vector<std::int64_t> cacheRows, last;
        for (std::size_t i = begin; i < end; ++i) {
            const auto &response = examples[chunk[std::size_t(rows[i].chunkIndex)]].responses[rows[i].response];
            tokens.push_back({&response});
            cacheRows.push_back(rows[i].chunkIndex);
            last.push_back(scoredIndex(response));
        }
        const PaddedBatch batch = padRows(tokens, length, false, m_options.padId, device);
        const auto count = std::int64_t(end - begin);
        const at::Tensor cacheIndex =
            at::from_blob(cacheRows.data(), {count}, at::kLong).to(device, at::kLong, false, true);
        KvCache continued = cache.selectRows(cacheIndex);
        ForwardRequest request;
        request.inputIds = batch.ids;
        request.attentionMask = batch.mask;
        const at::Tensor logits = m_model.forward(request, promptLength > 0 ? &continued : nullptr).logits;
        std::vector<std::int64_t> at = last;
        for (auto &position : at)
            position = std::max<std::int64_t>(position, 0);
        const std::vector<double> r = rewardsAt(logits, at);
        for (std::size_t i = begin; i < end; ++i) {
            const std::size_t k = std::size_t(rows[i].chunkIndex);
            // A response of padding ids only (EOS as padding) is read where its prompt ends, as transformers would.
            rewards[chunk[k]][rows[i].response] = last[i - begin] < 0 ? promptRewards[k] : r[i - begin];
        }
        begin = end;
    }
}

std::vector<std::vector<double>> RewardScorer::scoreResponsesNaive(const std::vector<TokenizedExample> &examples) const
{
    c10::InferenceMode inference;
    std::vector<std::vector<double>> rewards(examples.size());
    for (std::size_t e = 0; e < examples.size(); ++e) {
        const TokenizedExample &ex = examples[e];
        std::vector<std::vector<const std::vector<int> *>> rows;
        std::int64_t length = 0;
        for (const auto &r : ex.responses) {
            rows.push_back({&ex.prompt, &r});
            length = std::max(length, std::int64_t(ex.prompt.size() + r.size()));
        }
        const PaddedBatch batch = padRows(rows, length, true, m_options.padId, m_model.device());
        ForwardRequest request;
        request.inputIds = batch.ids;
        request.attentionMask = batch.mask;
        const at::Tensor positions =
            scoredPositions(batch.ids, batch.mask, m_model.config().padTokenId).to(at::kCPU).contiguous();
        rewards[e] = rewardsAt(m_model.forward(request).logits,
                               {positions.data_ptr<std::int64_t>(), positions.data_ptr<std::int64_t>() + rows.size()});
    }
    return rewards;
}

std::vector<double> RewardScorer::pairProbabilities(const std::vector<std::vector<double>> &rewards,
                                                    const std::vector<ResponsePair> &pairs)
{
    std::vector<double> out;
    out.reserve(pairs.size());
    for (const auto &p : pairs) {
        const double margin =
            rewards.at(p.example).at(std::size_t(p.preferred)) - rewards.at(p.example).at(std::size_t(p.dispreferred));
        out.push_back(1.0 / (1.0 + std::exp(-margin)));
    }
    return out;
}

std::vector<double> RewardScorer::scorePairs(const std::vector<TokenizedExample> &examples,
                                             const std::vector<ResponsePair> &pairs,
                                             const ProgressCallback &progress) const
{
    return pairProbabilities(scoreResponses(examples, progress), pairs);
}

} // namespace shiftscope
