#include "results/resultimportstore.h"

#include <cmath>

namespace shiftscope {

namespace {

void bindOptional(Statement &st, int index, std::optional<double> value)
{
    if (value && !std::isnan(*value))
        st.bind(index, *value);
    else
        st.bindNull(index);
}

} // namespace

ResultImportStore::ResultImportStore(Workspace &workspace, const std::filesystem::path &root) : m_ws(workspace)
{
    Statement add(m_ws.db(), "INSERT INTO result_imports(root, imported_at) VALUES(?, ?)");
    add.bind(1, root.string()).bind(2, utcNow()).run();
    m_importId = m_ws.db().lastInsertId();
}

std::int64_t ResultImportStore::addEvaluation(const EvaluationRecord &e)
{
    Statement remove(m_ws.db(), "DELETE FROM evaluations WHERE path = ?");
    remove.bind(1, e.path).run();
    Statement insert(
        m_ws.db(),
        "INSERT INTO evaluations(import_id, path, intervention, variant, model, train_distribution,"
        " eval_distribution, model_dir, timestamp, short_form, stored_accuracy, stored_brier, stored_average,"
        " stored_rms, has_rms_key, stored_loss, probability_count, probabilities, accuracy, brier,"
        " average_probability, rms, corrected_calibration, hard_probabilities)"
        " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    const auto &c = e.content;
    insert.bind(1, m_importId)
        .bind(2, e.path)
        .bind(3, e.where.intervention)
        .bind(4, e.where.variant)
        .bind(5, e.where.model)
        .bind(6, e.where.trainDistribution)
        .bind(7, e.where.evaluatedDistribution)
        .bind(8, c.modelDir)
        .bind(9, c.timestamp)
        .bind(10, c.shortForm ? 1 : 0);
    bindOptional(insert, 11, c.accuracy);
    bindOptional(insert, 12, c.brierScore);
    bindOptional(insert, 13, c.averageProbability);
    bindOptional(insert, 14, c.rmsCalibrationError);
    insert.bind(15, c.hasRmsKey ? 1 : 0);
    bindOptional(insert, 16, c.loss);
    insert.bind(17, int(c.probabilities.size()));
    const bool hasP = c.hasProbabilities && !c.probabilities.empty();
    if (hasP)
        insert.bindBlob(18, c.probabilities.data(), c.probabilities.size() * sizeof(double));
    else
        insert.bindNull(18);
    bindOptional(insert, 19, hasP ? std::optional(e.recomputed.accuracy) : std::nullopt);
    bindOptional(insert, 20, hasP ? std::optional(e.recomputed.brierScore) : std::nullopt);
    bindOptional(insert, 21, hasP ? std::optional(e.recomputed.averageProbability) : std::nullopt);
    bindOptional(insert, 22, hasP ? std::optional(e.recomputed.rmsCalibrationError) : std::nullopt);
    bindOptional(insert, 23, hasP ? std::optional(e.corrected) : std::nullopt);
    insert.bind(24, e.hard ? 1 : 0).run();
    const std::int64_t id = m_ws.db().lastInsertId();
    for (const auto &[kind, message] : e.flags)
        addFlag(id, kind, message);
    return id;
}

void ResultImportStore::addFlag(std::int64_t evaluationId, const std::string &kind, const std::string &message)
{
    Statement flag(m_ws.db(), "INSERT INTO evaluation_flags(evaluation_id, kind, message) VALUES(?, ?, ?)");
    flag.bind(1, evaluationId).bind(2, kind).bind(3, message).run();
}

int ResultImportStore::markDuplicates()
{
    Database &db = m_ws.db();
    // Only imported files are copies of one another; a run's evaluations are its own.
    db.exec("UPDATE evaluations SET duplicate_of = NULL");
    db.exec("UPDATE evaluations AS e SET duplicate_of = (SELECT c.id FROM evaluations c WHERE c.model = e.model"
            " AND c.intervention = e.intervention AND c.train_distribution = e.train_distribution"
            " AND c.eval_distribution = e.eval_distribution AND c.unit_id IS NULL"
            " ORDER BY c.variant != '', c.path LIMIT 1) WHERE e.unit_id IS NULL");
    db.exec("UPDATE evaluations SET duplicate_of = NULL WHERE duplicate_of = id");
    Statement duplicates(db, "SELECT count(*) FROM evaluations WHERE duplicate_of IS NOT NULL");
    return duplicates.step() ? duplicates.integer(0) : 0;
}

std::vector<LinkCheck> ResultImportStore::linkChecks()
{
    Statement st(m_ws.db(), "SELECT e.id, e.probability_count, d.test_pairs, e.eval_distribution FROM evaluations e"
                            " JOIN distributions d ON d.name = e.eval_distribution"
                            " WHERE e.import_id = ? AND e.probability_count > 0");
    st.bind(1, m_importId);
    std::vector<LinkCheck> checks;
    while (st.step())
        checks.push_back({st.int64(0), st.integer(1), st.integer(2), st.text(3)});
    return checks;
}

void ResultImportStore::addPublishedRow(const PublishedTable &table, int row, const GeneralizationRow &v)
{
    Statement insert(
        m_ws.db(), "INSERT OR REPLACE INTO published_metrics(import_id, model, intervention, file, row, source, target,"
                   " target_reference, generalization_accuracy, baseline_accuracy, baseline_intervention,"
                   " target_tuned_capability, target_tuned_capability_intervention, source_id_accuracy,"
                   " rms_calibration_error, differential_elicitation)"
                   " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    insert.bind(1, m_importId)
        .bind(2, table.model)
        .bind(3, table.intervention)
        .bind(4, table.file)
        .bind(5, row)
        .bind(6, v.source)
        .bind(7, v.target)
        .bind(8, v.targetReference);
    bindOptional(insert, 9, v.generalizationAccuracy);
    bindOptional(insert, 10, v.baselineAccuracy);
    insert.bind(11, v.baselineIntervention);
    bindOptional(insert, 12, v.targetTunedCapability);
    insert.bind(13, v.targetTunedCapabilityIntervention);
    bindOptional(insert, 14, v.sourceIdAccuracy);
    bindOptional(insert, 15, v.rmsCalibrationError);
    bindOptional(insert, 16, v.differentialElicitation);
    insert.run();
}

void ResultImportStore::addTargetCapability(const std::string &model, const std::string &target,
                                            const std::string &reference, const std::string &bestIntervention,
                                            std::optional<double> accuracy)
{
    Statement insert(m_ws.db(), "INSERT OR REPLACE INTO target_capabilities(import_id, model, target, target_reference,"
                                " best_intervention, accuracy) VALUES(?, ?, ?, ?, ?, ?)");
    insert.bind(1, m_importId).bind(2, model).bind(3, target).bind(4, reference).bind(5, bestIntervention);
    bindOptional(insert, 6, accuracy);
    insert.run();
}

} // namespace shiftscope
