#include "workspace/sqlite.h"

#include "util/errors.h"
#include "util/inputfile.h"

#include <sqlite3.h>
#include <utility>

namespace shiftscope {

namespace {

//! What the user can act on, as InputError naming the file: a damaged or read-only file, a lock held too long, a
//! full or failing disk. Anything else stays a DatabaseError.
void throwIfTheFile(int code, const std::string &file, const std::string &message)
{
    auto problem = [&](std::string what, std::string fix) {
        return InputError(InputProblem{file, {}, std::move(what), std::move(fix)});
    };
    switch (code & 0xff) {
    case SQLITE_CORRUPT:
        throw problem("the file is damaged (" + message + ")",
                      "restore it from a backup, or save what can still be read with: sqlite3 FILE .recover");
    case SQLITE_READONLY:
        throw problem("it cannot be written: the file or its folder is read-only (" + message + ")",
                      "make the file and its folder writable, or work on a copy");
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        throw problem("another process has kept it locked for over a minute",
                      "wait for that process to finish, or close it, and try again");
    case SQLITE_FULL: throw problem("the disk is full", "free some space and try again");
    case SQLITE_IOERR:
        throw problem("the disk could not be read or written (" + message + ")",
                      "check the disk, and that the file and its folder can be written");
    case SQLITE_CANTOPEN:
        throw problem("it cannot be opened (" + message + ")",
                      "check that its folder exists and can be written: SQLite keeps its journal beside the file");
    default: break;
    }
}

[[noreturn]] void fail(sqlite3 *db, std::string_view what)
{
    if (!db)
        throw DatabaseError(std::string(what) + ": out of memory");
    const char *file = sqlite3_db_filename(db, "main");
    throwIfTheFile(sqlite3_extended_errcode(db), file ? file : "", sqlite3_errmsg(db));
    throw DatabaseError(std::string(what) + ": " + sqlite3_errmsg(db));
}

} // namespace

Database::Database(const std::string &path, bool create) : m_path(path)
{
    const int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path.c_str(), &m_db, flags, nullptr) != SQLITE_OK) {
        const std::string message = m_db ? sqlite3_errmsg(m_db) : "out of memory";
        const int code = m_db ? sqlite3_extended_errcode(m_db) : SQLITE_NOMEM;
        sqlite3_close(m_db);
        m_db = nullptr;
        throwIfTheFile(code, path, message);
        throw DatabaseError(path + ": cannot open: " + message);
    }
    // Writers queue for the write lock: an import's write phase or a run's batch can take seconds, and another
    // process's write must wait for it, not fail with "database is locked".
    sqlite3_busy_timeout(m_db, 60000);
    sqlite3_extended_result_codes(m_db, 1);
    ProtectedFiles::add(m_path);
}

Database::~Database() { close(); }

void Database::close()
{
    if (!m_db)
        return;
    sqlite3_close_v2(m_db);
    m_db = nullptr;
    ProtectedFiles::remove(m_path);
}

Database::Database(Database &&other) noexcept
    : m_db(std::exchange(other.m_db, nullptr)), m_path(std::move(other.m_path))
{
}

Database &Database::operator=(Database &&other) noexcept
{
    if (this != &other) {
        close();
        m_db = std::exchange(other.m_db, nullptr);
        m_path = std::move(other.m_path);
    }
    return *this;
}

void Database::exec(std::string_view sql)
{
    char *error = nullptr;
    const std::string text(sql);
    if (sqlite3_exec(m_db, text.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
        std::string message = error ? error : "unknown error";
        sqlite3_free(error);
        throwIfTheFile(sqlite3_extended_errcode(m_db), m_path, message);
        throw DatabaseError(m_path + ": " + message);
    }
}

std::int64_t Database::lastInsertId() const { return sqlite3_last_insert_rowid(m_db); }

int Database::changes() const { return sqlite3_changes(m_db); }

Statement::Statement(const Database &db, std::string_view sql) : m_db(db.handle())
{
    if (sqlite3_prepare_v2(m_db, sql.data(), int(sql.size()), &m_stmt, nullptr) != SQLITE_OK)
        fail(m_db, "prepare '" + std::string(sql.substr(0, 60)) + "'");
}

Statement::~Statement() { sqlite3_finalize(m_stmt); }

Statement::Statement(Statement &&other) noexcept : m_db(other.m_db), m_stmt(std::exchange(other.m_stmt, nullptr)) {}

Statement &Statement::bind(int index, std::int64_t value)
{
    if (sqlite3_bind_int64(m_stmt, index, value) != SQLITE_OK)
        fail(m_db, "bind");
    return *this;
}

Statement &Statement::bind(int index, double value)
{
    if (sqlite3_bind_double(m_stmt, index, value) != SQLITE_OK)
        fail(m_db, "bind");
    return *this;
}

Statement &Statement::bind(int index, std::string_view value)
{
    if (sqlite3_bind_text64(m_stmt, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8) != SQLITE_OK)
        fail(m_db, "bind");
    return *this;
}

Statement &Statement::bindNull(int index)
{
    if (sqlite3_bind_null(m_stmt, index) != SQLITE_OK)
        fail(m_db, "bind");
    return *this;
}

Statement &Statement::bindBlob(int index, const void *data, std::size_t size)
{
    if (sqlite3_bind_blob64(m_stmt, index, data, size, SQLITE_TRANSIENT) != SQLITE_OK)
        fail(m_db, "bind");
    return *this;
}

const void *Statement::blobData(int column) const { return sqlite3_column_blob(m_stmt, column); }

std::size_t Statement::blobSize(int column) const { return std::size_t(sqlite3_column_bytes(m_stmt, column)); }

bool Statement::step()
{
    const int rc = sqlite3_step(m_stmt);
    if (rc == SQLITE_ROW)
        return true;
    if (rc == SQLITE_DONE)
        return false;
    fail(m_db, "step");
}

void Statement::run()
{
    step();
    reset();
}

void Statement::reset()
{
    sqlite3_reset(m_stmt);
    sqlite3_clear_bindings(m_stmt);
}

bool Statement::isNull(int column) const { return sqlite3_column_type(m_stmt, column) == SQLITE_NULL; }

std::int64_t Statement::int64(int column) const { return sqlite3_column_int64(m_stmt, column); }

double Statement::real(int column) const { return sqlite3_column_double(m_stmt, column); }

std::string Statement::text(int column) const
{
    const auto *data = reinterpret_cast<const char *>(sqlite3_column_text(m_stmt, column));
    return data ? std::string(data, std::size_t(sqlite3_column_bytes(m_stmt, column))) : std::string();
}

std::optional<std::string> Statement::optionalText(int column) const
{
    if (isNull(column))
        return std::nullopt;
    return text(column);
}

Transaction::Transaction(Database &db) : m_db(db), m_nested(sqlite3_get_autocommit(db.handle()) == 0)
{
    m_db.exec(m_nested ? "SAVEPOINT nested" : "BEGIN IMMEDIATE");
}

Transaction::~Transaction()
{
    if (!m_done) {
        try {
            m_db.exec(m_nested ? "ROLLBACK TO nested; RELEASE nested" : "ROLLBACK");
        } catch (...) {
            // The connection already rolled back (e.g. after a disk error); nothing more to undo.
        }
    }
}

void Transaction::commit()
{
    m_db.exec(m_nested ? "RELEASE nested" : "COMMIT");
    m_done = true;
}

} // namespace shiftscope
