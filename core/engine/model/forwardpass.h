#pragma once

#include "engine/model/causallm.h"

#include <optional>
#include <utility>
#include <vector>

namespace shiftscope {

class KvCache;

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

    //! Keys and values of the cached and the new tokens, (B, kv_heads, S, d) from the new ones (B, kv_heads, T, d);
    //! stored back in the cache when there is one.
    //! The request's input embeddings, or its input ids looked up in `table` (vocab, hidden): (B, T, hidden).
    at::Tensor inputEmbeddings(const at::Tensor &table) const;
    //! y, or what the request's hooks make of the attention input projection `projection` of `layer`.
    at::Tensor attentionProjection(int layer, const std::string &projection, const at::Tensor &x,
                                   const at::Tensor &y) const;

    std::pair<at::Tensor, at::Tensor> keysAndValues(int layer, const at::Tensor &keys, const at::Tensor &values);

    //! Records the next hidden state (first the embeddings, then each block's output but the last) from
    //! h (B, T, hidden) when asked for; finish() adds the final-normed one.
    void recordHidden(const at::Tensor &h);
    //! Records a layer's per-head attention outputs (B, T, heads, head_dim) when asked for.
    void recordHeads(const at::Tensor &heads);

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
