#pragma once

#include <string>
#include <vector>

namespace shiftscope {

//! What a finished program wrote and how it ended.
struct ProgramResult {
    int exitCode = 0; //!< the exit status, or 128 + the signal that ended it
    std::string out;
    std::string err;
};

//! Runs `argv` (argv[0] found through PATH) with no input, waits for it and returns what it wrote. Throws
//! std::runtime_error naming the program when it cannot be started (not installed, not executable).
ProgramResult runProgram(const std::vector<std::string> &argv);

//! True when `program` can be found through PATH (or is an executable path).
bool programAvailable(const std::string &program);

//! `text` quoted for a POSIX shell script: 'like this', with each ' written as '\''.
std::string shellQuote(const std::string &text);

} // namespace shiftscope
