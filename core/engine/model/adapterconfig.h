#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace shiftscope {

//! What a PEFT adapter folder's adapter_config.json says, for the LoRA adapters the engine applies. Plain C++ (no
//! torch), so that it can be fuzzed.
struct AdapterConfig {
    int rank = 8;                     //!< r
    double alpha = 8;                 //!< lora_alpha
    bool useRslora = false;           //!< scale alpha / sqrt(r) instead of alpha / r
    bool fanInFanOut = false;         //!< as written; the engine follows each module's layout (GPT-2's Conv1D)
    std::vector<std::string> targets; //!< target_modules as a list of names
    std::string targetPattern;        //!< target_modules as a regular expression (PEFT's full match)
    std::vector<std::string> modulesToSave;
    std::string baseModel;        //!< base_model_name_or_path, for messages
    std::filesystem::path source; //!< the adapter_config.json it was read from

    //! alpha / r, or alpha / sqrt(r) with use_rslora.
    double scale() const;
    //! Whether PEFT would adapt the module `name` (a module path such as "gpt_neox.layers.0.attention.dense"): equal
    //! to a listed name or ending in "." + it. Any name, when target_modules is a pattern.
    bool adapts(const std::string &name) const;

    //! Parses adapter_config.json; throws InputError naming the file and every key it refuses (other PEFT types,
    //! DoRA, trained biases, per-module rank or alpha patterns) with the reason. A SEQ_CLS adapter saves its
    //! classification head (score or classifier) whether or not modules_to_save lists it, as PEFT does.
    static AdapterConfig parse(std::string_view text, const std::filesystem::path &file);
    static AdapterConfig load(const std::filesystem::path &adapterDir);
};

} // namespace shiftscope
