#pragma once

#include "results/generalizationtable.h"
#include "workspace/workspace.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace shiftscope {

//! One run of a seed group.
struct SeedMember {
    std::int64_t runId = 0;
    std::uint64_t seed = 0;
    std::string label; //!< the name its evaluations are listed under, e.g. "lora · run 4"
};

//! The finished runs of one configuration (model contents, data, intervention, parameters, shifts) that differ only
//! in their seed, two or more. The results list them as one entry whose values are the means across the seeds.
struct SeedGroup {
    std::string name; //!< "lora · 3 seeds"; "lora · 3 seeds from run 4" when the model has another group of that name
    std::string intervention;
    std::vector<SeedMember> members; //!< by run id
};

//! The seed groups of runs listed under `model`, by first run id.
std::vector<SeedGroup> seedGroups(Workspace &workspace, const std::string &model);
//! The seed group of `model` named `name`, if any.
std::optional<SeedGroup> findSeedGroup(Workspace &workspace, const std::string &model, const std::string &name);

//! One seed's values on a shift.
struct SeedValue {
    std::int64_t runId = 0;
    std::uint64_t seed = 0;
    std::optional<double> accuracy; //!< generalization accuracy
    std::optional<double> differentialElicitation;
};

//! A shift of a seed group's table: the means across seeds in the table's columns, with every seed's values.
struct SeedGroupRow {
    GeneralizationRow mean; //!< each number the mean over the seeds that have it
    std::vector<SeedValue> seeds;
    std::optional<double> sdAccuracy; //!< sample standard deviations (two seeds or more with a value)
    std::optional<double> sdDifferentialElicitation;
    std::optional<double> minAccuracy;
    std::optional<double> maxAccuracy;
};

//! Each member's table (rebuildGeneralizationTable under `rule`) over `shifts`, and their means per shift.
std::vector<SeedGroupRow> seedGroupTable(Workspace &workspace, const std::string &model, const SeedGroup &group,
                                         const std::vector<ShiftPair> &shifts,
                                         CapabilityRule rule = CapabilityRule::Automatic);

//! The table of an entry of the results list: a seed group's means, else rebuildGeneralizationTable's rows.
std::vector<GeneralizationRow> resultsTable(Workspace &workspace, const std::string &model,
                                            const std::string &intervention, const std::vector<ShiftPair> &shifts,
                                            CapabilityRule rule = CapabilityRule::Automatic);

} // namespace shiftscope
