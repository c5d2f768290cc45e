#include "runs/runowner.h"

#include <cerrno>
#include <fstream>
#include <optional>
#include <signal.h>
#include <sstream>
#include <unistd.h>

namespace shiftscope {

namespace {

std::string hostName()
{
    char name[256] = {};
    if (gethostname(name, sizeof name - 1) != 0)
        return "localhost";
    return name;
}

struct ProcessStat {
    char state = '?';
    std::int64_t startTicks = 0;
};

//! Fields 3 (state) and 22 (start time) of /proc/PID/stat; nullopt when it cannot be read. The second field (the
//! command name, in parentheses) may itself hold spaces and parentheses, so fields are counted from the last ')'.
std::optional<ProcessStat> statOf(std::int64_t pid)
{
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(in, line))
        return std::nullopt;
    const auto close = line.rfind(')');
    if (close == std::string::npos)
        return std::nullopt;
    std::istringstream fields(line.substr(close + 1));
    ProcessStat stat;
    std::string field;
    for (int i = 3; i <= 22; ++i) {
        if (!(fields >> field))
            return std::nullopt;
        if (i == 3)
            stat.state = field.empty() ? '?' : field[0];
    }
    try {
        stat.startTicks = std::stoll(field);
    } catch (const std::exception &) {
        return std::nullopt;
    }
    return stat;
}

} // namespace

std::string RunOwner::describe() const
{
    return "pid " + std::to_string(pid) + " on " + (host.empty() ? std::string("an unknown host") : host);
}

RunOwner currentRunOwner()
{
    const std::int64_t pid = getpid();
    const auto stat = statOf(pid);
    return {hostName(), pid, stat ? stat->startTicks : 0};
}

OwnerState ownerState(const RunOwner &owner)
{
    if (owner.empty())
        return OwnerState::Gone;
    if (owner.host != hostName())
        return OwnerState::Unknown;
    if (kill(pid_t(owner.pid), 0) != 0 && errno == ESRCH)
        return OwnerState::Gone;
    const auto stat = statOf(owner.pid);
    if (!stat) // no /proc (or the process ended just now): kill() above is all there is to go by
        return kill(pid_t(owner.pid), 0) == 0 || errno == EPERM ? OwnerState::Alive : OwnerState::Gone;
    if (stat->state == 'Z' || stat->state == 'X')
        return OwnerState::Gone; // ended, not yet reaped by its parent
    if (owner.startTicks != 0 && stat->startTicks != owner.startTicks)
        return OwnerState::Gone; // the pid now belongs to another program
    return OwnerState::Alive;
}

} // namespace shiftscope
