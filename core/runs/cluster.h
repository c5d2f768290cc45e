#pragma once

#include "runs/clusterstore.h"
#include "util/errors.h"
#include "util/progress.h"
#include "workspace/workspace.h"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace shiftscope {

//! How a run is submitted to Slurm (`run --slurm`).
struct SlurmOptions {
    std::filesystem::path sharedDir; //!< a folder every node sees: plans, shards and activation caches go there
    std::string partition;
    int gpusPerTask = 0;
    int maxParallel = 0;                 //!< at most this many units at once (the array's %K); 0: no limit
    std::string time;                    //!< each task's time limit, in sbatch's format
    std::vector<std::string> sbatchArgs; //!< more arguments for sbatch, each one word ("--account=lab")
    std::string device = "cpu";          //!< where the tasks compute
    std::filesystem::path program;       //!< the shiftscope-cli the tasks run; empty: clusterProgram()
};

//! The shiftscope-cli that Slurm tasks run: $SHIFTSCOPE_CLI when set, else this program when it is shiftscope-cli,
//! else the shiftscope-cli beside it (the GUI's case). Throws InputError when there is none.
std::filesystem::path clusterProgram();

//! Plans the run's execution on Slurm: writes its plan into a new folder of `options.sharedDir` (plan.json, the data
//! it reads as data.sqlite, the task scripts), submits one array task per unit with `sbatch --array` and a collect
//! job that depends on the array (afterany), and records the submission. The run stays queued until collected.
//! InputError when the shared folder cannot be written, sbatch is missing or refuses the job (with its message).
ClusterJob submitRun(Workspace &workspace, std::int64_t runId, const SlurmOptions &options);

//! Submits again the units of a submitted run that are neither collected, nor finished with a shard, nor pending
//! or running in Slurm, with the options of the first submission; returns the job, or nothing when no unit is
//! missing.
std::optional<ClusterJob> resubmitMissingUnits(Workspace &workspace, std::int64_t runId);

//! `run-unit`: executes unit `unit` of the plan in `planDir` on this machine. Copies the plan's data to local disk
//! ($TMPDIR, else /tmp), executes the unit there, writes its shard (predictions, log, artifacts) and renames it
//! into the plan's shards/ folder as the last step, so a task killed halfway leaves no shard. A failure is also
//! written to failed/unit-N.txt. Returns false when the unit already had a shard (nothing done).
bool runPlannedUnit(const std::filesystem::path &planDir, int unit, const std::string &device,
                    const ProgressCallback &progress = {});

//! What collect did.
struct CollectReport {
    std::vector<int> merged;           //!< units whose shards were merged now
    std::vector<InputProblem> refused; //!< shards refused, each by name with the reason and the fix
    int done = 0;                      //!< units of the run collected so far
    int total = 0;
    bool finished() const { return done == total; }
};

//! Merges the shards present in the run's plan folder into the workspace, in one transaction: predictions, metrics,
//! logs, artifacts (copied beside the workspace), evaluations; the run is done when every unit is. Idempotent:
//! collected units are skipped. A shard from another plan, a damaged or incomplete shard, one named for another
//! unit or a second copy of a unit is refused by name and the others are merged.
CollectReport collectRun(Workspace &workspace, std::int64_t runId);

//! Where one unit of a submitted run stands.
struct UnitProgress {
    int position = 0;
    std::string intervention;
    std::string trainDistribution;
    std::string state; //!< "pending", "running", "done", "failed" or "unknown" (Slurm cannot be asked)
    bool collected = false;
    std::string detail; //!< the Slurm job, the failure's message, ...
};

//! Per-unit state of a submitted run from the workspace, the plan folder's shards and failure notes and `squeue`
//! (no Slurm accounting needed). Empty when the run was not submitted to Slurm.
std::vector<UnitProgress> clusterUnitProgress(Workspace &workspace, std::int64_t runId);
//! "2 done, 1 running, 3 pending": the units by state, in that order (failed and unknown last), empty states left out.
std::string clusterProgressSummary(const std::vector<UnitProgress> &units);

} // namespace shiftscope
