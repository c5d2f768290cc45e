#include "runs/runner.h"

#include "metrics/geniesmetrics.h"
#include "runs/intervention.h"
#include "runs/runstore.h"
#include "util/errors.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <thread>

namespace shiftscope {

namespace fs = std::filesystem;

namespace {

constexpr const char *kTrainedMarker = "TRAINED";


//! Marks the run and its unit failed. The failure may be the database's own (a full disk, a lock held too long), so
//! this tries the run's connection, then a fresh one after a pause, and never throws: the caller rethrows the
//! original error, and a run must not stay "running" because its failure could not be written at once.
void recordFailure(Workspace &workspace, std::int64_t runId, std::int64_t unitId, const std::string &message)
{
    auto write = [&](Workspace &ws) {
        RunStore store(ws);
        store.appendUnitLog(unitId, "failed: " + message);
        store.setUnitStatus(unitId, RunStatus::Failed);
        store.setStatus(runId, RunStatus::Failed, message);
    };
    try {
        write(workspace);
        return;
    } catch (const std::exception &) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    try {
        Workspace fresh = Workspace::open(workspace.path());
        write(fresh);
    } catch (const std::exception &) {
        // Still not writable: the run stays as it was; `run --resume` picks it up.
    }
}

} // namespace

fs::path RunRunner::artifactDir(const Workspace &workspace, std::int64_t runId, int unitPosition)
{
    const fs::path ws = workspace.path();
    return ws.parent_path() / (ws.stem().string() + "-artifacts") / ("run-" + std::to_string(runId))
         / ("unit-" + std::to_string(unitPosition));
}

fs::path RunRunner::cacheDir(const Workspace &workspace)
{
    const fs::path ws = workspace.path();
    return ws.parent_path() / (ws.stem().string() + "-artifacts") / "cache";
}

bool RunRunner::trained(const std::filesystem::path &artifactDir) { return fs::exists(artifactDir / kTrainedMarker); }

InterventionContext RunRunner::unitContext(Workspace &workspace, const RunRecord &run, const RunUnit &unit,
                                           const RunOptions &options)
{
    auto intervention = InterventionRegistry::instance().create(unit.intervention);
    InterventionContext context;
    context.modelDir = run.modelPath;
    context.adapterDir = run.adapterPath;
    context.modelHash = run.modelHash;
    context.parameters = unit.intervention == run.intervention ? run.parameters : resolveParameters(*intervention, {});
    context.seed = run.seed;
    context.artifactDir = artifactDir(workspace, run.id, unit.position);
    context.cacheDir = options.cacheDir.empty() ? cacheDir(workspace) : options.cacheDir;
    context.device = options.device;
    context.trainDistribution = unit.trainDistribution;
    if (const auto info = workspace.distribution(unit.trainDistribution))
        context.trainDataHash = info->contentHash;
    return context;
}

RunStatus RunRunner::execute(Workspace &workspace, std::int64_t runId, const RunOptions &options)
{
    RunStore store(workspace);
    auto run = store.run(runId);
    if (!run)
        throw InputError(InputProblem{
            workspace.path().string(), {}, "no run " + std::to_string(runId), "list the runs with the report command"});
    if (run->status == RunStatus::Done)
        return RunStatus::Done;
    const RunOwner self = currentRunOwner();
    const bool ownedHere = run->owner.pid == self.pid && run->owner.host == self.host;
    if (run->status == RunStatus::Running && !ownedHere && ownerState(run->owner) != OwnerState::Gone)
        throw InputError(InputProblem{workspace.path().string(), "run " + std::to_string(runId),
                                      "the run is being executed by " + run->owner.describe(),
                                      "wait for it to end, or stop that process and resume the run"});

    auto selected = [&](const RunUnit &unit) {
        return options.units.empty()
            || std::find(options.units.begin(), options.units.end(), unit.position) != options.units.end();
    };
    // Work is counted in pairs; what is already stored counts as done.
    std::int64_t total = 0, done = 0;
    for (const auto &unit : run->units)
        for (const auto &d : unit.evaluations) {
            if (!selected(unit))
                continue;
            const auto info = workspace.distribution(d);
            total += info ? info->testPairs : 0;
            done += store.predictionCount(unit.id, d);
        }
    store.setStatus(runId, RunStatus::Running);
    const std::size_t unitCount = run->units.size();
    std::int64_t currentUnit = 0;
    try {
        for (const auto &unit : run->units) {
            currentUnit = unit.id;
            if (unit.status == RunStatus::Done || !selected(unit))
                continue;
            const std::string prefix =
                "unit " + std::to_string(unit.position + 1) + "/" + std::to_string(unitCount) + ": ";
            store.setUnitStatus(unit.id, RunStatus::Running);
            auto intervention = InterventionRegistry::instance().create(unit.intervention);
            InterventionContext context = unitContext(workspace, *run, unit, options);
            context.progress = [&](std::int64_t, std::int64_t, const std::string &stage) {
                return !options.progress || options.progress(done, total, prefix + stage);
            };
            if (intervention->trains()) {
                if (fs::exists(context.artifactDir / kTrainedMarker)) {
                    intervention->load(context);
                } else {
                    fs::create_directories(context.artifactDir);
                    reportProgress(options.progress, done, total, prefix + "training on " + unit.trainDistribution);
                    store.appendUnitLog(unit.id, "training on " + unit.trainDistribution + " (" + options.device + ")");
                    const auto started = std::chrono::steady_clock::now();
                    intervention->train(context, workspace.examples(unit.trainDistribution, Split::Train));
                    std::ofstream(context.artifactDir / kTrainedMarker) << "trained\n";
                    store.appendUnitLog(
                        unit.id,
                        "trained in "
                            + std::to_string(
                                std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count())
                            + " s");
                }
            }
            for (const auto &distribution : unit.evaluations) {
                const auto examples = workspace.examples(distribution, Split::Test);
                context.evalDistribution = distribution;
                context.evalDataHash = workspace.distribution(distribution)
                                         ? workspace.distribution(distribution)->contentHash
                                         : std::string();
                const auto pairs = pairsInOrder(examples);
                int next = store.predictionCount(unit.id, distribution);
                while (next < int(pairs.size())) {
                    reportProgress(options.progress, done, total, prefix + "evaluating " + distribution);
                    const int end = std::min<int>(int(pairs.size()), next + std::max(1, options.batchSize));
                    const std::vector<PairRef> batch(pairs.begin() + next, pairs.begin() + end);
                    const auto p = intervention->evaluate(context, examples, batch);
                    if (p.size() != batch.size())
                        throw std::runtime_error(unit.intervention + " returned " + std::to_string(p.size())
                                                 + " probabilities for " + std::to_string(batch.size()) + " pairs");
                    store.addPredictions(unit.id, distribution, next, p);
                    store.publishEvaluation(*run, unit, distribution, int(pairs.size()), intervention->tieCredit());
                    done += end - next;
                    next = end;
                }
                store.setMetrics(unit.id, runMetricsOf(distribution, store.predictions(unit.id, distribution),
                                                       intervention->tieCredit()));
                store.publishEvaluation(*run, unit, distribution, int(pairs.size()), intervention->tieCredit());
            }
            store.setUnitStatus(unit.id, RunStatus::Done, context.artifactDir.string());
        }
    } catch (const Cancelled &) {
        store.setUnitStatus(currentUnit, RunStatus::Cancelled);
        store.setStatus(runId, RunStatus::Cancelled);
        return RunStatus::Cancelled;
    } catch (const std::exception &e) {
        recordFailure(workspace, runId, currentUnit, e.what());
        throw;
    }
    reportProgress(options.progress, total, total, "done");
    const auto finished = store.run(runId);
    const bool allDone = std::all_of(finished->units.begin(), finished->units.end(),
                                     [](const RunUnit &u) { return u.status == RunStatus::Done; });
    store.setStatus(runId, allDone ? RunStatus::Done : RunStatus::Queued);
    return RunStatus::Done;
}

} // namespace shiftscope
