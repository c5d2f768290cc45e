#pragma once

#include "cli/arguments.h"
#include "cli/cli.h"
#include "workspace/workspace.h"

#include <cstdlib>
#include <ostream>
#include <stdexcept>
#include <string>

namespace shiftscope {

//! A command line the audit and annotation commands cannot use; reported with the usage hint and exit code 2.
struct CommandUsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

//! Runs a command, turning CommandUsageError into a message and ExitBadInput. Input and other errors propagate to
//! runCli(), which reports them.
template <typename Command>
int runWithUsageErrors(std::ostream &err, Command command)
{
    try {
        return command();
    } catch (const CommandUsageError &e) {
        err << "shiftscope-cli: " << e.what() << " (see shiftscope-cli --help)\n";
        return ExitBadInput;
    }
}

inline Workspace openExistingWorkspace(const Arguments &args)
{
    const auto path = args.value("workspace");
    if (!path)
        throw CommandUsageError("this command needs --workspace FILE");
    return Workspace::open(*path);
}

//! --author, else the login name, else "unknown".
inline std::string authorName(const Arguments &args)
{
    if (auto author = args.value("author"); author && !author->empty())
        return *author;
    const char *user = std::getenv("USER");
    return user && *user ? user : "unknown";
}

} // namespace shiftscope
