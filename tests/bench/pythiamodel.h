#pragma once

// The Pythia-160m-shaped GPT-NeoX the benchmarks run: hidden 768, 12 layers, 12 heads, vocab 50304, rotary_pct 0.25,
// random float32 weights.
#include "core/safetensorswriter.h"
#include "engine/model/gptneox.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sys/wait.h>
#include <unistd.h>

namespace shiftscope::bench {

namespace fs = std::filesystem;

inline const char *kPythiaConfig =
    R"({"architectures": ["GPTNeoXForCausalLM"], "hidden_size": 768, "num_hidden_layers": 12,
  "num_attention_heads": 12, "intermediate_size": 3072, "vocab_size": 50304, "rotary_pct": 0.25, "rotary_emb_base": 10000,
  "use_parallel_residual": true, "max_position_embeddings": 2048, "layer_norm_eps": 1e-5, "hidden_act": "gelu",
  "tie_word_embeddings": false, "bos_token_id": 0, "eos_token_id": 0})";

//! The same model as a reward model: GPTNeoXForSequenceClassification with one label (score.weight, no LM head).
inline std::string pythiaRewardConfig()
{
    nlohmann::json config = nlohmann::json::parse(kPythiaConfig);
    config["architectures"] = {"GPTNeoXForSequenceClassification"};
    config["num_labels"] = 1;
    return config.dump();
}

//! Random float32 weights; in a child process, so its buffers do not count in this process's peak memory. With
//! `reward`, the reward-model variant (pythiaRewardConfig()).
inline void writePythiaModel(const fs::path &dir, bool reward = false)
{
    fs::create_directories(dir);
    const std::string configText = reward ? pythiaRewardConfig() : std::string(kPythiaConfig);
    std::ofstream(dir / "config.json") << configText;
    const pid_t child = fork();
    if (child == 0) {
        std::vector<std::pair<std::string, std::vector<std::int64_t>>> shapes;
        for (const auto &spec : GptNeoX::expectedTensors(ModelConfig::parse(configText, "config.json")))
            if (!spec.optional)
                shapes.emplace_back(spec.name, spec.shape);
        std::uint64_t state = 88172645463325252ull;
        test::writeSafetensors(dir / "model.safetensors", shapes, test::FileDtype::F32,
                               [&](std::size_t i, std::vector<float> &values) {
            const bool norm = shapes[i].first.find("norm") != std::string::npos && shapes[i].first.ends_with(".weight");
            const float scale = shapes[i].second.size() == 1 ? 0.02f : 0.04f;
            for (float &v : values) { // xorshift64: fast, and good enough for weights nobody reads
                state ^= state << 13, state ^= state >> 7, state ^= state << 17;
                v = (norm ? 1.0f : 0.0f) + scale * (float(state >> 40) / float(1 << 24) - 0.5f) * 3.4f;
            }
        });
        _exit(0);
    }
    int status = 0;
    waitpid(child, &status, 0);
}

} // namespace shiftscope::bench
