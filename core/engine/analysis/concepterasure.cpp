#include "engine/analysis/concepterasure.h"

#include <ATen/ATen.h>
#include <algorithm>
#include <cmath>

namespace shiftscope {

ShrunkCovariance ledoitWolfCovariance(const at::Tensor &rows)
{
    const at::Tensor x = rows.to(at::kDouble);
    const std::int64_t n = x.size(0), d = x.size(1);
    ShrunkCovariance out;
    out.mean = x.mean(0);
    const at::Tensor centred = x - out.mean;
    const at::Tensor sample = centred.t().mm(centred) / double(n); // (d, d)
    const double mu = sample.trace().item<double>() / double(d);
    const at::Tensor identity = at::eye(d, at::TensorOptions().dtype(at::kDouble));
    const double delta = (sample - identity * mu).pow(2).sum().item<double>() / double(d);
    const double fourth = centred.pow(2).sum(1).pow(2).sum().item<double>(); // sum of |x_k|^4
    const double beta = std::min(delta, (fourth - double(n) * sample.pow(2).sum().item<double>())
                                            / (double(n) * double(n) * double(d)));
    out.shrinkage = delta > 0 ? std::max(0.0, beta) / delta : 1.0;
    out.covariance = sample * (1 - out.shrinkage) + identity * (out.shrinkage * std::max(mu, 1e-12));
    return out;
}

ConceptEraser ConceptEraser::fit(const at::Tensor &rows, const at::Tensor &values)
{
    ConceptEraser eraser;
    const at::Tensor x = rows.to(at::kDouble), z = values.to(at::kDouble);
    const double n = double(x.size(0));
    if (x.size(0) < 2 || (z - z.mean()).abs().max().item<double>() == 0)
        return eraser;
    const ShrunkCovariance c = ledoitWolfCovariance(x);
    eraser.m_mean = c.mean;
    eraser.m_covariance = (x - c.mean).t().mv(z - z.mean()) / n; // σ
    const at::Tensor u = at::linalg_solve(c.covariance, eraser.m_covariance.unsqueeze(1)).squeeze(1);
    const double norm = eraser.m_covariance.dot(u).item<double>();
    if (!(norm > 0) || !std::isfinite(norm))
        return eraser;
    eraser.m_whitened = u / norm;
    eraser.m_valid = true;
    return eraser;
}

at::Tensor ConceptEraser::apply(const at::Tensor &rows) const
{
    const at::Tensor x = rows.to(at::kDouble);
    if (!m_valid)
        return x;
    const at::Tensor amount = at::matmul(x - m_mean, m_whitened); // (...)
    return x - amount.unsqueeze(-1) * m_covariance;               // (..., d)
}

} // namespace shiftscope
