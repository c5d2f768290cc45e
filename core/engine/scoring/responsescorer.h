#pragma once

#include "util/progress.h"

#include <cstdint>
#include <functional>
#include <vector>

namespace shiftscope {

class CausalLM;

//! An example tokenized as GENIES pair scorers do (reference 4.0): the prompt without special tokens, each
//! response tokenized on its own with EOS appended; no BOS anywhere.
struct TokenizedExample {
    std::vector<int> prompt;
    std::vector<std::vector<int>> responses; //!< each ends with the EOS id
};

//! A response's log-probability given its prompt.
struct ResponseLogprob {
    double sum = 0; //!< summed log-probabilities of the response tokens and EOS, each given all before it
    int tokens = 0; //!< tokens summed: the whole response, less its first token when the prompt is empty
};

//! Two responses of one example.
struct ResponsePair {
    std::size_t example = 0; //!< index into the examples
    int preferred = 0;       //!< index into that example's responses
    int dispreferred = 0;
};

enum class PairScoring {
    //! GENIES zero-shot (reference 4.1): softmax of each response's summed log-probability divided by the
    //! pair's padded length minus one, L = |prompt| + max |response|.
    GeniesZeroShot,
    //! Softmax of each response's mean log-probability per token.
    MeanLogprob,
};

struct ScorerOptions {
    PairScoring scoring = PairScoring::GeniesZeroShot;
    std::int64_t batchTokens = 1024; //!< tokens per forward batch, padding included (bounds memory)
    int padId = 0;                   //!< filler for padding; it is masked out, so any valid id does
};

//! Scores responses with a causal LM. The prefix-shared path runs each prompt once, keeps its keys and values,
//! and continues them with every response of the example, longest first, in batches of similar length; each
//! response is scored once, whatever the number of pairs it is in. The naive path runs each pair's two
//! sequences in full as the GENIES code does; it is the reference the shared path must equal (within 1e-5).
class ResponseScorer {
public:
    explicit ResponseScorer(const CausalLM &model, ScorerOptions options = {});

    //! Log-probability of every response of every example. Progress counts examples.
    std::vector<std::vector<ResponseLogprob>> scoreResponses(const std::vector<TokenizedExample> &examples,
                                                             const ProgressCallback &progress = {}) const;
    //! P(preferred) of each pair through scoreResponses(). Progress counts pairs.
    std::vector<double> scorePairs(const std::vector<TokenizedExample> &examples,
                                   const std::vector<ResponsePair> &pairs, const ProgressCallback &progress = {}) const;
    //! P(preferred) of each pair, each pair's two sequences left-padded to the same length and run in full.
    std::vector<double> scorePairsNaive(const std::vector<TokenizedExample> &examples,
                                        const std::vector<ResponsePair> &pairs,
                                        const ProgressCallback &progress = {}) const;

    //! P(preferred) from the two responses' log-probabilities.
    static double pairProbability(const TokenizedExample &example, const std::vector<ResponseLogprob> &scores,
                                  const ResponsePair &pair, PairScoring scoring);

private:
    //! Scores the examples chunk by chunk, calling `done` with the indices of the examples each chunk finished.
    void scoreChunks(const std::vector<TokenizedExample> &examples, std::vector<std::vector<ResponseLogprob>> &scores,
                     const std::function<void(const std::vector<std::size_t> &)> &done) const;
    void scoreChunk(const std::vector<TokenizedExample> &examples, const std::vector<std::size_t> &chunk,
                    std::vector<std::vector<ResponseLogprob>> &scores) const;

    const CausalLM &m_model;
    ScorerOptions m_options;
};

} // namespace shiftscope
