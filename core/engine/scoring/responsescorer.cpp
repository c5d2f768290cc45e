#include "engine/scoring/responsescorer.h"

#include "engine/model/causallm.h"
#include "engine/model/kvcache.h"
#include "engine/scoring/prefixsharing.h"
#include "util/errors.h"

#include <ATen/ATen.h>
#include <algorithm>
#include <cmath>
#include <numeric>

namespace shiftscope {

namespace {

//! log p(token t + 1 | tokens <= t) for t < length - 1, from logits (rows, length, vocab): (rows, length - 1).
//! Row by row, so the log-softmax never holds a second copy of the whole batch's logits.
at::Tensor nextTokenLogprobs(const at::Tensor &logits, const at::Tensor &ids)
{
    const std::int64_t T = ids.size(1);
    std::vector<at::Tensor> rows;
    for (std::int64_t r = 0; r < ids.size(0); ++r) {
        const at::Tensor logprobs = at::log_softmax(logits[r].narrow(0, 0, T - 1), -1); // (T - 1, vocab)
        rows.push_back(logprobs.gather(1, ids[r].narrow(0, 1, T - 1).unsqueeze(-1)).squeeze(-1));
    }
    return at::stack(rows); // (rows, T - 1)
}

//! Sum over each row of the entries where `counted` holds, in double precision: (rows).
std::vector<double> countedSums(const at::Tensor &values, const at::Tensor &counted)
{
    const at::Tensor sums =
        at::where(counted, values, at::zeros_like(values)).to(at::kCPU, at::kDouble).sum(1).contiguous();
    const double *data = sums.data_ptr<double>();
    return {data, data + sums.numel()};
}

ForwardRequest logitsRequest(const PaddedBatch &batch, std::int64_t logitsFrom = 0)
{
    ForwardRequest request;
    request.inputIds = batch.ids;
    request.attentionMask = batch.mask;
    request.logitsFrom = logitsFrom;
    return request;
}

double softmaxFirst(double a, double b) { return 1.0 / (1.0 + std::exp(b - a)); }

void checkExamples(const std::vector<TokenizedExample> &examples)
{
    for (std::size_t e = 0; e < examples.size(); ++e)
        for (const auto &r : examples[e].responses)
            if (r.empty())
                throw std::invalid_argument("example " + std::to_string(e)
                                            + " has an empty response (it should at least hold EOS)");
}

} // namespace

ResponseScorer::ResponseScorer(const CausalLM &model, ScorerOptions options) : m_model(model), m_options(options)
{
    if (model.config().classifies()) {
        const auto &source = model.config().source;
        throw InputError(InputProblem{source.empty() ? std::string("the model") : source.parent_path().string(),
                                      {},
                                      model.config().architectureName
                                          + " has a sequence-classification head, not a language-model head, so it "
                                            "gives no log-probabilities to score responses with",
                                      "score it as a reward model (the reward_model intervention), or use the "
                                      "*ForCausalLM model for zero_shot and few_shot"});
    }
}

double ResponseScorer::pairProbability(const TokenizedExample &example, const std::vector<ResponseLogprob> &scores,
                                       const ResponsePair &pair, PairScoring scoring)
{
    const ResponseLogprob &a = scores.at(std::size_t(pair.preferred));
    const ResponseLogprob &b = scores.at(std::size_t(pair.dispreferred));
    if (scoring == PairScoring::MeanLogprob)
        return softmaxFirst(a.sum / std::max(a.tokens, 1), b.sum / std::max(b.tokens, 1));
    const std::size_t longest = std::max(example.responses.at(std::size_t(pair.preferred)).size(),
                                         example.responses.at(std::size_t(pair.dispreferred)).size());
    const double denominator = double(std::max<std::size_t>(example.prompt.size() + longest, 2) - 1); // L - 1
    return softmaxFirst(a.sum / denominator, b.sum / denominator);
}

namespace {

[[noreturn]] void throwNonFinite(const CausalLM &model)
{
    const auto &source = model.config().source;
    throw InputError(
        InputProblem{source.empty() ? std::string("the model") : source.parent_path().string(),
                     {},
                     "the model computes log-probabilities that are NaN or infinite",
                     "check its weights: a checkpoint holding NaN or infinite values cannot score anything"});
}

} // namespace

std::vector<std::vector<ResponseLogprob>> ResponseScorer::scoreResponses(const std::vector<TokenizedExample> &examples,
                                                                         const ProgressCallback &progress) const
{
    std::vector<std::vector<ResponseLogprob>> scores;
    std::int64_t done = 0;
    const auto total = std::int64_t(examples.size());
    scoreChunks(examples, scores, [&](const std::vector<std::size_t> &chunk) {
        done += std::int64_t(chunk.size());
        reportProgress(progress, done, total, "scoring");
    });
    return scores;
}

std::vector<double> ResponseScorer::scorePairs(const std::vector<TokenizedExample> &examples,
                                               const std::vector<ResponsePair> &pairs,
                                               const ProgressCallback &progress) const
{
    std::vector<std::int64_t> pairsOf(examples.size(), 0);
    for (const auto &p : pairs)
        ++pairsOf.at(p.example);
    std::vector<std::vector<ResponseLogprob>> scores;
    std::int64_t done = 0;
    scoreChunks(examples, scores, [&](const std::vector<std::size_t> &chunk) {
        for (std::size_t e : chunk)
            done += pairsOf[e];
        reportProgress(progress, done, std::int64_t(pairs.size()), "scoring");
    });
    std::vector<double> out;
    out.reserve(pairs.size());
    for (const auto &p : pairs)
        out.push_back(pairProbability(examples[p.example], scores[p.example], p, m_options.scoring));
    return out;
}

void ResponseScorer::scoreChunks(const std::vector<TokenizedExample> &examples,
                                 std::vector<std::vector<ResponseLogprob>> &scores,
                                 const std::function<void(const std::vector<std::size_t> &)> &done) const
{
    checkExamples(examples);
    scores.assign(examples.size(), {});
    for (std::size_t e = 0; e < examples.size(); ++e)
        scores[e].resize(examples[e].responses.size());
    // Prompts of similar length share a batch, filled up to the token budget.
    for (const auto &chunk : promptChunks(examples, m_options.batchTokens)) {
        scoreChunk(examples, chunk, scores);
        for (std::size_t e : chunk)
            for (const auto &response : scores[e])
                if (!std::isfinite(response.sum))
                    throwNonFinite(m_model);
        done(chunk);
    }
}

void ResponseScorer::scoreChunk(const std::vector<TokenizedExample> &examples, const std::vector<std::size_t> &chunk,
                                std::vector<std::vector<ResponseLogprob>> &scores) const
{
    c10::InferenceMode inference;
    const at::Device device = m_model.device();

    // 1. Every prompt once, left-padded; keep its keys and values and the distribution of the next token.
    KvCache cache;
    const PromptPass prompts = runPrompts(m_model, examples, chunk, m_options.padId, cache);
    const std::int64_t promptLength = prompts.length;
    at::Tensor firstLogprobs; // (chunk, vocab): log p(first response token | prompt)
    if (promptLength > 0)
        firstLogprobs = at::log_softmax(prompts.lastLogits, -1);

    // 2. Responses, longest first, in batches of similar length; each row continues its prompt's cache row.
    struct Row {
        std::int64_t chunkIndex;
        std::size_t response;
        std::int64_t length;
    };
    std::vector<Row> rows;
    for (std::size_t k = 0; k < chunk.size(); ++k)
        for (std::size_t r = 0; r < examples[chunk[k]].responses.size(); ++r)
            rows.push_back({std::int64_t(k), r, std::int64_t(examples[chunk[k]].responses[r].size())});
    std::stable_sort(rows.begin(), rows.end(), [](const Row &a, const Row &b) { return a.length > b.length; });
    for (std::size_t begin = 0; begin < rows.size();) {
        const std::int64_t length = rows[begin].length;
        std::size_t end = begin + 1;
        while (end < rows.size() && std::int64_t(end - begin + 1) * length <= m_options.batchTokens)
            ++end;
        std::vector<std::vector<const std::vector<int> *>> tokens;
        std::vector<std::int64_t> cacheRows, firstTokens;
        for (std::size_t i = begin; i < end; ++i) {
            const auto &response = examples[chunk[std::size_t(rows[i].chunkIndex)]].responses[rows[i].response];
            tokens.push_back({&response});
            cacheRows.push_back(rows[i].chunkIndex);
            firstTokens.push_back(response.front());
        }
        const PaddedBatch batch = padRows(tokens, length, false, m_options.padId, device);
        const auto count = std::int64_t(end - begin);
        const auto longs = at::TensorOptions().dtype(at::kLong);
        const at::Tensor cacheIndex =
            at::from_blob(cacheRows.data(), {count}, longs).to(device, at::kLong, false, true);
        KvCache continued = cache.selectRows(cacheIndex);
        const at::Tensor logits = m_model.forward(logitsRequest(batch), promptLength > 0 ? &continued : nullptr)
                                      .logits; // (rows, length, vocab)
        std::vector<double> sums(std::size_t(count), 0.0);
        if (length > 1)
            sums = countedSums(nextTokenLogprobs(logits, batch.ids), batch.mask.narrow(1, 1, length - 1).to(at::kBool));
        std::vector<double> first(std::size_t(count), 0.0);
        if (promptLength > 0) {
            const at::Tensor firstIndex =
                at::from_blob(firstTokens.data(), {count, 1}, longs).to(device, at::kLong, false, true);
            const at::Tensor picked =
                firstLogprobs.index_select(0, cacheIndex).gather(1, firstIndex).to(at::kCPU, at::kDouble).contiguous();
            first.assign(picked.data_ptr<double>(), picked.data_ptr<double>() + count);
        }
        for (std::size_t i = begin; i < end; ++i) {
            const Row &row = rows[i];
            const std::size_t e = chunk[std::size_t(row.chunkIndex)];
            const bool hasPrompt = !examples[e].prompt.empty();
            ResponseLogprob &score = scores[e][row.response];
            score.sum = sums[i - begin] + (hasPrompt ? first[i - begin] : 0.0);
            score.tokens = int(row.length) - (hasPrompt ? 0 : 1);
        }
        begin = end;
    }
}

std::vector<double> ResponseScorer::scorePairsNaive(const std::vector<TokenizedExample> &examples,
                                                    const std::vector<ResponsePair> &pairs,
                                                    const ProgressCallback &progress) const
{
    checkExamples(examples);
    c10::InferenceMode inference;
    std::vector<double> out;
    for (const auto &p : pairs) {
        const TokenizedExample &ex = examples.at(p.example);
        const auto &a = ex.responses.at(std::size_t(p.preferred));
        const auto &b = ex.responses.at(std::size_t(p.dispreferred));
        const auto L = std::int64_t(ex.prompt.size() + std::max(a.size(), b.size()));
        const PaddedBatch batch =
            padRows({{&ex.prompt, &a}, {&ex.prompt, &b}}, L, true, m_options.padId, m_model.device());
        const at::Tensor logits = m_model.forward(logitsRequest(batch)).logits; // (2, L, vocab)
        // Position t predicts token t + 1; it counts when that token is a response (or EOS) token and t is a real
        // token (the first response token after an empty prompt has nothing before it).
        std::vector<std::uint8_t> counted(std::size_t(2 * (L - 1)), 0);
        const std::int64_t responseLength[] = {std::int64_t(a.size()), std::int64_t(b.size())};
        for (std::int64_t row = 0; row < 2; ++row)
            for (std::int64_t t = 0; t + 1 < L; ++t)
                counted[std::size_t(row * (L - 1) + t)] = t + 1 >= L - responseLength[row]
                                                       && t >= L - std::int64_t(ex.prompt.size()) - responseLength[row];
        double score[2] = {0, 0};
        if (L > 1) {
            const at::Tensor mask =
                at::from_blob(counted.data(), {2, L - 1}, at::kByte).to(m_model.device()).to(at::kBool);
            const auto sums = countedSums(nextTokenLogprobs(logits, batch.ids), mask);
            for (int row = 0; row < 2; ++row) {
                const auto tokens =
                    std::accumulate(counted.begin() + row * (L - 1), counted.begin() + (row + 1) * (L - 1), 0);
                score[row] = m_options.scoring == PairScoring::MeanLogprob
                               ? sums[std::size_t(row)] / std::max(tokens, 1)
                               : sums[std::size_t(row)] / double(L - 1);
            }
        }
        if (!std::isfinite(score[0]) || !std::isfinite(score[1]))
            throwNonFinite(m_model);
        out.push_back(softmaxFirst(score[0], score[1]));
        reportProgress(progress, std::int64_t(out.size()), std::int64_t(pairs.size()), "scoring");
    }
    return out;
}

} // namespace shiftscope
