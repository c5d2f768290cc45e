#include "engine/model/gptneox.h"

#include "engine/model/forwardpass.h"
#include "engine/model/layers.h"

#include <ATen/ATen.h>
#include <cmath>

namespace shiftscope {

std::vector<TensorSpec> GptNeoX::expectedTensors(const ModelConfig &c)
{
    const std::int64_t V = c.vocabSize, H = c.hiddenSize, I = c.intermediateSize;
    std::vector<TensorSpec> specs = {{"gpt_neox.embed_in.weight", {V, H}}};
    for (int i = 0; i < c.layers; ++i) {
        const std::string p = "gpt_neox.layers." + std::to_string(i) + ".";
        for (const char *norm : {"input_layernorm", "post_attention_layernorm"}) {
            specs.push_back({p + norm + ".weight", {H}});
            specs.push_back({p + norm + ".bias", {H}});
        }
        specs.push_back({p + "attention.query_key_value.weight", {3 * H, H}});
        specs.push_back({p + "attention.dense.weight", {H, H}});
        if (c.attentionBias) {
            specs.push_back({p + "attention.query_key_value.bias", {3 * H}});
            specs.push_back({p + "attention.dense.bias", {H}});
        }
        specs.push_back({p + "mlp.dense_h_to_4h.weight", {I, H}});
        specs.push_back({p + "mlp.dense_h_to_4h.bias", {I}});
        specs.push_back({p + "mlp.dense_4h_to_h.weight", {H, I}});
        specs.push_back({p + "mlp.dense_4h_to_h.bias", {H}});
    }
    specs.push_back({"gpt_neox.final_layer_norm.weight", {H}});
    specs.push_back({"gpt_neox.final_layer_norm.bias", {H}});
    if (c.classifies())
        specs.push_back({"score.weight", {c.numLabels, H}});
    else
        specs.push_back({"embed_out.weight", {V, H}, c.tiedEmbeddings, !c.tiedEmbeddings});
    return specs;
}

GptNeoX::GptNeoX(const ModelConfig &config, const Checkpoint &checkpoint, at::ScalarType dtype, at::Device device)
    : CausalLM(config, dtype, device),
      m_w(Weights::load(checkpoint, expectedTensors(config),
                        {".attention.bias", ".attention.masked_bias", "rotary_emb.inv_freq"}, config.architectureName,
                        dtype, device))
{
}

at::Tensor GptNeoX::mlp(const std::string &p, const at::Tensor &x) const
{
    const at::Tensor up = linear(p + "mlp.dense_h_to_4h", x);                  // (B, T, intermediate)
    return linear(p + "mlp.dense_4h_to_h", activate(up, config().activation)); // (B, T, hidden)
}

ForwardResult GptNeoX::forward(const ForwardRequest &request, KvCache *cache) const
{
    c10::InferenceMode inference(!request.trainable);
    const ModelConfig &c = config();
    ForwardPass pass(c, request, cache, dtype(), device());
    const std::int64_t B = pass.batch(), T = pass.length(), heads = c.heads, d = c.headDim;
    const RotaryTables rope =
        rotaryTables(pass.positions(), c.rotaryDims(), c.ropeTheta, dtype()); // (B, 1, T, rotary_dims)

    const at::Tensor bias = pass.attentionBias();                         // (B, 1, T, S)
    at::Tensor h = pass.inputEmbeddings(m_w["gpt_neox.embed_in.weight"]); // (B, T, hidden)
    pass.recordHidden(h);
    for (int i = 0; i < c.layers; ++i) {
        const std::string p = "gpt_neox.layers." + std::to_string(i) + ".";
        h = pass.runBlock(i, h, [this, p, B, T, heads, d, rope, bias](const at::Tensor &input, BlockIo &io) {
            const ModelConfig &conf = config();
            // Attention. The fused projection holds, per head, that head's query, key and value side by side.
            const at::Tensor x = layerNorm(input, m_w[p + "input_layernorm.weight"], m_w[p + "input_layernorm.bias"],
                                           conf.normEps); // (B, T, hidden)
            const at::Tensor qkv =
                io.attentionProjection("query_key_value", x, linear(p + "attention.query_key_value", x))
                    .view({B, T, heads, 3 * d});                                         // (B, T, heads, 3 * head_dim)
            const at::Tensor q = applyRotary(qkv.narrow(3, 0, d).transpose(1, 2), rope); // (B, heads, T, head_dim)
            const at::Tensor k = applyRotary(qkv.narrow(3, d, d).transpose(1, 2), rope); // (B, heads, T, head_dim)
            const at::Tensor v = qkv.narrow(3, 2 * d, d).transpose(1, 2);                // (B, heads, T, head_dim)
            const auto [keys, values] = io.keysAndValues(k, v);                          // (B, heads, S, head_dim)
            const at::Tensor headOut =
                attend(q, keys, values, bias, 1.0 / std::sqrt(double(d))); // (B, T, heads, head_dim)
            io.recordHeads(headOut);
            const at::Tensor attnOut =
                linear(p + "attention.dense", headOut.reshape({B, T, heads * d})); // (B, T, hidden)

            // MLP, beside the attention (parallel residual, Pythia) or after it.
            if (conf.parallelResidual) {
                const at::Tensor mlpOut = mlp(p, layerNorm(input, m_w[p + "post_attention_layernorm.weight"],
                                                           m_w[p + "post_attention_layernorm.bias"], conf.normEps));
                return at::Tensor(input + attnOut + mlpOut); // (B, T, hidden)
            }
            const at::Tensor mid = input + attnOut;
            return at::Tensor(mid
                              + mlp(p, layerNorm(mid, m_w[p + "post_attention_layernorm.weight"],
                                                 m_w[p + "post_attention_layernorm.bias"], conf.normEps)));
        });
        if (i + 1 < c.layers)
            pass.recordHidden(h);
    }
    const at::Tensor normed = layerNorm(h, m_w["gpt_neox.final_layer_norm.weight"],
                                        m_w["gpt_neox.final_layer_norm.bias"], c.normEps); // (B, T, hidden)
    return pass.finish(normed, m_w[c.classifies()     ? "score.weight"
                                   : c.tiedEmbeddings ? "gpt_neox.embed_in.weight"
                                                      : "embed_out.weight"]);
}

} // namespace shiftscope
