#include "engine/interventions/rewardmodelintervention.h"

#include "engine/model/causallm.h"
#include "engine/interventions/modelsession.h"
#include "engine/interventions/parameters.h"
#include "engine/model/tensorfile.h"
#include "util/atomicfile.h"
#include "util/errors.h"

#include <ATen/ATen.h>
#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>
#include <set>

namespace shiftscope {

//! The adapters of every targeted projection, applied through the engine's forward hooks.
class LoraIntervention::Hooks : public ForwardHooks {
public:
    struct Adapter {
        at::Tensor a; // (rank, in)
        at::Tensor b; // (out, rank)
    };
    std::map<std::pair<int, std::string>, Adapter> adapters;
    double scale = 1.0;
    double dropout = 0.0;
    bool training = false;

    at::Tensor attentionProjection(int layer, const std::string &projection, const at::Tensor &x,
                                   const at::Tensor &y) const override
    {
        const auto it = adapters.find({layer, projection});
        if (it == adapters.end())
            return y;
        const at::Tensor input = training && dropout > 0 ? at::dropout(x, dropout, true) : x;
        // The adapters stay float32; a bfloat16 model's activations meet them in its own type.
        const auto type = input.scalar_type();
        return y + at::linear(at::linear(input, it->second.a.to(type)), it->second.b.to(type)) * scale; // (B, T, out)
    }

    std::vector<at::Tensor> trainableTensors(int layer) const override
    {
        std::vector<at::Tensor> out;
        for (auto it = adapters.lower_bound({layer, std::string()}); it != adapters.end() && it->first.first == layer;
             ++it) {
            out.push_back(it->second.a);
            out.push_back(it->second.b);
        }
        return out;
    }
};

LoraIntervention::LoraIntervention() : m_hooks(std::make_unique<Hooks>()) {}

LoraIntervention::~LoraIntervention() = default;

std::vector<ParameterSpec> LoraIntervention::ownParameters() const
{
    return {{"learning_rate", "2e-4", "AdamW learning rate, constant (GENIES: 2e-4)"},
            {"rank", "8", "LoRA rank r (GENIES: 64)"},
            {"alpha", "16", "LoRA scaling numerator: updates are scaled by alpha / r (GENIES: 16)"},
            {"dropout", "0.1", "dropout on the adapters' input while training (GENIES: 0.1)"}};
}

void LoraIntervention::initialize(const InterventionContext &context, const ModelSession &session)
{
    const ModelConfig &c = session.model().config();
    const int rank = intParameter(context, "rank", 1, 4096);
    configure(context);
    // The projections peft targets by default for each architecture, with their output widths.
    std::vector<std::pair<std::string, std::int64_t>> targets;
    switch (c.architecture) {
    case Architecture::GptNeoX: targets = {{"query_key_value", 3 * std::int64_t(c.hiddenSize)}}; break;
    case Architecture::Gpt2: targets = {{"c_attn", 3 * std::int64_t(c.hiddenSize)}}; break;
    case Architecture::Llama:
    case Architecture::Qwen2:
    case Architecture::Mistral:
        targets = {{"q_proj", std::int64_t(c.heads) * c.headDim}, {"v_proj", std::int64_t(c.kvHeads) * c.headDim}};
        break;
    }
    m_hooks->adapters.clear();
    const double bound = 1.0 / std::sqrt(double(c.hiddenSize)); // peft's Kaiming-uniform(a = sqrt 5) bound
    // Drawn on the CPU whatever the device, so a seed gives the same adapters on every device.
    const at::Device device = session.model().device();
    for (int layer = 0; layer < c.layers; ++layer)
        for (const auto &[projection, width] : targets)
            m_hooks->adapters[{layer, projection}] = {
                (at::rand({rank, c.hiddenSize}) * (2 * bound) - bound).to(device).requires_grad_(true),
                at::zeros({width, rank}, at::TensorOptions().device(device)).requires_grad_(true)};
}

void LoraIntervention::configure(const InterventionContext &context)
{
    m_hooks->scale = realParameter(context, "alpha", 0, 1e6) / intParameter(context, "rank", 1, 4096);
    m_hooks->dropout = realParameter(context, "dropout", 0, 0.99);
}

NamedTensors LoraIntervention::tensors() const
{
    NamedTensors out;
    for (const auto &[key, adapter] : m_hooks->adapters) {
        const std::string prefix = "layers." + std::to_string(key.first) + "." + key.second;
        out.emplace_back(prefix + ".lora_A", adapter.a);
        out.emplace_back(prefix + ".lora_B", adapter.b);
    }
    return out;
}

void LoraIntervention::restore(const InterventionContext &context, const std::map<std::string, at::Tensor> &saved,
                               const std::filesystem::path &file)
{
    configure(context);
    m_hooks->adapters.clear();
    for (const auto &[name, tensor] : saved) {
        if (!name.ends_with(".lora_A"))
            continue;
        // "layers.<i>.<projection>.lora_A"
        const std::string prefix = name.substr(0, name.size() - 7);
        const auto dot = prefix.find('.', 7);
        int layer = -1;
        if (prefix.starts_with("layers.") && dot != std::string::npos)
            std::from_chars(prefix.data() + 7, prefix.data() + dot, layer);
        if (layer < 0)
            throw InputError(
                InputProblem{file.string(), "tensor '" + name + "'", "not a LoRA adapter name",
                             "the file was written by another version or damaged; train the intervention again"});
        m_hooks->adapters[{layer, prefix.substr(dot + 1)}] = {tensor, requireTensor(saved, prefix + ".lora_B", file)};
    }
    if (m_hooks->adapters.empty())
        throw InputError(
            InputProblem{file.string(), {}, "no LoRA adapter in the file", "train the intervention again"});
}

namespace {

//! The module path transformers gives a projection of a layer (PEFT's adapter keys are built on it).
std::string modulePath(Architecture architecture, int layer, const std::string &projection)
{
    const std::string i = std::to_string(layer);
    switch (architecture) {
    case Architecture::GptNeoX: return "gpt_neox.layers." + i + ".attention." + projection;
    case Architecture::Gpt2: return "transformer.h." + i + ".attn." + projection;
    case Architecture::Llama:
    case Architecture::Qwen2:
    case Architecture::Mistral: break;
    }
    return "model.layers." + i + ".self_attn." + projection;
}

} // namespace

void LoraIntervention::saveExtras(const InterventionContext &context, const ModelSession &session,
                                  const at::Tensor &head) const
{
    // Trained over a model that already carries an adapter, these deltas belong to that adapted model, which a
    // PEFT folder cannot name: nothing is exported then.
    if (!context.adapterDir.empty())
        return;
    const ModelConfig &c = session.model().config();
    const std::filesystem::path dir = context.artifactDir / "peft_adapter";
    std::filesystem::create_directories(dir);
    NamedTensors tensors;
    std::set<std::string> targets;
    for (const auto &[key, adapter] : m_hooks->adapters) {
        const std::string module = "base_model.model." + modulePath(c.architecture, key.first, key.second);
        tensors.emplace_back(module + ".lora_A.weight", adapter.a.detach().cpu());
        tensors.emplace_back(module + ".lora_B.weight", adapter.b.detach().cpu());
        targets.insert(key.second);
    }
    // The reward head is a sequence-classification head with one label: score.weight (1, hidden).
    tensors.emplace_back("base_model.model.score.weight", head.detach().cpu().reshape({1, -1}));
    saveTensors(dir / "adapter_model.safetensors", tensors);
    const double alpha = realParameter(context, "alpha", 0, 1e6);
    const nlohmann::ordered_json config = {{"peft_type", "LORA"},
                                           {"task_type", "SEQ_CLS"},
                                           {"base_model_name_or_path", context.modelDir.string()},
                                           {"r", intParameter(context, "rank", 1, 4096)},
                                           {"lora_alpha", alpha == std::floor(alpha)
                                                              ? nlohmann::ordered_json(std::int64_t(alpha))
                                                              : nlohmann::ordered_json(alpha)},
                                           {"lora_dropout", realParameter(context, "dropout", 0, 0.99)},
                                           {"use_rslora", false},
                                           {"fan_in_fan_out", c.architecture == Architecture::Gpt2},
                                           {"target_modules", std::vector<std::string>(targets.begin(), targets.end())},
                                           {"modules_to_save", {"score"}},
                                           {"bias", "none"},
                                           {"use_dora", false},
                                           {"inference_mode", true},
                                           {"init_lora_weights", true}};
    writeFileAtomically(dir / "adapter_config.json", config.dump(2) + "\n");
}

const ForwardHooks *LoraIntervention::sharedHooks(bool training) const
{
    m_hooks->training = training;
    return m_hooks.get();
}

at::Tensor LoraIntervention::lastHidden(const ModelSession &session, const at::Tensor &ids, const at::Tensor &mask,
                                        bool training, std::int64_t positions) const
{
    m_hooks->training = training;
    ForwardRequest request;
    request.inputIds = ids;
    request.attentionMask = mask;
    request.hooks = m_hooks.get();
    setTraining(request, training);
    return finalHiddenAtLastTokens(session, request, ids.size(1), positions);
}

} // namespace shiftscope
