#include "util/inputfile.h"

#include "util/errors.h"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <mutex>
#include <sys/stat.h>
#include <unistd.h>

namespace shiftscope {

namespace fs = std::filesystem;

namespace {

std::mutex &registryMutex()
{
    static std::mutex m;
    return m;
}

//! Registered databases (absolute paths) and how many open workspaces hold each.
std::map<std::string, int> &registry()
{
    static std::map<std::string, int> r;
    return r;
}

std::string key(const fs::path &database)
{
    std::error_code ec;
    const fs::path absolute = fs::absolute(database, ec);
    return (ec ? database : absolute).lexically_normal().string();
}

bool sameFile(const struct stat &a, const std::string &path)
{
    struct stat b {};
    return ::stat(path.c_str(), &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

} // namespace

void ProtectedFiles::add(const fs::path &database)
{
    const std::lock_guard lock(registryMutex());
    ++registry()[key(database)];
}

void ProtectedFiles::remove(const fs::path &database)
{
    const std::lock_guard lock(registryMutex());
    const auto it = registry().find(key(database));
    if (it != registry().end() && --it->second <= 0)
        registry().erase(it);
}

bool ProtectedFiles::contains(const fs::path &path)
{
    struct stat target {};
    if (::stat(path.c_str(), &target) != 0)
        return false;
    const std::lock_guard lock(registryMutex());
    for (const auto &[database, count] : registry())
        for (const char *suffix : {"", "-wal", "-shm", "-journal"})
            if (sameFile(target, database + suffix))
                return true;
    return false;
}

void refuseProtectedFile(const fs::path &path)
{
    if (ProtectedFiles::contains(path))
        throw InputError(
            InputProblem{path.string(),
                         {},
                         "is the open workspace (or one of its SQLite files); ShiftScope reaches it only "
                         "through SQLite, since reading or writing it directly would lose other processes' writes",
                         "choose another file; to copy a workspace, use the GUI's or the CLI's commands while it is "
                         "open, or copy it after closing every program that has it open"});
}

namespace {

//! Opens `path` for reading after the checks every input file gets; returns the descriptor and its size.
int openInputFile(const fs::path &path, std::uint64_t maxBytes, std::string_view fix, std::uint64_t &size)
{
    const std::string name = path.string();
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0)
        throw InputError(InputProblem{name, {}, std::string("cannot read: ") + std::strerror(errno), std::string(fix)});
    if (!S_ISREG(info.st_mode))
        throw InputError(InputProblem{name,
                                      {},
                                      S_ISDIR(info.st_mode) ? "is a folder, not a file"
                                                            : "is not a regular file (a pipe, a socket or a device)",
                                      "point at a regular file"});
    refuseProtectedFile(path);
    if (std::uint64_t(info.st_size) > maxBytes)
        throw InputError(InputProblem{name,
                                      {},
                                      "is " + std::to_string(info.st_size) + " bytes, more than the "
                                          + std::to_string(maxBytes) + " bytes such a file can sensibly hold",
                                      "check that this is the right file"});
    // O_NONBLOCK: if the path was swapped for a FIFO since the stat, open() must not wait for a writer.
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        throw InputError(InputProblem{name, {}, std::string("cannot read: ") + std::strerror(errno), std::string(fix)});
    struct stat opened {};
    if (::fstat(fd, &opened) != 0 || !S_ISREG(opened.st_mode) || opened.st_dev != info.st_dev
        || opened.st_ino != info.st_ino) {
        ::close(fd);
        throw InputError(
            InputProblem{name, {}, "changed while it was being opened", "try again once nothing else writes it"});
    }
    size = std::uint64_t(opened.st_size);
    return fd;
}

//! Reads up to `size` bytes; fewer when the file ends first.
std::size_t readSome(int fd, char *data, std::size_t size, const fs::path &path, std::string_view fix)
{
    std::size_t done = 0;
    while (done < size) {
        const ssize_t got = ::read(fd, data + done, size - done);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            throw InputError(
                InputProblem{path.string(), {}, std::string("cannot read: ") + std::strerror(errno), std::string(fix)});
        if (got == 0)
            break;
        done += std::size_t(got);
    }
    return done;
}

//! An input file opened by openInputFile(), closed exactly once when it goes out of scope.
class OpenInputFile {
public:
    OpenInputFile(const fs::path &path, std::uint64_t maxBytes, std::string_view fix)
        : m_fd(openInputFile(path, maxBytes, fix, m_size))
    {
    }
    ~OpenInputFile() { ::close(m_fd); }
    OpenInputFile(const OpenInputFile &) = delete;
    OpenInputFile &operator=(const OpenInputFile &) = delete;
    int fd() const { return m_fd; }
    std::uint64_t size() const { return m_size; }

private:
    std::uint64_t m_size = 0;
    int m_fd;
};

} // namespace

std::string readInputFile(const fs::path &path, std::uint64_t maxBytes, std::string_view fix)
{
    const OpenInputFile file(path, maxBytes, fix);
    std::string bytes(std::size_t(file.size()), '\0');
    bytes.resize(
        readSome(file.fd(), bytes.data(), bytes.size(), path, fix)); // a file that shrank meanwhile: what is there
    return bytes;
}

void readInputFileChunks(const fs::path &path, std::size_t chunkBytes,
                         const std::function<void(std::string_view)> &consume)
{
    const std::string_view fix = "check that the file exists and is readable";
    const OpenInputFile file(path, UINT64_MAX, fix);
    std::string buffer(std::max<std::size_t>(chunkBytes, 1), '\0');
    for (;;) {
        const std::size_t got = readSome(file.fd(), buffer.data(), buffer.size(), path, fix);
        if (got == 0)
            break;
        consume(std::string_view(buffer.data(), got));
        if (got < buffer.size())
            break;
    }
}

void readInputFileSamples(const fs::path &path, std::size_t blockBytes, int count,
                          const std::function<void(std::string_view)> &consume)
{
    const std::string_view fix = "check that the file exists and is readable";
    const OpenInputFile file(path, UINT64_MAX, fix);
    blockBytes = std::max<std::size_t>(blockBytes, 1);
    count = std::max(count, 1);
    std::string buffer(blockBytes, '\0');
    if (file.size() <= std::uint64_t(blockBytes) * std::uint64_t(count)) { // small: all of it
        for (;;) {
            const std::size_t got = readSome(file.fd(), buffer.data(), buffer.size(), path, fix);
            if (got > 0)
                consume(std::string_view(buffer.data(), got));
            if (got < buffer.size())
                return;
        }
    }
    const std::uint64_t last = file.size() - blockBytes;
    for (int i = 0; i < count; ++i) {
        const std::uint64_t offset = count > 1 ? last / std::uint64_t(count - 1) * std::uint64_t(i) : 0;
        if (::lseek(file.fd(), off_t(i + 1 == count ? last : offset), SEEK_SET) < 0)
            throw InputError(
                InputProblem{path.string(), {}, std::string("cannot read: ") + std::strerror(errno), std::string(fix)});
        consume(std::string_view(buffer.data(), readSome(file.fd(), buffer.data(), buffer.size(), path, fix)));
    }
}

void checkJsonDepth(std::string_view text, const fs::path &file, int maxDepth)
{
    int depth = 0;
    bool inString = false;
    std::size_t line = 1, lineStart = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '\n') {
            ++line;
            lineStart = i + 1;
        }
        if (inString) {
            if (c == '\\')
                ++i; // skips the escaped character, which may be a quote
            else if (c == '"')
                inString = false;
            continue;
        }
        if (c == '"') {
            inString = true;
        } else if (c == '[' || c == '{') {
            if (++depth > maxDepth)
                throw InputError(InputProblem{
                    file.string(), "line " + std::to_string(line) + ", column " + std::to_string(i - lineStart + 1),
                    "the JSON nests more than " + std::to_string(maxDepth) + " levels deep",
                    "no valid file of this kind nests so deep; restore the file from its source"});
        } else if (c == ']' || c == '}') {
            --depth;
        }
    }
}

} // namespace shiftscope
