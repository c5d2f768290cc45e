#include "engine/model/llama.h"

#include "engine/model/forwardpass.h"
#include "engine/model/layers.h"

#include <ATen/ATen.h>
#include <cmath>

namespace shiftscope {

std::vector<TensorSpec> Llama::expectedTensors(const ModelConfig &c)
{
    const std::int64_t V = c.vocabSize, H = c.hiddenSize, I = c.intermediateSize;
    const std::int64_t qDim = std::int64_t(c.heads) * c.headDim, kvDim = std::int64_t(c.kvHeads) * c.headDim;
    const std::pair<const char *, std::int64_t> projections[] = {
        {"q_proj", qDim}, {"k_proj", kvDim}, {"v_proj", kvDim}};
    std::vector<TensorSpec> specs = {{"model.embed_tokens.weight", {V, H}}};
    for (int i = 0; i < c.layers; ++i) {
        const std::string p = "model.layers." + std::to_string(i) + ".";
        specs.push_back({p + "input_layernorm.weight", {H}});
        for (const auto &[name, rows] : projections) {
            specs.push_back({p + "self_attn." + name + ".weight", {rows, H}});
            if (c.attentionBias)
                specs.push_back({p + "self_attn." + name + ".bias", {rows}});
        }
        specs.push_back({p + "self_attn.o_proj.weight", {H, qDim}});
        if (c.outputBias)
            specs.push_back({p + "self_attn.o_proj.bias", {H}});
        specs.push_back({p + "post_attention_layernorm.weight", {H}});
        specs.push_back({p + "mlp.gate_proj.weight", {I, H}});
        specs.push_back({p + "mlp.up_proj.weight", {I, H}});
        specs.push_back({p + "mlp.down_proj.weight", {H, I}});
    }
    specs.push_back({"model.norm.weight", {H}});
    if (c.classifies())
        specs.push_back({"score.weight", {c.numLabels, H}});
    else
        specs.push_back({"lm_head.weight", {V, H}, c.tiedEmbeddings, !c.tiedEmbeddings});
    return specs;
}

Llama::Llama(const ModelConfig &config, const Checkpoint &checkpoint, at::ScalarType dtype, at::Device device)
    : CausalLM(config, dtype, device),
      m_w(Weights::load(checkpoint, expectedTensors(config), {"rotary_emb.inv_freq"}, config.architectureName, dtype,
                        device))
{
}

ForwardResult Llama::forward(const ForwardRequest &request, KvCache *cache) const
{
    c10::InferenceMode inference(!request.trainable);
    const ModelConfig &c = config();
    ForwardPass pass(c, request, cache, dtype(), device());
    const std::int64_t B = pass.batch(), T = pass.length(), heads = c.heads, kvHeads = c.kvHeads, d = c.headDim;
    const RotaryTables rope =
        rotaryTables(pass.positions(), c.rotaryDims(), c.ropeTheta, dtype()); // (B, 1, T, head_dim)

    const at::Tensor bias = pass.attentionBias();                          // (B, 1, T, S)
    at::Tensor h = pass.inputEmbeddings(m_w["model.embed_tokens.weight"]); // (B, T, hidden)
    pass.recordHidden(h);
    for (int i = 0; i < c.layers; ++i) {
        const std::string p = "model.layers." + std::to_string(i) + ".";
        h = pass.runBlock(i, h, [this, p, B, T, heads, kvHeads, d, rope, bias](const at::Tensor &input, BlockIo &io) {
            const ModelConfig &conf = config();
            // Attention; kv_heads <= heads, each key/value head serving heads / kv_heads query heads.
            const at::Tensor x = rmsNorm(input, m_w[p + "input_layernorm.weight"], conf.normEps); // (B, T, hidden)
            auto projected = [&](const char *name) {
                return io.attentionProjection(name, x, linear(p + "self_attn." + name, x));
            };
            const at::Tensor q = applyRotary(projected("q_proj").view({B, T, heads, d}).transpose(1, 2),
                                             rope); // (B, heads, T, head_dim)
            const at::Tensor k = applyRotary(projected("k_proj").view({B, T, kvHeads, d}).transpose(1, 2),
                                             rope); // (B, kv_heads, T, head_dim)
            const at::Tensor v =
                projected("v_proj").view({B, T, kvHeads, d}).transpose(1, 2); // (B, kv_heads, T, head_dim)
            const auto [keys, values] = io.keysAndValues(k, v);               // (B, kv_heads, S, head_dim)
            const at::Tensor headOut =
                attend(q, keys, values, bias, 1.0 / std::sqrt(double(d))); // (B, T, heads, head_dim)
            io.recordHeads(headOut);
            const at::Tensor mid =
                input + linear(p + "self_attn.o_proj", headOut.reshape({B, T, heads * d})); // (B, T, hidden)

            // Gated MLP: down(act(gate(x)) * up(x)).
            const at::Tensor y =
                rmsNorm(mid, m_w[p + "post_attention_layernorm.weight"], conf.normEps); // (B, T, hidden)
            const at::Tensor gated = activate(linear(p + "mlp.gate_proj", y), conf.activation)
                                   * linear(p + "mlp.up_proj", y);       // (B, T, intermediate)
            return at::Tensor(mid + linear(p + "mlp.down_proj", gated)); // (B, T, hidden)
        });
        if (i + 1 < c.layers)
            pass.recordHidden(h);
    }
    const at::Tensor normed = rmsNorm(h, m_w["model.norm.weight"], c.normEps); // (B, T, hidden)
    return pass.finish(normed, m_w[c.classifies()     ? "score.weight"
                                   : c.tiedEmbeddings ? "model.embed_tokens.weight"
                                                      : "lm_head.weight"]);
}

} // namespace shiftscope
