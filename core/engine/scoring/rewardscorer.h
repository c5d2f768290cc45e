#pragma once

#include "engine/scoring/responsescorer.h"

#include <string>

namespace shiftscope {

class Tokenizer;

struct RewardScorerOptions {
    std::int64_t batchTokens = 2048; //!< tokens per forward batch, padding included (bounds memory)
    int padId = 0;                   //!< filler for padding; it is masked out, so any valid id does
    int label = 0;                   //!< which of the head's outputs is the reward
};

//! Scores responses with a sequence-classification model (a reward model): r(prompt + response) is the head's
//! output `label` at the sequence's last token that is not the model's pad_token_id (transformers' rule). The shared path runs each prompt once and continues its keys and
//! values with every response, as ResponseScorer does; the naive path runs every sequence in full, left-padded. A
//! pair's P(preferred) is σ(r_preferred − r_dispreferred).
class RewardScorer {
public:
    //! A reward model's input: the prompt as the tokenizer encodes a text on its own (BOS where the model has one;
    //! no special token when `specialTokens` is false),
    //! each response after it without special tokens, EOS appended when asked; where the prompt and the longest
    //! response exceed `maxLength` tokens the prompt loses its beginning (and a response its beginning past that).
    static TokenizedExample tokenize(const Tokenizer &tokenizer, int eos, const std::string &prompt,
                                     const std::vector<std::string> &responses, bool appendEos, std::size_t maxLength,
                                     bool specialTokens = true);

    //! Throws InputError when the model has no sequence-classification head or `label` is not one of its outputs.
    explicit RewardScorer(const CausalLM &model, RewardScorerOptions options = {});

    //! The reward of every response of every example, prefix-shared. Progress counts examples.
    std::vector<std::vector<double>> scoreResponses(const std::vector<TokenizedExample> &examples,
                                                    const ProgressCallback &progress = {}) const;
    //! The same, each prompt + response run in full and left-padded (the reference the shared path must equal).
    std::vector<std::vector<double>> scoreResponsesNaive(const std::vector<TokenizedExample> &examples) const;
    //! σ(r_preferred − r_dispreferred) for each pair from the rewards of scoreResponses().
    std::vector<double> scorePairs(const std::vector<TokenizedExample> &examples,
                                   const std::vector<ResponsePair> &pairs, const ProgressCallback &progress = {}) const;
    static std::vector<double> pairProbabilities(const std::vector<std::vector<double>> &rewards,
                                                 const std::vector<ResponsePair> &pairs);

    //! Where a response continuing its prompt is read: its last token that is not the model's pad_token_id, or -1
    //! when every token is (then the prompt's last token is), as transformers reads the whole sequence.
    std::int64_t scoredIndex(const std::vector<int> &response) const;

private:
    void scoreChunk(const std::vector<TokenizedExample> &examples, const std::vector<std::size_t> &chunk,
                    std::vector<std::vector<double>> &rewards) const;
    //! The head's reward at position `last` of each row of logits (rows, length, labels): (rows) doubles.
    std::vector<double> rewardsAt(const at::Tensor &logits, const std::vector<std::int64_t> &last) const;

    const CausalLM &m_model;
    RewardScorerOptions m_options;
};

} // namespace shiftscope
