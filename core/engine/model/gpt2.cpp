#include "engine/model/gpt2.h"

#include "engine/model/checkpoint.h"
#include "engine/model/forwardpass.h"
#include "engine/model/layers.h"
#include "util/errors.h"

#include <ATen/ATen.h>
#include <cmath>
#include <cstring>

namespace shiftscope {

namespace {

std::string prefixOf(const Checkpoint &checkpoint)
{
    return checkpoint.find("transformer.wte.weight") ? "transformer." : "";
}

} // namespace

std::vector<TensorSpec> Gpt2::expectedTensors(const ModelConfig &c, const std::string &prefix)
{
    const std::int64_t V = c.vocabSize, H = c.hiddenSize, I = c.intermediateSize;
    std::vector<TensorSpec> specs = {{prefix + "wte.weight", {V, H}}, {prefix + "wpe.weight", {c.maxPositions, H}}};
    for (int i = 0; i < c.layers; ++i) {
        const std::string p = prefix + "h." + std::to_string(i) + ".";
        for (const char *norm : {"ln_1", "ln_2"}) {
            specs.push_back({p + norm + ".weight", {H}});
            specs.push_back({p + norm + ".bias", {H}});
        }
        specs.push_back({p + "attn.c_attn.weight", {H, 3 * H}});
        specs.push_back({p + "attn.c_attn.bias", {3 * H}});
        specs.push_back({p + "attn.c_proj.weight", {H, H}});
        specs.push_back({p + "attn.c_proj.bias", {H}});
        specs.push_back({p + "mlp.c_fc.weight", {H, I}});
        specs.push_back({p + "mlp.c_fc.bias", {I}});
        specs.push_back({p + "mlp.c_proj.weight", {I, H}});
        specs.push_back({p + "mlp.c_proj.bias", {H}});
    }
    specs.push_back({prefix + "ln_f.weight", {H}});
    specs.push_back({prefix + "ln_f.bias", {H}});
    if (c.classifies())
        specs.push_back({"score.weight", {c.numLabels, H}});
    else
        specs.push_back({"lm_head.weight", {V, H}, c.tiedEmbeddings, !c.tiedEmbeddings});
    return specs;
}

Gpt2::Gpt2(const ModelConfig &config, const Checkpoint &checkpoint, at::ScalarType dtype, at::Device device)
    : CausalLM(config, dtype, device),
      m_prefix(prefixOf(checkpoint)),
      m_w(Weights::load(checkpoint, expectedTensors(config, m_prefix), {".attn.bias", ".attn.masked_bias"},
                        config.architectureName, dtype, device))
{
}

at::Tensor Gpt2::conv1d(const std::string &name, const at::Tensor &x) const
{
    const at::Tensor &weight = m_w[name + ".weight"]; // (in, out)
    auto sizes = x.sizes().vec();
    sizes.back() = weight.size(1);
    const at::Tensor y = at::addmm(m_w[name + ".bias"], x.reshape({-1, x.size(-1)}), weight).view(sizes); // (..., out)
    const at::Tensor update = adapterUpdate(name + ".weight", x);
    return update.defined() ? y + update : y;
}

std::string Gpt2::weightKeyOfModule(const std::string &module) const
{
    // transformers names GPT-2's modules "transformer.h.0.attn.c_attn"; some checkpoints store them without the prefix.
    const std::string prefix = "transformer.";
    if (m_prefix.empty() && module.rfind(prefix, 0) == 0)
        return module.substr(prefix.size()) + ".weight";
    return module + ".weight";
}

bool Gpt2::storedTransposed(const std::string &key) const
{
    for (const char *conv : {".attn.c_attn.weight", ".attn.c_proj.weight", ".mlp.c_fc.weight", ".mlp.c_proj.weight"})
        if (key.size() > std::strlen(conv) && key.compare(key.size() - std::strlen(conv), std::strlen(conv), conv) == 0)
            return true;
    return false;
}

ForwardResult Gpt2::forward(const ForwardRequest &request, KvCache *cache) const
{
    c10::InferenceMode inference(!request.trainable);
    const ModelConfig &c = config();
    ForwardPass pass(c, request, cache, dtype(), device());
    const std::int64_t B = pass.batch(), T = pass.length(), H = c.hiddenSize, heads = c.heads, d = c.headDim;
    const std::int64_t lastPosition = pass.positions().max().item<std::int64_t>();
    if (lastPosition >= c.maxPositions)
        throw InputError(InputProblem{{},
                                      {},
                                      "a sequence of " + std::to_string(lastPosition + 1)
                                          + " tokens is longer than the model's n_positions ("
                                          + std::to_string(c.maxPositions) + ")",
                                      "shorten the prompt or the response"});
    const std::string &t = m_prefix;

    at::Tensor h = pass.inputEmbeddings(m_w[t + "wte.weight"])
                 + at::embedding(m_w[t + "wpe.weight"], pass.positions()); // (B, T, hidden)
    pass.recordHidden(h);
    const at::Tensor bias = pass.attentionBias(); // (B, 1, T, S)
    for (int i = 0; i < c.layers; ++i) {
        const std::string p = t + "h." + std::to_string(i) + ".";
        double scale = c.scaleAttnWeights ? 1.0 / std::sqrt(double(d)) : 1.0;
        if (c.scaleAttnByInverseLayerIdx)
            scale /= double(i + 1);
        h = pass.runBlock(i, h, [this, p, B, T, H, heads, d, scale, bias](const at::Tensor &input, BlockIo &io) {
            const ModelConfig &conf = config();
            // Attention: c_attn yields [q | k | v], each (B, T, hidden) split into heads.
            const at::Tensor x =
                layerNorm(input, m_w[p + "ln_1.weight"], m_w[p + "ln_1.bias"], conf.normEps); // (B, T, hidden)
            const at::Tensor qkv =
                io.attentionProjection("c_attn", x, conv1d(p + "attn.c_attn", x));           // (B, T, 3 * hidden)
            const at::Tensor q = qkv.narrow(2, 0, H).view({B, T, heads, d}).transpose(1, 2); // (B, heads, T, head_dim)
            const at::Tensor k = qkv.narrow(2, H, H).view({B, T, heads, d}).transpose(1, 2); // (B, heads, T, head_dim)
            const at::Tensor v =
                qkv.narrow(2, 2 * H, H).view({B, T, heads, d}).transpose(1, 2); // (B, heads, T, head_dim)
            const auto [keys, values] = io.keysAndValues(k, v);                 // (B, heads, S, head_dim)
            const at::Tensor headOut = attend(q, keys, values, bias, scale);    // (B, T, heads, head_dim)
            io.recordHeads(headOut);
            const at::Tensor mid = input + conv1d(p + "attn.c_proj", headOut.reshape({B, T, H})); // (B, T, hidden)

            // MLP
            const at::Tensor y =
                layerNorm(mid, m_w[p + "ln_2.weight"], m_w[p + "ln_2.bias"], conf.normEps); // (B, T, hidden)
            return at::Tensor(mid + conv1d(p + "mlp.c_proj", activate(conv1d(p + "mlp.c_fc", y), conf.activation)));
        });
        if (i + 1 < c.layers)
            pass.recordHidden(h);
    }
    const at::Tensor normed = layerNorm(h, m_w[t + "ln_f.weight"], m_w[t + "ln_f.bias"], c.normEps); // (B, T, hidden)
    return pass.finish(normed, m_w[c.classifies()     ? "score.weight"
                                   : c.tiedEmbeddings ? t + "wte.weight"
                                                      : "lm_head.weight"]);
}

} // namespace shiftscope
