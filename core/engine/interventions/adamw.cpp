#include "engine/interventions/adamw.h"

#include <ATen/ATen.h>
#include <cmath>

namespace shiftscope {

namespace {

constexpr double kBeta1 = 0.9;
constexpr double kBeta2 = 0.999;
constexpr double kEpsilon = 1e-8;

} // namespace

AdamW::AdamW(NamedTensors parameters, double learningRate, double weightDecay)
    : m_parameters(std::move(parameters)), m_learningRate(learningRate), m_weightDecay(weightDecay)
{
    for (const auto &[name, p] : m_parameters) {
        m_first.push_back(at::zeros_like(p));
        m_second.push_back(at::zeros_like(p));
    }
}

void AdamW::zeroGrad()
{
    for (auto &[name, p] : m_parameters)
        if (p.grad().defined())
            p.mutable_grad().zero_();
}

double AdamW::clipGradNorm(double maxNorm)
{
    at::NoGradGuard noGrad;
    double squares = 0;
    for (const auto &[name, p] : m_parameters)
        if (p.grad().defined())
            squares += p.grad().to(at::kDouble).pow(2).sum().item<double>();
    const double norm = std::sqrt(squares);
    if (norm > maxNorm && norm > 0)
        for (auto &[name, p] : m_parameters)
            if (p.grad().defined())
                p.mutable_grad().mul_(maxNorm / (norm + 1e-6));
    return norm;
}

void AdamW::step()
{
    at::NoGradGuard noGrad;
    ++m_step;
    const double correction1 = 1 - std::pow(kBeta1, m_step);
    const double correction2 = 1 - std::pow(kBeta2, m_step);
    for (std::size_t i = 0; i < m_parameters.size(); ++i) {
        at::Tensor &p = m_parameters[i].second;
        if (!p.grad().defined())
            continue;
        const at::Tensor &g = p.grad();
        p.mul_(1 - m_learningRate * m_weightDecay);
        m_first[i].mul_(kBeta1).add_(g, 1 - kBeta1);
        m_second[i].mul_(kBeta2).addcmul_(g, g, 1 - kBeta2);
        const at::Tensor denominator = (m_second[i] / correction2).sqrt_().add_(kEpsilon);
        p.addcdiv_(m_first[i], denominator, -m_learningRate / correction1);
    }
}

} // namespace shiftscope
