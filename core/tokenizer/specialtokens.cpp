#include "tokenizer/specialtokens.h"

#include "tokenizer/jsonplace.h"

#include <nlohmann/json.hpp>

namespace shiftscope {

namespace {

using TokenIdLookup = std::function<std::optional<int>(std::string_view)>;

//! A token named in a config file: "<s>" or {"content": "<s>", ...}.
std::optional<int> namedToken(const nlohmann::json &config, const char *key, const TokenIdLookup &tokenId)
{
    const auto it = config.find(key);
    if (it == config.end())
        return std::nullopt;
    if (it->is_string())
        return tokenId(it->get<std::string>());
    if (it->is_object() && it->contains("content") && (*it)["content"].is_string())
        return tokenId((*it)["content"].get<std::string>());
    return std::nullopt;
}

//! An id in config.json: a number, or a list whose first entry is the main one.
std::optional<int> configId(const nlohmann::json &config, const char *key)
{
    const auto it = config.find(key);
    if (it == config.end())
        return std::nullopt;
    if (it->is_number_integer())
        return it->get<int>();
    if (it->is_array() && !it->empty() && (*it)[0].is_number_integer())
        return (*it)[0].get<int>();
    return std::nullopt;
}

std::optional<int> firstKnown(std::initializer_list<std::string_view> names, const TokenIdLookup &tokenId)
{
    for (auto name : names)
        if (auto id = tokenId(name))
            return id;
    return std::nullopt;
}

} // namespace

SpecialTokenIds findSpecialTokenIds(const std::filesystem::path &folder, const TokenIdLookup &tokenId,
                                    std::optional<int> templateBos)
{
    SpecialTokenIds ids;
    for (const char *name : {"tokenizer_config.json", "special_tokens_map.json", "config.json"}) {
        const auto path = folder / name;
        if (!std::filesystem::is_regular_file(path))
            continue;
        const nlohmann::json config = readJsonFile(path);
        if (!config.is_object())
            continue;
        const bool idsFile = std::string_view(name) == "config.json";
        if (!ids.bos)
            ids.bos = idsFile ? configId(config, "bos_token_id") : namedToken(config, "bos_token", tokenId);
        if (!ids.eos)
            ids.eos = idsFile ? configId(config, "eos_token_id") : namedToken(config, "eos_token", tokenId);
    }
    if (!ids.bos)
        ids.bos = templateBos;
    if (!ids.bos)
        ids.bos = firstKnown({"<s>", "<|begin_of_text|>", "<bos>", "<|endoftext|>"}, tokenId);
    if (!ids.eos)
        ids.eos = firstKnown({"</s>", "<|end_of_text|>", "<|endoftext|>", "<eos>", "<|im_end|>"}, tokenId);
    return ids;
}

} // namespace shiftscope
