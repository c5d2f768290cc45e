#pragma once

#include <cstdint>
#include <cstring>
#include <vector>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace shiftscope {

//! An SQLite failure that is not the user's input (disk full, locked file, corrupt page...).
class DatabaseError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

//! Thin RAII handle over an sqlite3 connection.
class Database {
public:
    Database() = default;
    Database(const std::string &path, bool create);
    ~Database();
    Database(Database &&other) noexcept;
    Database &operator=(Database &&other) noexcept;
    Database(const Database &) = delete;
    Database &operator=(const Database &) = delete;

    //! Closes the connection (the destructor does too). While a connection is open its file is registered with
    //! ProtectedFiles, so that nothing else in the process opens it and drops SQLite's locks.
    void close();
    void exec(std::string_view sql);
    std::int64_t lastInsertId() const;
    int changes() const;
    sqlite3 *handle() const { return m_db; }
    bool isOpen() const { return m_db != nullptr; }
    const std::string &path() const { return m_path; }

private:
    sqlite3 *m_db = nullptr;
    std::string m_path;
};

//! A prepared statement. Binding indexes are 1-based, column indexes 0-based, as in SQLite.
class Statement {
public:
    Statement(const Database &db, std::string_view sql);
    ~Statement();
    Statement(Statement &&other) noexcept;
    Statement(const Statement &) = delete;
    Statement &operator=(const Statement &) = delete;

    Statement &bind(int index, std::int64_t value);
    Statement &bind(int index, int value) { return bind(index, std::int64_t(value)); }
    Statement &bind(int index, double value);
    Statement &bind(int index, std::string_view value);
    Statement &bind(int index, const char *value) { return bind(index, std::string_view(value)); }
    Statement &bind(int index, const std::string &value) { return bind(index, std::string_view(value)); }
    Statement &bindNull(int index);
    Statement &bindBlob(int index, const void *data, std::size_t size);
    Statement &bind(int index, const std::optional<std::string> &value)
    {
        return value ? bind(index, *value) : bindNull(index);
    }

    //! Advances to the next row; false when done.
    bool step();
    //! Runs a statement that returns no rows, then resets it for reuse.
    void run();
    void reset();

    bool isNull(int column) const;
    std::int64_t int64(int column) const;
    int integer(int column) const { return int(int64(column)); }
    double real(int column) const;
    std::string text(int column) const;
    std::optional<std::string> optionalText(int column) const;
    //! Copies a BLOB column into `out` (resized to whole elements).
    template <typename T>
    void blob(int column, std::vector<T> &out) const
    {
        const std::size_t bytes = blobSize(column);
        out.resize(bytes / sizeof(T));
        if (!out.empty())
            std::memcpy(out.data(), blobData(column), out.size() * sizeof(T));
    }

private:
    const void *blobData(int column) const;
    std::size_t blobSize(int column) const;

    sqlite3 *m_db = nullptr;
    sqlite3_stmt *m_stmt = nullptr;
};

//! Begins a transaction; rolls back on destruction unless commit() was called. Inside another transaction it is a
//! savepoint of it: its commit keeps its writes for the outer one to commit, its rollback undoes only its own.
class Transaction {
public:
    explicit Transaction(Database &db);
    ~Transaction();
    Transaction(const Transaction &) = delete;
    Transaction &operator=(const Transaction &) = delete;
    void commit();

private:
    Database &m_db;
    bool m_done = false;
    bool m_nested = false;
};

} // namespace shiftscope
