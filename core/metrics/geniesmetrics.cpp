#include "metrics/geniesmetrics.h"

#include "metrics/pythonrandom.h"

#include <array>
#include <cmath>
#include <limits>

namespace shiftscope {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

//! q_k = p_k when the random label is 1, else 1 - p_k.
std::vector<double> symmetrised(std::span<const double> p, const std::vector<int> &labels)
{
    std::vector<double> q(p.size());
    for (std::size_t k = 0; k < p.size(); ++k)
        q[k] = labels[k] == 1 ? p[k] : 1.0 - p[k];
    return q;
}
} // namespace

GeniesMetrics computeGeniesMetrics(std::span<const double> p)
{
    GeniesMetrics m;
    if (p.empty())
        return {kNaN, kNaN, kNaN, kNaN};
    double correct = 0, brier = 0, sum = 0;
    for (double v : p) {
        correct += v >= 0.5 ? 1.0 : 0.0;
        brier += (1.0 - v) * (1.0 - v);
        sum += v;
    }
    const double n = double(p.size());
    m.accuracy = correct / n;
    m.brierScore = brier / n;
    m.averageProbability = sum / n;
    m.rmsCalibrationError = geniesRmsCalibrationError(p);
    return m;
}

double geniesRmsCalibrationError(std::span<const double> p)
{
    if (p.empty())
        return kNaN;
    const auto &labels = PythonRandom::geniesLabels(p.size());
    const std::vector<double> q = symmetrised(p, labels);
    double labelSum = 0;
    for (std::size_t k = 0; k < p.size(); ++k)
        labelSum += labels[k];
    const double labelMean = labelSum / double(p.size());
    // numpy.linspace(0, 1, 6); digitize gives the number of edges <= q.
    const std::array<double, 6> edges = {0.0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0};
    std::array<double, 7> binSum{};
    std::array<int, 7> binCount{};
    for (double v : q) {
        int index = 0;
        while (index < 6 && edges[std::size_t(index)] <= v)
            ++index;
        binSum[std::size_t(index)] += v;
        binCount[std::size_t(index)] += 1;
    }
    double total = 0;
    int kept = 0;
    for (std::size_t b = 1; b <= 5; ++b) {
        if (binCount[b] < 20)
            continue;
        const double gap = labelMean - binSum[b] / binCount[b];
        total += gap * gap;
        ++kept;
    }
    return kept == 0 ? kNaN : std::sqrt(total / kept);
}

std::vector<ReliabilityBin> reliabilityDiagram(std::span<const double> p, int bins)
{
    std::vector<ReliabilityBin> out(std::size_t(std::max(bins, 1)));
    for (std::size_t b = 0; b < out.size(); ++b) {
        out[b].lower = double(b) / double(out.size());
        out[b].upper = double(b + 1) / double(out.size());
    }
    if (p.empty())
        return out;
    const auto &labels = PythonRandom::geniesLabels(p.size());
    for (std::size_t k = 0; k < p.size(); ++k) {
        // The symmetrised prediction is the probability given to the random label's side, which is correct
        // exactly when that side is the preferred one (label 1) - so observed outcome = labels[k].
        const double q = labels[k] == 1 ? p[k] : 1.0 - p[k];
        std::size_t b = std::size_t(std::clamp(q, 0.0, 1.0) * double(out.size()));
        b = std::min(b, out.size() - 1);
        out[b].count += 1;
        out[b].meanConfidence += q;
        out[b].observedRate += labels[k];
    }
    for (auto &bin : out)
        if (bin.count > 0) {
            bin.meanConfidence /= bin.count;
            bin.observedRate /= bin.count;
        }
    return out;
}

double correctedRmsCalibrationError(std::span<const double> p, int bins)
{
    if (p.empty())
        return kNaN;
    double total = 0;
    for (const auto &bin : reliabilityDiagram(p, bins)) {
        const double gap = bin.observedRate - bin.meanConfidence;
        total += bin.count * gap * gap;
    }
    return std::sqrt(total / double(p.size()));
}

bool isHardProbabilities(std::span<const double> p)
{
    if (p.empty())
        return false;
    for (double v : p)
        if (v != 0.0 && v != 1.0)
            return false;
    return true;
}

std::optional<double> differentialElicitation(std::optional<double> generalization, std::optional<double> baseline,
                                              std::optional<double> capability)
{
    if (!generalization || !baseline || !capability || *capability == 0.0 || std::isnan(*generalization)
        || std::isnan(*baseline) || std::isnan(*capability))
        return std::nullopt;
    return (*generalization - *baseline) / *capability;
}

} // namespace shiftscope
