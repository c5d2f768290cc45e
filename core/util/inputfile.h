#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

namespace shiftscope {

//! Files this process must reach only through SQLite: the open workspaces and their -wal, -shm and -journal files.
//!
//! On POSIX, closing any descriptor of a file drops every lock the process holds on that file, including SQLite's.
//! A process that read its own open workspace with an ifstream (to check a header, hash it, preview it) would
//! leave the other processes on the workspace believing it gone: the next one to close deletes the WAL under it
//! and its later writes are lost. Workspace registers its file while a connection is open; every file read and
//! write of core goes through readInputFile() or refuseProtectedFile(), which check this list before opening.
class ProtectedFiles {
public:
    //! Registers `database` (and its SQLite side files) until as many remove() calls have been made as add() calls.
    static void add(const std::filesystem::path &database);
    static void remove(const std::filesystem::path &database);
    //! True when `path` is one of the registered files (compared by device and inode, so other names of the same
    //! file count too). Uses stat() only: it never opens anything.
    static bool contains(const std::filesystem::path &path);
};

//! Throws InputError naming `path` when it is a protected file (an open workspace or one of its side files).
void refuseProtectedFile(const std::filesystem::path &path);

//! The size limit readInputFile applies unless told otherwise: 4 GiB.
inline constexpr std::uint64_t kMaxInputFileBytes = std::uint64_t(4) << 30;

//! The whole content of a user's input file. Refuses, with an InputError naming the file and the fix: a missing or
//! unreadable file, anything that is not a regular file (a FIFO or a device would block or never end), a file
//! larger than `maxBytes`, and a protected file. `fix` is the advice for a file that cannot be read.
std::string readInputFile(const std::filesystem::path &path, std::uint64_t maxBytes = kMaxInputFileBytes,
                          std::string_view fix = "check that the file exists and is readable");

//! Reads a (possibly huge) input file in pieces of at most `chunkBytes`, with the same checks as readInputFile
//! but no size limit.
void readInputFileChunks(const std::filesystem::path &path, std::size_t chunkBytes,
                         const std::function<void(std::string_view)> &consume);

//! Reads `count` blocks of at most `blockBytes` at evenly spaced offsets of an input file (the first at its start,
//! the last ending at its end; fewer when the file is small, which is then read whole), with the same checks as
//! readInputFile. `consume` gets each block in file order.
void readInputFileSamples(const std::filesystem::path &path, std::size_t blockBytes, int count,
                          const std::function<void(std::string_view)> &consume);

inline constexpr int kMaxJsonDepth = 64;

//! Untrusted JSON may nest without bound, and nlohmann's dump() and the destructors of some value types recurse
//! once per level: checks `text` before it is parsed and throws an InputError naming `file` and the line and column
//! where nesting passes `maxDepth` (no file ShiftScope reads legitimately nests deeper than a few levels).
void checkJsonDepth(std::string_view text, const std::filesystem::path &file, int maxDepth = kMaxJsonDepth);

} // namespace shiftscope
