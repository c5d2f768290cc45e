#include "engine/model/causallm.h"

#include "engine/model/checkpoint.h"
#include "engine/model/computebackend.h"
#include "engine/model/gpt2.h"
#include "engine/model/gptneox.h"
#include "engine/model/llama.h"
#include "engine/model/loraadapter.h"
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

at::Tensor CausalLM::linear(const std::string &module, const at::Tensor &x) const
{
    const std::string key = module + ".weight", bias = module + ".bias";
    at::Tensor y = at::linear(x, weights()[key], weights().has(bias) ? weights()[bias] : at::Tensor());
    if (const at::Tensor update = adapterUpdate(key, x); update.defined())
        y = y + update;
    return y;
}

at::Tensor CausalLM::adapterUpdate(const std::string &key, const at::Tensor &x) const
{
    if (m_updates.empty())
        return {};
    const auto it = m_updates.find(key);
    if (it == m_updates.end())
        return {};
    return at::matmul(at::matmul(x, it->second.aT), it->second.bT);
}

void CausalLM::applyAdapter(const LoraAdapter &adapter, bool merge)
{
    const std::string file = (adapter.dir() / "adapter_model.safetensors").string();
    const std::string fix = "use an adapter trained on this model (adapter_config.json names its base: "
                          + (adapter.config().baseModel.empty() ? std::string("not given") : adapter.config().baseModel)
                          + ")";
    std::vector<InputProblem> problems;
    struct Planned {
        std::string key;
        at::Tensor delta;
    };
    const double scale = adapter.config().scale();
    std::vector<Planned> merged;
    std::map<std::string, Update, std::less<>> updates;
    for (const LoraModule &m : adapter.modules()) {
        const std::string key = weightKeyOfModule(m.module);
        if (!weights().has(key)) {
            problems.push_back(
                {file, "module " + m.module, "is not a projection of this " + m_config.architectureName, fix});
            continue;
        }
        const at::Tensor &w = weights()[key];
        if (w.dim() != 2) {
            problems.push_back({file, "module " + m.module, "is not a projection (its weight is not a matrix)", fix});
            continue;
        }
        if (!merge
            && (key == "score.weight" || key == embeddingName() || key.ends_with("lm_head.weight")
                || key.ends_with("embed_out.weight"))) {
            problems.push_back({file, "module " + m.module,
                                "adapts the model's head or embeddings, which only a merged adapter changes",
                                "apply the adapter merged (leave out --unmerged)"});
            continue;
        }
        const bool transposed = storedTransposed(key);
        const std::int64_t in = transposed ? w.size(0) : w.size(1), out = transposed ? w.size(1) : w.size(0);
        if (m.a.size(1) != in || m.b.size(0) != out) {
            problems.push_back({file, "module " + m.module,
                                "maps " + std::to_string(m.a.size(1)) + " to " + std::to_string(m.b.size(0))
                                    + " features, but the model's projection maps " + std::to_string(in) + " to "
                                    + std::to_string(out),
                                fix});
            continue;
        }
        if (merge) {
            const at::Tensor delta = at::mm(m.b, m.a) * scale; // (out, in), float32
            merged.push_back({key, transposed ? delta.t() : delta});
        } else {
            updates[key] = {m.a.t().contiguous().to(m_device, m_dtype),
                            (m.b.t() * scale).contiguous().to(m_device, m_dtype)};
        }
    }
    std::optional<int> labels;
    for (const auto &[key, tensor] : adapter.savedWeights()) {
        if (weights().has(key)) {
            if (weights()[key].sizes() != tensor.sizes())
                problems.push_back({file, "tensor '" + key + "'", "has another shape than the model's", fix});
        } else if (key == "score.weight" && !m_config.classifies() && tensor.dim() == 2
                   && tensor.size(1) == m_config.hiddenSize) {
            labels = int(tensor.size(0));
        } else {
            problems.push_back({file, "tensor '" + key + "'", "replaces a module this model does not have", fix});
        }
    }
    if (!problems.empty())
        throw InputError(std::move(problems));
    for (const Planned &p : merged)
        weights().set(p.key, (weights()[p.key].to(at::kFloat) + p.delta.to(m_device)).to(m_dtype).contiguous());
    m_updates.insert(updates.begin(), updates.end());
    for (const auto &[key, tensor] : adapter.savedWeights())
        weights().set(key, tensor.to(m_device, m_dtype).contiguous());
    if (labels) { // the adapter's score head makes the language model a reward model
        m_config.head = ModelHead::SequenceClassification;
        m_config.numLabels = *labels;
    }
    m_adapterDir = adapter.dir();
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
    std::unique_ptr<CausalLM> model;
    switch (config.architecture) {
    case Architecture::GptNeoX: model = std::make_unique<GptNeoX>(config, checkpoint, dtype, device); break;
    case Architecture::Llama:
    case Architecture::Qwen2:
    case Architecture::Mistral: model = std::make_unique<Llama>(config, checkpoint, dtype, device); break;
    case Architecture::Gpt2: model = std::make_unique<Gpt2>(config, checkpoint, dtype, device); break;
    }
    if (!options.adapter.empty())
        model->applyAdapter(LoraAdapter::load(options.adapter), options.mergeAdapter);
    return model;
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
