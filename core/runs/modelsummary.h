#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace shiftscope {

//! What a launcher shows about a model folder before anything is loaded.
struct ModelSummary {
    std::string architecture; //!< e.g. "GPTNeoXForCausalLM"
    int layers = 0;
    int hiddenSize = 0;
    int heads = 0;
    int vocabSize = 0;
    std::uint64_t weightBytes = 0; //!< total size of the safetensors files
    bool hasSafetensors = false;
    bool hasTokenizer = false;
    std::string problem; //!< why it cannot be used, empty when it looks usable

    std::string describe() const;
    //! Whether the architecture is a *ForSequenceClassification model (a reward model or classifier).
    bool classifies() const;
};

//! Whether a PEFT adapter folder's adapter_config.json saves a score head (modules_to_save "score"), which makes
//! the language model it adapts a reward model. False when the file cannot be read (the engine reports why).
bool adapterAddsScoreHead(const std::filesystem::path &adapterDir);

//! Reads config.json and lists the weight files; never throws (problems end up in `problem`).
ModelSummary summariseModelFolder(const std::filesystem::path &dir);

} // namespace shiftscope
