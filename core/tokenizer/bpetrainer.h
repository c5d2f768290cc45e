#pragma once

#include "util/progress.h"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace shiftscope {

//! Learns a byte-level BPE vocabulary (the GPT-2 / GPT-NeoX kind) from text and writes it as a Hugging Face
//! tokenizer.json that Tokenizer::load reads. Words are cut with GPT-2's pre-tokenizer pattern and spelled in the
//! byte-level alphabet; every byte is in the vocabulary, so any text can be encoded. Merges are learned greedily,
//! most frequent adjacent pair first, ties going to the pair that sorts first, so the result depends only on the
//! text and the options.
class BpeTrainer {
public:
    struct Options {
        int vocabSize = 1024; //!< including the special tokens and the 256 bytes
        int minFrequency = 2; //!< pairs seen fewer times are not merged
        std::vector<std::string> specialTokens = {"<|endoftext|>", "<|padding|>"}; //!< ids 0, 1, ...
    };

    explicit BpeTrainer(Options options);

    //! Counts the words of `text` (may be called many times).
    void add(std::string_view text);
    //! Learns the merges; progress counts merges.
    void train(const ProgressCallback &progress = {});
    //! The tokenizer.json text. The first special token is the end-of-text token.
    std::string tokenizerJson() const;
    int vocabSize() const { return int(m_vocab.size()); }

private:
    Options m_options;
    std::map<std::string, std::int64_t> m_wordCounts; // byte-level spelled words
    std::vector<std::string> m_vocab;                 // by id
    std::vector<std::pair<std::string, std::string>> m_merges;
};

} // namespace shiftscope
