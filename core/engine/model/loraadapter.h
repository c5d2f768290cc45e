#pragma once

#include "engine/model/adapterconfig.h"

#include <ATen/core/Tensor.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace shiftscope {

//! One adapted module of a LoRA adapter: y = W x + scale · B A x.
struct LoraModule {
    std::string module; //!< the module path, e.g. "gpt_neox.layers.0.attention.query_key_value"
    at::Tensor a;       //!< (r, in) float32
    at::Tensor b;       //!< (out, r) float32
};

//! A PEFT LoRA adapter folder: adapter_config.json and adapter_model.safetensors with PEFT's key names
//! ("base_model.model.<module>.lora_A.weight", whole modules of modules_to_save as "base_model.model.<module>.weight").
//! Loaded onto a model with CausalLM::applyAdapter.
class LoraAdapter {
public:
    //! Reads and checks the folder; throws InputError naming the file and every tensor or key it refuses.
    static LoraAdapter load(const std::filesystem::path &adapterDir);

    const std::filesystem::path &dir() const { return m_dir; }
    const AdapterConfig &config() const { return m_config; }
    const std::vector<LoraModule> &modules() const { return m_modules; }
    //! Whole tensors of modules_to_save by their key in the model (e.g. "score.weight"), float32.
    const std::map<std::string, at::Tensor> &savedWeights() const { return m_saved; }

private:
    std::filesystem::path m_dir;
    AdapterConfig m_config;
    std::vector<LoraModule> m_modules;
    std::map<std::string, at::Tensor> m_saved;
};

} // namespace shiftscope
