#pragma once

#include "runs/intervention.h"

#include <memory>

namespace shiftscope {

class ModelSession;

//! The base model as its own judge (reference 4.1): each response's log-probability given the prompt, compared
//! GENIES' way (summed log-probabilities over the pair's padded length) or per token. Trains nothing.
class ZeroShotIntervention : public Intervention {
public:
    bool needsModel() const override { return true; }
    ModelHeadUse modelHead() const override { return ModelHeadUse::LanguageModel; }
    std::string name() const override { return "zero_shot"; }
    std::vector<ParameterSpec> parameters() const override;
    bool trains() const override { return false; }
    void train(const InterventionContext &, const std::vector<Example> &) override {}
    void load(const InterventionContext &) override {}
    std::vector<double> evaluate(const InterventionContext &context, const std::vector<Example> &examples,
                                 const std::vector<PairRef> &pairs) override;
};

//! zero_shot with k demonstrations (a prompt and its preferred response) from the source's train split before
//! each test prompt (reference 4.2). The demonstrations of a test example are drawn from the run's seed and the
//! example's position, so a run is reproducible and independent of batching. "Training" keeps the pool.
class FewShotIntervention : public Intervention {
public:
    bool needsModel() const override { return true; }
    ModelHeadUse modelHead() const override { return ModelHeadUse::LanguageModel; }
    std::string name() const override { return "few_shot"; }
    std::vector<ParameterSpec> parameters() const override;
    void train(const InterventionContext &context, const std::vector<Example> &trainExamples) override;
    void load(const InterventionContext &context) override;
    std::vector<double> evaluate(const InterventionContext &context, const std::vector<Example> &examples,
                                 const std::vector<PairRef> &pairs) override;
    //! The text `example`'s responses continue: its demonstrations, then its prompt.
    std::string promptFor(const InterventionContext &context, const Example &example) const;

private:
    struct Shot {
        std::string prompt;
        std::string response;
    };
    std::vector<Shot> m_pool;
};

//! An existing reward model (a *ForSequenceClassification folder) as the judge, without training:
//! P(preferred) = σ(r(prompt + preferred) − r(prompt + dispreferred)), r the head's output `label` at the last
//! token. Each prompt runs once and its keys and values serve all its responses, as zero_shot does.
class RewardModelScoringIntervention : public Intervention {
public:
    bool needsModel() const override { return true; }
    ModelHeadUse modelHead() const override { return ModelHeadUse::Classifier; }
    std::string name() const override { return "reward_model"; }
    std::vector<ParameterSpec> parameters() const override;
    bool trains() const override { return false; }
    void train(const InterventionContext &, const std::vector<Example> &) override {}
    void load(const InterventionContext &) override {}
    std::vector<double> evaluate(const InterventionContext &context, const std::vector<Example> &examples,
                                 const std::vector<PairRef> &pairs) override;
};

} // namespace shiftscope
