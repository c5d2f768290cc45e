#pragma once

// Tiny models for the engine tests: random weights written as real Hugging Face folders (config.json plus
// safetensors files whose bytes are written here, independently of the engine's reader).
// ATen comes before any Qt header: Qt's `slots` macro breaks ATen/core/ivalue_inl.h.
#include <ATen/ATen.h>

#include "engine/model/gpt2.h"
#include "engine/model/gptneox.h"
#include "engine/model/llama.h"
#include "engine/model/modelconfig.h"
#include "chartokenizer.h"
#include "safetensorswriter.h"
#include "testsupport.h"

#include <functional>
#include <nlohmann/json.hpp>
#include <random>

namespace shiftscope::test {

//! The description of a tiny model of one architecture; tensors() gives random weights for it.
struct TinyModel {
    std::string architecture = "GPTNeoXForCausalLM";
    int vocab = 53, hidden = 16, layers = 2, heads = 4, kvHeads = 4, intermediate = 24, positions = 64;
    double rotaryPct = 0.5;
    bool parallelResidual = true;
    bool tied = false;
    bool gpt2Prefix = true;
    FileDtype dtype = FileDtype::F32;
    FileDtype roundTo = FileDtype::F32; //!< round values to F16 or BF16 first (the F32 twin of such a file)
    int shards = 1;
    unsigned seed = 7;
    int labels = 0; //!< more than 0: the architecture's *ForSequenceClassification model with this many labels

    //! config.json's architecture name: `architecture`, or its sequence-classification model.
    std::string architectureName() const
    {
        if (labels == 0)
            return architecture;
        if (architecture == "GPT2LMHeadModel")
            return "GPT2ForSequenceClassification";
        return architecture.substr(0, architecture.find("ForCausalLM")) + "ForSequenceClassification";
    }

    std::string configJson() const
    {
        nlohmann::ordered_json c = {{"architectures", {architectureName()}},
                                    {"vocab_size", vocab},
                                    {"eos_token_id", 2},
                                    {"tie_word_embeddings", tied}};
        if (architecture == "GPT2LMHeadModel") {
            c.update({{"n_embd", hidden},
                      {"n_layer", layers},
                      {"n_head", heads},
                      {"n_inner", intermediate},
                      {"n_positions", positions}});
        } else {
            c.update({{"hidden_size", hidden},
                      {"num_hidden_layers", layers},
                      {"num_attention_heads", heads},
                      {"intermediate_size", intermediate},
                      {"max_position_embeddings", positions}});
            if (architecture == "LlamaForCausalLM")
                c.update({{"num_key_value_heads", kvHeads}, {"rms_norm_eps", 1e-6}, {"rope_theta", 10000.0}});
            else
                c.update({{"rotary_pct", rotaryPct},
                          {"rotary_emb_base", 10000},
                          {"use_parallel_residual", parallelResidual}});
        }
        if (labels > 0)
            c["num_labels"] = labels;
        return c.dump(2);
    }

    ModelConfig config() const { return ModelConfig::parse(configJson(), "config.json"); }

    std::vector<TensorValues> tensors() const
    {
        const ModelConfig c = config();
        std::vector<TensorSpec> specs = architecture == "GPT2LMHeadModel"
                                          ? Gpt2::expectedTensors(c, gpt2Prefix ? "transformer." : "")
                                      : architecture == "LlamaForCausalLM" ? Llama::expectedTensors(c)
                                                                           : GptNeoX::expectedTensors(c);
        std::mt19937 rng(seed);
        std::normal_distribution<float> normal(0.0f, 1.0f);
        std::vector<TensorValues> out;
        for (const auto &spec : specs) {
            if (spec.optional)
                continue;
            std::int64_t count = 1;
            for (auto d : spec.shape)
                count *= d;
            const bool isVector = spec.shape.size() == 1;
            const bool isNorm =
                isVector && (spec.name.find("norm") != std::string::npos || spec.name.find("ln_") != std::string::npos)
                && spec.name.ends_with(".weight");
            const float scale = isVector ? 0.1f
                              : spec.name.find("emb") != std::string::npos || spec.name.find("wte") != std::string::npos
                                  ? 1.0f
                                  : 0.3f;
            TensorValues t{spec.name, spec.shape, {}};
            for (std::int64_t i = 0; i < count; ++i) {
                float v = (isNorm ? 1.0f : 0.0f) + scale * normal(rng);
                if (roundTo == FileDtype::BF16)
                    v = bf16Value(bf16Bits(v));
                else if (roundTo == FileDtype::F16)
                    v = f16Value(f16Bits(v));
                t.values.push_back(v);
            }
            out.push_back(std::move(t));
        }
        return out;
    }
};

inline TensorValues *findTensor(std::vector<TensorValues> &tensors, const std::string &name)
{
    for (auto &t : tensors)
        if (t.name == name)
            return &t;
    return nullptr;
}

//! Writes `tensors` into `dir` as one model.safetensors, or as `shards` shards with model.safetensors.index.json.
inline void writeWeights(const std::filesystem::path &dir, const std::vector<TensorValues> &tensors, FileDtype dtype,
                         int shards = 1)
{
    if (shards <= 1) {
        writeText(dir / "model.safetensors", safetensorsBytes(tensors, dtype));
        return;
    }
    nlohmann::ordered_json weightMap = nlohmann::ordered_json::object();
    for (int s = 0; s < shards; ++s) {
        char name[64];
        std::snprintf(name, sizeof name, "model-%05d-of-%05d.safetensors", s + 1, shards);
        std::vector<TensorValues> part;
        for (std::size_t i = std::size_t(s); i < tensors.size(); i += std::size_t(shards)) {
            part.push_back(tensors[i]);
            weightMap[tensors[i].name] = name;
        }
        writeText(dir / name, safetensorsBytes(part, dtype));
    }
    writeText(
        dir / "model.safetensors.index.json",
        nlohmann::ordered_json{{"metadata", nlohmann::ordered_json::object()}, {"weight_map", weightMap}}.dump(2));
}

//! Writes a model folder; `edit` may change the tensors before they are written.
inline std::filesystem::path writeTinyModel(const std::filesystem::path &dir, const TinyModel &m,
                                            const std::function<void(std::vector<TensorValues> &)> &edit = {})
{
    std::filesystem::create_directories(dir);
    writeText(dir / "config.json", m.configJson());
    auto tensors = m.tensors();
    if (edit)
        edit(tensors);
    writeWeights(dir, tensors, m.dtype, m.shards);
    return dir;
}

//! A GPT-NeoX of hidden size 32 with a character tokenizer (tokenizer.json included): small and quick, wide enough
//! for probes and adapters to learn a planted cue. With `labels`, a sequence-classification model (a reward model).
inline std::filesystem::path writeCharModel(const std::filesystem::path &dir, int labels = 0)
{
    TinyModel m;
    m.labels = labels;
    m.vocab = 128;
    m.hidden = 32;
    m.intermediate = 48;
    m.positions = 256;
    writeTinyModel(dir, m);
    writeText(dir / "tokenizer.json", charTokenizerJson());
    return dir;
}

} // namespace shiftscope::test
