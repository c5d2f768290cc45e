#include "engine/causallm.h"

#include "engine/checkpoint.h"
#include "engine/computebackend.h"
#include "engine/gpt2.h"
#include "engine/gptneox.h"
#include "engine/llama.h"
#include "engine/weights.h"

#include <ATen/ATen.h>

namespace shiftscope {

at::Tensor CausalLM::embedTokens(const at::Tensor &ids) const
{
    return at::embedding(weights()[embeddingName()], ids);
}

std::vector<std::pair<std::string, at::Tensor>> CausalLM::namedWeights() const
{
    return weights().named();
}

std::vector<std::pair<std::string, at::Tensor>> CausalLM::makeTrainable()
{
    weights().makeTrainable();
    return weights().named();
}

std::unique_ptr<CausalLM> loadCausalLM(const std::filesystem::path &modelDir, const EngineOptions &options)
{
    const ModelConfig config = ModelConfig::load(modelDir);
    const Checkpoint checkpoint = Checkpoint::open(modelDir);
    const auto device = computeDevice(options.device);
    const auto dtype = computeScalarType(options.dtype);
    prepareComputeBackend(options);
    switch (config.architecture) {
    case Architecture::GptNeoX: return std::make_unique<GptNeoX>(config, checkpoint, dtype, device);
    case Architecture::Llama: return std::make_unique<Llama>(config, checkpoint, dtype, device);
    case Architecture::Gpt2: return std::make_unique<Gpt2>(config, checkpoint, dtype, device);
    }
    throw std::logic_error("unhandled architecture");
}

} // namespace shiftscope
