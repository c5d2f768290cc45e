#pragma once

#include "data/types.h"
#include "runs/intervention.h"
#include "engine/model/causallm.h"
#include "engine/scoring/responsescorer.h"
#include "tokenizer/tokenizer.h"

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace shiftscope {

//! A loaded model folder with its tokenizer, shared by every intervention of the process that names the same
//! folder (the weights are memory-mapped once). Interventions never change the base weights: what they learn
//! lives beside the model (adapters, soft prompts, heads, probes).
class ModelSession {
public:
    //! The session of `modelDir` on `device` ("cpu" or "cuda"), loading it when no live session has it. Throws
    //! InputError when the folder is not given, is not a supported model, or has no tokenizer.json, and when the
    //! device is unknown or CUDA is asked for where libtorch has none.
    //! With `adapterDir`, the model with that PEFT LoRA adapter merged (a session of its own); with `bfloat16`, its
    //! weights in bfloat16 (another session).
    static std::shared_ptr<ModelSession> open(const std::filesystem::path &modelDir, const std::string &device = "cpu",
                                              const std::filesystem::path &adapterDir = {}, bool bfloat16 = false);
    //! The session of an intervention's model, adapter and device, in bfloat16 when its `precision` parameter says
    //! so (what the intervention trains stays float32).
    static std::shared_ptr<ModelSession> open(const InterventionContext &context);
    //! How many times this process has loaded a model folder (a session found live is not counted).
    static std::size_t loads();

    const std::filesystem::path &directory() const { return m_dir; }
    const CausalLM &model() const { return *m_model; }
    const Tokenizer &tokenizer() const { return m_tokenizer; }
    int eosId() const { return m_eos; }

    //! GENIES pair-scorer tokenization (reference 4.0): the prompt without special tokens, each response on its
    //! own with EOS appended, no BOS.
    TokenizedExample pairTokens(const Example &example) const;
    TokenizedExample pairTokens(const std::string &prompt, const std::vector<std::string> &responses) const;
    //! Activation-reader tokenization: the joined text with the tokenizer's default special tokens (BOS for
    //! LLaMA, nothing for GPT-NeoX and GPT-2), EOS appended when asked for.
    std::vector<int> readerTokens(const std::string &text, bool appendEos) const;

    ModelSession(const ModelSession &) = delete;
    ModelSession &operator=(const ModelSession &) = delete;
    ModelSession(std::filesystem::path dir, std::unique_ptr<CausalLM> model, Tokenizer tokenizer, int eos);

private:
    std::filesystem::path m_dir;
    std::unique_ptr<CausalLM> m_model;
    Tokenizer m_tokenizer;
    int m_eos = 0;
};

//! Left-pads token rows into (ids, mask) tensors of shape (rows, longest), padding with `padId`.
std::pair<at::Tensor, at::Tensor> leftPadded(const std::vector<std::vector<int>> &rows, int padId);

//! Keeps the last `maxLength` tokens of `ids` (a prompt that is too long loses its beginning, so the response
//! and the features read at the last token are kept).
std::vector<int> keepLast(std::vector<int> ids, std::size_t maxLength);

} // namespace shiftscope
