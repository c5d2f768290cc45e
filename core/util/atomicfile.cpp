#include "util/atomicfile.h"

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

void writeFileAtomically(const fs::path &path, const std::function<void(std::ostream &)> &write)
{
    refuseProtectedFile(path);
    if (!path.parent_path().empty())
        fs::create_directories(path.parent_path());
    const fs::path partial = uniquePartialPath(path);
    std::error_code ec;
    {
        std::ofstream out(partial, std::ios::binary | std::ios::trunc);
        write(out);
        out.flush();
        if (!out) {
            fs::remove(partial, ec);
            throw std::runtime_error("could not write " + path.string()
                                     + " (is the disk full, or the folder read-only?)");
        }
    }
    fs::rename(partial, path, ec);
    if (ec) {
        fs::remove(partial, ec);
        throw std::runtime_error("could not write " + path.string() + ": " + ec.message());
    }
}

void writeFileAtomically(const fs::path &path, std::string_view bytes)
{
    writeFileAtomically(path, [&](std::ostream &out) { out.write(bytes.data(), std::streamsize(bytes.size())); });
}

} // namespace shiftscope
