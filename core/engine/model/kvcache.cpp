#include "engine/model/kvcache.h"

#include <ATen/ATen.h>

namespace shiftscope {

void KvCache::store(int layer, at::Tensor keys, at::Tensor values)
{
    const auto index = std::size_t(layer);
    if (m_keys.size() <= index) {
        m_keys.resize(index + 1);
        m_values.resize(index + 1);
    }
    m_keys[index] = std::move(keys);
    m_values[index] = std::move(values);
}

void KvCache::setMask(at::Tensor keyMask, at::Tensor nextPositions)
{
    m_keyMask = std::move(keyMask);
    m_nextPositions = std::move(nextPositions);
}

KvCache KvCache::selectRows(const at::Tensor &rows) const
{
    KvCache out;
    if (empty())
        return out;
    const at::Tensor index = rows.to(m_keyMask.device(), at::kLong);
    // One prompt for every row: a broadcast view, no copy (the next forward call copies once when it appends).
    const bool broadcast = batch() == 1;
    auto pick = [&](const at::Tensor &t) {
        if (!broadcast)
            return t.index_select(0, index);
        auto sizes = t.sizes().vec();
        sizes[0] = index.size(0);
        return t.expand(sizes);
    };
    for (std::size_t i = 0; i < m_keys.size(); ++i)
        out.store(int(i), pick(m_keys[i]), pick(m_values[i]));
    out.setMask(pick(m_keyMask), pick(m_nextPositions));
    return out;
}

} // namespace shiftscope
