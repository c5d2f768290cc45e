#include "engine/interventions/rewardmodelintervention.h"

#include "engine/model/causallm.h"
#include "engine/model/kvcache.h"
#include "engine/interventions/modelsession.h"
#include "engine/interventions/parameters.h"
#include "util/errors.h"

#include <ATen/ATen.h>
#include <tuple>

namespace shiftscope {

std::vector<ParameterSpec> PromptTuningIntervention::ownParameters() const
{
    return {{"learning_rate", "5e-3", "AdamW learning rate, constant (GENIES: 0.0052)"},
            {"virtual_tokens", "10", "trainable embeddings before each input (GENIES: 10)"}};
}

void PromptTuningIntervention::initialize(const InterventionContext &context, const ModelSession &session)
{
    const int count = intParameter(context, "virtual_tokens", 1, 1024);
    const at::Tensor ids = at::randint(session.model().config().vocabSize, {1, count}, at::kLong);
    at::Tensor initial;
    {
        c10::InferenceMode inference;
        initial = session.model().embedTokens(ids)[0].to(at::kFloat);
    }
    m_prompt = initial.clone().requires_grad_(true); // (virtual tokens, hidden)
}

NamedTensors PromptTuningIntervention::tensors() const { return {{"prompt.embeddings", m_prompt}}; }

void PromptTuningIntervention::restore(const InterventionContext &, const std::map<std::string, at::Tensor> &saved,
                                       const std::filesystem::path &file)
{
    m_prompt = requireTensor(saved, "prompt.embeddings", file);
}

std::pair<at::Tensor, at::Tensor> PromptTuningIntervention::withVirtualTokens(const ModelSession &session,
                                                                              const at::Tensor &ids,
                                                                              const at::Tensor &mask,
                                                                              bool training) const
{
    const std::int64_t rows = ids.size(0);
    const std::int64_t virtualTokens = m_prompt.size(0);
    at::Tensor tokens;
    {
        c10::InferenceMode inference(!training);
        tokens = session.model().embedTokens(ids);
    }
    const at::Tensor prompt =
        m_prompt.to(tokens.scalar_type()).unsqueeze(0).expand({rows, virtualTokens, m_prompt.size(1)});
    return {at::cat({prompt, tokens}, 1), // (rows, virtual + T, hidden)
            at::cat({at::ones({rows, virtualTokens}, at::kLong), mask}, 1)};
}

at::Tensor PromptTuningIntervention::lastHidden(const ModelSession &session, const at::Tensor &ids,
                                                const at::Tensor &mask, bool training, std::int64_t positions) const
{
    ForwardRequest request;
    std::tie(request.inputEmbeddings, request.attentionMask) = withVirtualTokens(session, ids, mask, training);
    setTraining(request, training);
    return finalHiddenAtLastTokens(session, request, request.attentionMask.size(1), positions);
}

bool PromptTuningIntervention::runSharedPrompt(const ModelSession &session, const at::Tensor &ids,
                                               const at::Tensor &mask, KvCache &cache) const
{
    // The virtual tokens, then the prompt: the responses continue both, as in [virtual tokens][prompt + response].
    ForwardRequest request;
    std::tie(request.inputEmbeddings, request.attentionMask) = withVirtualTokens(session, ids, mask, true);
    request.logitsFrom = request.attentionMask.size(1);
    setTraining(request, true);
    session.model().forward(request, &cache);
    return true;
}

} // namespace shiftscope
