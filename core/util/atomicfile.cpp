#include "util/atomicfile.h"

#include "util/errors.h"
#include "util/inputfile.h"

#include <atomic>
#include <fstream>
#include <stdexcept>
#include <unistd.h>

namespace shiftscope {

namespace fs = std::filesystem;

fs::path uniquePartialPath(const fs::path &path)
{
    static std::atomic<unsigned long> counter{0};
    return path.string() + ".partial-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
}

void prepareOutputFile(const fs::path &path)
{
    refuseProtectedFile(path);
    std::error_code ec;
    if (path.empty() || fs::is_directory(path, ec))
        throw InputError(InputProblem{
            path.string(), {}, path.empty() ? "no file name" : "this is a folder", "give the path of a file to write"});
    if (fs::exists(fs::symlink_status(path, ec)) && !fs::is_regular_file(path, ec))
        throw InputError(InputProblem{path.string(),
                                      {},
                                      "this is not a regular file (a device, a pipe or a socket)",
                                      "give the path of a regular file to write"});
    if (!path.parent_path().empty()) {
        fs::create_directories(path.parent_path(), ec);
        if (ec)
            throw InputError(InputProblem{path.parent_path().string(),
                                          {},
                                          "the folder cannot be created: " + ec.message(),
                                          "write into a folder that exists and can be written"});
    }
}

void writeFileAtomically(const fs::path &path, const std::function<void(std::ostream &)> &write)
{
    prepareOutputFile(path);
    std::error_code ec;
    const fs::path partial = uniquePartialPath(path);
    {
        std::ofstream out(partial, std::ios::binary | std::ios::trunc);
        if (!out)
            throw InputError(InputProblem{
                path.string(), {}, "the file cannot be created in its folder", "check that the folder can be written"});
        write(out);
        out.flush();
        if (!out) {
            fs::remove(partial, ec);
            throw InputError(InputProblem{
                path.string(), {}, "writing failed", "check that the disk has room and the folder can be written"});
        }
    }
    fs::rename(partial, path, ec);
    if (ec) {
        const std::string why = ec.message();
        fs::remove(partial, ec);
        throw InputError(
            InputProblem{path.string(), {}, "the file cannot be replaced: " + why, "check that it can be written"});
    }
}

void writeFileAtomically(const fs::path &path, std::string_view bytes)
{
    writeFileAtomically(path, [&](std::ostream &out) { out.write(bytes.data(), std::streamsize(bytes.size())); });
}

} // namespace shiftscope
