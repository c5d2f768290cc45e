#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace shiftscope {

//! A Hugging Face tokenizer read from tokenizer.json that gives the ids the tokenizers library gives: byte-level
//! BPE (GPT-2, GPT-NeoX/Pythia) and SentencePiece-style BPE (LLaMA), with added and special tokens, the
//! post-processor's BOS and decoding. Copies share the loaded data; encode and decode may run on several threads.
class Tokenizer {
public:
    //! Reads a tokenizer.json, or a model folder holding one. Throws InputError naming the file, the entry and a fix
    //! for a missing file, bad JSON or a pipeline component it does not implement.
    static Tokenizer load(const std::filesystem::path &fileOrFolder);

    //! Token ids of `text`. Added and special tokens written in the text are recognised either way;
    //! `addSpecialTokens` adds what the post-processor adds (LLaMA's "<s>" in front). Invalid UTF-8 is read as
    //! U+FFFD, as Python would after decoding with errors="replace".
    std::vector<int> encode(std::string_view text, bool addSpecialTokens = false) const;
    //! Text of token ids; ids the tokenizer does not know are skipped.
    std::string decode(const std::vector<int> &ids, bool skipSpecialTokens = false) const;

    //! Number of ids: the highest id + 1, added tokens included.
    int vocabSize() const;
    std::optional<int> tokenId(std::string_view token) const;
    //! The vocabulary entry of an id as stored ("Ġworld", "▁the", "<0x0A>"), for display.
    std::optional<std::string> tokenPiece(int id) const;
    bool isSpecial(int id) const;
    std::optional<int> bosId() const;
    std::optional<int> eosId() const;
    //! The tokenizer.json that was read.
    const std::filesystem::path &file() const;

private:
    struct Impl;
    explicit Tokenizer(std::shared_ptr<const Impl> impl) : m_impl(std::move(impl)) {}

    std::shared_ptr<const Impl> m_impl;
};

} // namespace shiftscope
