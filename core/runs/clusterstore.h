#pragma once

#include "workspace/workspace.h"

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace shiftscope {

//! One sbatch of a run's units: the array job, the collect job that depends on it, the units it covers.
struct ClusterJob {
    std::string arrayJob;
    std::string collectJob;
    std::vector<int> units;
    std::string submittedAt;
};

//! How a run was submitted to Slurm and every submission since (a resume adds one).
struct ClusterSubmission {
    std::int64_t runId = 0;
    std::filesystem::path planDir;
    std::string planId;
    std::string optionsJson; //!< the SlurmOptions it was submitted with, as JSON
    std::vector<ClusterJob> jobs;
    std::string submittedAt;
};

//! The run_submissions table.
class ClusterStore {
public:
    explicit ClusterStore(Workspace &workspace) : m_ws(workspace) {}

    void create(const ClusterSubmission &submission);
    std::optional<ClusterSubmission> submission(std::int64_t runId);
    void addJob(std::int64_t runId, const ClusterJob &job);
    //! Forgets a submission (one that never reached Slurm).
    void remove(std::int64_t runId);

    //! Writes what executing `runId` needs into the new workspace file `planData` (created by the caller): the
    //! run with its units and the distributions it reads, with their examples and responses, ids kept. The file is
    //! left in rollback-journal mode, one self-contained file to copy.
    void writePlanData(const std::filesystem::path &planData, std::int64_t runId,
                       const std::vector<std::string> &distributions);

private:
    Workspace &m_ws;
};

//! What one unit executed elsewhere produced: its predictions in pair order and its log, with the plan it belongs
//! to. Kept in a small SQLite file of its own (a shard), never in a workspace.
struct UnitShard {
    std::string planId;
    std::int64_t runId = 0;
    int unitPosition = 0;
    std::string intervention;
    std::string trainDistribution;
    std::string host;
    std::string createdAt;
    std::string log;
    std::map<std::string, std::vector<double>> predictions; //!< by evaluated distribution
};

//! Writes `shard` into the new file `path`.
void writeUnitShard(const std::filesystem::path &path, const UnitShard &shard);
//! Reads a shard file; InputError naming the file when it is not a shard, is damaged or incomplete.
UnitShard readUnitShard(const std::filesystem::path &path);

} // namespace shiftscope
