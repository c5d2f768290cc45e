#pragma once

#include <ATen/core/Tensor.h>

#include <string>

// Building blocks the architecture files share. Shapes: B batch, T new tokens, S cached + new tokens,
// h heads, d head dimension.
namespace shiftscope {

at::Tensor layerNorm(const at::Tensor &x, const at::Tensor &weight, const at::Tensor &bias, double eps);
//! x / rms(x) * weight, computed in float32 whatever the compute dtype (as LLaMA does).
at::Tensor rmsNorm(const at::Tensor &x, const at::Tensor &weight, double eps);
//! "gelu" (erf), "gelu_new" (tanh approximation), "silu" or "relu", as ModelConfig::activation names them.
at::Tensor activate(const at::Tensor &x, const std::string &activation);

//! Cosines and sines of the rotary embedding for each token's position.
struct RotaryTables {
    at::Tensor cos; // (B, 1, T, rotary_dims)
    at::Tensor sin; // (B, 1, T, rotary_dims)
    std::int64_t dims() const { return cos.size(-1); }
};

//! Tables for `positions` (B, T): frequency i of `dims` is theta^(-2i/dims), computed in float32 as the
//! reference implementations do.
RotaryTables rotaryTables(const at::Tensor &positions, int dims, double theta, at::ScalarType dtype);
//! Rotates the first tables.dims() dimensions of x (B, h, T, d) in the "rotate half" layout of GPT-NeoX and
//! Hugging Face LLaMA; the other d - dims dimensions pass unchanged.
at::Tensor applyRotary(const at::Tensor &x, const RotaryTables &tables);

//! Scaled dot-product attention with grouped-query support: q (B, h, T, d), keys and values (B, kv_heads, S, d)
//! with h a multiple of kv_heads, bias (B, 1, T, S) added to the scores. Returns the per-head outputs before the
//! output projection, (B, T, h, d).
at::Tensor attend(const at::Tensor &q, const at::Tensor &keys, const at::Tensor &values, const at::Tensor &bias,
                  double scale);

} // namespace shiftscope
