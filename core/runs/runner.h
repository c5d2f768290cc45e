#pragma once

#include "runs/intervention.h"
#include "runs/runrecord.h"
#include "util/progress.h"
#include "workspace/workspace.h"

#include <filesystem>
#include <vector>

namespace shiftscope {

struct RunOptions {
    int batchSize = 32;               //!< pairs evaluated and committed together
    ProgressCallback progress;        //!< stage text reads like "unit 2/5: evaluating alpaca_hard"
    std::string device = "cpu";       //!< where model interventions compute: "cpu" or "cuda"
    std::vector<int> units{};         //!< positions of the units to execute; empty: all of them
    std::filesystem::path cacheDir{}; //!< where activation caches are kept; empty: cacheDir(workspace)
};

//! Executes a planned run, unit by unit. Predictions are committed batch by batch and metrics as each evaluated
//! distribution completes, so killing the process loses at most the batch in flight; executing the same run
//! again (a resume) skips finished units and the pairs already stored, recomputing nothing. Cancel (the progress
//! callback returning false) stops between batches and marks the run cancelled; an error marks it failed.
class RunRunner {
public:
    //! Runs (or resumes) `runId`; returns its final status. Cancelled is returned, not thrown. When `options.units`
    //! names some units only, the run is Done once every unit is, and goes back to Queued otherwise.
    static RunStatus execute(Workspace &workspace, std::int64_t runId, const RunOptions &options = {});
    //! The context `unit` of `run` trains and evaluates in (without its progress callback and evaluated
    //! distribution): the run's model, seed and parameters (the defaults for its baseline), its artifact folder.
    static InterventionContext unitContext(Workspace &workspace, const RunRecord &run, const RunUnit &unit,
                                           const RunOptions &options = {});
    //! Whether the unit whose artifact folder is `artifactDir` finished training (its intervention can load()).
    static bool trained(const std::filesystem::path &artifactDir);
    //! Where a unit keeps what its intervention learned.
    static std::filesystem::path artifactDir(const Workspace &workspace, std::int64_t runId, int unitPosition);
    //! Where interventions keep caches shared by all runs of the workspace.
    static std::filesystem::path cacheDir(const Workspace &workspace);
};

} // namespace shiftscope
