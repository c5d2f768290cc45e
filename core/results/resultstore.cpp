#include "results/resultstore.h"


namespace shiftscope {

namespace {
constexpr const char *kColumns =
    "e.id, e.path, e.intervention, e.variant, e.model, e.train_distribution, e.eval_distribution, e.duplicate_of,"
    " e.timestamp, e.short_form, e.stored_accuracy, e.stored_brier, e.stored_average, e.stored_rms, e.has_rms_key,"
    " e.probability_count, e.accuracy, e.brier, e.average_probability, e.rms, e.corrected_calibration,"
    " e.hard_probabilities, (SELECT count(*) FROM evaluation_flags f WHERE f.evaluation_id = e.id),"
    " (SELECT i.run_id FROM result_imports i WHERE i.id = e.import_id), e.unit_id, e.role, e.expected_pairs";

std::optional<double> optionalReal(const Statement &st, int column)
{
    return st.isNull(column) ? std::nullopt : std::optional<double>(st.real(column));
}

EvaluationInfo readEvaluation(const Statement &st)
{
    EvaluationInfo e;
    e.id = st.int64(0);
    e.path = st.text(1);
    e.intervention = st.text(2);
    e.variant = st.text(3);
    e.model = st.text(4);
    e.trainDistribution = st.text(5);
    e.evalDistribution = st.text(6);
    if (!st.isNull(7))
        e.duplicateOf = st.int64(7);
    e.timestamp = st.text(8);
    e.shortForm = st.integer(9) != 0;
    e.storedAccuracy = optionalReal(st, 10);
    e.storedBrier = optionalReal(st, 11);
    e.storedAverage = optionalReal(st, 12);
    e.storedRms = optionalReal(st, 13);
    e.hasRmsKey = st.integer(14) != 0;
    e.probabilityCount = st.integer(15);
    e.accuracy = optionalReal(st, 16);
    e.brier = optionalReal(st, 17);
    e.averageProbability = optionalReal(st, 18);
    e.rms = optionalReal(st, 19);
    e.correctedCalibration = optionalReal(st, 20);
    e.hardProbabilities = st.integer(21) != 0;
    e.flagCount = st.integer(22);
    if (!st.isNull(23))
        e.runId = st.int64(23);
    if (!st.isNull(24))
        e.unitId = st.int64(24);
    e.role = st.text(25);
    e.expectedPairs = st.integer(26);
    return e;
}
} // namespace

std::string EvaluationInfo::label() const
{
    return intervention + " · " + model + (trainDistribution.empty() ? " (base)" : " trained on " + trainDistribution);
}

std::vector<std::string> ResultStore::models()
{
    Statement st(
        m_ws.db(),
        "SELECT DISTINCT model FROM evaluations UNION SELECT DISTINCT model FROM published_metrics ORDER BY 1");
    std::vector<std::string> out;
    while (st.step())
        out.push_back(st.text(0));
    return out;
}

std::vector<std::string> ResultStore::publishedModels()
{
    Statement st(m_ws.db(), "SELECT DISTINCT e.model FROM evaluations e JOIN result_imports i ON i.id = e.import_id"
                            " WHERE i.run_id IS NULL UNION SELECT DISTINCT model FROM published_metrics ORDER BY 1");
    std::vector<std::string> out;
    while (st.step())
        out.push_back(st.text(0));
    return out;
}

std::vector<std::string> ResultStore::interventions(const std::string &model)
{
    Statement st(m_ws.db(),
                 "SELECT DISTINCT intervention FROM evaluations WHERE (?1 = '' OR model = ?1) AND role = ''"
                 " UNION SELECT DISTINCT intervention FROM published_metrics WHERE ?1 = '' OR model = ?1 ORDER BY 1");
    st.bind(1, model);
    std::vector<std::string> out;
    while (st.step())
        out.push_back(st.text(0));
    return out;
}

std::vector<EvaluationInfo> ResultStore::evaluations(const std::string &model, const std::string &intervention,
                                                     bool includeDuplicates)
{
    Statement st(m_ws.db(),
                 std::string("SELECT ") + kColumns
                     + " FROM evaluations e WHERE (?1 = '' OR e.model = ?1) AND (?2 = '' OR e.intervention = ?2)"
                       " AND (?3 OR e.duplicate_of IS NULL) ORDER BY e.model, e.intervention,"
                       " e.train_distribution, e.eval_distribution, e.path");
    st.bind(1, model).bind(2, intervention).bind(3, includeDuplicates ? 1 : 0);
    std::vector<EvaluationInfo> out;
    while (st.step())
        out.push_back(readEvaluation(st));
    return out;
}

std::optional<EvaluationInfo> ResultStore::evaluation(std::int64_t id)
{
    Statement st(m_ws.db(), std::string("SELECT ") + kColumns + " FROM evaluations e WHERE e.id = ?");
    st.bind(1, id);
    if (!st.step())
        return std::nullopt;
    return readEvaluation(st);
}

std::optional<EvaluationInfo> ResultStore::find(const std::string &model, const std::string &intervention,
                                                const std::string &train, const std::string &evaluated)
{
    Statement st(m_ws.db(),
                 std::string("SELECT ") + kColumns
                     + " FROM evaluations e WHERE e.model = ? AND e.intervention = ? AND e.train_distribution = ?"
                       " AND e.eval_distribution = ? AND e.duplicate_of IS NULL");
    st.bind(1, model).bind(2, intervention).bind(3, train).bind(4, evaluated);
    if (!st.step())
        return std::nullopt;
    return readEvaluation(st);
}

std::vector<double> ResultStore::probabilities(std::int64_t evaluationId)
{
    Statement st(m_ws.db(), "SELECT probabilities FROM evaluations WHERE id = ?");
    st.bind(1, evaluationId);
    std::vector<double> out;
    if (st.step() && !st.isNull(0))
        st.blob(0, out);
    return out;
}

std::vector<EvaluationFlag> ResultStore::flags(std::int64_t evaluationId)
{
    Statement st(m_ws.db(), "SELECT f.evaluation_id, e.path, f.kind, f.message FROM evaluation_flags f"
                            " JOIN evaluations e ON e.id = f.evaluation_id WHERE ?1 = 0 OR f.evaluation_id = ?1"
                            " ORDER BY e.path, f.id");
    st.bind(1, evaluationId);
    std::vector<EvaluationFlag> out;
    while (st.step())
        out.push_back({st.int64(0), st.text(1), st.text(2), st.text(3)});
    return out;
}

LinkStatus ResultStore::linkStatus(const EvaluationInfo &evaluation)
{
    if (evaluation.probabilityCount == 0)
        return {false, "the file has no per-pair probabilities"};
    const auto info = m_ws.distribution(evaluation.evalDistribution);
    if (!info)
        return {false, evaluation.evalDistribution + " is not in this workspace"};
    if (info->testPairs != evaluation.probabilityCount)
        return {false, std::to_string(evaluation.probabilityCount) + " probabilities but " + evaluation.evalDistribution
                           + " has " + std::to_string(info->testPairs) + " test pairs here; not linked"};
    return {true, {}};
}

int ResultStore::evaluationCount(bool includeDuplicates)
{
    Statement st(m_ws.db(), includeDuplicates ? "SELECT count(*) FROM evaluations"
                                              : "SELECT count(*) FROM evaluations WHERE duplicate_of IS NULL");
    return st.step() ? st.integer(0) : 0;
}

std::optional<TargetCapability> ResultStore::targetCapability(const std::string &model, const std::string &target)
{
    Statement st(m_ws.db(),
                 "SELECT accuracy, best_intervention FROM target_capabilities WHERE model = ? AND target = ?");
    st.bind(1, model).bind(2, target);
    if (st.step() && !st.isNull(0))
        return TargetCapability{st.real(0), st.text(1)};
    return std::nullopt;
}

std::vector<PublishedTable> ResultStore::publishedTables()
{
    std::vector<PublishedTable> tables;
    Statement st(m_ws.db(), "SELECT DISTINCT model, intervention, file FROM published_metrics ORDER BY 1, 2, 3");
    while (st.step())
        tables.push_back({st.text(0), st.text(1), st.text(2)});
    return tables;
}

std::vector<GeneralizationRow> ResultStore::publishedRows(const PublishedTable &table)
{
    Statement rows(m_ws.db(),
                   "SELECT row, source, target, target_reference, generalization_accuracy, baseline_accuracy,"
                   " baseline_intervention, target_tuned_capability, target_tuned_capability_intervention,"
                   " source_id_accuracy, rms_calibration_error, differential_elicitation FROM published_metrics"
                   " WHERE model = ? AND intervention = ? AND file = ? ORDER BY row");
    rows.bind(1, table.model).bind(2, table.intervention).bind(3, table.file);
    std::vector<GeneralizationRow> out;
    while (rows.step()) {
        auto opt = [&](int c) { return rows.isNull(c) ? std::nullopt : std::optional<double>(rows.real(c)); };
        GeneralizationRow p;
        p.source = rows.text(1);
        p.target = rows.text(2);
        p.targetReference = rows.text(3);
        p.generalizationAccuracy = opt(4);
        p.baselineAccuracy = opt(5);
        p.baselineIntervention = rows.text(6);
        p.targetTunedCapability = opt(7);
        p.targetTunedCapabilityIntervention = rows.text(8);
        p.sourceIdAccuracy = opt(9);
        p.rmsCalibrationError = opt(10);
        p.differentialElicitation = opt(11);
        out.push_back(std::move(p));
    }
    return out;
}

} // namespace shiftscope
