#pragma once

#include "metrics/comparisons.h"
#include "results/resultstore.h"
#include "util/statistics.h"

#include <optional>
#include <string>

namespace shiftscope {

//! Two evaluations of the same distribution side by side, e.g. a run beside the published evaluation it repeats.
struct EvaluationComparison {
    double accuracy = 0;                        //!< the first's (P >= 0.5)
    double otherAccuracy = 0;                   //!< the second's
    Interval interval;                          //!< the first's Wilson 95% interval
    bool reproduces = false;                    //!< the second's accuracy lies within the first's interval
    bool paired = false;                        //!< both hold the same pairs, so the pair-level figures below exist
    double difference = 0;                      //!< first - second
    std::optional<Interval> differenceInterval; //!< paired bootstrap 95% interval of the difference
    std::optional<McNemarResult> mcnemar;
};

//! Compares `first` with `second` from their probabilities. Pairs line up when both have as many as the evaluated
//! distribution has test pairs in `workspace` (they are in GENIES order); otherwise only the accuracies and the
//! interval check are given. std::nullopt when either has no probabilities.
std::optional<EvaluationComparison> compareEvaluations(Workspace &workspace, const EvaluationInfo &first,
                                                       const EvaluationInfo &second);

//! Percentile bootstrap 95% interval of mean(a >= 0.5) - mean(b >= 0.5), resampling pairs with replacement from a
//! seeded generator (the same inputs give the same interval).
Interval pairedDifferenceInterval(std::span<const double> a, std::span<const double> b, int resamples = 2000,
                                  std::uint64_t seed = 42);

} // namespace shiftscope
