#include "engine/model/layers.h"

#include <ATen/ATen.h>

namespace shiftscope {

at::Tensor layerNorm(const at::Tensor &x, const at::Tensor &weight, const at::Tensor &bias, double eps)
{
    return at::layer_norm(x, {x.size(-1)}, weight, bias, eps);
}

at::Tensor rmsNorm(const at::Tensor &x, const at::Tensor &weight, double eps)
{
    const at::Tensor x32 = x.to(at::kFloat);
    const at::Tensor normed = x32 * at::rsqrt(x32.pow(2).mean(-1, true) + eps);
    return weight * normed.to(x.scalar_type());
}

at::Tensor activate(const at::Tensor &x, const std::string &activation)
{
    if (activation == "gelu")
        return at::gelu(x);
    if (activation == "gelu_new")
        return at::gelu(x, "tanh");
    if (activation == "silu")
        return at::silu(x);
    if (activation == "relu")
        return at::relu(x);
    throw std::invalid_argument("unknown activation '" + activation + "'");
}

RotaryTables rotaryTables(const at::Tensor &positions, int dims, double theta, at::ScalarType dtype)
{
    const auto f32 = at::TensorOptions().dtype(at::kFloat).device(positions.device());
    const at::Tensor invFreq = at::pow(theta, at::arange(0, dims, 2, f32) / double(dims)).reciprocal(); // (dims / 2)
    const at::Tensor freqs = positions.to(at::kFloat).unsqueeze(-1) * invFreq; // (B, T, dims / 2)
    const at::Tensor angles = at::cat({freqs, freqs}, -1).unsqueeze(1);        // (B, 1, T, dims)
    return {angles.cos().to(dtype), angles.sin().to(dtype)};
}

at::Tensor applyRotary(const at::Tensor &x, const RotaryTables &tables)
{
    const std::int64_t dims = tables.dims();
    if (dims == 0)
        return x;
    const at::Tensor rot = x.narrow(-1, 0, dims); // (B, h, T, dims)
    const at::Tensor halves = at::cat({-rot.narrow(-1, dims / 2, dims / 2), rot.narrow(-1, 0, dims / 2)}, -1);
    const at::Tensor rotated = rot * tables.cos + halves * tables.sin; // (B, h, T, dims)
    if (dims == x.size(-1))
        return rotated;
    return at::cat({rotated, x.narrow(-1, dims, x.size(-1) - dims)}, -1); // (B, h, T, d)
}

at::Tensor attend(const at::Tensor &q, const at::Tensor &keys, const at::Tensor &values, const at::Tensor &bias,
                  double scale)
{
    const std::int64_t B = q.size(0), h = q.size(1), T = q.size(2), d = q.size(3);
    const std::int64_t kvHeads = keys.size(1), S = keys.size(2), group = h / kvHeads;
    // The query heads sharing a key/value head are stacked along the time axis, so one matmul serves the group.
    const at::Tensor grouped = q.reshape({B, kvHeads, group * T, d});                  // (B, kv, g*T, d)
    at::Tensor scores = at::matmul(grouped, keys.transpose(2, 3)).mul_(scale);         // (B, kv, g*T, S)
    scores = scores.view({B, kvHeads, group, T, S}).add_(bias.unsqueeze(2));           // (B, kv, g, T, S)
    const at::Tensor probs = at::softmax(scores, -1, at::kFloat).to(q.scalar_type());  // (B, kv, g, T, S)
    const at::Tensor out = at::matmul(probs.view({B, kvHeads, group * T, S}), values); // (B, kv, g*T, d)
    return out.view({B, h, T, d}).transpose(1, 2);                                     // (B, T, h, d)
}

} // namespace shiftscope
