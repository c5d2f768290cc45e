#pragma once

#include <ATen/core/Tensor.h>

#include <vector>

namespace shiftscope {

//! Keys and values of tokens a model has already seen, per layer, so later tokens can continue them without
//! running them again. Keys are stored after their rotary embedding. Row b of the cache belongs to row b of the
//! next forward call's batch.
class KvCache {
public:
    bool empty() const { return !m_keyMask.defined(); }
    std::int64_t batch() const { return empty() ? 0 : m_keyMask.size(0); }
    //! Cached positions, padding included.
    std::int64_t length() const { return empty() ? 0 : m_keyMask.size(1); }

    const at::Tensor &keyMask() const { return m_keyMask; }             // (batch, length) bool: real tokens
    const at::Tensor &nextPositions() const { return m_nextPositions; } // (batch) int64: real tokens so far
    const at::Tensor &keys(int layer) const
    {
        return m_keys.at(std::size_t(layer));
    } // (batch, kv_heads, length, head_dim)
    const at::Tensor &values(int layer) const
    {
        return m_values.at(std::size_t(layer));
    } // (batch, kv_heads, length, head_dim)

    void store(int layer, at::Tensor keys, at::Tensor values);
    void setMask(at::Tensor keyMask, at::Tensor nextPositions);

    //! A cache whose row i continues row rows[i] of this one: several responses reuse one prompt's keys and values.
    KvCache selectRows(const at::Tensor &rows) const;

private:
    std::vector<at::Tensor> m_keys;
    std::vector<at::Tensor> m_values;
    at::Tensor m_keyMask;
    at::Tensor m_nextPositions;
};

} // namespace shiftscope
