#pragma once

#include "engine/interventions/activationcache.h"
#include "runs/intervention.h"

#include <functional>
#include <memory>

namespace shiftscope {

//! A supervised probe: logistic regression on the last-token residual stream of one layer, trained on every
//! response of the source's train split (preferred 1, others 0) after standardising each feature with the training
//! mean and deviation. A pair scores σ(z_preferred − z_dispreferred), z the probe's logit.
class LinearProbeIntervention : public Intervention {
public:
    bool needsModel() const override { return true; }
    std::string name() const override { return "linear_probe"; }
    std::vector<ParameterSpec> parameters() const override;
    void train(const InterventionContext &context, const std::vector<Example> &trainExamples) override;
    void load(const InterventionContext &context) override;
    std::vector<double> evaluate(const InterventionContext &context, const std::vector<Example> &examples,
                                 const std::vector<PairRef> &pairs) override;

    //! One training response's exact share of the probe's margin z_preferred − z_dispreferred on a pair.
    struct TrainingContribution {
        std::size_t example = 0; //!< index into the training examples
        int response = 0;
        double value = 0;
    };
    //! The representer decomposition of a loaded probe's margin on `pair` of `examples` (the evaluated split): at
    //! the optimum of the L2-regularised fit, w = C Σ (y_i − p_i) x_i over the standardised training responses, so
    //! the margin w·Δ is Σ C (y_i − p_i) x_i·Δ, one term per training response. The training examples are those
    //! train() was given; the bias, which train() does not keep, is found again from Σ p_i = Σ y_i.
    std::vector<TrainingContribution> contributions(const InterventionContext &context,
                                                    const std::vector<Example> &trainExamples,
                                                    const std::vector<Example> &examples, const PairRef &pair);

    //! Target accuracy after refitting the probe with labelled target examples added to its training responses,
    //! one figure per draw: each draw lists examples of `examples` (the evaluated split) by position with the
    //! response labelled preferred, and is scored on the pairs of the labelled examples it does not hold. An empty
    //! draw scores the loaded probe as trained.
    std::vector<double> labelBudget(const InterventionContext &context, const std::vector<Example> &trainExamples,
                                    const std::vector<Example> &examples,
                                    const std::vector<std::vector<std::pair<int, int>>> &draws);

    //! The probe refitted after erasing a concept from its activations: a least-squares concept eraser
    //! (ConceptEraser) is fitted on the training responses, whose concept values `conceptOf` gives from their text,
    //! the probe is fitted again on the erased training responses, and it scores `pairs` of `examples` (the evaluated
    //! split) from their erased activations. Returns P(preferred) per pair; InputError when the concept does not
    //! vary, or does not covary with the activations, on the training responses.
    std::vector<double> erasedPredictions(const InterventionContext &context, const std::vector<Example> &trainExamples,
                                          const std::vector<Example> &examples, const std::vector<PairRef> &pairs,
                                          const std::function<double(const std::string &)> &conceptOf);

    //! A loaded probe's logit of each of `hiddenStates` (positions, layers + 1, hidden), read at its layer: what it
    //! would score a response ending at that token.
    std::vector<double> tokenLogits(const InterventionContext &context, const at::Tensor &hiddenStates) const;

private:
    std::int64_t layer(const InterventionContext &context) const;

    std::unique_ptr<ActivationCache> m_cache;
    at::Tensor m_weights; // (hidden) over standardised features
    at::Tensor m_mean;
    at::Tensor m_scale;
};

} // namespace shiftscope
