#pragma once

#include "audit/auditreport.h"
#include "data/types.h"

#include <cstdint>
#include <string>
#include <vector>

namespace shiftscope {

class TokenizedSplit;

struct ShortcutOptions {
    int epochs = 5;
    double learningRate = 0.5; //!< first epoch; divided by sqrt(1 + epoch) after
    double l2 = 1e-4;
    std::uint64_t seed = 1; //!< which pair of each train example, and their order; same seed, same result
    int topCues = 5;        //!< cues listed per label
    int minCuePairs = 2;    //!< pairs (train and test) a cue must separate to be listed
};

//! A word or word pair that marks one label's response.
struct Cue {
    std::string text;              //!< lower-case tokens joined by spaces, e.g. "# bug"
    bool preferred = true;         //!< marks the preferred response (else the dispreferred)
    double weight = 0.0;           //!< the classifier's weight; > 0 points to preferred
    int with = 0;                  //!< pairs where only the response of its label contains it (train pairs used, test)
    int against = 0;               //!< pairs where only the other response contains it
    std::vector<ExampleRef> pairs; //!< the `with` pairs (train first), response = the dispreferred response
};

struct ShortcutResult {
    int trainPairs = 0;
    int testPairs = 0;
    double trainAccuracy = 0.5;
    double testAccuracy = 0.5;
    std::vector<Cue> preferredCues;    //!< strongest first
    std::vector<Cue> dispreferredCues; //!< strongest first
};

//! A response-only classifier: logistic regression on the difference of the two responses' word and word-pair
//! features, trained on one pair per train example (as GENIES trains) and scored on every test pair. It never sees
//! the prompt, so what it learns is a property of the responses alone, such as "# Bug:" comments or a stock opening.
class ShortcutDetector {
public:
    explicit ShortcutDetector(ShortcutOptions options = {});

    ShortcutResult run(const std::string &distribution, const std::vector<Example> &train,
                       const std::vector<Example> &test) const;
    //! The same with the splits' tokens already computed.
    ShortcutResult run(const std::string &distribution, const std::vector<Example> &train,
                       const std::vector<Example> &test, const TokenizedSplit &trainTokens,
                       const TokenizedSplit &testTokens) const;

    //! "shortcut.accuracy" and one "shortcut.cue.<label>" finding per listed cue (keyed by its text).
    static std::vector<Finding> findings(const ShortcutResult &result, const std::string &distribution, int cap);

private:
    ShortcutOptions m_options;
};

} // namespace shiftscope
