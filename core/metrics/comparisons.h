#pragma once

#include "util/statistics.h"

#include <cstdint>
#include <span>

namespace shiftscope {

//! Percentile bootstrap 95% interval of accuracy (mean of p >= 0.5) over pairs, resampling pairs with replacement
//! `resamples` times with a seeded generator, so the same inputs always give the same interval.
Interval bootstrapAccuracyInterval(std::span<const double> p, int resamples = 2000, std::uint64_t seed = 42,
                                   double level = 0.95);

//! McNemar's test between two evaluations of the same pairs (right = p >= 0.5).
struct McNemarResult {
    int onlyFirstRight = 0;  //!< b: first right, second wrong
    int onlySecondRight = 0; //!< c: first wrong, second right
    double pValue = 1.0;     //!< exact two-sided binomial test on b of b + c
    double chiSquare = 0.0;  //!< (|b - c| - 1)^2 / (b + c), continuity-corrected; 0 when b + c = 0
};

//! Pairs where either side is NaN are skipped; the spans must have the same length.
McNemarResult mcnemarTest(std::span<const double> first, std::span<const double> second);

} // namespace shiftscope
