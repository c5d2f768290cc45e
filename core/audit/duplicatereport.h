#pragma once

#include "audit/auditreport.h"
#include "audit/duplicatefinder.h"

#include <functional>
#include <string>
#include <vector>

namespace shiftscope {

//! Turns what DuplicateFinder found into findings, with severities that depend on what was compared: a duplicate
//! inside a split only over-weights an example, one between train and test leaks the answer.
class DuplicateReport {
public:
    enum class Comparison { Train, Test, TrainTest, SourceTarget };

    //! Check ids end in "train", "test", "train_test" or "source_target".
    static std::string_view suffix(Comparison comparison);

    //! "duplicates.exact.*", "duplicates.near.*" and "duplicates.prompt.*". Shares are of `examples`, the examples
    //! of the compared side that counts (the split; the test split; the target); with two sides, `counted` says
    //! which examples are on that side.
    static std::vector<Finding> findings(const DuplicateResult &result, Comparison comparison, const std::string &scope,
                                         int examples, const std::function<bool(const ExampleRef &)> &counted, int cap);

    //! "labels.conflicting": identical prompt and responses with different preferred responses, across the given
    //! results (groups contained in another are counted once).
    static Finding conflictingLabels(const std::vector<const DuplicateResult *> &results,
                                     const std::string &distribution, int cap);
};

} // namespace shiftscope
