#pragma once

#include "engine/scoring/responsescorer.h"

#include <ATen/core/Tensor.h>

#include <vector>

// What the prefix-shared scorers (ResponseScorer, RewardScorer) share: padded batches, examples grouped by prompt
// length, and each group's prompts run once into a key/value cache.
namespace shiftscope {

class KvCache;

//! Token rows padded to one length, on the model's device.
struct PaddedBatch {
    at::Tensor ids;  //!< (rows, length) int64
    at::Tensor mask; //!< (rows, length) int64, 1 for real tokens
};

//! Pads each row (the concatenation of its parts) to `length` with `padId`: on the left, so every row's last token
//! is real, or on the right, so every row starts where its cache ends.
PaddedBatch padRows(const std::vector<std::vector<const std::vector<int> *>> &rows, std::int64_t length, bool left,
                    int padId, at::Device device);

//! The examples' indices in groups of similar prompt length (sorted by it), each group as large as `batchTokens`
//! allows for its longest prompt.
std::vector<std::vector<std::size_t>> promptChunks(const std::vector<TokenizedExample> &examples,
                                                   std::int64_t batchTokens);

//! The prompts of a chunk run once, left-padded, their keys and values kept in `cache`.
struct PromptPass {
    std::int64_t length = 0; //!< the longest prompt; 0 when every prompt is empty (nothing ran, the cache is empty)
    at::Tensor lastLogits;   //!< (chunk, outputs): the head's output at each prompt's last token; undefined for 0
};
PromptPass runPrompts(const CausalLM &model, const std::vector<TokenizedExample> &examples,
                      const std::vector<std::size_t> &chunk, int padId, KvCache &cache);

} // namespace shiftscope
