#include "runs/cluster.h"

#include "runs/intervention.h"
#include "runs/runner.h"
#include "runs/runstore.h"
#include "util/atomicfile.h"
#include "util/inputfile.h"
#include "util/process.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <unistd.h>

namespace shiftscope {

namespace fs = std::filesystem;

namespace {
using Json = nlohmann::ordered_json;

constexpr const char *kPlanFile = "plan.json";
constexpr const char *kDataFile = "data.sqlite";
constexpr const char *kShardFile = "shard.sqlite";

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

std::string hostName()
{
    char name[256] = {};
    if (gethostname(name, sizeof name - 1) != 0)
        return "unknown-host";
    return name;
}

//! The node a Slurm task runs on, with the machine's name: "n2 (gpu-host-4)".
std::string taskHost()
{
    const char *node = std::getenv("SLURMD_NODENAME");
    return node && *node ? std::string(node) + " (" + hostName() + ")" : hostName();
}

std::string newPlanId()
{
    std::random_device device;
    std::string id;
    static const char *hex = "0123456789abcdef";
    for (int i = 0; i < 32; ++i)
        id += hex[device() % 16];
    return id;
}

std::string jobName(const std::string &planId) { return "shiftscope-" + planId.substr(0, 12); }

fs::path shardFolder(const fs::path &planDir, int position)
{
    return planDir / "shards" / ("unit-" + std::to_string(position));
}

fs::path failureNote(const fs::path &planDir, int position)
{
    return planDir / "failed" / ("unit-" + std::to_string(position) + ".txt");
}

//! A private folder on this machine's local disk: $TMPDIR (set per job on most clusters), else /tmp.
fs::path localScratch(const std::string &what)
{
    const char *tmp = std::getenv("TMPDIR");
    fs::path base = tmp && *tmp ? fs::path(tmp) : fs::path("/tmp");
    std::string pattern = (base / ("shiftscope-" + what + "-XXXXXX")).string();
    if (::mkdtemp(pattern.data()))
        return pattern;
    pattern = "/tmp/shiftscope-" + what + "-XXXXXX"; // $TMPDIR of the submitting machine may not exist here
    if (!::mkdtemp(pattern.data()))
        throw std::runtime_error("cannot create a folder under " + base.string() + " or /tmp for " + what);
    return pattern;
}

//! Removes a scratch folder on every way out.
struct ScratchFolder {
    fs::path path;
    ~ScratchFolder()
    {
        std::error_code ec;
        if (!path.empty())
            fs::remove_all(path, ec);
    }
};

Plan readPlan(const fs::path &planDir)
{
    const fs::path file = planDir / kPlanFile;
    const std::string text = readInputFile(file, 64u << 20, "give the plan folder that run --slurm printed");
    const Json json = Json::parse(text, nullptr, false);
    auto bad = [&](const std::string &what) {
        return InputError(InputProblem{file.string(),
                                       {},
                                       "not a ShiftScope plan: " + what,
                                       "give the plan folder that run --slurm printed, or submit the run again"});
    };
    if (!json.is_object() || json.value("shiftscope_plan", 0) != 1)
        throw bad("no \"shiftscope_plan\": 1");
    Plan plan;
    try {
        plan.planId = json.at("plan_id").get<std::string>();
        plan.runId = json.at("run_id").get<std::int64_t>();
        plan.workspace = json.at("workspace").get<std::string>();
        plan.modelHash = json.at("model_hash").get<std::string>();
        plan.data = json.at("data").get<std::map<std::string, std::string>>();
        for (const auto &u : json.at("units"))
            plan.units.push_back({u.at("position").get<int>(), u.at("intervention").get<std::string>(),
                                  u.at("train_distribution").get<std::string>(),
                                  u.at("evaluations").get<std::vector<std::string>>()});
    } catch (const nlohmann::json::exception &e) {
        throw bad(e.what());
    }
    if (plan.planId.size() != 32)
        throw bad("its plan_id is not 32 characters");
    return plan;
}

void writePlan(const fs::path &planDir, const Plan &plan, const RunRecord &run)
{
    Json units = Json::array();
    for (const auto &u : plan.units)
        units.push_back({{"position", u.position},
                         {"intervention", u.intervention},
                         {"train_distribution", u.trainDistribution},
                         {"evaluations", u.evaluations}});
    Json json = {{"shiftscope_plan", 1},
                 {"plan_id", plan.planId},
                 {"run_id", plan.runId},
                 {"workspace", plan.workspace},
                 {"model_path", run.modelPath},
                 {"adapter_path", run.adapterPath},
                 {"model_hash", plan.modelHash},
                 {"intervention", run.intervention},
                 {"parameters", run.parameters},
                 {"seed", run.seed},
                 {"data", plan.data},
                 {"units", units},
                 {"created_at", utcNow()}};
    writeFileAtomically(planDir / kPlanFile, json.dump(2) + "\n");
}

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

std::string trimmed(std::string text)
{
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
        text.pop_back();
    return text;
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

double tieCreditOf(const std::string &intervention)
{
    const auto names = InterventionRegistry::instance().names();
    if (std::find(names.begin(), names.end(), intervention) == names.end())
        return 1.0;
    return InterventionRegistry::instance().create(intervention)->tieCredit();
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
