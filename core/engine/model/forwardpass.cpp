#include "engine/model/forwardpass.h"

#include "engine/model/kvcache.h"
#include "engine/model/recompute.h"
#include "util/errors.h"

#include <ATen/ATen.h>
#include <limits>

namespace shiftscope {

namespace {

void require(bool condition, const std::string &message)
{
    if (!condition)
        throw std::invalid_argument("forward: " + message);
}

} // namespace

ForwardPass::ForwardPass(const ModelConfig &config, const ForwardRequest &callerRequest, KvCache *cache,
                         at::ScalarType dtype, at::Device device)
    : m_request(callerRequest), m_cache(cache)
{
    for (at::Tensor *t :
         {&m_request.inputIds, &m_request.inputEmbeddings, &m_request.attentionMask, &m_request.capturePositions})
        if (t->defined() && t->device() != device)
            *t = t->to(device);
    const ForwardRequest &request = m_request;
    const at::Tensor &ids = request.inputIds;
    const at::Tensor &embeds = request.inputEmbeddings;
    if (embeds.defined()) {
        require(embeds.dim() == 3 && embeds.size(2) == config.hiddenSize,
                "input embeddings must be (batch, seq, hidden)");
        m_batch = embeds.size(0);
        m_length = embeds.size(1);
    } else {
        require(ids.defined() && ids.dim() == 2 && ids.scalar_type() == at::kLong,
                "input ids must be a (batch, seq) int64 tensor");
        m_batch = ids.size(0);
        m_length = ids.size(1);
    }
    require(m_batch > 0 && m_length > 0, "no tokens");
    if (!embeds.defined())
        require(ids.min().item<std::int64_t>() >= 0 && ids.max().item<std::int64_t>() < config.vocabSize,
                "token ids must lie in [0, " + std::to_string(config.vocabSize) + ")");
    require(request.logitsFrom >= 0 && request.logitsFrom <= m_length, "logitsFrom outside the sequence");
    const bool hasCache = cache && !cache->empty();
    require(!hasCache || cache->batch() == m_batch, "the cache holds " + std::to_string(cache ? cache->batch() : 0)
                                                        + " rows, the batch " + std::to_string(m_batch));
    if (request.hiddenStates || request.headOutputs) {
        const at::Tensor &p = request.capturePositions;
        require(p.defined() && p.dim() == 2 && p.size(0) == m_batch && p.scalar_type() == at::kLong,
                "capture positions must be (batch, P) int64");
        require(p.numel() == 0 || (p.min().item<std::int64_t>() >= 0 && p.max().item<std::int64_t>() < m_length),
                "capture positions outside the sequence");
    }

    const auto longOptions = at::TensorOptions().dtype(at::kLong).device(device);
    at::Tensor mask = request.attentionMask.defined()
                        ? request.attentionMask.to(device, at::kBool)
                        : at::ones({m_batch, m_length}, at::TensorOptions().dtype(at::kBool).device(device));
    require(mask.dim() == 2 && mask.size(0) == m_batch && mask.size(1) == m_length,
            "the attention mask must be (batch, seq)");
    const std::int64_t past = hasCache ? cache->length() : 0;
    const at::Tensor start = hasCache ? cache->nextPositions() : at::zeros({m_batch}, longOptions);

    const at::Tensor counted = mask.to(at::kLong).cumsum(1);            // (B, T)
    m_positions = start.unsqueeze(1) + (counted - 1).clamp_min(0);      // (B, T)
    m_nextPositions = start + counted.select(1, m_length - 1);          // (B)
    m_keyMask = hasCache ? at::cat({cache->keyMask(), mask}, 1) : mask; // (B, S)
    if (config.slidingWindow) {
        const std::int64_t longest = m_nextPositions.max().item<std::int64_t>();
        if (longest > *config.slidingWindow)
            throw InputError(InputProblem{config.source.string(), "key 'sliding_window'",
                                          config.architectureName + " attends within a sliding window of "
                                              + std::to_string(*config.slidingWindow)
                                              + " tokens, which the engine does not implement, and a "
                                              + "sequence here is " + std::to_string(longest) + " tokens long",
                                          "keep prompt and response within " + std::to_string(*config.slidingWindow)
                                              + " tokens (the max_length parameter of an intervention), or use a model "
                                                "without a sliding window"});
    }

    const std::int64_t S = past + m_length;
    const auto longs = at::TensorOptions().dtype(at::kLong).device(device);
    const at::Tensor query = (at::arange(m_length, longs) + past).unsqueeze(1); // (T, 1)
    const at::Tensor key = at::arange(S, longs).unsqueeze(0);                   // (1, S)
    const at::Tensor allowed = (key <= query).unsqueeze(0)
                             & (m_keyMask.unsqueeze(1) | (key == query).unsqueeze(0)); // (B, T, S)
    m_bias = at::zeros({m_batch, 1, m_length, S}, at::TensorOptions().dtype(dtype).device(device))
                 .masked_fill_(allowed.logical_not().unsqueeze(1), -std::numeric_limits<float>::infinity());
}

at::Tensor ForwardPass::inputEmbeddings(const at::Tensor &table) const
{
    return m_request.inputEmbeddings.defined() ? m_request.inputEmbeddings : at::embedding(table, m_request.inputIds);
}

at::Tensor BlockIo::attentionProjection(const std::string &projection, const at::Tensor &x, const at::Tensor &y) const
{
    return m_hooks ? m_hooks->attentionProjection(m_layer, projection, x, y) : y;
}

std::pair<at::Tensor, at::Tensor> BlockIo::keysAndValues(const at::Tensor &keys, const at::Tensor &values)
{
    m_keys = m_pastKeys.defined() ? at::cat({m_pastKeys, keys}, 2) : keys;
    m_values = m_pastValues.defined() ? at::cat({m_pastValues, values}, 2) : values;
    return {m_keys, m_values};
}

at::Tensor ForwardPass::runBlock(int layer, const at::Tensor &h, const Block &block)
{
    const ForwardHooks *hooks = m_request.hooks;
    BlockIo io(layer, hooks);
    const bool past = m_cache && !m_cache->empty();
    if (past) {
        io.m_pastKeys = m_cache->keys(layer);
        io.m_pastValues = m_cache->values(layer);
    }
    at::Tensor out;
    if (!m_request.checkpointLayers) {
        out = block(h, io);
    } else {
        // Inputs h [, past keys, past values]; outputs the next h [, keys, values] [, head outputs]. The copy of
        // `block` the closure holds outlives this pass.
        const bool keepKeys = m_cache != nullptr, keepHeads = m_request.headOutputs;
        std::vector<at::Tensor> inputs = {h};
        if (past) {
            inputs.push_back(io.m_pastKeys);
            inputs.push_back(io.m_pastValues);
        }
        const auto outputs = runRecomputed(
            [block, layer, hooks, past, keepKeys, keepHeads](const std::vector<at::Tensor> &in) {
            BlockIo inner(layer, hooks);
            if (past) {
                inner.m_pastKeys = in[1];
                inner.m_pastValues = in[2];
            }
            std::vector<at::Tensor> produced = {block(in[0], inner)};
            if (keepKeys) {
                produced.push_back(inner.m_keys);
                produced.push_back(inner.m_values);
            }
            if (keepHeads)
                produced.push_back(inner.m_heads);
            return produced;
            },
            inputs, hooks ? hooks->trainableTensors(layer) : std::vector<at::Tensor>());
        out = outputs[0];
        if (keepKeys) {
            io.m_keys = outputs[1];
            io.m_values = outputs[2];
        }
        if (keepHeads)
            io.m_heads = outputs.back();
    }
    if (m_cache)
        m_cache->store(layer, io.m_keys, io.m_values);
    if (m_request.headOutputs)
        m_heads.push_back(atCapturePositions(io.m_heads));
    return out;
}

at::Tensor ForwardPass::atCapturePositions(const at::Tensor &x) const
{
    // x (B, T, ...) -> (B, P, ...)
    at::Tensor index = m_request.capturePositions;
    for (std::int64_t i = 2; i < x.dim(); ++i)
        index = index.unsqueeze(-1);
    auto sizes = x.sizes().vec();
    sizes[1] = m_request.capturePositions.size(1);
    return x.gather(1, index.expand(sizes));
}

void ForwardPass::recordHidden(const at::Tensor &h)
{
    if (m_request.hiddenStates)
        m_hidden.push_back(atCapturePositions(h));
}

at::Tensor lastRealPositions(const at::Tensor &mask)
{
    const at::Tensor real = mask.to(at::kLong) != 0; // (B, T)
    const at::Tensor index = at::arange(mask.size(1), at::TensorOptions().dtype(at::kLong).device(mask.device()));
    return (real.to(at::kLong) * index).argmax(1); // (B); a row without real tokens gives 0
}

at::Tensor scoredPositions(const at::Tensor &ids, const at::Tensor &mask, std::optional<int> padTokenId)
{
    const at::Tensor last = lastRealPositions(mask);
    if (!padTokenId)
        return last;
    const at::Tensor counted = (mask.to(at::kLong) != 0) & (ids != std::int64_t(*padTokenId)); // (B, T)
    const at::Tensor index = at::arange(ids.size(1), at::TensorOptions().dtype(at::kLong).device(ids.device()));
    const at::Tensor position = (counted.to(at::kLong) * index).argmax(1); // (B)
    return at::where(counted.any(1), position, last);
}

ForwardResult ForwardPass::finish(const at::Tensor &normed, const at::Tensor &lmHead)
{
    ForwardResult result;
    recordHidden(normed);
    if (m_request.hiddenStates)
        result.hiddenStates = at::stack(m_hidden, 2).to(at::kFloat); // (B, P, layers + 1, hidden)
    if (m_request.headOutputs)
        result.headOutputs = at::stack(m_heads, 2).to(at::kFloat); // (B, P, layers, heads, head_dim)
    const std::int64_t from = m_request.logitsFrom;
    result.logits = at::linear(normed.narrow(1, from, m_length - from), lmHead).to(at::kFloat); // (B, T - from, vocab)
    if (m_cache)
        m_cache->setMask(m_keyMask, m_nextPositions);
    return result;
}

} // namespace shiftscope
