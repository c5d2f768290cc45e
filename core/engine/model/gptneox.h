#pragma once

#include "engine/model/causallm.h"
#include "engine/model/weights.h"

namespace shiftscope {

class Checkpoint;

//! GPTNeoXForCausalLM (the Pythia models): LayerNorm blocks with a fused per-head query_key_value projection,
//! partial rotary embeddings (rotary_pct of each head, base rotary_emb_base) and a parallel or sequential residual.
class GptNeoX final : public CausalLM {
public:
    GptNeoX(const ModelConfig &config, const Checkpoint &checkpoint, at::ScalarType dtype, at::Device device);

    ForwardResult forward(const ForwardRequest &request, KvCache *cache = nullptr) const override;

    //! Every tensor a checkpoint of `config` holds, by checkpoint key.
    static std::vector<TensorSpec> expectedTensors(const ModelConfig &config);

protected:
    const Weights &weights() const override { return m_w; }
    Weights &weights() override { return m_w; }
    std::string embeddingName() const override { return "gpt_neox.embed_in.weight"; }

private:
    at::Tensor mlp(const std::string &prefix, const at::Tensor &x) const;

    Weights m_w;
};

} // namespace shiftscope
