#include "runs/runstore.h"

#include "metrics/geniesmetrics.h"
#include "runs/intervention.h"
#include "util/errors.h"

#include <algorithm>
#include <cmath>
#include <tuple>
#include <filesystem>
#include <nlohmann/json.hpp>

namespace shiftscope {

namespace {
using Json = nlohmann::json;

constexpr const char *kStatusNames[] = {"queued", "running", "done", "failed", "cancelled", "interrupted"};

std::optional<double> optionalReal(const Statement &st, int column)
{
    return st.isNull(column) ? std::nullopt : std::optional<double>(st.real(column));
}

void bindOptional(Statement &st, int index, const std::optional<double> &v)
{
    if (v && *v == *v)
        st.bind(index, *v);
    else
        st.bindNull(index);
}
} // namespace

std::string runStatusName(RunStatus status) { return kStatusNames[int(status)]; }

RunStatus runStatusFromName(const std::string &name)
{
    for (int i = 0; i < 6; ++i)
        if (name == kStatusNames[i])
            return RunStatus(i);
    return RunStatus::Failed;
}

std::int64_t RunStore::create(const RunRecord &run)
{
    Transaction tx(m_ws.db());
    Statement insert(m_ws.db(),
                     "INSERT INTO runs(model_path, model_hash, intervention, shifts, parameters, seed, data_hash,"
                     " version, status, created_at, adapter_path) VALUES(?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?)");
    insert.bind(1, run.modelPath)
        .bind(2, run.modelHash)
        .bind(3, run.intervention)
        .bind(4, run.shifts)
        .bind(5, Json(run.parameters).dump())
        .bind(6, std::int64_t(run.seed))
        .bind(7, run.dataHash)
        .bind(8, run.version)
        .bind(9, utcNow())
        .bind(10, run.adapterPath)
        .run();
    const std::int64_t id = m_ws.db().lastInsertId();
    Statement unit(m_ws.db(),
                   "INSERT INTO run_units(run_id, position, intervention, train_distribution, evaluations, status)"
                   " VALUES(?, ?, ?, ?, ?, 'queued')");
    for (const auto &u : run.units)
        unit.bind(1, id)
            .bind(2, u.position)
            .bind(3, u.intervention)
            .bind(4, u.trainDistribution)
            .bind(5, Json(u.evaluations).dump())
            .run();
    tx.commit();
    return id;
}

std::optional<RunRecord> RunStore::run(std::int64_t id)
{
    Statement st(m_ws.db(),
                 "SELECT id, model_path, model_hash, intervention, shifts, parameters, seed, data_hash, version,"
                 " status, error, created_at, coalesce(started_at, ''), coalesce(ended_at, ''), owner_host, owner_pid, "
                 "owner_start, label, adapter_path"
                 " FROM runs WHERE id = ?");
    st.bind(1, id);
    if (!st.step())
        return std::nullopt;
    RunRecord r;
    r.id = st.int64(0);
    r.modelPath = st.text(1);
    r.modelHash = st.text(2);
    r.intervention = st.text(3);
    r.shifts = st.text(4);
    r.parameters = Json::parse(st.text(5)).get<std::map<std::string, std::string>>();
    r.seed = std::uint64_t(st.int64(6));
    r.dataHash = st.text(7);
    r.version = st.text(8);
    r.status = runStatusFromName(st.text(9));
    r.error = st.text(10);
    r.createdAt = st.text(11);
    r.startedAt = st.text(12);
    r.endedAt = st.text(13);
    r.owner = {st.text(14), st.int64(15), st.int64(16)};
    r.label = st.text(17);
    r.adapterPath = st.text(18);
    Statement units(
        m_ws.db(),
        "SELECT id, position, intervention, train_distribution, evaluations, status, artifact, log,"
        " coalesce(started_at, ''), coalesce(ended_at, '') FROM run_units WHERE run_id = ? ORDER BY position");
    units.bind(1, id);
    while (units.step()) {
        RunUnit u;
        u.id = units.int64(0);
        u.position = units.integer(1);
        u.intervention = units.text(2);
        u.trainDistribution = units.text(3);
        u.evaluations = Json::parse(units.text(4)).get<std::vector<std::string>>();
        u.status = runStatusFromName(units.text(5));
        u.artifact = units.text(6);
        u.log = units.text(7);
        u.startedAt = units.text(8);
        u.endedAt = units.text(9);
        r.units.push_back(std::move(u));
    }
    return r;
}

RunRecord RunStore::existingRun(std::int64_t id)
{
    if (auto found = run(id))
        return std::move(*found);
    throw InputError(InputProblem{m_ws.path().string(), "run " + std::to_string(id), "no such run",
                                  "list the runs with the runs command"});
}

std::vector<RunRecord> RunStore::runs()
{
    std::vector<std::int64_t> ids;
    Statement st(m_ws.db(), "SELECT id FROM runs ORDER BY id");
    while (st.step())
        ids.push_back(st.int64(0));
    std::vector<RunRecord> out;
    for (auto id : ids)
        out.push_back(*run(id));
    return out;
}

void RunStore::setStatus(std::int64_t runId, RunStatus status, const std::string &error)
{
    const bool starting = status == RunStatus::Running;
    const bool ending = status != RunStatus::Running && status != RunStatus::Queued;
    Statement st(m_ws.db(),
                 "UPDATE runs SET status = ?, error = ?, started_at = CASE WHEN ? THEN ? ELSE started_at END,"
                 " ended_at = CASE WHEN ? THEN ? ELSE NULL END WHERE id = ?");
    const std::string now = utcNow();
    st.bind(1, runStatusName(status))
        .bind(2, error)
        .bind(3, starting ? 1 : 0)
        .bind(4, now)
        .bind(5, ending ? 1 : 0)
        .bind(6, now)
        .bind(7, runId)
        .run();
    if (starting) {
        const RunOwner owner = currentRunOwner();
        Statement own(m_ws.db(), "UPDATE runs SET owner_host = ?, owner_pid = ?, owner_start = ? WHERE id = ?");
        own.bind(1, owner.host).bind(2, owner.pid).bind(3, owner.startTicks).bind(4, runId).run();
    }
}

void RunStore::setUnitStatus(std::int64_t unitId, RunStatus status, const std::string &artifact)
{
    const bool starting = status == RunStatus::Running;
    const bool ending = status != RunStatus::Running && status != RunStatus::Queued;
    Statement st(m_ws.db(), "UPDATE run_units SET status = ?, artifact = CASE WHEN ? = '' THEN artifact ELSE ? END,"
                            " started_at = CASE WHEN ? THEN ? ELSE started_at END,"
                            " ended_at = CASE WHEN ? THEN ? ELSE NULL END WHERE id = ?");
    const std::string now = utcNow();
    st.bind(1, runStatusName(status))
        .bind(2, artifact)
        .bind(3, artifact)
        .bind(4, starting ? 1 : 0)
        .bind(5, now)
        .bind(6, ending ? 1 : 0)
        .bind(7, now)
        .bind(8, unitId)
        .run();
}

void RunStore::appendUnitLog(std::int64_t unitId, const std::string &line)
{
    Statement st(m_ws.db(), "UPDATE run_units SET log = log || ? WHERE id = ?");
    st.bind(1, utcNow() + " " + line + "\n").bind(2, unitId).run();
}

std::vector<std::int64_t> RunStore::markInterrupted()
{
    std::vector<std::int64_t> ids;
    Transaction tx(m_ws.db());
    {
        Statement st(m_ws.db(), "SELECT id, owner_host, owner_pid, owner_start FROM runs WHERE status = 'running'");
        while (st.step())
            if (ownerState(RunOwner{st.text(1), st.int64(2), st.int64(3)}) == OwnerState::Gone)
                ids.push_back(st.int64(0));
    }
    Statement units(m_ws.db(), "UPDATE run_units SET status = 'interrupted' WHERE run_id = ? AND status = 'running'");
    Statement runs(m_ws.db(), "UPDATE runs SET status = 'interrupted' WHERE id = ? AND status = 'running'");
    for (const auto id : ids) {
        units.bind(1, id).run();
        runs.bind(1, id).run();
    }
    tx.commit();
    return ids;
}

int RunStore::predictionCount(std::int64_t unitId, const std::string &distribution)
{
    Statement st(m_ws.db(), "SELECT count(*) FROM run_predictions WHERE unit_id = ? AND eval_distribution = ?");
    st.bind(1, unitId).bind(2, distribution);
    return st.step() ? st.integer(0) : 0;
}

void RunStore::addPredictions(std::int64_t unitId, const std::string &distribution, int firstPair,
                              const std::vector<double> &p)
{
    Transaction tx(m_ws.db());
    Statement insert(m_ws.db(),
                     "INSERT OR REPLACE INTO run_predictions(unit_id, eval_distribution, pair_index, probability)"
                     " VALUES(?, ?, ?, ?)");
    for (std::size_t k = 0; k < p.size(); ++k)
        insert.bind(1, unitId).bind(2, distribution).bind(3, firstPair + int(k)).bind(4, p[k]).run();
    tx.commit();
}

std::vector<double> RunStore::predictions(std::int64_t unitId, const std::string &distribution)
{
    Statement st(
        m_ws.db(),
        "SELECT probability FROM run_predictions WHERE unit_id = ? AND eval_distribution = ? ORDER BY pair_index");
    st.bind(1, unitId).bind(2, distribution);
    std::vector<double> out;
    while (st.step())
        out.push_back(st.real(0));
    return out;
}

void RunStore::setMetrics(std::int64_t unitId, const RunMetrics &m)
{
    Statement st(m_ws.db(), "INSERT OR REPLACE INTO run_metrics(unit_id, eval_distribution, pairs, accuracy, brier,"
                            " average_probability, rms, corrected_calibration) VALUES(?, ?, ?, ?, ?, ?, ?, ?)");
    st.bind(1, unitId).bind(2, m.distribution).bind(3, m.pairs);
    bindOptional(st, 4, m.accuracy);
    bindOptional(st, 5, m.brier);
    bindOptional(st, 6, m.averageProbability);
    bindOptional(st, 7, m.rms);
    bindOptional(st, 8, m.correctedCalibration);
    st.run();
}

std::vector<RunMetrics> RunStore::metrics(std::int64_t unitId)
{
    Statement st(m_ws.db(),
                 "SELECT eval_distribution, pairs, accuracy, brier, average_probability, rms, corrected_calibration"
                 " FROM run_metrics WHERE unit_id = ? ORDER BY eval_distribution");
    st.bind(1, unitId);
    std::vector<RunMetrics> out;
    while (st.step())
        out.push_back({st.text(0), st.integer(1), optionalReal(st, 2), optionalReal(st, 3), optionalReal(st, 4),
                       optionalReal(st, 5), optionalReal(st, 6)});
    return out;
}

RunMetrics runMetricsOf(const std::string &distribution, const std::vector<double> &p, double tieCredit)
{
    RunMetrics m;
    m.distribution = distribution;
    m.pairs = int(p.size());
    if (p.empty())
        return m;
    const GeniesMetrics g = computeGeniesMetrics(p);
    double credit = 0;
    for (double v : p)
        credit += v > 0.5 ? 1.0 : v == 0.5 ? tieCredit : 0.0;
    m.accuracy = credit / double(p.size());
    m.brier = g.brierScore;
    m.averageProbability = g.averageProbability;
    if (!std::isnan(g.rmsCalibrationError))
        m.rms = g.rmsCalibrationError;
    m.correctedCalibration = correctedRmsCalibrationError(p);
    return m;
}

std::string runModelName(const RunRecord &run)
{
    if (run.modelPath.empty())
        return "no model";
    auto name = [](std::filesystem::path folder) {
        if (folder.filename().empty()) // "models/pythia-70m/"
            folder = folder.parent_path();
        return folder.filename().string();
    };
    // A model with an adapter is another model: "pythia-410m + hh-reward-lora".
    return run.adapterPath.empty() ? name(run.modelPath) : name(run.modelPath) + " + " + name(run.adapterPath);
}

std::string runEvaluationLabel(const RunRecord &run, const std::string &unitIntervention)
{
    const std::string name = run.label.empty() ? "run " + std::to_string(run.id) : run.label;
    if (unitIntervention == run.intervention)
        return run.label.empty() ? unitIntervention + " · " + name : name;
    return unitIntervention + " · " + name; // the run's baseline unit
}

void RunStore::rename(std::int64_t runId, const std::string &label)
{
    auto record = std::optional<RunRecord>(existingRun(runId));
    const bool bad = label.find_first_of("\n\r\t") != std::string::npos || label.size() > 200;
    if (bad)
        throw InputError(InputProblem{{},
                                      "'" + label + "'",
                                      "not a usable name (one line, at most 200 characters)",
                                      "choose a shorter name on one line"});
    record->label = label;
    const std::string newName = runEvaluationLabel(*record, record->intervention);
    Statement clash(m_ws.db(), "SELECT 1 FROM evaluations e JOIN result_imports i ON i.id = e.import_id"
                               " WHERE e.model = ? AND e.intervention = ? AND i.run_id IS NOT ? LIMIT 1");
    clash.bind(1, runModelName(*record)).bind(2, newName).bind(3, runId);
    if (clash.step())
        throw InputError(InputProblem{{},
                                      "'" + label + "'",
                                      "other results of " + runModelName(*record) + " have this name",
                                      "choose another name"});
    Transaction tx(m_ws.db());
    Statement set(m_ws.db(), "UPDATE runs SET label = ? WHERE id = ?");
    set.bind(1, label).bind(2, runId).run();
    Statement relabel(m_ws.db(), "UPDATE evaluations SET intervention = ? WHERE unit_id = ?");
    for (const RunUnit &unit : record->units)
        relabel.bind(1, runEvaluationLabel(*record, unit.intervention)).bind(2, unit.id).run();
    tx.commit();
}

std::vector<std::string> RunStore::remove(std::int64_t runId)
{
    const auto record = std::optional<RunRecord>(existingRun(runId));
    if (record->status == RunStatus::Running && ownerState(record->owner) != OwnerState::Gone)
        throw InputError(InputProblem{m_ws.path().string(), "run " + std::to_string(runId),
                                      "the run is being executed by " + record->owner.describe(),
                                      "cancel it first, or wait for it to end"});
    Statement remove(m_ws.db(), "DELETE FROM runs WHERE id = ?"); // units, predictions, metrics, evaluations follow
    remove.bind(1, runId).run();
    // Then what the units learned; a folder that cannot be removed is reported, the run is gone either way.
    std::vector<std::string> left;
    for (const RunUnit &unit : record->units) {
        if (unit.artifact.empty())
            continue;
        std::error_code ec;
        std::filesystem::remove_all(unit.artifact, ec);
        if (ec)
            left.push_back(unit.artifact + ": " + ec.message());
        else if (const auto parent = std::filesystem::path(unit.artifact).parent_path();
                 std::filesystem::is_directory(parent, ec) && std::filesystem::is_empty(parent, ec))
            std::filesystem::remove(parent, ec);
    }
    return left;
}

void RunStore::publishEvaluation(const RunRecord &run, const RunUnit &unit, const std::string &distribution,
                                 int expectedPairs, double tieCredit)
{
    Database &db = m_ws.db();
    Transaction tx(db);
    std::int64_t source = 0;
    {
        Statement find(db, "SELECT id FROM result_imports WHERE run_id = ?");
        find.bind(1, run.id);
        if (find.step()) {
            source = find.int64(0);
        } else {
            Statement add(db, "INSERT INTO result_imports(root, imported_at, run_id) VALUES(?, ?, ?)");
            add.bind(1, "run " + std::to_string(run.id)).bind(2, utcNow()).bind(3, run.id).run();
            source = db.lastInsertId();
        }
    }
    const std::vector<double> p = predictions(unit.id, distribution);
    const RunMetrics m = runMetricsOf(distribution, p, tieCredit);
    const std::string path =
        "runs/" + std::to_string(run.id) + "/" + std::to_string(unit.position) + "/" + distribution;
    Statement remove(db, "DELETE FROM evaluations WHERE path = ?");
    remove.bind(1, path).run();
    Statement insert(db, "INSERT INTO evaluations(import_id, path, intervention, model, train_distribution,"
                         " eval_distribution, model_dir, timestamp, has_rms_key, probability_count, probabilities,"
                         " accuracy, brier, average_probability, rms, corrected_calibration, unit_id, role,"
                         " expected_pairs) VALUES(?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    insert.bind(1, source)
        .bind(2, path)
        .bind(3, runEvaluationLabel(run, unit.intervention))
        .bind(4, runModelName(run))
        .bind(5, unit.trainDistribution)
        .bind(6, distribution)
        .bind(7, run.modelPath)
        .bind(8, utcNow())
        .bind(9, int(p.size()));
    if (p.empty())
        insert.bindNull(10);
    else
        insert.bindBlob(10, p.data(), p.size() * sizeof(double));
    bindOptional(insert, 11, m.accuracy);
    bindOptional(insert, 12, m.brier);
    bindOptional(insert, 13, m.averageProbability);
    bindOptional(insert, 14, m.rms);
    bindOptional(insert, 15, m.correctedCalibration);
    insert.bind(16, unit.id).bind(17, unit.intervention == run.intervention ? "" : "baseline").bind(18, expectedPairs);
    insert.run();
    tx.commit();
}

int RunStore::publishPending()
{
    // Units with predictions of a distribution that no evaluation holds yet.
    Statement pending(m_ws.db(), "SELECT DISTINCT u.run_id, u.id, p.eval_distribution FROM run_predictions p"
                                 " JOIN run_units u ON u.id = p.unit_id WHERE NOT EXISTS (SELECT 1 FROM evaluations e"
                                 " WHERE e.unit_id = u.id AND e.eval_distribution = p.eval_distribution)"
                                 " ORDER BY u.run_id, u.position");
    std::vector<std::tuple<std::int64_t, std::int64_t, std::string>> todo;
    while (pending.step())
        todo.emplace_back(pending.int64(0), pending.int64(1), pending.text(2));
    int written = 0;
    for (const auto &[runId, unitId, distribution] : todo) {
        const auto record = run(runId);
        if (!record)
            continue;
        for (const RunUnit &unit : record->units) {
            if (unit.id != unitId)
                continue;
            int expected = 0;
            if (const auto info = m_ws.distribution(distribution))
                expected = info->testPairs;
            double tieCredit = 1.0;
            const auto names = InterventionRegistry::instance().names();
            if (std::find(names.begin(), names.end(), unit.intervention) != names.end())
                tieCredit = InterventionRegistry::instance().create(unit.intervention)->tieCredit();
            publishEvaluation(*record, unit, distribution, expected, tieCredit);
            ++written;
        }
    }
    return written;
}

} // namespace shiftscope
