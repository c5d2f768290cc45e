#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace shiftscope {

//! Exit codes of shiftscope-cli.
enum ExitCode { ExitOk = 0, ExitFailure = 1, ExitBadInput = 2 };

//! Runs `shiftscope-cli` with its arguments (without the program name), writing results to `out` and messages
//! to `err`. Returns the exit code. Kept in the library so tests drive the real command line.
int runCli(const std::vector<std::string> &args, std::ostream &out, std::ostream &err);

} // namespace shiftscope
