#pragma once

#include "data/types.h"

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace shiftscope {

//! One shift of the demo suite: a GENIES-style shift row and what it is built to tell apart.
struct DemoShift {
    std::string source;
    std::string target;
    std::string targetReference; //!< empty when the target is its own reference
    std::string category;        //!< a GENIES category id, e.g. "spurious_cues"
    std::string group;           //!< "extreme" or "probing", as in GENIES
    std::string intended;        //!< the generalization the shift asks for, in one sentence
    std::string conflated;       //!< the behaviour the source data cannot tell apart from it, in one sentence
};

struct DemoSuiteOptions {
    std::uint64_t seed = 7;
    int trainExamples = 400;
    int testExamples = 200;
};

//! The demo suite's shifts in a fixed order, at least one per GENIES category.
const std::vector<DemoShift> &demoShifts();

//! Every distinct distribution id named by demoShifts() (source, target or reference), sorted.
std::vector<std::string> demoDistributionIds();

//! The (train, test) examples of one demo distribution. The result depends only on `id` and `options` and is the
//! same on every platform. Every example has the distribution's fixed number of responses (2 to 4), exactly one
//! of them labelled 1, all distinct and non-empty. Throws std::invalid_argument for an id not in
//! demoDistributionIds().
std::pair<std::vector<Example>, std::vector<Example>> generateDemoDistribution(const std::string &id,
                                                                               const DemoSuiteOptions &options);

//! Writes `<dir>/distributions/<id>/{train,test}.json` for every demo distribution and the shift list
//! `<dir>/distribution_shifts/demo.json` in the GENIES spec format. Returns the ids written (demoDistributionIds()).
std::vector<std::string> writeDemoSuite(const std::filesystem::path &dir, const DemoSuiteOptions &options = {});

} // namespace shiftscope
