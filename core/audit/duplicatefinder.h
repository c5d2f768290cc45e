#pragma once

#include "audit/auditreport.h"
#include "data/types.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace shiftscope {

struct DuplicateOptions {
    int shingleWords = 3;   //!< tokens per shingle; 3 keeps one changed word from hiding a short near duplicate
    double threshold = 0.8; //!< Jaccard similarity of shingle sets from which two examples are near duplicates
    int bands = 16;         //!< LSH bands; bands x rows is the signature length
    //! Signature values per band; with 16 bands of 4, a pair at Jaccard 0.8 is missed 0.02% of the time.
    int rows = 4;
    //! Shingles found in at least this share of a distribution's examples are its template ("Below is an
    //! instruction...") and are left out of near-duplicate comparison; 0 keeps them.
    double templateShare = 0.5;
};

//! What the duplicate checks keep of one split: hashes and LSH band keys, not the texts.
class TokenizedSplit;

struct SplitFingerprints {
    std::string distribution;
    Split split = Split::Test;
    std::vector<int> positions;
    std::vector<std::uint64_t> exampleHashes; //!< the prompt and the set of responses
    std::vector<std::uint64_t> promptHashes;
    std::vector<std::uint64_t> preferredHashes;
    std::vector<std::uint64_t> bandKeys; //!< (examples, bands): hashes of each band of the MinHash signature
    std::shared_ptr<const std::vector<std::uint64_t>> templateShingles; //!< sorted; left out when shingling

    std::size_t size() const { return positions.size(); }
};

//! Examples with the same words and punctuation, whatever the whitespace and ASCII case (or that share a prompt,
//! for samePrompt).
struct DuplicateGroup {
    std::vector<ExampleRef> members; //!< in input order
    bool conflictingLabels = false;  //!< identical prompt and responses, but a different preferred response
};

struct NearDuplicate {
    ExampleRef first;
    ExampleRef second;
    double jaccard = 0.0;
};

struct DuplicateResult {
    std::vector<DuplicateGroup> exact;      //!< same prompt and same set of responses
    std::vector<DuplicateGroup> samePrompt; //!< same prompt, different responses
    std::vector<NearDuplicate> near;        //!< verified Jaccard >= threshold, excluding exact duplicates
};

//! Exact duplicates by hashing normalised text, near duplicates by word shingles, MinHash and LSH banding, so
//! only candidate pairs that share a band are compared, never all pairs.
class DuplicateFinder {
public:
    //! The text of an example named by a fingerprint, to verify a near-duplicate candidate; null when gone.
    using ExampleLookup = std::function<const Example *(const ExampleRef &)>;

    explicit DuplicateFinder(DuplicateOptions options = {});
    const DuplicateOptions &options() const { return m_options; }

    //! Shingles in at least `templateShare` of (an even sample of) these examples, sorted. Empty for fewer than
    //! eight examples, where a share says little.
    std::vector<std::uint64_t> templateShingles(const std::vector<const TokenizedSplit *> &splits) const;

    //! Exact-duplicate hashes (same words and punctuation, whatever the whitespace and ASCII case) and MinHash
    //! signatures of a split; `tokens` are the split's, from TokenizedSplit.
    SplitFingerprints fingerprint(const std::string &distribution, Split split, const std::vector<Example> &examples,
                                  const TokenizedSplit &tokens,
                                  std::shared_ptr<const std::vector<std::uint64_t>> templateShingles) const;
    //! The same, tokenizing the split first.
    SplitFingerprints fingerprint(const std::string &distribution, Split split, const std::vector<Example> &examples,
                                  std::shared_ptr<const std::vector<std::uint64_t>> templateShingles) const;

    //! Duplicates among the examples of `first` when `second` is empty; otherwise only those that join an example
    //! of `first` to one of `second` (train and test, or a shift's source and target).
    DuplicateResult find(const std::vector<const SplitFingerprints *> &first,
                         const std::vector<const SplitFingerprints *> &second, const ExampleLookup &lookup) const;

    //! Sorted shingle hashes of an example (prompt and every response), template shingles left out unless that
    //! would leave nothing.
    std::vector<std::uint64_t> shingles(const Example &example,
                                        const std::vector<std::uint64_t> &templateShingles) const;

private:
    DuplicateOptions m_options;
};

} // namespace shiftscope
