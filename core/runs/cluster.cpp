#include "runs/cluster.h"

#include "runs/clusterplan.h"

#include "runs/runner.h"
#include "runs/runstore.h"
#include "util/atomicfile.h"
#include "util/inputfile.h"
#include "util/process.h"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <unistd.h>

namespace shiftscope {

namespace fs = std::filesystem;
using namespace cluster;

namespace {
using Json = nlohmann::ordered_json;

Json optionsJson(const SlurmOptions &o)
{
    return {{"shared_dir", o.sharedDir.string()},
            {"partition", o.partition},
            {"gpus_per_task", o.gpusPerTask},
            {"max_parallel", o.maxParallel},
            {"time", o.time},
            {"sbatch_args", o.sbatchArgs},
            {"device", o.device},
            {"program", o.program.string()}};
}

SlurmOptions optionsFrom(const std::string &text)
{
    const Json j = Json::parse(text, nullptr, false);
    SlurmOptions o;
    if (!j.is_object())
        return o;
    o.sharedDir = j.value("shared_dir", "");
    o.partition = j.value("partition", "");
    o.gpusPerTask = j.value("gpus_per_task", 0);
    o.maxParallel = j.value("max_parallel", 0);
    o.time = j.value("time", "");
    o.sbatchArgs = j.value("sbatch_args", std::vector<std::string>{});
    o.device = j.value("device", "cpu");
    o.program = j.value("program", "");
    return o;
}

//! Runs sbatch with `args`; the job id it prints, or InputError with sbatch's own message.
std::string sbatch(const std::vector<std::string> &args)
{
    std::vector<std::string> argv = {"sbatch", "--parsable"};
    argv.insert(argv.end(), args.begin(), args.end());
    const ProgramResult result = runProgram(argv);
    const std::string id = trimmed(result.out.substr(0, result.out.find(';')));
    if (result.exitCode != 0 || id.empty() || id.find_first_not_of("0123456789") != std::string::npos)
        throw InputError(InputProblem{"sbatch",
                                      {},
                                      "Slurm refused the job: " + trimmed(result.err + result.out),
                                      "check --partition, --time, --gpus-per-task and --sbatch-arg against sinfo"});
    return id;
}

//! Submits `units` of a submitted run: one array job, and a collect job after it.
ClusterJob submitUnits(Workspace &workspace, const ClusterSubmission &submission, const SlurmOptions &options,
                       const std::vector<int> &units)
{
    const fs::path &planDir = submission.planDir;
    std::string array;
    for (int u : units)
        array += (array.empty() ? "" : ",") + std::to_string(u);
    if (options.maxParallel > 0)
        array += "%" + std::to_string(options.maxParallel);
    std::vector<std::string> common = {"--job-name=" + jobName(submission.planId)};
    if (!options.partition.empty())
        common.push_back("--partition=" + options.partition);
    if (!options.time.empty())
        common.push_back("--time=" + options.time);
    common.insert(common.end(), options.sbatchArgs.begin(), options.sbatchArgs.end());

    std::vector<std::string> arrayArgs = common;
    arrayArgs.push_back("--array=" + array);
    arrayArgs.push_back("--output=" + (planDir / "logs" / "unit-%a.out").string());
    if (options.gpusPerTask > 0) {
        arrayArgs.push_back("--ntasks=1"); // recent Slurm refuses --gpus-per-task without a task count
        arrayArgs.push_back("--gpus-per-task=" + std::to_string(options.gpusPerTask));
    }
    arrayArgs.push_back((planDir / "unit.sh").string());
    ClusterJob job;
    job.units = units;
    job.submittedAt = utcNow();
    job.arrayJob = sbatch(arrayArgs);

    std::vector<std::string> collectArgs = common;
    collectArgs[0] += "-collect";
    collectArgs.push_back("--dependency=afterany:" + job.arrayJob);
    collectArgs.push_back("--output=" + (planDir / "logs" / ("collect-" + job.arrayJob + ".out")).string());
    collectArgs.push_back((planDir / "collect.sh").string());
    try {
        job.collectJob = sbatch(collectArgs);
    } catch (const InputError &) {
        ClusterStore(workspace).addJob(submission.runId, job); // the units run; collect by hand
        throw;
    }
    ClusterStore(workspace).addJob(submission.runId, job);
    return job;
}

void requireSlurm()
{
    if (!programAvailable("sbatch") || !programAvailable("squeue"))
        throw InputError(InputProblem{"sbatch",
                                      {},
                                      "Slurm's commands (sbatch, squeue) are not installed here",
                                      "submit from a machine of the cluster (a login node), or run the run here "
                                      "without --slurm"});
}

//! A Slurm job state in which the task may still write its shard.
bool activeState(const std::string &state)
{
    for (const char *active : {"PENDING", "CONFIGURING", "RUNNING", "COMPLETING", "REQUEUED", "REQUEUE_HOLD",
                               "REQUEUE_FED", "RESIZING", "SUSPENDED", "STAGE_OUT", "SIGNALING", "RESV_DEL_HOLD"})
        if (state == active)
            return true;
    return false;
}

std::string readNote(const fs::path &file)
{
    try {
        std::string text = readInputFile(file, 1u << 20);
        return trimmed(text.substr(0, text.find('\n')));
    } catch (const std::exception &) {
        return "failed";
    }
}

} // namespace

fs::path clusterProgram()
{
    if (const char *set = std::getenv("SHIFTSCOPE_CLI"); set && *set)
        return fs::absolute(set);
    std::error_code ec;
    const fs::path self = fs::read_symlink("/proc/self/exe", ec);
    if (!ec && self.filename() == "shiftscope-cli")
        return self;
    if (!ec && fs::exists(self.parent_path() / "shiftscope-cli"))
        return self.parent_path() / "shiftscope-cli";
    throw InputError(InputProblem{self.string(),
                                  {},
                                  "no shiftscope-cli beside this program for the Slurm tasks to run",
                                  "set SHIFTSCOPE_CLI to the shiftscope-cli the cluster's nodes can run"});
}

ClusterJob submitRun(Workspace &workspace, std::int64_t runId, const SlurmOptions &given)
{
    requireSlurm();
    RunStore store(workspace);
    const RunRecord run = store.existingRun(runId);
    ClusterStore clusters(workspace);
    if (run.status == RunStatus::Done)
        throw InputError(InputProblem{workspace.path().string(), "run " + std::to_string(runId),
                                      "the run is done: nothing to submit", "rerun it with runs rerun"});
    if (run.status == RunStatus::Running && ownerState(run.owner) != OwnerState::Gone)
        throw InputError(InputProblem{workspace.path().string(), "run " + std::to_string(runId),
                                      "the run is being executed by " + run.owner.describe(),
                                      "wait for it to end, or cancel it, before submitting it"});
    if (clusters.submission(runId))
        throw InputError(InputProblem{workspace.path().string(), "run " + std::to_string(runId),
                                      "the run was already submitted to Slurm",
                                      "resubmit its missing units with run --resume " + std::to_string(runId)});
    SlurmOptions options = given;
    if (options.sharedDir.empty())
        throw InputError(InputProblem{{},
                                      "--shared-dir",
                                      "a run on Slurm needs a folder every node can read and write",
                                      "give --shared-dir DIR on the cluster's shared filesystem"});
    options.sharedDir = fs::absolute(options.sharedDir);
    options.program = options.program.empty() ? clusterProgram() : fs::absolute(options.program);

    ClusterSubmission submission;
    submission.runId = runId;
    submission.planId = newPlanId();
    submission.planDir = options.sharedDir / ("run-" + std::to_string(runId) + "-" + submission.planId.substr(0, 8));
    const fs::path &planDir = submission.planDir;
    std::error_code ec;
    for (const char *sub : {"logs", "shards", "failed"})
        fs::create_directories(planDir / sub, ec);
    if (ec || ::access(planDir.c_str(), W_OK) != 0)
        throw InputError(InputProblem{options.sharedDir.string(),
                                      {},
                                      "cannot create the plan folder here",
                                      "give a --shared-dir you can write to"});

    Plan plan;
    plan.planId = submission.planId;
    plan.runId = runId;
    plan.workspace = workspace.path().string();
    plan.modelHash = run.modelHash;
    std::set<std::string> distributions;
    for (const auto &u : run.units) {
        plan.units.push_back({u.position, u.intervention, u.trainDistribution, u.evaluations});
        if (!u.trainDistribution.empty())
            distributions.insert(u.trainDistribution);
        distributions.insert(u.evaluations.begin(), u.evaluations.end());
    }
    for (const auto &d : distributions)
        if (const auto info = workspace.distribution(d))
            plan.data[d] = info->contentHash;
    {
        // Written on this machine's disk and copied over whole: no SQLite file is opened on the shared folder.
        ScratchFolder local{localScratch("plan")};
        Workspace::create(local.path / kDataFile); // closed again at once; written through the workspace's connection
        clusters.writePlanData(local.path / kDataFile, runId, {distributions.begin(), distributions.end()});
        const fs::path partial = uniquePartialPath(planDir / kDataFile);
        fs::copy_file(local.path / kDataFile, partial);
        fs::rename(partial, planDir / kDataFile);
    }
    writePlan(planDir, plan, run);
    const std::string program = shellQuote(options.program.string());
    writeFileAtomically(planDir / "unit.sh", "#!/bin/sh\n# One unit of ShiftScope run " + std::to_string(runId)
                                                 + " (the array index is the unit).\nexec " + program
                                                 + " run-unit --plan " + shellQuote(planDir.string())
                                                 + " --unit \"$SLURM_ARRAY_TASK_ID\" --device "
                                                 + shellQuote(options.device) + "\n");
    writeFileAtomically(planDir / "collect.sh", "#!/bin/sh\n# Merges the shards of ShiftScope run "
                                                    + std::to_string(runId) + " into its workspace.\nexec " + program
                                                    + " --workspace " + shellQuote(workspace.path().string())
                                                    + " collect --run " + std::to_string(runId) + "\n");
    submission.optionsJson = optionsJson(options).dump();
    clusters.create(submission);
    std::vector<int> units;
    for (const auto &u : run.units)
        if (u.status != RunStatus::Done)
            units.push_back(u.position);
    store.setStatus(runId, RunStatus::Queued);
    try {
        return submitUnits(workspace, submission, options, units);
    } catch (const std::exception &) {
        // Nothing reached Slurm: no submission to follow, no plan to keep; the run can be submitted again.
        const auto recorded = clusters.submission(runId);
        if (recorded && recorded->jobs.empty()) {
            clusters.remove(runId);
            fs::remove_all(planDir, ec);
        }
        throw;
    }
}

std::optional<ClusterJob> resubmitMissingUnits(Workspace &workspace, std::int64_t runId)
{
    requireSlurm();
    const auto submission = ClusterStore(workspace).submission(runId);
    if (!submission)
        throw InputError(InputProblem{workspace.path().string(), "run " + std::to_string(runId),
                                      "the run was not submitted to Slurm", "resume it here with run --resume"});
    std::vector<int> missing;
    for (const auto &u : clusterUnitProgress(workspace, runId))
        if (u.state == "failed")
            missing.push_back(u.position);
    if (missing.empty())
        return std::nullopt;
    const ClusterJob job = submitUnits(workspace, *submission, optionsFrom(submission->optionsJson), missing);
    std::error_code ec;
    for (int position : missing) // their new tasks write new notes if they fail again
        fs::remove(failureNote(submission->planDir, position), ec);
    for (const auto &entry : fs::directory_iterator(submission->planDir / "shards", ec)) // copies of killed tasks
        if (entry.path().filename().string().rfind(".partial-", 0) == 0)
            fs::remove_all(entry.path(), ec);
    return job;
}

std::vector<UnitProgress> clusterUnitProgress(Workspace &workspace, std::int64_t runId)
{
    const auto submission = ClusterStore(workspace).submission(runId);
    if (!submission)
        return {};
    const RunRecord run = RunStore(workspace).existingRun(runId);
    // Slurm first, then the folder: a task that ends in between has its shard in place by then.
    std::map<int, std::pair<std::string, std::string>> queued; // position -> (state, job)
    bool slurmKnown = false;
    if (programAvailable("squeue")) {
        try {
            const ProgramResult r = runProgram(
                {"timeout", "20", "squeue", "-a", "-h", "-r", "-n", jobName(submission->planId), "-o", "%i|%T|%r"});
            if (r.exitCode == 0) {
                slurmKnown = true;
                std::size_t start = 0;
                while (start < r.out.size()) {
                    const std::size_t end = std::min(r.out.find('\n', start), r.out.size());
                    const std::string line = r.out.substr(start, end - start);
                    start = end + 1;
                    const auto bar = line.find('|'), underscore = line.find('_');
                    const auto reasonBar = line.find('|', bar == std::string::npos ? bar : bar + 1);
                    if (bar == std::string::npos || underscore == std::string::npos || underscore > bar)
                        continue;
                    try {
                        const int position = std::stoi(line.substr(underscore + 1, bar - underscore - 1));
                        std::string job = line.substr(0, bar);
                        const std::string reason = reasonBar == std::string::npos ? std::string()
                                                                                  : trimmed(line.substr(reasonBar + 1));
                        if (!reason.empty() && reason != "None")
                            job += ", " + reason;
                        queued[position] = {line.substr(bar + 1, reasonBar - bar - 1), job};
                    } catch (const std::exception &) {
                    }
                }
            }
        } catch (const std::exception &) {
        }
    }
    std::set<int> submitted;
    for (const auto &job : submission->jobs)
        submitted.insert(job.units.begin(), job.units.end());
    std::vector<UnitProgress> out;
    for (const RunUnit &unit : run.units) {
        UnitProgress p;
        p.position = unit.position;
        p.intervention = unit.intervention;
        p.trainDistribution = unit.trainDistribution;
        const auto q = queued.find(unit.position);
        if (unit.status == RunStatus::Done) {
            p.state = "done";
            p.collected = true;
        } else if (fs::exists(shardFolder(submission->planDir, unit.position) / kShardFile)) {
            p.state = "done";
            p.detail = "not collected yet";
        } else if (fs::exists(failureNote(submission->planDir, unit.position))
                   && (q == queued.end() || !activeState(q->second.first))) {
            p.state = "failed";
            p.detail = readNote(failureNote(submission->planDir, unit.position));
        } else if (q != queued.end() && activeState(q->second.first)) {
            const std::string &s = q->second.first;
            p.state = s == "PENDING" || s == "REQUEUED" || s == "REQUEUE_HOLD" || s == "SUSPENDED" ? "pending"
                                                                                                   : "running";
            p.detail = "job " + q->second.second + (s == "PENDING" || s == "RUNNING" ? "" : " (" + s + ")");
        } else if (q != queued.end()) {
            p.state = "failed"; // ended (FAILED, TIMEOUT, CANCELLED, NODE_FAIL, OUT_OF_MEMORY...) without a shard
            p.detail = "job " + q->second.second + " ended " + q->second.first + " without a shard";
        } else if (!slurmKnown) {
            p.state = "unknown";
            p.detail = "squeue cannot be asked here";
        } else if (!submitted.count(unit.position)) {
            p.state = "failed";
            p.detail = "never submitted";
        } else {
            p.state = "failed";
            p.detail = "the task ended without a shard (killed, timed out, or its node failed)";
        }
        out.push_back(std::move(p));
    }
    return out;
}

std::string clusterProgressSummary(const std::vector<UnitProgress> &units)
{
    std::string text;
    for (const char *state : {"done", "running", "pending", "failed", "unknown"}) {
        const auto n =
            std::count_if(units.begin(), units.end(), [&](const UnitProgress &u) { return u.state == state; });
        if (n > 0)
            text += (text.empty() ? "" : ", ") + std::to_string(n) + " " + state;
    }
    return text;
}

} // namespace shiftscope
