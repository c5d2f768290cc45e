#include "engine/model/causallm.h"

#include "engine/model/checkpoint.h"
#include "engine/model/computebackend.h"
#include "engine/model/gpt2.h"
#include "engine/model/gptneox.h"
#include "engine/model/llama.h"
#include "tokenizer/tokenizer.h"
#include "engine/model/weights.h"
#include "util/errors.h"

#include <ATen/ATen.h>

namespace shiftscope {

at::Tensor CausalLM::embedTokens(const at::Tensor &ids) const
{
    return at::embedding(weights()[embeddingName()], ids.device() == m_device ? ids : ids.to(m_device));
}

std::vector<std::pair<std::string, at::Tensor>> CausalLM::namedWeights() const { return weights().named(); }

std::vector<std::pair<std::string, at::Tensor>> CausalLM::makeTrainable()
{
    weights().makeTrainable();
    return weights().named();
}

std::unique_ptr<CausalLM> loadCausalLM(const std::filesystem::path &modelDir, const EngineOptions &options)
{
    const ModelConfig config = ModelConfig::load(modelDir);
    const Checkpoint checkpoint = Checkpoint::open(modelDir);
    // Every layer has several tensors of its own: a layer count the files cannot back is refused before the
    // loader lists what it expects (a config.json with a billion layers would list billions of names).
    if (std::size_t(config.layers) > checkpoint.names().size())
        throw InputError(InputProblem{(modelDir / "config.json").string(), "key 'num_hidden_layers'",
                                      "says " + std::to_string(config.layers)
                                          + " layers, but the weight files hold only "
                                          + std::to_string(checkpoint.names().size()) + " tensors",
                                      "check that config.json belongs to these weights"});
    const auto device = computeDevice(options.device);
    const auto dtype = computeScalarType(options.dtype);
    prepareComputeBackend(options);
    switch (config.architecture) {
    case Architecture::GptNeoX: return std::make_unique<GptNeoX>(config, checkpoint, dtype, device);
    case Architecture::Llama:
    case Architecture::Qwen2:
    case Architecture::Mistral: return std::make_unique<Llama>(config, checkpoint, dtype, device);
    case Architecture::Gpt2: return std::make_unique<Gpt2>(config, checkpoint, dtype, device);
    }
    throw std::logic_error("unhandled architecture");
}

void requireTokenizerFits(const Tokenizer &tokenizer, const std::filesystem::path &tokenizerFile,
                          const ModelConfig &config, std::optional<int> eos)
{
    const std::string modelFile = config.source.empty() ? std::string("config.json") : config.source.string();
    if (tokenizer.vocabSize() > config.vocabSize)
        throw InputError(InputProblem{tokenizerFile.string(),
                                      {},
                                      "gives token ids up to " + std::to_string(tokenizer.vocabSize() - 1)
                                          + ", but the model (" + modelFile + ") has embeddings for "
                                          + std::to_string(config.vocabSize) + " tokens",
                                      "use the tokenizer.json that came with this model"});
    if (eos && *eos >= config.vocabSize)
        throw InputError(InputProblem{modelFile, "end-of-sequence token",
                                      "token " + std::to_string(*eos) + " is outside the model's vocabulary of "
                                          + std::to_string(config.vocabSize) + " tokens",
                                      "set eos_token_id in config.json to the model's end-of-sequence token"});
}

} // namespace shiftscope
