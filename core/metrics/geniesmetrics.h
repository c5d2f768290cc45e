#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace shiftscope {

//! The metrics GENIES' compute_metrics derives from the probabilities of the preferred responses (reference 3.1).
struct GeniesMetrics {
    double accuracy = 0;            //!< mean(p >= 0.5): ties count as correct, as argmax-first does with label 0
    double brierScore = 0;          //!< mean((1 - p)^2), one-sided
    double averageProbability = 0;  //!< mean(p)
    double rmsCalibrationError = 0; //!< GENIES' recipe, bit for bit (NaN when no bin qualifies)
};

//! Computes all four from `p` (must not be empty).
GeniesMetrics computeGeniesMetrics(std::span<const double> p);

//! GENIES' RMS calibration error exactly as published: labels from Python's random.seed(42), q symmetrised by
//! them, five bins from numpy's linspace edges, q == 1.0 dropped, bins under 20 items skipped, and the squared gap
//! taken against the mean of ALL random labels rather than the bin's own. NaN when no bin has 20 items.
double geniesRmsCalibrationError(std::span<const double> p);

//! One bin of a reliability diagram.
struct ReliabilityBin {
    double lower = 0;
    double upper = 0;
    int count = 0;
    double meanConfidence = 0; //!< mean predicted probability in the bin
    double observedRate = 0;   //!< share of positives in the bin
};

//! Corrected calibration error: RMS over bins of (bin label mean - bin confidence mean), weighted by bin size,
//! with the same symmetrising random labels so it is comparable with the GENIES figure. NaN for empty input.
double correctedRmsCalibrationError(std::span<const double> p, int bins = 10);
//! Reliability diagram data of the symmetrised predictions (see correctedRmsCalibrationError).
std::vector<ReliabilityBin> reliabilityDiagram(std::span<const double> p, int bins = 10);

//! True when every probability is exactly 0 or 1 (thresholded predictions; calibration figures mean nothing).
bool isHardProbabilities(std::span<const double> p);

//! Differential elicitation: (generalization - baseline) / target-tuned capability.
std::optional<double> differentialElicitation(std::optional<double> generalization, std::optional<double> baseline,
                                              std::optional<double> capability);

} // namespace shiftscope
