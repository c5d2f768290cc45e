#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace shiftscope {

//! The block layouts the engine implements. Qwen2 and Mistral are LLaMA's layout (Qwen2 with biases on the query,
//! key and value projections, Mistral with a sliding attention window) and run on the LLaMA code.
enum class Architecture { GptNeoX, Llama, Gpt2, Qwen2, Mistral };

//! What sits on the final-normed hidden states: the language-model head (`*ForCausalLM`, `GPT2LMHeadModel`) or a
//! sequence-classification head (`*ForSequenceClassification`: `score.weight`, one row per label, read at each
//! sequence's last real token).
enum class ModelHead { LanguageModel, SequenceClassification };

//! What a model folder's config.json says, in one vocabulary for every architecture. Keys missing from the file
//! take the defaults of the Hugging Face config class, as transformers would.
struct ModelConfig {
    Architecture architecture = Architecture::GptNeoX;
    std::string architectureName; //!< as written in config.json, e.g. "GPTNeoXForCausalLM"
    ModelHead head = ModelHead::LanguageModel;
    //! Outputs of a sequence-classification head: the size of id2label, else num_labels, else 2 (transformers'
    //! default). 1 is a reward model.
    int numLabels = 0;

    int vocabSize = 0;
    int hiddenSize = 0;
    int layers = 0;
    int heads = 0;
    int kvHeads = 0; //!< key/value heads; fewer than `heads` means grouped-query attention
    int headDim = 0;
    int intermediateSize = 0;
    int maxPositions = 0; //!< only GPT-2's learned positions limit the sequence length
    double normEps = 1e-5;
    std::string activation; //!< "gelu" (erf), "gelu_new" (tanh), "silu" or "relu"
    bool tiedEmbeddings = false;

    // Rotary position embeddings (GPT-NeoX, LLaMA)
    double rotaryPct = 1.0; //!< share of each head's dimensions that rotate
    double ropeTheta = 10000.0;
    // GPT-NeoX
    bool parallelResidual = true;
    bool attentionBias = true; //!< biases on the attention input projections (GPT-NeoX: yes, LLaMA: usually not)
    bool outputBias = true;    //!< a bias on the attention output projection (Qwen2 has none, its q/k/v do)
    //! Mistral's (and Qwen2's, where enabled) sliding attention window: a token sees only the last N tokens. The
    //! engine does not implement the window, so sequences longer than it are refused; within it attention is
    //! the same as full causal attention.
    std::optional<int> slidingWindow;
    // GPT-2
    bool scaleAttnByInverseLayerIdx = false;
    bool scaleAttnWeights = true;

    std::filesystem::path source; //!< the config.json it was read from, for messages that name the model

    std::optional<int> bosTokenId;
    std::optional<int> eosTokenId;
    std::optional<int> padTokenId;

    bool classifies() const { return head == ModelHead::SequenceClassification; }
    //! The width of what the head computes per position: the vocabulary or the labels.
    int outputSize() const { return classifies() ? numLabels : vocabSize; }

    //! Rotating dimensions per head: GPT-NeoX int(head_dim * rotary_pct), LLaMA all of them, GPT-2 none.
    int rotaryDims() const;

    //! Parses config.json text; throws InputError naming `file` and the offending key.
    static ModelConfig parse(std::string_view text, const std::filesystem::path &file);
    //! Reads `modelDir`/config.json.
    static ModelConfig load(const std::filesystem::path &modelDir);
};

//! The config.json architecture names the engine runs, in the order error messages list them.
const std::vector<std::string> &supportedArchitectures();

} // namespace shiftscope
