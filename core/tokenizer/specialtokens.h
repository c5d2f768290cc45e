#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string_view>

namespace shiftscope {

//! Beginning- and end-of-sequence token ids.
struct SpecialTokenIds {
    std::optional<int> bos;
    std::optional<int> eos;
};

//! Finds BOS and EOS the way Hugging Face model folders declare them, first answer wins: tokenizer_config.json,
//! special_tokens_map.json ("bos_token"/"eos_token"), config.json ("bos_token_id"/"eos_token_id") in `folder`;
//! then `templateBos` (the post-processor's leading token); then well-known token names ("<s>", "</s>",
//! "<|endoftext|>", ...) that `tokenId` knows. Malformed side files throw InputError.
SpecialTokenIds findSpecialTokenIds(const std::filesystem::path &folder,
                                    const std::function<std::optional<int>(std::string_view)> &tokenId,
                                    std::optional<int> templateBos);

} // namespace shiftscope
