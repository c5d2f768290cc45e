#pragma once

// The plan folder of a run on Slurm, shared by submission (cluster.cpp) and the units and collect (clusterunit.cpp):
// its files, plan.json, local scratch folders and the names of the machine a task runs on.
#include "runs/runrecord.h"

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace shiftscope::cluster {

inline constexpr const char *kPlanFile = "plan.json";
inline constexpr const char *kDataFile = "data.sqlite";
inline constexpr const char *kShardFile = "shard.sqlite";

struct PlanUnit {
    int position = 0;
    std::string intervention;
    std::string trainDistribution;
    std::vector<std::string> evaluations;
};

//! plan.json: what the tasks of one submission execute.
struct Plan {
    std::string planId;
    std::int64_t runId = 0;
    std::string workspace;
    std::string modelHash;
    std::vector<PlanUnit> units;
    std::map<std::string, std::string> data; //!< distribution -> content hash
};

std::string hostName();
//! The node a Slurm task runs on, with the machine's name: "n2 (gpu-host-4)".
std::string taskHost();
//! 32 random hexadecimal digits.
std::string newPlanId();
//! The Slurm job name of a plan's unit tasks (its collect job adds "-collect").
std::string jobName(const std::string &planId);
std::filesystem::path shardFolder(const std::filesystem::path &planDir, int position);
std::filesystem::path failureNote(const std::filesystem::path &planDir, int position);
//! A private folder on this machine's local disk: $TMPDIR (set per job on most clusters), else /tmp.
std::filesystem::path localScratch(const std::string &what);

//! Removes a scratch folder on every way out.
struct ScratchFolder {
    std::filesystem::path path;
    ~ScratchFolder()
    {
        std::error_code ec;
        if (!path.empty())
            std::filesystem::remove_all(path, ec);
    }
};

//! plan.json of `planDir`; InputError naming the file when it is missing or not a plan.
Plan readPlan(const std::filesystem::path &planDir);
void writePlan(const std::filesystem::path &planDir, const Plan &plan, const RunRecord &run);
//! `text` without trailing white space.
std::string trimmed(std::string text);
//! The credit a pair at exactly 0.5 earns for `intervention` (1 when it is not registered here).
double tieCreditOf(const std::string &intervention);

} // namespace shiftscope::cluster
