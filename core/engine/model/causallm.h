#pragma once

#include "engine/model/engineoptions.h"
#include "engine/model/modelconfig.h"

#include <ATen/core/Tensor.h>

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <vector>

namespace shiftscope {

class KvCache;
class LoraAdapter;
class Tokenizer;
class Weights;

//! Changes a forward pass for methods that train something beside the model, such as LoRA adapters.
class ForwardHooks {
public:
    virtual ~ForwardHooks() = default;
    //! Called for each attention input projection of each layer with its input x (B, T, in) and output y
    //! (B, T, out); returns the output to use instead. `projection` is the checkpoint name's last part:
    //! "query_key_value" (GPT-NeoX), "c_attn" (GPT-2), "q_proj", "k_proj" or "v_proj" (LLaMA).
    virtual at::Tensor attentionProjection(int layer, const std::string &projection, const at::Tensor &x,
                                           const at::Tensor &y) const = 0;
    //! The trainable tensors attentionProjection() reads for `layer` (with activation checkpointing, a block is
    //! wired into the autograd graph through them even where its hidden state needs no gradient).
    virtual std::vector<at::Tensor> trainableTensors(int /*layer*/) const { return {}; }
};

//! What one forward call should compute besides the logits.
struct ForwardRequest {
    at::Tensor inputIds; //!< (batch, seq) int64; may be undefined when inputEmbeddings is given
    //! (batch, seq, hidden) in the compute dtype: used instead of looking inputIds up in the embedding table (soft
    //! prompts). Position embeddings, where the architecture has them, are still added.
    at::Tensor inputEmbeddings;
    at::Tensor attentionMask;    //!< (batch, seq), 1 for real tokens, 0 for padding; undefined means all real
    at::Tensor capturePositions; //!< (batch, P) int64: positions of this call's tokens to record at
    bool hiddenStates = false;   //!< record hidden states at capturePositions
    bool headOutputs = false;    //!< record per-head attention outputs at capturePositions
    std::int64_t logitsFrom = 0; //!< logits only for positions >= logitsFrom (seq: none)
    const ForwardHooks *hooks = nullptr;
    //! Record the operations for autograd (training through the model); otherwise the pass runs in inference mode.
    bool trainable = false;
    //! With trainable: keep only each block's input for the backward pass and run the block again there
    //! (activation checkpointing), trading about one more forward pass for the memory of every block's
    //! intermediate activations.
    bool checkpointLayers = false;
};

//! Outputs of a forward call, in float32 whatever the compute dtype.
struct ForwardResult {
    //! (batch, seq - logitsFrom, vocab); for a sequence-classification model the head's scores at every position,
    //! (batch, seq - logitsFrom, labels), of which the one at each row's last real token is the model's output.
    at::Tensor logits;
    //! (batch, P, layers + 1, hidden) in Hugging Face's output_hidden_states order: [0] the embeddings, [k] the
    //! output of block k, [layers] the last block's output after the final norm.
    at::Tensor hiddenStates;
    //! (batch, P, layers, heads, head_dim): each head's attention output before the output projection (the
    //! "head_out" features of the MMS and CRA interventions).
    at::Tensor headOutputs;
};

//! A causal language model ready to run, with its language-model head or a sequence-classification head
//! (config().head). Rows may be left-padded: padding is masked out and position ids count
//! from each row's first real token, so a row's results do not depend on its padding or on the other rows.
class CausalLM {
public:
    virtual ~CausalLM() = default;
    CausalLM(const CausalLM &) = delete;
    CausalLM &operator=(const CausalLM &) = delete;

    const ModelConfig &config() const { return m_config; }
    at::ScalarType dtype() const { return m_dtype; }
    at::Device device() const { return m_device; }

    //! Runs the model on a batch. With a cache, the tokens continue the cached ones (cache row b goes with batch
    //! row b) and their keys and values are appended to it. Runs without autograd; results are inference tensors.
    virtual ForwardResult forward(const ForwardRequest &request, KvCache *cache = nullptr) const = 0;

    //! The token embeddings of ids (B, T), without position embeddings: (B, T, hidden) in the compute dtype.
    at::Tensor embedTokens(const at::Tensor &ids) const;
    //! Every weight by checkpoint key (tied heads appear once, under the embedding's name).
    std::vector<std::pair<std::string, at::Tensor>> namedWeights() const;
    //! Copies the weights out of the mapped files into memory that requires gradients, so an optimizer can update
    //! them in place; returns them by checkpoint key.
    std::vector<std::pair<std::string, at::Tensor>> makeTrainable();

    //! Applies a PEFT LoRA adapter: merged, each adapted weight becomes W + scale · B A (transposed for a Conv1D);
    //! unmerged, each adapted projection adds scale · B A x at run time (the base weights stay mapped). The adapter's
    //! modules_to_save replace the model's; a score head on a language model makes it a reward model (as PEFT's
    //! sequence-classification adapters on a causal base do). Throws InputError naming every module that does not
    //! fit the model.
    void applyAdapter(const LoraAdapter &adapter, bool merge = true);
    //! The folder of the applied adapter, empty when none.
    const std::filesystem::path &adapterDir() const { return m_adapterDir; }

protected:
    virtual const Weights &weights() const = 0;
    virtual Weights &weights() = 0;
    //! The checkpoint key of the token embedding table.
    virtual std::string embeddingName() const = 0;
    //! The checkpoint key of the weight of a module path as transformers names it (GPT-2 checkpoints may lack the
    //! "transformer." prefix).
    virtual std::string weightKeyOfModule(const std::string &module) const { return module + ".weight"; }
    //! Whether the weight `key` is stored (in, out), as GPT-2's Conv1D layers are.
    virtual bool storedTransposed(const std::string &) const { return false; }

    //! x W^T + b for the projection `module` (its checkpoint key without ".weight"), the bias when the checkpoint
    //! has one, plus an unmerged adapter's update.
    at::Tensor linear(const std::string &module, const at::Tensor &x) const;
    //! scale · B A x of an unmerged adapter for the weight `key`, or an undefined tensor.
    at::Tensor adapterUpdate(const std::string &key, const at::Tensor &x) const;

    CausalLM(ModelConfig config, at::ScalarType dtype, at::Device device)
        : m_config(std::move(config)), m_dtype(dtype), m_device(device)
    {
    }

private:
    struct Update {
        at::Tensor aT; // (in, r) in the compute dtype
        at::Tensor bT; // (r, out) scaled
    };

    ModelConfig m_config;
    at::ScalarType m_dtype;
    at::Device m_device;
    std::filesystem::path m_adapterDir;
    std::map<std::string, Update, std::less<>> m_updates; // unmerged adapter updates by weight key
};

//! Loads a Hugging Face model folder (config.json and safetensors weights) of a supported architecture. Throws
//! InputError saying what is wrong with the folder.
std::unique_ptr<CausalLM> loadCausalLM(const std::filesystem::path &modelDir, const EngineOptions &options = {});

//! Throws InputError naming both files when `tokenizer` can produce ids the model has no embedding for, or when
//! `eos` lies outside the model's vocabulary (the forward pass would index past its embedding table).
void requireTokenizerFits(const Tokenizer &tokenizer, const std::filesystem::path &tokenizerFile,
                          const ModelConfig &config, std::optional<int> eos);

} // namespace shiftscope
