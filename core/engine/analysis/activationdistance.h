#pragma once

#include "data/types.h"
#include "util/progress.h"

#include <string>
#include <vector>

namespace shiftscope {

struct InterventionContext;

//! How far each target pair lies from what a method was trained on, in the model's activations.
struct ActivationDistances {
    std::vector<double> values; //!< one per target pair, in GENIES order
    int layer = 0;              //!< the residual-stream layer read (hidden_states index)
    double shrinkage = 0;       //!< the Ledoit–Wolf weight of the scaled identity in the covariance
    int sourceResponses = 0;    //!< the samples the source distribution was estimated from
};

//! Mahalanobis distances of each target pair (the mean of its two responses' last-token residual activations at
//! `layer`, −1 for the middle block) from the source's training responses, whose covariance is shrunk towards a
//! scaled identity with the Ledoit–Wolf weight so that it can be inverted with fewer responses than dimensions.
//! Activations come from (and go to) the context's activation cache, shared with the probes. `context` names the
//! model, device, cache folder and max_length; the splits are given with their content hashes.
ActivationDistances activationDistances(const InterventionContext &context, const std::string &source,
                                        const std::string &sourceHash, const std::vector<Example> &sourceTrain,
                                        const std::string &target, const std::string &targetHash,
                                        const std::vector<Example> &targetTest, int layer,
                                        const ProgressCallback &progress);

} // namespace shiftscope
