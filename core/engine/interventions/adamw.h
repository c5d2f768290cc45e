#pragma once

#include "engine/model/tensorfile.h"

namespace shiftscope {

//! AdamW (decoupled weight decay; betas 0.9 and 0.999, epsilon 1e-8, as torch.optim.AdamW) over tensors that
//! require gradients, with gradient-norm clipping.
class AdamW {
public:
    AdamW(NamedTensors parameters, double learningRate, double weightDecay);

    void zeroGrad();
    //! Scales all gradients together so their global L2 norm is at most `maxNorm`; returns the norm before.
    double clipGradNorm(double maxNorm);
    void step();
    void setLearningRate(double learningRate) { m_learningRate = learningRate; }

private:
    NamedTensors m_parameters;
    std::vector<at::Tensor> m_first;
    std::vector<at::Tensor> m_second;
    double m_learningRate;
    double m_weightDecay;
    int m_step = 0;
};

} // namespace shiftscope
