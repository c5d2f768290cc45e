#include "engine/interventions/logisticregression.h"

#include <ATen/ATen.h>
#include <cmath>

namespace shiftscope {

at::Tensor LogisticModel::logits(const at::Tensor &x) const { return at::mv(x.to(at::kDouble), weights) + bias; }

at::Tensor LogisticModel::probabilities(const at::Tensor &x) const { return at::sigmoid(logits(x)); }

namespace {

//! The objective at augmented weights `theta` (features + 1, bias last).
double objective(const at::Tensor &xa, const at::Tensor &y, const at::Tensor &theta, double l2)
{
    const at::Tensor z = at::mv(xa, theta);
    // log(1 + e^z) - y z, computed stably
    const double loss = (at::softplus(z) - y * z).sum().item<double>();
    const at::Tensor w = theta.narrow(0, 0, theta.size(0) - 1);
    return loss + 0.5 * l2 * w.dot(w).item<double>();
}

} // namespace

LogisticModel fitLogistic(const at::Tensor &x, const at::Tensor &y, double l2, int maxIterations)
{
    const at::Tensor xd = x.to(at::kDouble);
    const at::Tensor yd = y.to(at::kDouble);
    const std::int64_t n = xd.size(0), d = xd.size(1);
    const at::Tensor xa = at::cat({xd, at::ones({n, 1}, xd.options())}, 1); // (n, d + 1)
    at::Tensor penalty = at::full({d + 1}, l2, xd.options());
    penalty[d] = 0.0;
    at::Tensor theta = at::zeros({d + 1}, xd.options());
    double current = objective(xa, yd, theta, l2);
    for (int iteration = 0; iteration < maxIterations; ++iteration) {
        const at::Tensor p = at::sigmoid(at::mv(xa, theta));
        const at::Tensor gradient = at::mv(xa.t(), p - yd) + penalty * theta;
        if (gradient.abs().max().item<double>() < 1e-9 * std::max<double>(1.0, double(n)))
            break;
        const at::Tensor curvature = (p * (1 - p)).clamp_min(1e-12);
        // A tiny ridge keeps the Hessian invertible when l2 is 0 or the features are collinear.
        const at::Tensor hessian = at::mm(xa.t() * curvature, xa) + at::diag(penalty + 1e-10);
        const at::Tensor step = at::linalg_solve(hessian, gradient);
        // Backtracking: Newton steps overshoot on nearly separable data.
        double scale = 1.0, next = 0;
        at::Tensor candidate;
        for (int halving = 0; halving < 30; ++halving, scale *= 0.5) {
            candidate = theta - scale * step;
            next = objective(xa, yd, candidate, l2);
            if (std::isfinite(next) && next <= current)
                break;
        }
        if (!(next <= current))
            break;
        const bool converged = current - next < 1e-12 * std::max(1.0, std::fabs(current));
        theta = candidate;
        current = next;
        if (converged)
            break;
    }
    return {theta.narrow(0, 0, d).clone(), theta[d].item<double>()};
}

} // namespace shiftscope
