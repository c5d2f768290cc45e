#include "engine/scoring/prefixsharing.h"

#include "engine/model/causallm.h"
#include "engine/model/kvcache.h"

#include <ATen/ATen.h>
#include <algorithm>
#include <numeric>

namespace shiftscope {

PaddedBatch padRows(const std::vector<std::vector<const std::vector<int> *>> &rows, std::int64_t length, bool left,
                    int padId, at::Device device)
{
    const auto n = std::int64_t(rows.size());
    std::vector<std::int64_t> ids(std::size_t(n * length), padId), mask(ids.size(), 0);
    for (std::int64_t r = 0; r < n; ++r) {
        std::int64_t size = 0;
        for (const auto *part : rows[std::size_t(r)])
            size += std::int64_t(part->size());
        std::int64_t at = r * length + (left ? length - size : 0);
        for (const auto *part : rows[std::size_t(r)])
            for (int token : *part) {
                ids[std::size_t(at)] = token;
                mask[std::size_t(at++)] = 1;
            }
    }
    const auto longs = at::TensorOptions().dtype(at::kLong);
    return {at::from_blob(ids.data(), {n, length}, longs).to(device, at::kLong, false, true),
            at::from_blob(mask.data(), {n, length}, longs).to(device, at::kLong, false, true)};
}

std::vector<std::vector<std::size_t>> promptChunks(const std::vector<TokenizedExample> &examples,
                                                   std::int64_t batchTokens)
{
    std::vector<std::size_t> order(examples.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return examples[a].prompt.size() < examples[b].prompt.size();
    });
    std::vector<std::vector<std::size_t>> chunks;
    for (std::size_t i = 0; i < order.size();) {
        std::vector<std::size_t> chunk{order[i++]};
        while (i < order.size()
               && std::int64_t(chunk.size() + 1) * std::int64_t(examples[order[i]].prompt.size()) <= batchTokens)
            chunk.push_back(order[i++]);
        chunks.push_back(std::move(chunk));
    }
    return chunks;
}

PromptPass runPrompts(const CausalLM &model, const std::vector<TokenizedExample> &examples,
                      const std::vector<std::size_t> &chunk, int padId, KvCache &cache)
{
    PromptPass pass;
    for (std::size_t e : chunk)
        pass.length = std::max(pass.length, std::int64_t(examples[e].prompt.size()));
    if (pass.length == 0)
        return pass;
    std::vector<std::vector<const std::vector<int> *>> rows;
    for (std::size_t e : chunk)
        rows.push_back({&examples[e].prompt});
    const PaddedBatch prompts = padRows(rows, pass.length, true, padId, model.device());
    ForwardRequest request;
    request.inputIds = prompts.ids;
    request.attentionMask = prompts.mask;
    request.logitsFrom = pass.length - 1;
    pass.lastLogits = model.forward(request, &cache).logits.select(1, 0); // (chunk, outputs)
    return pass;
}

} // namespace shiftscope
