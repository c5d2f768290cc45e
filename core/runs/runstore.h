#pragma once

#include "runs/runrecord.h"
#include "workspace/workspace.h"

namespace shiftscope {

//! Runs in a workspace: records, units, predictions and metrics. Every write is its own small transaction so
//! that a crash loses at most the batch in flight.
class RunStore {
public:
    explicit RunStore(Workspace &workspace) : m_ws(workspace) {}

    std::int64_t create(const RunRecord &run);
    std::optional<RunRecord> run(std::int64_t id);
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

private:
    Workspace &m_ws;
};

} // namespace shiftscope
