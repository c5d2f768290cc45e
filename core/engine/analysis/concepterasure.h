#pragma once

#include <ATen/core/Tensor.h>

namespace shiftscope {

//! A covariance estimate that can be inverted with fewer samples than dimensions.
struct ShrunkCovariance {
    at::Tensor mean;       //!< (d)
    at::Tensor covariance; //!< (d, d), the sample covariance shrunk towards a scaled identity
    double shrinkage = 0;  //!< the Ledoit–Wolf weight of the identity
};

//! The Ledoit–Wolf estimate of the covariance of the rows of `x` (n, d), in double precision.
ShrunkCovariance ledoitWolfCovariance(const at::Tensor &x);

//! Least-squares concept erasure of a scalar concept (LEACE, Belrose et al. 2023): the affine map
//! r(x) = x − σ · uᵀ(x − μ) / (σᵀu), σ = Cov(x, z), u = Σ⁻¹σ, which leaves no linear covariance between r(x) and
//! the concept z on the data it was fitted on (Cov(r(x), z) = σ − σ (uᵀσ)/(σᵀu) = 0) while moving x as little as
//! possible in the metric of Σ. Σ is the Ledoit–Wolf estimate, so activations with more dimensions than samples
//! can be erased.
class ConceptEraser {
public:
    //! Fits the eraser on rows `x` (n, d) with concept values `z` (n). Not valid() when z does not vary or does not
    //! covary with x: there is nothing linear to erase.
    static ConceptEraser fit(const at::Tensor &x, const at::Tensor &z);

    bool valid() const { return m_valid; }
    //! The erased rows of `x` (..., d), in double precision.
    at::Tensor apply(const at::Tensor &x) const;

private:
    bool m_valid = false;
    at::Tensor m_mean;       // (d)
    at::Tensor m_covariance; // σ, (d)
    at::Tensor m_whitened;   // u / (σᵀu), (d)
};

} // namespace shiftscope
