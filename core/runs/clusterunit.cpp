// The task and collect sides of a run on Slurm: executing one unit of a plan into a shard, and merging shards.
#include "runs/cluster.h"

#include "runs/clusterplan.h"
#include "runs/runner.h"
#include "runs/runstore.h"
#include "util/atomicfile.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <unistd.h>

namespace shiftscope {

namespace fs = std::filesystem;
using namespace cluster;

bool runPlannedUnit(const fs::path &planDir, int position, const std::string &device, const ProgressCallback &progress)
{
    const Plan plan = readPlan(planDir);
    const auto unit =
        std::find_if(plan.units.begin(), plan.units.end(), [&](const PlanUnit &u) { return u.position == position; });
    if (unit == plan.units.end())
        throw InputError(InputProblem{(planDir / kPlanFile).string(), "unit " + std::to_string(position),
                                      "the plan has no such unit (it has " + std::to_string(plan.units.size()) + ")",
                                      "give --unit between 0 and " + std::to_string(plan.units.size() - 1)});
    const fs::path final = shardFolder(planDir, position);
    if (fs::exists(final))
        return false;
    try {
        ScratchFolder local{localScratch("unit")};
        try {
            fs::copy_file(planDir / kDataFile, local.path / "work.sqlite");
        } catch (const fs::filesystem_error &e) {
            throw InputError(InputProblem{(planDir / kDataFile).string(),
                                          {},
                                          std::string("cannot copy the plan's data: ") + e.code().message(),
                                          "check that the plan folder is complete and readable on this node"});
        }
        UnitShard shard;
        {
            Workspace ws = Workspace::open(local.path / "work.sqlite");
            for (const auto &[name, hash] : plan.data) {
                const auto info = ws.distribution(name);
                if (!info || info->contentHash != hash)
                    throw InputError(InputProblem{(planDir / kDataFile).string(), name,
                                                  "the plan's data does not match its plan.json",
                                                  "submit the run again"});
            }
            RunOptions options;
            options.units = {position};
            options.cacheDir = planDir.parent_path() / "cache";
            options.device = device;
            options.progress = progress;
            if (RunRunner::execute(ws, plan.runId, options) != RunStatus::Done)
                throw std::runtime_error("the unit was cancelled");
            RunStore store(ws);
            const RunRecord run = store.existingRun(plan.runId);
            const RunUnit &done = run.units.at(std::size_t(position));
            if (done.status != RunStatus::Done)
                throw std::runtime_error("the unit did not finish (" + runStatusName(done.status) + ")");
            shard.planId = plan.planId;
            shard.runId = plan.runId;
            shard.unitPosition = position;
            shard.intervention = done.intervention;
            shard.trainDistribution = done.trainDistribution;
            shard.host = taskHost();
            shard.log = done.log;
            for (const auto &d : done.evaluations)
                shard.predictions[d] = store.predictions(done.id, d);
            fs::create_directories(local.path / "shard");
            const fs::path artifacts = RunRunner::artifactDir(ws, plan.runId, position);
            if (fs::exists(artifacts) && !fs::is_empty(artifacts))
                fs::copy(artifacts, local.path / "shard" / "artifacts", fs::copy_options::recursive);
        }
        writeUnitShard(local.path / "shard" / kShardFile, shard);
        // Into the shared folder under a name collect skips, then renamed into place: a shard is whole or absent.
        const fs::path staging =
            planDir / "shards"
            / (".partial-unit-" + std::to_string(position) + "-" + hostName() + "-" + std::to_string(::getpid()));
        fs::remove_all(staging);
        try {
            fs::copy(local.path / "shard", staging, fs::copy_options::recursive);
        } catch (const std::exception &) {
            std::error_code ignored;
            fs::remove_all(staging, ignored);
            throw;
        }
        std::error_code ec;
        fs::rename(staging, final, ec);
        if (ec) {
            fs::remove_all(staging);
            if (fs::exists(final))
                return false; // another task of the same unit finished first
            throw std::runtime_error("cannot move the shard into " + final.string() + ": " + ec.message());
        }
        fs::remove(failureNote(planDir, position), ec);
        return true;
    } catch (const std::exception &e) {
        try {
            writeFileAtomically(failureNote(planDir, position),
                                std::string(e.what()) + "\non " + taskHost() + ", " + utcNow() + "\n");
        } catch (const std::exception &) {
            // The shared folder is not writable: the task's log and its missing shard still tell.
        }
        throw;
    }
}

CollectReport collectRun(Workspace &workspace, std::int64_t runId)
{
    RunStore store(workspace);
    const RunRecord run = store.existingRun(runId);
    const auto submission = ClusterStore(workspace).submission(runId);
    if (!submission)
        throw InputError(InputProblem{workspace.path().string(), "run " + std::to_string(runId),
                                      "the run was not submitted to Slurm: it has nothing to collect",
                                      "resume it here with run --resume " + std::to_string(runId)});
    const Plan plan = readPlan(submission->planDir);
    if (plan.planId != submission->planId || plan.runId != runId)
        throw InputError(InputProblem{(submission->planDir / kPlanFile).string(),
                                      {},
                                      "this plan is not the one run " + std::to_string(runId) + " was submitted with",
                                      "restore the plan folder, or delete the run and submit it again"});

    CollectReport report;
    report.total = int(run.units.size());
    std::map<int, std::pair<fs::path, UnitShard>> good;
    const fs::path shards = submission->planDir / "shards";
    std::vector<fs::path> entries;
    std::error_code ec;
    for (const auto &entry : fs::directory_iterator(shards, ec))
        if (entry.path().filename().string().rfind('.', 0) != 0)
            entries.push_back(entry.path());
    std::sort(entries.begin(), entries.end());
    ScratchFolder scratch{localScratch("collect")};
    for (const fs::path &folder : entries) {
        const fs::path file = folder / kShardFile;
        const std::string folderName = folder.filename().string();
        const bool collected = std::any_of(run.units.begin(), run.units.end(), [&](const RunUnit &u) {
            return u.status == RunStatus::Done && folderName == "unit-" + std::to_string(u.position);
        });
        if (collected) // merged by an earlier collect: not read again
            continue;
        auto refuse = [&](const std::string &why, const std::string &fix) {
            report.refused.push_back(InputProblem{file.string(), {}, why, fix});
        };
        const std::string resubmit =
            "delete " + folder.string() + " and resubmit the unit with run --resume " + std::to_string(runId);
        UnitShard shard;
        try {
            // Read from a local copy: SQLite files are not opened over the shared filesystem.
            const fs::path copy = scratch.path / "shard.sqlite";
            fs::remove(copy, ec);
            if (!fs::is_regular_file(file))
                throw InputError(InputProblem{file.string(), {}, "not a usable unit shard: the file is missing", {}});
            fs::copy_file(file, copy);
            shard = readUnitShard(copy);
        } catch (const InputError &e) {
            std::string why = e.problems().front().message;
            refuse(why, resubmit);
            continue;
        } catch (const fs::filesystem_error &e) {
            refuse(std::string("cannot read the shard: ") + e.what(), resubmit);
            continue;
        }
        const std::string name = folder.filename().string();
        if (shard.planId != plan.planId) {
            refuse("a shard of another plan (" + shard.planId + ", run " + std::to_string(shard.runId)
                       + "), not of this run's (" + plan.planId + ")",
                   "move it to the plan folder of its own run");
            continue;
        }
        if (shard.unitPosition < 0 || shard.unitPosition >= report.total) {
            refuse("it holds unit " + std::to_string(shard.unitPosition) + ", which the run does not have", resubmit);
            continue;
        }
        if (name != "unit-" + std::to_string(shard.unitPosition)) {
            refuse("it holds unit " + std::to_string(shard.unitPosition) + " but is named " + name,
                   "delete the copy; unit " + std::to_string(shard.unitPosition) + "'s shard is unit-"
                       + std::to_string(shard.unitPosition));
            continue;
        }
        if (good.count(shard.unitPosition)) {
            refuse("a second copy of unit " + std::to_string(shard.unitPosition) + " (the first is "
                       + good[shard.unitPosition].first.string() + ")",
                   "delete one of them");
            continue;
        }
        const RunUnit &unit = run.units[std::size_t(shard.unitPosition)];
        std::string problem;
        for (const auto &d : unit.evaluations) {
            const auto found = shard.predictions.find(d);
            const auto info = workspace.distribution(d);
            if (found == shard.predictions.end())
                problem = "it has no predictions of " + d;
            else if (info && int(found->second.size()) != info->testPairs)
                problem = "it has " + std::to_string(found->second.size()) + " predictions of " + d + ", not "
                        + std::to_string(info->testPairs);
            else if (std::any_of(found->second.begin(), found->second.end(),
                                 [](double p) { return !std::isfinite(p) || p < 0 || p > 1; }))
                problem = "a prediction of " + d + " is not a probability";
            if (!problem.empty())
                break;
        }
        for (const auto &d : unit.evaluations) {
            const auto planned = plan.data.find(d);
            const auto info = workspace.distribution(d);
            if (problem.empty() && planned != plan.data.end() && (!info || info->contentHash != planned->second))
                problem = "its predictions are of " + d + " as it was when the run was submitted; the workspace now "
                        + (info ? "holds other data under that name" : "lacks it");
        }
        if (shard.predictions.size() != unit.evaluations.size() && problem.empty())
            problem = "it holds predictions of distributions the unit does not evaluate";
        if (!problem.empty()) {
            refuse(problem, resubmit);
            continue;
        }
        good.emplace(shard.unitPosition, std::make_pair(folder, std::move(shard)));
    }

    // What the units learned is copied next to its place first, outside the transaction (it may be large, and a
    // rollback cannot undo file changes); it is moved into place only once the merge has committed.
    struct Staged {
        fs::path incoming;
        fs::path destination;
    };
    std::map<int, Staged> staged;
    auto discardStaged = [&] {
        std::error_code ignored;
        for (const auto &[position, files] : staged)
            fs::remove_all(files.incoming, ignored);
    };
    try {
        for (const auto &[position, found] : good) {
            const fs::path destination = RunRunner::artifactDir(workspace, runId, position);
            if (!fs::exists(found.first / "artifacts"))
                continue;
            const fs::path incoming = uniquePartialPath(destination);
            fs::create_directories(destination.parent_path());
            fs::copy(found.first / "artifacts", incoming, fs::copy_options::recursive);
            staged[position] = {incoming, destination};
        }
    } catch (const std::exception &) {
        discardStaged();
        throw;
    }

    std::vector<int> merged;
    try {
        Transaction tx(workspace.db());
        // Read again under the write lock: another collect (the collect job, a window) may have merged meanwhile.
        const RunRecord current = store.existingRun(runId);
        for (const auto &[position, found] : good) {
            const RunUnit &unit = current.units[std::size_t(position)];
            if (unit.status == RunStatus::Done)
                continue;
            const UnitShard &shard = found.second;
            const double tieCredit = tieCreditOf(unit.intervention);
            for (const auto &d : unit.evaluations) {
                const auto &p = shard.predictions.at(d);
                store.addPredictions(unit.id, d, 0, p);
                store.setMetrics(unit.id, runMetricsOf(d, p, tieCredit));
                store.publishEvaluation(current, unit, d, int(p.size()), tieCredit);
            }
            store.appendUnitLog(unit.id,
                                "executed on " + shard.host + " by Slurm; its log there:\n" + trimmed(shard.log));
            const auto files = staged.find(position);
            store.setUnitStatus(unit.id, RunStatus::Done,
                                files != staged.end() ? files->second.destination.string() : std::string());
            merged.push_back(position);
        }
        const auto now = store.existingRun(runId);
        report.done = int(std::count_if(now.units.begin(), now.units.end(),
                                        [](const RunUnit &u) { return u.status == RunStatus::Done; }));
        if (report.done == report.total && now.status != RunStatus::Done)
            store.setStatus(runId, RunStatus::Done);
        tx.commit();
    } catch (const std::exception &) {
        discardStaged();
        throw;
    }
    // Committed: the merged units' artifacts take their place (whatever an earlier attempt left there goes).
    for (const auto &[position, files] : staged) {
        if (std::find(merged.begin(), merged.end(), position) == merged.end()) {
            fs::remove_all(files.incoming, ec);
            continue;
        }
        fs::remove_all(files.destination, ec);
        fs::rename(files.incoming, files.destination, ec);
    }
    report.merged = merged;
    return report;
}

} // namespace shiftscope
