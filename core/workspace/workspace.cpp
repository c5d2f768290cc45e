#include "workspace/workspace.h"

#include "genies/builtincatalogue.h"
#include "genies/shiftcatalogue.h"
#include "util/errors.h"
#include "util/sha256.h"
#include "workspace/schema.h"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace shiftscope {

namespace {

constexpr const char *kBuiltinHashKey = "builtin_catalogue_hash";

int pragmaInt(Database &db, const char *pragma)
{
    Statement st(db, std::string("PRAGMA ") + pragma);
    return st.step() ? st.integer(0) : 0;
}

std::string likePattern(const std::string &search)
{
    std::string pattern = "%";
    for (char c : search) {
        if (c == '%' || c == '_' || c == '\\')
            pattern += '\\';
        pattern += c;
    }
    return pattern + "%";
}

} // namespace

std::string_view subjectName(AnnotationSubject subject)
{
    switch (subject) {
    case AnnotationSubject::Example: return "example";
    case AnnotationSubject::Pair: return "pair";
    case AnnotationSubject::Response: return "response";
    }
    return "example";
}

std::optional<AnnotationSubject> subjectFromName(std::string_view name)
{
    if (name == "example")
        return AnnotationSubject::Example;
    if (name == "pair")
        return AnnotationSubject::Pair;
    if (name == "response")
        return AnnotationSubject::Response;
    return std::nullopt;
}

std::string utcNow()
{
    const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buffer;
}

// The path is kept absolute: artifact folders and stored paths derive from it, and must not depend on the folder
// the program was started in.
Workspace::Workspace(Database db, std::filesystem::path path)
    : m_db(std::move(db)), m_path(std::filesystem::absolute(path))
{
}

Workspace Workspace::create(const std::filesystem::path &path)
{
    std::error_code ec;
    if (std::filesystem::exists(path, ec))
        throw InputError(InputProblem{path.string(),
                                      {},
                                      "a file with this name already exists",
                                      "open it as a workspace, or choose another name"});
    Workspace ws(Database(path.string(), true), path);
    ws.m_db.exec("PRAGMA application_id = " + std::to_string(kApplicationId));
    ws.configure();
    ws.migrate();
    return ws;
}

Workspace Workspace::open(const std::filesystem::path &path)
{
    const std::string file = path.string();
    std::error_code ec;
    if (!std::filesystem::exists(path, ec))
        throw InputError(InputProblem{file, {}, "no such workspace file", "check the path, or create a new workspace"});
    if (!std::filesystem::is_regular_file(path, ec))
        throw InputError(InputProblem{file,
                                      {},
                                      "not a ShiftScope workspace (not a regular file)",
                                      "choose a .sqlite workspace file, or create a new workspace"});
    // The header is checked by SQLite itself: opening the file any other way, even to read 16 bytes, would drop
    // the locks this process may already hold on it through another connection (see ProtectedFiles).
    Database db(file, false);
    int appId = 0;
    int version = 0;
    bool blank = false;
    try {
        appId = pragmaInt(db, "application_id");
        version = pragmaInt(db, "user_version");
        blank = appId == 0 && version == 0 && pragmaInt(db, "page_count") <= 1
             && !Statement(db, "SELECT 1 FROM sqlite_schema LIMIT 1").step();
    } catch (const DatabaseError &) {
        throw InputError(InputProblem{file,
                                      {},
                                      "not a ShiftScope workspace (the file is not an SQLite database)",
                                      "choose a .sqlite workspace file, or create a new workspace"});
    }
    if (blank) {
        // An empty file (or an empty database): what a crash or a full disk right after creating a workspace
        // leaves. It holds nothing, so it becomes the new workspace it was meant to be.
        db.exec("PRAGMA application_id = " + std::to_string(kApplicationId));
        appId = kApplicationId;
    }
    if (appId != kApplicationId)
        throw InputError(InputProblem{file,
                                      {},
                                      "not a ShiftScope workspace (an SQLite database of another program)",
                                      "choose a ShiftScope workspace, or create a new one"});
    if (version > kSchemaVersion)
        throw InputError(InputProblem{file,
                                      {},
                                      "written by a newer ShiftScope (workspace version " + std::to_string(version)
                                          + "; this build reads up to " + std::to_string(kSchemaVersion) + ")",
                                      "open it with a newer ShiftScope"});
    Workspace ws(std::move(db), path);
    ws.configure();
    ws.migrate();
    return ws;
}

Workspace Workspace::openOrCreate(const std::filesystem::path &path)
{
    std::error_code ec;
    return std::filesystem::exists(path, ec) ? open(path) : create(path);
}

void Workspace::configure()
{
    m_db.exec("PRAGMA journal_mode = WAL");
    m_db.exec("PRAGMA synchronous = NORMAL");
    m_db.exec("PRAGMA foreign_keys = ON");
    m_db.exec("PRAGMA cache_size = -65536");
}

int Workspace::schemaVersion() { return pragmaInt(m_db, "user_version"); }

std::int64_t Workspace::dataVersion() { return pragmaInt(m_db, "data_version"); }

void Workspace::migrate()
{
    const auto &migrations = workspaceMigrations();
    int version = schemaVersion();
    while (version < int(migrations.size())) {
        Transaction tx(m_db);
        m_db.exec(migrations[std::size_t(version)]);
        ++version;
        m_db.exec("PRAGMA user_version = " + std::to_string(version));
        tx.commit();
    }
    installBuiltinCatalogue();
}

void Workspace::installBuiltinCatalogue()
{
    const std::string hash = Sha256::hex(builtinCatalogueJson());
    Statement get(m_db, "SELECT value FROM meta WHERE key = ?");
    get.bind(1, kBuiltinHashKey);
    if (get.step() && get.text(0) == hash)
        return;
    const ShiftCatalogue &builtin = ShiftCatalogueReader::builtin();
    saveCatalogue(builtin.name, builtin.origin, builtin.rows, true);
    Statement put(m_db,
                  "INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
    put.bind(1, kBuiltinHashKey).bind(2, hash).run();
}

// ---------------------------------------------------------------------------------------------------------------
// Distributions and examples

namespace {
constexpr const char *kDistributionColumns = "id, name, origin_path, content_hash, train_examples, test_examples, "
                                             "responses_per_example, test_pairs, imported_at";

DistributionInfo readDistribution(const Statement &st)
{
    return {st.int64(0),   st.text(1),    st.text(2),    st.text(3), st.integer(4),
            st.integer(5), st.integer(6), st.integer(7), st.text(8)};
}
} // namespace

std::vector<DistributionInfo> Workspace::distributions()
{
    Statement st(m_db, std::string("SELECT ") + kDistributionColumns + " FROM distributions ORDER BY name");
    std::vector<DistributionInfo> out;
    while (st.step())
        out.push_back(readDistribution(st));
    return out;
}

std::optional<DistributionInfo> Workspace::distribution(const std::string &name)
{
    Statement st(m_db, std::string("SELECT ") + kDistributionColumns + " FROM distributions WHERE name = ?");
    st.bind(1, name);
    if (!st.step())
        return std::nullopt;
    return readDistribution(st);
}

namespace {
//! WHERE clause shared by the count and page queries; binds start at 1 with (distribution, split[, pattern x2]).
std::string exampleFilterSql(const ExampleQuery &query)
{
    std::string sql = "e.distribution_id = ?1 AND e.split = ?2";
    if (!query.search.empty())
        sql += " AND (e.prompt LIKE ?3 ESCAPE '\\' OR EXISTS (SELECT 1 FROM responses r WHERE r.example_id = e.id"
               " AND r.text LIKE ?3 ESCAPE '\\'))";
    if (query.flaggedOnly)
        sql += " AND EXISTS (SELECT 1 FROM annotations a JOIN distributions d ON d.name = a.distribution"
               " WHERE d.id = e.distribution_id AND a.example_hash = e.content_hash AND a.split = e.split)";
    return sql;
}

void bindFilter(Statement &st, const ExampleQuery &query)
{
    st.bind(1, query.distributionId).bind(2, splitName(query.split));
    if (!query.search.empty())
        st.bind(3, likePattern(query.search));
}
} // namespace

int Workspace::countExamples(const ExampleQuery &query)
{
    Statement st(m_db, "SELECT count(*) FROM examples e WHERE " + exampleFilterSql(query));
    bindFilter(st, query);
    return st.step() ? st.integer(0) : 0;
}

namespace {
//! The columns of an example table row: id, position, prompt, response count, preferred text, annotation count.
const char *const kExampleSummaryColumns =
    "SELECT e.id, e.position, e.prompt, e.response_count,"
    " (SELECT text FROM responses r WHERE r.example_id = e.id AND r.position = e.preferred_position) AS preferred,"
    " (SELECT count(*) FROM annotations a JOIN distributions d ON d.name = a.distribution"
    "   WHERE d.id = e.distribution_id AND a.example_hash = e.content_hash AND a.split = e.split) AS flags"
    " FROM examples e WHERE ";

std::vector<ExampleSummary> readSummaries(Statement &st)
{
    std::vector<ExampleSummary> out;
    while (st.step())
        out.push_back({st.int64(0), st.integer(1), st.text(2), st.text(4), st.integer(3), st.integer(5)});
    return out;
}
} // namespace

std::vector<ExampleSummary> Workspace::examplePage(const ExampleQuery &query, int afterPosition, int limit)
{
    Statement st(m_db, kExampleSummaryColumns + exampleFilterSql(query)
                           + " AND e.position > ?4 ORDER BY e.position LIMIT ?5");
    bindFilter(st, query);
    st.bind(4, afterPosition).bind(5, limit);
    return readSummaries(st);
}

std::vector<ExampleSummary> Workspace::examplePageAt(const ExampleQuery &query, int offset, int limit)
{
    std::string key;
    switch (query.order) {
    case ExampleOrder::Position: key = "e.position"; break;
    case ExampleOrder::Prompt: key = "e.prompt COLLATE NOCASE"; break;
    case ExampleOrder::Preferred: key = "preferred COLLATE NOCASE"; break;
    case ExampleOrder::Responses: key = "e.response_count"; break;
    case ExampleOrder::Flags: key = "flags"; break;
    }
    const std::string direction = query.descending ? " DESC" : "";
    Statement st(m_db, kExampleSummaryColumns + exampleFilterSql(query) + " ORDER BY " + key + direction
                           + ", e.position" + direction + " LIMIT ?5 OFFSET ?4");
    bindFilter(st, query);
    st.bind(4, offset).bind(5, limit);
    return readSummaries(st);
}

namespace {
std::optional<ExampleRecord> readExample(Database &db, Statement &st)
{
    if (!st.step())
        return std::nullopt;
    ExampleRecord record;
    record.id = st.int64(0);
    record.distribution = st.text(1);
    record.split = splitFromName(st.text(2)).value_or(Split::Test);
    record.example.position = st.integer(3);
    record.example.prompt = st.text(4);
    record.contentHash = st.text(5);
    record.example.extraJson = st.optionalText(6).value_or("");
    Statement responses(db, "SELECT text, label FROM responses WHERE example_id = ? ORDER BY position");
    responses.bind(1, record.id);
    while (responses.step())
        record.example.responses.push_back({responses.text(0), responses.integer(1)});
    return record;
}

constexpr const char *kExampleSelect =
    "SELECT e.id, d.name, e.split, e.position, e.prompt, e.content_hash, e.extra_json"
    " FROM examples e JOIN distributions d ON d.id = e.distribution_id ";
} // namespace

std::optional<ExampleRecord> Workspace::example(std::int64_t exampleId)
{
    Statement st(m_db, std::string(kExampleSelect) + "WHERE e.id = ?");
    st.bind(1, exampleId);
    return readExample(m_db, st);
}

std::optional<ExampleRecord> Workspace::exampleAt(const std::string &distribution, Split split, int position)
{
    Statement st(m_db, std::string(kExampleSelect) + "WHERE d.name = ? AND e.split = ? AND e.position = ?");
    st.bind(1, distribution).bind(2, splitName(split)).bind(3, position);
    return readExample(m_db, st);
}

std::vector<Example> Workspace::examples(const std::string &distribution, Split split, int limit)
{
    // One pass over responses joined to examples keeps this fast for whole distributions.
    Statement st(m_db,
                 "SELECT e.position, e.prompt, r.text, r.label, e.extra_json FROM examples e"
                 " JOIN distributions d ON d.id = e.distribution_id JOIN responses r ON r.example_id = e.id"
                 " WHERE d.name = ? AND e.split = ? AND (?3 < 0 OR e.position < ?3) ORDER BY e.position, r.position");
    st.bind(1, distribution).bind(2, splitName(split)).bind(3, limit);
    std::vector<Example> out;
    while (st.step()) {
        const int position = st.integer(0);
        if (out.empty() || out.back().position != position) {
            Example example;
            example.position = position;
            example.prompt = st.text(1);
            example.extraJson = st.optionalText(4).value_or("");
            out.push_back(std::move(example));
        }
        out.back().responses.push_back({st.text(2), st.integer(3)});
    }
    return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Catalogues

std::vector<CatalogueInfo> Workspace::catalogues()
{
    Statement st(m_db, "SELECT c.id, c.name, c.origin, c.builtin, count(s.id), count(s.id) - count(s.duplicate_of)"
                       " FROM catalogues c LEFT JOIN shifts s ON s.catalogue_id = c.id GROUP BY c.id"
                       " ORDER BY c.builtin DESC, c.name");
    std::vector<CatalogueInfo> out;
    while (st.step())
        out.push_back({st.int64(0), st.text(1), st.text(2), st.integer(3) != 0, st.integer(4), st.integer(5)});
    return out;
}

std::optional<CatalogueInfo> Workspace::catalogue(const std::string &name)
{
    for (auto &c : catalogues())
        if (c.name == name)
            return c;
    return std::nullopt;
}

std::int64_t Workspace::builtinCatalogueId()
{
    Statement st(m_db, "SELECT id FROM catalogues WHERE builtin = 1 ORDER BY id LIMIT 1");
    return st.step() ? st.int64(0) : 0;
}

std::vector<ShiftPair> Workspace::shifts(std::int64_t catalogueId, bool uniqueOnly)
{
    Statement st(m_db,
                 std::string("SELECT row, source, target, target_reference, category, grp, genies_rank, duplicate_of"
                             " FROM shifts WHERE catalogue_id = ?")
                     + (uniqueOnly ? " AND duplicate_of IS NULL" : "") + " ORDER BY row");
    st.bind(1, catalogueId);
    std::vector<ShiftPair> out;
    while (st.step()) {
        ShiftPair p;
        p.row = st.integer(0);
        p.source = st.text(1);
        p.target = st.text(2);
        p.targetReference = st.optionalText(3).value_or("");
        p.category = st.text(4);
        p.group = st.text(5);
        p.geniesRank = st.integer(6);
        if (!st.isNull(7))
            p.duplicateOf = st.integer(7);
        out.push_back(std::move(p));
    }
    return out;
}

std::int64_t Workspace::saveCatalogue(const std::string &name, const std::string &origin,
                                      const std::vector<ShiftPair> &rows, bool builtin)
{
    Transaction tx(m_db);
    Statement remove(m_db, "DELETE FROM catalogues WHERE name = ?");
    remove.bind(1, name).run();
    Statement insert(m_db, "INSERT INTO catalogues(name, origin, builtin) VALUES(?, ?, ?)");
    insert.bind(1, name).bind(2, origin).bind(3, builtin ? 1 : 0).run();
    const std::int64_t id = m_db.lastInsertId();
    Statement row(m_db,
                  "INSERT INTO shifts(catalogue_id, row, source, target, target_reference, category, grp, genies_rank,"
                  " duplicate_of) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)");
    for (const auto &p : rows) {
        row.bind(1, id).bind(2, p.row).bind(3, p.source).bind(4, p.target);
        if (p.targetReference.empty())
            row.bindNull(5);
        else
            row.bind(5, p.targetReference);
        row.bind(6, p.category).bind(7, p.group).bind(8, p.geniesRank);
        if (p.duplicateOf)
            row.bind(9, *p.duplicateOf);
        else
            row.bindNull(9);
        row.run();
    }
    tx.commit();
    return id;
}

// ---------------------------------------------------------------------------------------------------------------
// Annotations

std::int64_t Workspace::addAnnotation(const Annotation &a)
{
    Statement st(m_db,
                 "INSERT INTO annotations(distribution, split, example_hash, subject, response_position, flag, note,"
                 " author, created_at) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)");
    st.bind(1, a.distribution).bind(2, splitName(a.split)).bind(3, a.exampleHash).bind(4, subjectName(a.subject));
    if (a.responsePosition)
        st.bind(5, *a.responsePosition);
    else
        st.bindNull(5);
    st.bind(6, a.flag).bind(7, a.note).bind(8, a.author).bind(9, a.createdAt.empty() ? utcNow() : a.createdAt);
    st.run();
    return m_db.lastInsertId();
}

namespace {
constexpr const char *kAnnotationColumns =
    "a.id, a.distribution, a.split, a.example_hash, a.subject, a.response_position, a.flag, a.note, a.author,"
    " a.created_at";

Annotation readAnnotation(const Statement &st)
{
    Annotation a;
    a.id = st.int64(0);
    a.distribution = st.text(1);
    a.split = splitFromName(st.text(2)).value_or(Split::Test);
    a.exampleHash = st.text(3);
    a.subject = subjectFromName(st.text(4)).value_or(AnnotationSubject::Example);
    if (!st.isNull(5))
        a.responsePosition = st.integer(5);
    a.flag = st.text(6);
    a.note = st.text(7);
    a.author = st.text(8);
    a.createdAt = st.text(9);
    return a;
}
} // namespace

bool Workspace::hasAnnotation(const Annotation &a)
{
    // -1 stands for "no response" so one comparison covers both cases.
    Statement st(m_db, "SELECT 1 FROM annotations WHERE distribution = ? AND split = ? AND example_hash = ?"
                       " AND subject = ? AND coalesce(response_position, -1) = ? AND flag = ? AND note = ?"
                       " AND author = ? AND created_at = ? LIMIT 1");
    st.bind(1, a.distribution).bind(2, splitName(a.split)).bind(3, a.exampleHash).bind(4, subjectName(a.subject));
    st.bind(5, a.responsePosition.value_or(-1)).bind(6, a.flag).bind(7, a.note).bind(8, a.author);
    return st.bind(9, a.createdAt).step();
}

std::optional<ExampleLocation> Workspace::findExampleByHash(const std::string &distribution, Split split,
                                                            const std::string &hash)
{
    Statement st(m_db, "SELECT e.id, e.position, e.response_count, e.preferred_position FROM examples e"
                       " JOIN distributions d ON d.id = e.distribution_id"
                       " WHERE d.name = ? AND e.split = ? AND e.content_hash = ? ORDER BY e.position LIMIT 1");
    st.bind(1, distribution).bind(2, splitName(split)).bind(3, hash);
    if (!st.step())
        return std::nullopt;
    return ExampleLocation{st.int64(0), st.integer(1), st.integer(2), st.integer(3)};
}

std::vector<Annotation> Workspace::annotationsForExample(std::int64_t exampleId)
{
    Statement st(m_db,
                 std::string("SELECT ") + kAnnotationColumns
                     + " FROM annotations a JOIN examples e ON e.content_hash = a.example_hash AND e.split = a.split"
                       " JOIN distributions d ON d.id = e.distribution_id AND d.name = a.distribution"
                       " WHERE e.id = ? ORDER BY a.created_at, a.id");
    st.bind(1, exampleId);
    std::vector<Annotation> out;
    while (st.step())
        out.push_back(readAnnotation(st));
    return out;
}

std::vector<Annotation> Workspace::annotations(const std::string &distribution)
{
    Statement st(m_db, std::string("SELECT ") + kAnnotationColumns
                           + " FROM annotations a WHERE ?1 = '' OR a.distribution = ?1 ORDER BY a.created_at, a.id");
    st.bind(1, distribution);
    std::vector<Annotation> out;
    while (st.step())
        out.push_back(readAnnotation(st));
    return out;
}

} // namespace shiftscope
