#pragma once

#include "engine/model/tensorfile.h"
#include "engine/scoring/responsescorer.h"
#include "runs/intervention.h"

#include <ATen/core/Tensor.h>

#include <memory>

namespace shiftscope {

class ForwardHooks;
class KvCache;
class ModelSession;

//! A reward model over the frozen base model (reference 4.4 and 4.5): something trainable inside or before the
//! model, plus a linear reward head on the final-normed hidden state of the last token (the EOS). Trained on one
//! pair per source example with the Bradley–Terry loss −log σ(r_chosen − r_rejected) and AdamW, clipped
//! gradients and a constant learning rate; evaluated as P(preferred) = σ(r_preferred − r_dispreferred).
//! Subclasses say what is trainable and how it enters the forward pass.
class RewardModelIntervention : public Intervention {
public:
    bool needsModel() const override { return true; }
    std::vector<ParameterSpec> parameters() const override;
    void train(const InterventionContext &context, const std::vector<Example> &trainExamples) override;
    void load(const InterventionContext &context) override;
    std::vector<double> evaluate(const InterventionContext &context, const std::vector<Example> &examples,
                                 const std::vector<PairRef> &pairs) override;

    //! An approximation, not an exact split, of which training pairs a loaded reward model's margin on `pair` (of
    //! `examples`, the evaluated split) comes from: for training pair k, (1 − σ(m_k)) ∇m_k · ∇m, the first-order
    //! change of the pair's margin m per unit learning rate from one gradient step on k at the trained weights
    //! (TracIn with a single checkpoint), gradients over every trained tensor and the head. Dropout is whatever the
    //! context's parameters say; pass dropout=0 for a deterministic answer.
    struct GradientSimilarity {
        double margin = 0;             //!< the reward model's margin on the pair
        std::vector<double> byExample; //!< one per training example (zero for those without a pair)
    };
    //! A loaded reward model's reward read at every token of one response (its tokens after the prompt, EOS last),
    //! as if the sequence ended there: the head on the final-normed hidden state at each position. The last value
    //! is the response's reward.
    struct TokenRewards {
        std::vector<int> ids;
        std::vector<double> rewards;
    };
    TokenRewards tokenRewards(const InterventionContext &context, const Example &example, int response);

    GradientSimilarity gradientSimilarities(const InterventionContext &context,
                                            const std::vector<Example> &trainExamples,
                                            const std::vector<Example> &examples, const PairRef &pair);

protected:
    //! Parameters of the subclass, listed after the shared ones.
    virtual std::vector<ParameterSpec> ownParameters() const = 0;
    //! Creates the trainable tensors (not the head) from the seeded generator state.
    virtual void initialize(const InterventionContext &context, const ModelSession &session) = 0;
    //! The trainable tensors by name, as saved (the head excluded).
    virtual NamedTensors tensors() const = 0;
    //! Restores the tensors saved under those names (and the settings the parameters give).
    virtual void restore(const InterventionContext &context, const std::map<std::string, at::Tensor> &saved,
                         const std::filesystem::path &file) = 0;
    //! The final-normed hidden states at each row's last `positions` tokens, (rows, positions, hidden), of
    //! left-padded ids and mask.
    virtual at::Tensor lastHidden(const ModelSession &session, const at::Tensor &ids, const at::Tensor &mask,
                                  bool training, std::int64_t positions) const = 0;

    //! The forward hooks that carry what the subclass trains (lora's adapters), ready for a training pass; null when
    //! it trains nothing inside the model.
    virtual const ForwardHooks *sharedHooks(bool /*training*/) const { return nullptr; }
    //! Runs the pairs' left-padded prompts (rows, T ≥ 0) for training into `cache`, gradients kept, so that their
    //! responses continue it; false when nothing was run (no prompt tokens). By default the prompt tokens with
    //! sharedHooks(); prompt_tuning puts its virtual tokens first.
    virtual bool runSharedPrompt(const ModelSession &session, const at::Tensor &ids, const at::Tensor &mask,
                                 KvCache &cache) const;

    //! Called after training has saved its tensors: writes what else the unit leaves (lora: a PEFT adapter folder).
    virtual void saveExtras(const InterventionContext &, const ModelSession &, const at::Tensor & /*head*/) const {}

    //! Marks `request` as a training pass (autograd on, and activation checkpointing where the parameters ask for
    //! it) or an evaluation pass.
    void setTraining(struct ForwardRequest &request, bool training) const;

    //! Runs the model with `request` filled in for the last `positions` tokens of every row and returns their final
    //! hidden states, (rows, positions, hidden).
    static at::Tensor finalHiddenAtLastTokens(const ModelSession &session, struct ForwardRequest &request,
                                              std::int64_t length, std::int64_t positions);

private:
    at::Tensor rewards(const ModelSession &session, const std::vector<std::vector<int>> &rows, bool training) const;
    //! Rewards of each pair's chosen then rejected response, the pair's prompt run once (training, with sharedHooks).
    at::Tensor sharedRewards(const ModelSession &session, const std::vector<const TokenizedExample *> &examples,
                             const std::vector<std::pair<int, int>> &responses) const;

    at::Tensor m_head;               // (hidden)
    bool m_checkpointLayers = false; // activation_checkpointing, while training
};

//! LoRA adapters on the attention input projections (GPT-NeoX query_key_value, GPT-2 c_attn, LLaMA q_proj and
//! v_proj): y + (alpha / r) · B A x, B starting at zero so training starts from the base model.
class LoraIntervention : public RewardModelIntervention {
public:
    LoraIntervention();
    ~LoraIntervention() override;
    std::string name() const override { return "lora"; }

protected:
    std::vector<ParameterSpec> ownParameters() const override;
    void initialize(const InterventionContext &context, const ModelSession &session) override;
    NamedTensors tensors() const override;
    void restore(const InterventionContext &context, const std::map<std::string, at::Tensor> &saved,
                 const std::filesystem::path &file) override;
    at::Tensor lastHidden(const ModelSession &session, const at::Tensor &ids, const at::Tensor &mask, bool training,
                          std::int64_t positions) const override;
    //! The adapters and the reward head as a PEFT LoRA adapter for sequence classification, in `peft_adapter/`.
    void saveExtras(const InterventionContext &context, const ModelSession &session,
                    const at::Tensor &head) const override;
    const ForwardHooks *sharedHooks(bool training) const override;

private:
    void configure(const InterventionContext &context);

    class Hooks;
    std::unique_ptr<Hooks> m_hooks;
};

//! Prompt tuning: trainable virtual-token embeddings before every input (reference 4.5), initialised from the
//! embeddings of randomly drawn vocabulary tokens.
class PromptTuningIntervention : public RewardModelIntervention {
public:
    std::string name() const override { return "prompt_tuning"; }

protected:
    std::vector<ParameterSpec> ownParameters() const override;
    void initialize(const InterventionContext &context, const ModelSession &session) override;
    NamedTensors tensors() const override;
    void restore(const InterventionContext &context, const std::map<std::string, at::Tensor> &saved,
                 const std::filesystem::path &file) override;
    at::Tensor lastHidden(const ModelSession &session, const at::Tensor &ids, const at::Tensor &mask, bool training,
                          std::int64_t positions) const override;
    bool runSharedPrompt(const ModelSession &session, const at::Tensor &ids, const at::Tensor &mask,
                         KvCache &cache) const override;

private:
    //! The virtual tokens before each row's token embeddings, with the mask that covers them.
    std::pair<at::Tensor, at::Tensor> withVirtualTokens(const ModelSession &session, const at::Tensor &ids,
                                                        const at::Tensor &mask, bool training) const;

    at::Tensor m_prompt; // (virtual tokens, hidden)
};

} // namespace shiftscope
