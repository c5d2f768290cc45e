#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace shiftscope {

enum class Split { Train, Test };

std::string_view splitName(Split split);
std::optional<Split> splitFromName(std::string_view name);

//! One response of an example. Label 1 marks the single preferred response, 0 a dispreferred one.
struct Response {
    std::string text;
    int label = 0;
};

//! One example of a distribution split, as in a GENIES `train.json`/`test.json` entry.
struct Example {
    int position = 0; //!< index in the file, 0-based
    std::string prompt;
    std::vector<Response> responses; //!< in JSON key order, which fixes the pair order
    std::string extraJson;           //!< fields other than prompt/responses, kept verbatim as a JSON object (or empty)

    //! Hash of prompt and responses (text, label and order); annotations are matched through it.
    std::string contentHash() const;
    //! Index of the preferred response in `responses`, or -1.
    int preferredIndex() const;
    //! Number of GENIES pairs this example yields (one per dispreferred response).
    int pairCount() const;
};

//! A (prompt, preferred, dispreferred) pair in GENIES "all pairs" order (reference 1.3).
struct PairRef {
    int examplePosition = 0;
    int preferredIndex = 0;    //!< index into Example::responses
    int dispreferredIndex = 0; //!< index into Example::responses
};

//! All pairs of a split in GENIES order: file order of examples, then JSON key order of dispreferred responses.
std::vector<PairRef> pairsInOrder(const std::vector<Example> &examples);

//! A source -> target shift with its metadata, as listed in a shift catalogue.
struct ShiftPair {
    std::string source;
    std::string target;
    std::string targetReference;    //!< empty when the spec omits it (then the target is its own reference)
    std::string category;           //!< snake_case, e.g. "unwanted_personas"; may be empty for user files
    std::string group;              //!< "extreme", "probing" or empty
    int geniesRank = 0;             //!< 1..15 for the GENIES benchmark pairs in published order, else 0
    int row = 0;                    //!< row in the catalogue's source file (0-based), duplicates included
    std::optional<int> duplicateOf; //!< row of the first occurrence when this row repeats a pair

    const std::string &effectiveReference() const { return targetReference.empty() ? target : targetReference; }
    bool isGenies() const { return geniesRank > 0; }
};

} // namespace shiftscope
