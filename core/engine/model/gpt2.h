#pragma once

#include "engine/model/causallm.h"
#include "engine/model/weights.h"

namespace shiftscope {

class Checkpoint;

//! GPT2LMHeadModel: learned positions, LayerNorm blocks whose projections are Conv1D layers (weights stored
//! [in, out], the transpose of a Linear's), gelu_new, and the head tied to the token embeddings. Checkpoints name
//! tensors with or without the "transformer." prefix; both load.
class Gpt2 final : public CausalLM {
public:
    Gpt2(const ModelConfig &config, const Checkpoint &checkpoint, at::ScalarType dtype, at::Device device);

    ForwardResult forward(const ForwardRequest &request, KvCache *cache = nullptr) const override;

    //! Every tensor a checkpoint of `config` holds, by checkpoint key, each starting with `prefix`.
    static std::vector<TensorSpec> expectedTensors(const ModelConfig &config, const std::string &prefix);

protected:
    const Weights &weights() const override { return m_w; }
    Weights &weights() override { return m_w; }
    std::string embeddingName() const override { return m_prefix + "wte.weight"; }
    std::string weightKeyOfModule(const std::string &module) const override;
    bool storedTransposed(const std::string &key) const override;

private:
    //! x @ W + b for the Conv1D `name` (a checkpoint key without ".weight"), W stored (in, out).
    at::Tensor conv1d(const std::string &name, const at::Tensor &x) const;

    std::string m_prefix; //!< "transformer." or ""
    Weights m_w;
};

} // namespace shiftscope
