#pragma once

#include "engine/model/causallm.h"
#include "engine/model/weights.h"

namespace shiftscope {

class Checkpoint;

//! LlamaForCausalLM (LLaMA, LLaMA-2, OpenLLaMA, TinyLlama): RMSNorm blocks, rotary embeddings with rope_theta,
//! grouped-query attention (num_key_value_heads), a gated SiLU MLP, and a tied or separate lm_head. Also runs
//! Qwen2 (biases on q/k/v) and Mistral (within its sliding window), and the sequence-classification models of the
//! three (score.weight instead of lm_head).
class Llama final : public CausalLM {
public:
    Llama(const ModelConfig &config, const Checkpoint &checkpoint, at::ScalarType dtype, at::Device device);

    ForwardResult forward(const ForwardRequest &request, KvCache *cache = nullptr) const override;

    //! Every tensor a checkpoint of `config` holds, by checkpoint key.
    static std::vector<TensorSpec> expectedTensors(const ModelConfig &config);

protected:
    const Weights &weights() const override { return m_w; }
    Weights &weights() override { return m_w; }
    std::string embeddingName() const override { return "model.embed_tokens.weight"; }

private:
    Weights m_w;
};

} // namespace shiftscope
