#pragma once

#include "engine/interventions/activationcache.h"
#include "runs/intervention.h"

#include <memory>

namespace shiftscope {

//! Contrast-consistent search (reference 4.11): an unsupervised probe on the final-normed hidden state at the EOS
//! of each response followed by a "Yes" and by a "No" answer to whether it follows the instruction. Each set is
//! centred on its training mean; the probe p = σ(w·h + b) is trained with the consistency and confidence loss
//! mean(min(p₀, p₁)²) + mean((p₀ − (1 − p₁))²), restarted several times, keeping the lowest loss.
//!
//! Differences from the original, so that CCS fits the pairwise comparison the other methods make: the sign CCS
//! cannot know is fixed once, on the source's training pairs (the original instead took max(acc, 1 − acc) on each
//! test set, using its labels); a response's credibility is c = (p₀ + 1 − p₁) / 2 in that orientation and a pair
//! scores P(preferred) = (1 + c_preferred − c_dispreferred) / 2; test features are centred on the training means;
//! the same "### Does" spelling is used for both answers; all responses are used once instead of a seeded
//! resampling with replacement.
class CcsIntervention : public Intervention {
public:
    bool needsModel() const override { return true; }
    std::string name() const override { return "ccs"; }
    std::vector<ParameterSpec> parameters() const override;
    void train(const InterventionContext &context, const std::vector<Example> &trainExamples) override;
    void load(const InterventionContext &context) override;
    std::vector<double> evaluate(const InterventionContext &context, const std::vector<Example> &examples,
                                 const std::vector<PairRef> &pairs) override;

private:
    //! Credibility of each response (responses) from its Yes and No features, in the trained orientation.
    at::Tensor credibility(const at::Tensor &yes, const at::Tensor &no) const;

    std::unique_ptr<ActivationCache> m_cache;
    at::Tensor m_weights; // (hidden)
    double m_bias = 0;
    at::Tensor m_yesMean;
    at::Tensor m_noMean;
    double m_sign = 1;
};

} // namespace shiftscope
