#pragma once

#include "engine/interventions/activationcache.h"
#include "runs/intervention.h"

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

private:
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
