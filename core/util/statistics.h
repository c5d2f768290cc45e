#pragma once

namespace shiftscope {

//! A two-sided confidence interval for a proportion.
struct Interval {
    double low = 0.0;
    double high = 1.0;

    bool contains(double value) const { return value >= low && value <= high; }
};

//! Wilson score interval for a proportion observed over `trials` (95% for the default z). It stays inside [0, 1]
//! and behaves at 0% and 100%, unlike the normal approximation. [0, 1] when there are no trials.
Interval wilsonInterval(double proportion, int trials, double z = 1.959963984540054);

} // namespace shiftscope
