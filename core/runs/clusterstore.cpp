#include "runs/clusterstore.h"

#include "util/errors.h"

#include <nlohmann/json.hpp>

namespace shiftscope {

namespace {
using Json = nlohmann::json;

constexpr std::int32_t kShardApplicationId = 0x53535368; // "SSSh"
constexpr int kShardVersion = 1;

Json jobsJson(const std::vector<ClusterJob> &jobs)
{
    Json list = Json::array();
    for (const auto &j : jobs)
        list.push_back(
            {{"array", j.arrayJob}, {"collect", j.collectJob}, {"units", j.units}, {"submitted_at", j.submittedAt}});
    return list;
}

std::vector<ClusterJob> jobsFrom(const std::string &text)
{
    std::vector<ClusterJob> jobs;
    const Json list = Json::parse(text, nullptr, false);
    if (!list.is_array())
        return jobs;
    for (const auto &j : list)
        jobs.push_back({j.value("array", ""), j.value("collect", ""), j.value("units", std::vector<int>{}),
                        j.value("submitted_at", "")});
    return jobs;
}

InputError damaged(const std::filesystem::path &path, const std::string &why)
{
    return InputError(InputProblem{path.string(),
                                   {},
                                   "not a usable unit shard: " + why,
                                   "delete this shard folder and resubmit the unit with run --resume"});
}
} // namespace

void ClusterStore::create(const ClusterSubmission &s)
{
    Statement st(m_ws.db(), "INSERT INTO run_submissions(run_id, plan_dir, plan_id, options, jobs, submitted_at)"
                            " VALUES(?, ?, ?, ?, ?, ?)");
    st.bind(1, s.runId)
        .bind(2, s.planDir.string())
        .bind(3, s.planId)
        .bind(4, s.optionsJson)
        .bind(5, jobsJson(s.jobs).dump())
        .bind(6, s.submittedAt.empty() ? utcNow() : s.submittedAt)
        .run();
}

std::optional<ClusterSubmission> ClusterStore::submission(std::int64_t runId)
{
    Statement st(m_ws.db(),
                 "SELECT plan_dir, plan_id, options, jobs, submitted_at FROM run_submissions WHERE run_id = ?");
    st.bind(1, runId);
    if (!st.step())
        return std::nullopt;
    return ClusterSubmission{runId, st.text(0), st.text(1), st.text(2), jobsFrom(st.text(3)), st.text(4)};
}

void ClusterStore::addJob(std::int64_t runId, const ClusterJob &job)
{
    Transaction tx(m_ws.db());
    auto jobs = submission(runId).value_or(ClusterSubmission{}).jobs;
    jobs.push_back(job);
    Statement st(m_ws.db(), "UPDATE run_submissions SET jobs = ? WHERE run_id = ?");
    st.bind(1, jobsJson(jobs).dump()).bind(2, runId).run();
    tx.commit();
}

void ClusterStore::remove(std::int64_t runId)
{
    Statement st(m_ws.db(), "DELETE FROM run_submissions WHERE run_id = ?");
    st.bind(1, runId).run();
}

void ClusterStore::writePlanData(const std::filesystem::path &planData, std::int64_t runId,
                                 const std::vector<std::string> &distributions)
{
    Database plan(planData.string(), false);
    plan.exec("PRAGMA journal_mode = DELETE");
    plan.exec("PRAGMA foreign_keys = ON");
    Statement attach(plan, "ATTACH DATABASE ? AS source");
    attach.bind(1, m_ws.path().string()).run();
    {
        // A deferred transaction: the workspace attached beside it is only read, and its writers must not wait.
        plan.exec("BEGIN DEFERRED");
        Statement names(plan, "CREATE TEMP TABLE wanted(name TEXT PRIMARY KEY)");
        names.run();
        Statement want(plan, "INSERT OR IGNORE INTO wanted(name) VALUES(?)");
        for (const auto &d : distributions)
            want.bind(1, d).run();
        plan.exec("INSERT INTO main.distributions SELECT * FROM source.distributions"
                  " WHERE name IN (SELECT name FROM wanted);"
                  "INSERT INTO main.examples SELECT * FROM source.examples WHERE distribution_id IN"
                  " (SELECT id FROM main.distributions);"
                  "INSERT INTO main.responses SELECT r.* FROM source.responses r JOIN main.examples e"
                  " ON e.id = r.example_id;");
        Statement runs(plan, "INSERT INTO main.runs SELECT * FROM source.runs WHERE id = ?");
        runs.bind(1, runId).run();
        Statement units(plan, "INSERT INTO main.run_units SELECT * FROM source.run_units WHERE run_id = ?");
        units.bind(1, runId).run();
        plan.exec("DROP TABLE temp.wanted");
        plan.exec("COMMIT");
    }
    plan.exec("DETACH DATABASE source");
}

void writeUnitShard(const std::filesystem::path &path, const UnitShard &shard)
{
    Database db(path.string(), true);
    db.exec("PRAGMA application_id = " + std::to_string(kShardApplicationId)
            + ";"
              "PRAGMA user_version = "
            + std::to_string(kShardVersion)
            + ";"
              "PRAGMA journal_mode = DELETE;"
              "CREATE TABLE shard (plan_id TEXT NOT NULL, run_id INTEGER NOT NULL, unit_position INTEGER NOT NULL,"
              " intervention TEXT NOT NULL, train_distribution TEXT NOT NULL, host TEXT NOT NULL,"
              " created_at TEXT NOT NULL, log TEXT NOT NULL, distributions TEXT NOT NULL);"
              "CREATE TABLE predictions (eval_distribution TEXT NOT NULL, pair_index INTEGER NOT NULL,"
              " probability REAL NOT NULL, PRIMARY KEY (eval_distribution, pair_index)) WITHOUT ROWID;");
    Transaction tx(db);
    Json counts = Json::object();
    for (const auto &[d, p] : shard.predictions)
        counts[d] = p.size();
    Statement head(db, "INSERT INTO shard VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)");
    head.bind(1, shard.planId)
        .bind(2, shard.runId)
        .bind(3, shard.unitPosition)
        .bind(4, shard.intervention)
        .bind(5, shard.trainDistribution)
        .bind(6, shard.host)
        .bind(7, shard.createdAt.empty() ? utcNow() : shard.createdAt)
        .bind(8, shard.log)
        .bind(9, counts.dump())
        .run();
    Statement insert(db, "INSERT INTO predictions VALUES(?, ?, ?)");
    for (const auto &[d, p] : shard.predictions)
        for (std::size_t k = 0; k < p.size(); ++k)
            insert.bind(1, d).bind(2, std::int64_t(k)).bind(3, p[k]).run();
    tx.commit();
}

UnitShard readUnitShard(const std::filesystem::path &path)
{
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec))
        throw damaged(path, "the file is missing");
    UnitShard shard;
    try {
        Database db(path.string(), false);
        auto pragma = [&](const char *name) {
            Statement st(db, std::string("PRAGMA ") + name);
            return st.step() ? st.text(0) : std::string();
        };
        if (pragma("application_id") != std::to_string(kShardApplicationId))
            throw damaged(path, "not a ShiftScope shard");
        if (pragma("user_version") != std::to_string(kShardVersion))
            throw damaged(path, "written by another version of ShiftScope");
        if (const std::string check = pragma("quick_check"); check != "ok")
            throw damaged(path, "the database is damaged (" + check + ")");
        Statement head(db, "SELECT plan_id, run_id, unit_position, intervention, train_distribution, host,"
                           " created_at, log, distributions FROM shard");
        if (!head.step())
            throw damaged(path, "it names no unit");
        shard.planId = head.text(0);
        shard.runId = head.int64(1);
        shard.unitPosition = head.integer(2);
        shard.intervention = head.text(3);
        shard.trainDistribution = head.text(4);
        shard.host = head.text(5);
        shard.createdAt = head.text(6);
        shard.log = head.text(7);
        const Json counts = Json::parse(head.text(8), nullptr, false);
        if (!counts.is_object())
            throw damaged(path, "its list of distributions is unreadable");
        Statement rows(db, "SELECT eval_distribution, pair_index, probability FROM predictions"
                           " ORDER BY eval_distribution, pair_index");
        while (rows.step()) {
            auto &p = shard.predictions[rows.text(0)];
            if (rows.int64(1) != std::int64_t(p.size()))
                throw damaged(path, "pair " + std::to_string(p.size()) + " of " + rows.text(0) + " is missing");
            p.push_back(rows.real(2));
        }
        for (const auto &[d, n] : counts.items())
            if (!n.is_number_unsigned() || shard.predictions[d].size() != n.get<std::size_t>())
                throw damaged(path, "the predictions of " + d + " are incomplete");
        if (shard.predictions.size() != counts.size())
            throw damaged(path, "it holds predictions of a distribution it does not list");
    } catch (const DatabaseError &e) {
        throw damaged(path, e.what());
    } catch (const InputError &e) {
        const std::string &why = e.problems().front().message;
        if (why.rfind("not a usable unit shard", 0) == 0)
            throw;
        throw damaged(path, why); // SQLite's: a damaged or unreadable file
    }
    return shard;
}

} // namespace shiftscope
