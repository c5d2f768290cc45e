#pragma once

#include "cli/arguments.h"

#include <functional>
#include <iosfwd>
#include <string>

namespace shiftscope {

//! A command runCli() can dispatch to without shiftscope_core linking its implementation: libraries that
//! shiftscope_core must not depend on (the torch engine) register theirs before runCli() is called.
using CliCommand = std::function<int(const Arguments &args, std::ostream &out, std::ostream &err)>;

//! Registers (or replaces) the command `name`. Not thread-safe: register at start-up.
void registerCliCommand(std::string name, CliCommand command);
//! The registered command `name`, or nullptr.
const CliCommand *findCliCommand(const std::string &name);

} // namespace shiftscope
