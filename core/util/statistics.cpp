#include "util/statistics.h"

#include <algorithm>
#include <cmath>

namespace shiftscope {

Interval wilsonInterval(double proportion, int trials, double z)
{
    if (trials <= 0)
        return {};
    const double n = trials;
    const double p = std::clamp(proportion, 0.0, 1.0);
    const double z2 = z * z;
    const double denominator = 1.0 + z2 / n;
    const double centre = (p + z2 / (2.0 * n)) / denominator;
    const double half = z / denominator * std::sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n));
    // At 0 and 1 the bound on that side is exactly 0 or 1; computed, it can miss by a rounding error, which would
    // leave the proportion itself outside its own interval.
    return {p == 0.0 ? 0.0 : std::max(0.0, centre - half), p == 1.0 ? 1.0 : std::min(1.0, centre + half)};
}

} // namespace shiftscope
