#pragma once

#include "engine/interventions/activationcache.h"
#include "runs/intervention.h"

#include <functional>
#include <memory>
#include <optional>

namespace shiftscope {

//! The probe family of GENIES' mms, cra and lat interventions (reference 4.7–4.10). Each unit (an attention head, or
//! a layer of the residual stream) has a class-mean direction (mean feature of preferred responses minus that of
//! dispreferred ones) and a logistic probe whose held-out accuracy ranks it; the top units score a pair by the mean
//! cosine between the pair's feature difference and their directions, s = (1 + mean cos) / 2, turned into a
//! probability by Platt scaling fitted on the held-out pairs. Features are read at the last token.
//!
//! Deliberate differences from the original code, all for reproducibility: every random draw comes from the run's
//! seed; ties between units go to the lower index; a pair is scored as (preferred − dispreferred) and the Platt
//! fit sees each held-out pair in both orders, which makes the calibrated score antisymmetric instead of depending
//! on an unseeded shuffle of the two responses.
class DirectionProbeIntervention : public Intervention {
public:
    bool needsModel() const override { return true; }
    enum class Units { Heads, Layers };
    struct Recipe {
        std::string name;
        Units units = Units::Heads;
        ReaderText reader;
        //! cra: the feature is reader − alpha · contrast.
        std::optional<ReaderText> contrast;
    };
    static Recipe mms();
    static Recipe cra();
    static Recipe latStim1();
    static Recipe latStim2();

    explicit DirectionProbeIntervention(Recipe recipe);
    ~DirectionProbeIntervention() override;

    std::string name() const override { return m_recipe.name; }
    std::vector<ParameterSpec> parameters() const override;
    void train(const InterventionContext &context, const std::vector<Example> &trainExamples) override;
    void load(const InterventionContext &context) override;
    std::vector<double> evaluate(const InterventionContext &context, const std::vector<Example> &examples,
                                 const std::vector<PairRef> &pairs) override;

    //! The selected units ((layer, head) flattened as layer · heads + head, or layers) after train() or load().
    const std::vector<std::int64_t> &selectedUnits() const { return m_units; }

    //! A loaded probe's logit on a pair split over its training pairs. The directions are class means,
    //! v_u = (1/n) Σ_k c_k,u with c_k = preferred − dispreferred feature of training pair k, so the mean cosine
    //! between the pair's difference d and the directions is Σ_k (1/U) Σ_u d_u·c_k,u / (n |d_u| |v_u|): one exact
    //! term per training pair. The logit is w·s + b with s = (1 + mean cosine) / 2 (w = 1, b = −½ without
    //! calibration, so the margin is s − ½); `constant` is b + w/2, the part no training pair makes.
    struct Decomposition {
        double logit = 0;
        double constant = 0;
        double probability = 0;        //!< what evaluate() gives the pair: σ(logit), or ½ + logit without calibration
        std::vector<double> byExample; //!< one per training example (zero for those train() did not use)
    };
    Decomposition contributions(const InterventionContext &context, const std::vector<Example> &trainExamples,
                                const std::vector<Example> &examples, const PairRef &pair);

    //! A loaded probe after erasing a concept from each selected unit's features: a least-squares concept eraser
    //! (ConceptEraser) per unit, fitted on the training responses train() used (concept values from their text by
    //! `conceptOf`), the class-mean directions taken again from the erased training pairs, and `pairs` of `examples`
    //! scored from their erased features with the same units and calibration. Returns P(preferred) per pair;
    //! InputError when the concept does not vary across the training responses.
    std::vector<double> erasedPredictions(const InterventionContext &context, const std::vector<Example> &trainExamples,
                                          const std::vector<Example> &examples, const std::vector<PairRef> &pairs,
                                          const std::function<double(const std::string &)> &conceptOf);

    //! Target accuracy after adding labelled target examples to a loaded probe's training pairs, one figure per
    //! draw (as LinearProbeIntervention::labelBudget): each drawn example's pairs join the class means,
    //! n·v + Σ c over n + added pairs (the units and the calibration stay), and the pairs of the labelled examples
    //! the draw does not hold are scored. An empty draw scores the probe as trained.
    std::vector<double> labelBudget(const InterventionContext &context, const std::vector<Example> &trainExamples,
                                    const std::vector<Example> &examples,
                                    const std::vector<std::vector<std::pair<int, int>>> &draws);

    const Recipe &recipe() const { return m_recipe; }
    //! A loaded probe's reading of single texts at several positions: the mean cosine between each position's
    //! features on the selected units and their directions (the pair score uses the preferred − dispreferred
    //! difference of the last position's). `hiddenStates` (positions, layers + 1, hidden), `headOutputs`
    //! (positions, layers, heads, dim).
    std::vector<double> tokenCosines(const at::Tensor &hiddenStates, const at::Tensor &headOutputs) const;

private:
    //! The training pairs exactly as train() chose them, with their examples' features.
    struct TrainingFeatures {
        std::vector<Example> examples;
        std::vector<PairRef> pairs;
        std::vector<std::size_t> indices;   //!< each pair's example in `examples`
        std::vector<at::Tensor> perExample; //!< each pair's example's features, (responses, units, dim)
    };
    TrainingFeatures trainingFeatures(const InterventionContext &context, const std::vector<Example> &trainExamples);
    //! Features of the examples at `indices`, each (responses, units, dim).
    std::vector<at::Tensor> features(const InterventionContext &context, const std::string &distribution,
                                     const std::string &split, const std::string &dataHash,
                                     const std::vector<Example> &examples, const std::vector<std::size_t> &indices);
    double score(const at::Tensor &difference) const;

    Recipe m_recipe;
    std::unique_ptr<ActivationCache> m_cache;
    std::vector<std::int64_t> m_units;
    at::Tensor m_directions; // (selected units, dim)
    bool m_calibrated = true;
    double m_calibrationWeight = 1;
    double m_calibrationBias = 0;
};

} // namespace shiftscope
