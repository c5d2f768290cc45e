#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace shiftscope::test {

//! A character-level tokenizer.json: "<unk>" 0, "<s>" 1, "</s>" 2, then printable ASCII and newline.
inline std::string charTokenizerJson()
{
    nlohmann::ordered_json vocab = {{"<unk>", 0}, {"<s>", 1}, {"</s>", 2}, {"\n", 3}};
    for (char ch = ' '; ch <= '~'; ++ch)
        vocab[std::string(1, ch)] = int(vocab.size());
    return nlohmann::ordered_json{
        {"version", "1.0"},
        {"added_tokens", {{{"id", 2}, {"content", "</s>"}, {"special", true}}}},
        {"normalizer", nullptr},
        {"pre_tokenizer", nullptr},
        {"post_processor", nullptr},
        {"decoder", {{"type", "Fuse"}}},
        {"model",
         {{"type", "BPE"}, {"unk_token", "<unk>"}, {"vocab", vocab}, {"merges", nlohmann::ordered_json::array()}}}}
        .dump();
}

} // namespace shiftscope::test
