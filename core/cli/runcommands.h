#pragma once

#include "cli/arguments.h"

#include <iosfwd>

namespace shiftscope {

//! `run` (start or resume a run) and `report` (a run's generalization-metrics table, or the list of runs).
int runRunCommand(const Arguments &args, std::ostream &out, std::ostream &err);
int runReportCommand(const Arguments &args, std::ostream &out, std::ostream &err);

} // namespace shiftscope
