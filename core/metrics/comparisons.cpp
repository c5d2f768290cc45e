#include "metrics/comparisons.h"

#include "util/splitmix64.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

namespace shiftscope {

Interval bootstrapAccuracyInterval(std::span<const double> p, int resamples, std::uint64_t seed, double level)
{
    if (p.empty() || resamples <= 0)
        return {};
    std::vector<std::uint8_t> right(p.size());
    for (std::size_t k = 0; k < p.size(); ++k)
        right[k] = p[k] >= 0.5 ? 1 : 0;
    std::vector<double> accuracies(static_cast<std::size_t>(resamples));
    SplitMix64 random(seed);
    for (auto &accuracy : accuracies) {
        std::size_t hits = 0;
        for (std::size_t k = 0; k < p.size(); ++k)
            hits += right[random.next() % p.size()];
        accuracy = double(hits) / double(p.size());
    }
    std::sort(accuracies.begin(), accuracies.end());
    const double tail = (1.0 - level) / 2.0;
    auto at = [&](double q) {
        const auto index = std::size_t(std::clamp(q * double(resamples - 1), 0.0, double(resamples - 1)));
        return accuracies[index];
    };
    return {at(tail), at(1.0 - tail)};
}

McNemarResult mcnemarTest(std::span<const double> first, std::span<const double> second)
{
    if (first.size() != second.size())
        throw std::invalid_argument("McNemar's test needs two evaluations of the same pairs");
    McNemarResult r;
    for (std::size_t k = 0; k < first.size(); ++k) {
        if (std::isnan(first[k]) || std::isnan(second[k]))
            continue;
        const bool a = first[k] >= 0.5, b = second[k] >= 0.5;
        r.onlyFirstRight += a && !b;
        r.onlySecondRight += !a && b;
    }
    const int n = r.onlyFirstRight + r.onlySecondRight;
    if (n == 0)
        return r;
    const double diff = std::fabs(double(r.onlyFirstRight - r.onlySecondRight)) - 1.0;
    r.chiSquare = diff > 0 ? diff * diff / n : 0.0;
    // Exact: P(X <= min(b, c)) doubled, X ~ Binomial(n, 1/2), computed in log space for large n.
    const int k = std::min(r.onlyFirstRight, r.onlySecondRight);
    double tail = 0;
    for (int i = 0; i <= k; ++i)
        tail += std::exp(std::lgamma(n + 1.0) - std::lgamma(i + 1.0) - std::lgamma(n - i + 1.0) - n * std::log(2.0));
    r.pValue = std::min(1.0, 2.0 * tail);
    return r;
}

} // namespace shiftscope
