#pragma once

#include <ATen/core/Tensor.h>

namespace shiftscope {

//! A fitted binary logistic model σ(w·x + b).
struct LogisticModel {
    at::Tensor weights; // (features) float64
    double bias = 0;

    //! Probabilities of label 1 for rows x (n, features).
    at::Tensor probabilities(const at::Tensor &x) const;
    //! Logits w·x + b of rows x (n, features), float64.
    at::Tensor logits(const at::Tensor &x) const;
};

//! Fits L2-regularised logistic regression by Newton's method: minimises
//! Σ log-loss + (l2 / 2)·‖w‖², the bias unpenalised, which is scikit-learn's LogisticRegression with C = 1 / l2
//! (its default C = 1 is l2 = 1). Converges to the same optimum as its lbfgs solver. x is (n, features), y (n) in
//! {0, 1}. l2 may be 0 (Platt scaling); a separable problem then stops at `maxIterations` with a steep model.
LogisticModel fitLogistic(const at::Tensor &x, const at::Tensor &y, double l2, int maxIterations = 100);

} // namespace shiftscope
