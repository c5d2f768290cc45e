#pragma once

#include "runs/intervention.h"

namespace shiftscope {

//! The chance baseline: every pair gets probability 0.5 and, since a tie earns half a point for it, accuracy 0.5
//! (the original code scored it 0, an artefact of argmax ties).
class RandomIntervention : public Intervention {
public:
    std::string name() const override { return "random"; }
    std::vector<ParameterSpec> parameters() const override { return {}; }
    bool trains() const override { return false; }
    double tieCredit() const override { return 0.5; }
    void train(const InterventionContext &, const std::vector<Example> &) override {}
    void load(const InterventionContext &) override {}
    std::vector<double> evaluate(const InterventionContext &context, const std::vector<Example> &examples,
                                 const std::vector<PairRef> &pairs) override;
};

} // namespace shiftscope
