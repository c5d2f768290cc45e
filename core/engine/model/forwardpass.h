#pragma once

#include "engine/model/causallm.h"

#include <functional>
#include <optional>
#include <utility>
#include <vector>

namespace shiftscope {

class KvCache;

//! What one transformer block reads and writes besides its hidden state: the forward hooks, the keys and values
//! of the tokens before this call, and the keys, values and head outputs it produces.
class BlockIo {
public:
    BlockIo(int layer, const ForwardHooks *hooks) : m_layer(layer), m_hooks(hooks) {}

    //! y, or what the request's hooks make of the attention input projection `projection`.
    at::Tensor attentionProjection(const std::string &projection, const at::Tensor &x, const at::Tensor &y) const;
    //! Keys and values of the cached and the new tokens, (B, kv_heads, S, d) from the new ones (B, kv_heads, T, d).
    std::pair<at::Tensor, at::Tensor> keysAndValues(const at::Tensor &keys, const at::Tensor &values);
    //! The block's per-head attention outputs (B, T, heads, head_dim).
    void recordHeads(const at::Tensor &heads) { m_heads = heads; }

private:
    friend class ForwardPass;
    int m_layer;
    const ForwardHooks *m_hooks;
    at::Tensor m_pastKeys, m_pastValues; // (B, kv_heads, past, d); undefined without cached tokens
    at::Tensor m_keys, m_values;         // (B, kv_heads, S, d)
    at::Tensor m_heads;
};

//! One transformer block: the next hidden state (B, T, hidden) from h. It must not hold references to the
//! ForwardPass, because with ForwardRequest::checkpointLayers it runs again in the backward pass.
using Block = std::function<at::Tensor(const at::Tensor &h, BlockIo &io)>;

//! The state of one forward call that every architecture shares (llama2.c's RunState): position ids, the
//! attention bias, the key/value cache and the recorded hidden states and head outputs. Architectures create one
//! at the start of forward() and end with finish().
class ForwardPass {
public:
    //! Checks the request against the model and the cache; throws std::invalid_argument when they disagree. The
    //! request's tensors are moved to `device` (the model's) when they are elsewhere, so callers may build token
    //! ids and masks on the CPU whatever the model runs on.
    ForwardPass(const ModelConfig &config, const ForwardRequest &request, KvCache *cache, at::ScalarType dtype,
                at::Device device);

    std::int64_t batch() const { return m_batch; }
    std::int64_t length() const { return m_length; }
    //! (B, T) int64: each token's position counted from its row's first real token (cached tokens included).
    const at::Tensor &positions() const { return m_positions; }
    //! (B, 1, T, S): 0 where a token may attend (real, not in its future), -inf elsewhere. A padding token attends
    //! to itself only, so no row of the softmax is empty.
    const at::Tensor &attentionBias() const { return m_bias; }

    //! The request's input embeddings, or its input ids looked up in `table` (vocab, hidden): (B, T, hidden).
    at::Tensor inputEmbeddings(const at::Tensor &table) const;

    //! Runs block `layer` on h (B, T, hidden) and returns its output: with the cached keys and values of the
    //! layer, storing the block's back into the cache, and recording its head outputs when asked for. With
    //! ForwardRequest::checkpointLayers the block keeps no activations for autograd and runs again in backward.
    at::Tensor runBlock(int layer, const at::Tensor &h, const Block &block);

    //! Records the next hidden state (first the embeddings, then each block's output but the last) from
    //! h (B, T, hidden) when asked for; finish() adds the final-normed one.
    void recordHidden(const at::Tensor &h);

    //! Projects the final-normed hidden states (B, T, hidden) to logits with `lmHead` (vocab, hidden), records
    //! them as the last hidden state and commits the cache's mask.
    ForwardResult finish(const at::Tensor &normed, const at::Tensor &lmHead);

private:
    at::Tensor atCapturePositions(const at::Tensor &x) const;

    ForwardRequest m_request; // the caller's, with its tensors on the model's device
    KvCache *m_cache;
    std::int64_t m_batch = 0;
    std::int64_t m_length = 0;
    at::Tensor m_keyMask;       // (B, S) bool
    at::Tensor m_nextPositions; // (B) int64, after this call
    at::Tensor m_positions;
    at::Tensor m_bias;
    std::vector<at::Tensor> m_hidden; // each (B, P, hidden)
    std::vector<at::Tensor> m_heads;  // each (B, P, heads, head_dim)
};

//! Each row's last real token in an attention mask (B, T) of ones and zeros, padded on either side: (B) int64.
at::Tensor lastRealPositions(const at::Tensor &mask);
//! Where a sequence-classification head is read, as transformers reads it: each row's last real token whose id is
//! not the model's pad_token_id (a row's trailing EOS is skipped where EOS doubles as padding); without a
//! pad_token_id, or in a row of nothing else, its last real token. ids and mask (B, T): (B) int64.
at::Tensor scoredPositions(const at::Tensor &ids, const at::Tensor &mask, std::optional<int> padTokenId);

} // namespace shiftscope
