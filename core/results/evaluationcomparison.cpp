#include "results/evaluationcomparison.h"

#include <algorithm>
#include <random>
#include <vector>

namespace shiftscope {

namespace {

double accuracyOf(const std::vector<double> &p)
{
    if (p.empty())
        return 0;
    return double(std::count_if(p.begin(), p.end(), [](double v) { return v >= 0.5; })) / double(p.size());
}

} // namespace

Interval pairedDifferenceInterval(std::span<const double> a, std::span<const double> b, int resamples,
                                  std::uint64_t seed)
{
    const std::size_t n = std::min(a.size(), b.size());
    if (n == 0)
        return {0, 0};
    std::mt19937_64 generator(seed);
    std::uniform_int_distribution<std::size_t> pick(0, n - 1);
    std::vector<double> differences;
    differences.reserve(std::size_t(resamples));
    for (int r = 0; r < resamples; ++r) {
        int sum = 0;
        for (std::size_t k = 0; k < n; ++k) {
            const std::size_t i = pick(generator);
            sum += (a[i] >= 0.5 ? 1 : 0) - (b[i] >= 0.5 ? 1 : 0);
        }
        differences.push_back(double(sum) / double(n));
    }
    std::sort(differences.begin(), differences.end());
    auto at = [&](double q) {
        return differences[std::min(differences.size() - 1, std::size_t(q * double(resamples)))];
    };
    return {at(0.025), at(0.975)};
}

std::optional<EvaluationComparison> compareEvaluations(Workspace &workspace, const EvaluationInfo &first,
                                                       const EvaluationInfo &second)
{
    ResultStore store(workspace);
    const std::vector<double> a = store.probabilities(first.id);
    const std::vector<double> b = store.probabilities(second.id);
    if (a.empty() || b.empty())
        return std::nullopt;
    EvaluationComparison c;
    c.accuracy = accuracyOf(a);
    c.otherAccuracy = accuracyOf(b);
    c.interval = wilsonInterval(c.accuracy, int(a.size()));
    c.reproduces = c.interval.contains(c.otherAccuracy);
    c.difference = c.accuracy - c.otherAccuracy;
    c.paired = first.evalDistribution == second.evalDistribution && a.size() == b.size()
            && store.linkStatus(first).linked && store.linkStatus(second).linked;
    if (c.paired) {
        c.differenceInterval = pairedDifferenceInterval(a, b);
        c.mcnemar = mcnemarTest(a, b);
    }
    return c;
}

} // namespace shiftscope
