#pragma once

#include "runs/runrecord.h"
#include "workspace/workspace.h"

namespace shiftscope {

//! Runs in a workspace: records, units, predictions and metrics. Every write is its own small transaction so
//! that a crash loses at most the batch in flight.
//! Metrics of one evaluated distribution from its probabilities; a pair at exactly 0.5 earns `tieCredit`.
RunMetrics runMetricsOf(const std::string &distribution, const std::vector<double> &p, double tieCredit);
//! The model a run's evaluations are listed under in the results: the model folder's name, or "no model".
std::string runModelName(const RunRecord &run);
//! The intervention name a run's evaluations made by `unitIntervention` are listed under, e.g. "lora · run 4".
std::string runEvaluationLabel(const RunRecord &run, const std::string &unitIntervention);

class RunStore {
public:
    explicit RunStore(Workspace &workspace) : m_ws(workspace) {}

    std::int64_t create(const RunRecord &run);
    std::optional<RunRecord> run(std::int64_t id);
    //! The run `id`, or InputError naming the workspace and the run, with where to list runs.
    RunRecord existingRun(std::int64_t id);
    std::vector<RunRecord> runs();
    void setStatus(std::int64_t runId, RunStatus status, const std::string &error = {});
    void setUnitStatus(std::int64_t unitId, RunStatus status, const std::string &artifact = {});
    void appendUnitLog(std::int64_t unitId, const std::string &line);
    //! Runs left "running" by a process of this host that has ended become "interrupted"; returns their ids. A run
    //! whose process is alive, or runs on another host, is left alone (see RunOwner).
    std::vector<std::int64_t> markInterrupted();

    //! Number of predictions stored for a unit's evaluated distribution (they are written in pair order).
    int predictionCount(std::int64_t unitId, const std::string &distribution);
    void addPredictions(std::int64_t unitId, const std::string &distribution, int firstPair,
                        const std::vector<double> &p);
    std::vector<double> predictions(std::int64_t unitId, const std::string &distribution);
    void setMetrics(std::int64_t unitId, const RunMetrics &metrics);
    std::vector<RunMetrics> metrics(std::int64_t unitId);

    //! Writes a unit's evaluation of `distribution` into the results as it stands (the evaluations table that
    //! every results view reads): the probabilities stored so far, their metrics, and the pairs it will hold when
    //! finished. Called after each committed batch, so views show a run while it runs.
    void publishEvaluation(const RunRecord &run, const RunUnit &unit, const std::string &distribution,
                           int expectedPairs, double tieCredit);
    //! Publishes what runs stored but the results lack (runs of a workspace older than schema 7); returns how
    //! many evaluations were written.
    int publishPending();

    //! Names a run: its evaluations are listed under `label` (its baseline's as "<intervention> · <label>"); an
    //! empty label restores "<intervention> · run <id>". InputError when other results of its model have the name.
    void rename(std::int64_t runId, const std::string &label);
    //! Deletes a run with its units, predictions, metrics and evaluations, then its artifact folders; returns the
    //! folders that could not be removed (with why). InputError when a live process is executing it.
    std::vector<std::string> remove(std::int64_t runId);

private:
    Workspace &m_ws;
};

} // namespace shiftscope
