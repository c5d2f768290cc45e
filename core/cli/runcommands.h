#pragma once

#include "cli/arguments.h"
#include "results/generalizationtable.h"
#include "util/progress.h"

#include <iosfwd>

namespace shiftscope {

//! `run` (start or resume a run) and `report` (a run's generalization-metrics table, or the list of runs).
int runRunCommand(const Arguments &args, std::ostream &out, std::ostream &err);
int runReportCommand(const Arguments &args, std::ostream &out, std::ostream &err);
//! A progress line for runs on `err`: stage, percent, rate (in `unit`s per second) and ETA, redrawn in place on a
//! terminal.
ProgressCallback runProgressLine(std::ostream &err, const std::string &unit = "pairs");
//! A run's generalization-metrics rows as the run command prints them.
void printRunReport(std::ostream &out, const std::vector<GeneralizationRow> &rows);

//! `interventions [--json]`: every registered intervention with its parameters, defaults and descriptions.
int runInterventionsCommand(const Arguments &args, std::ostream &out, std::ostream &err);

} // namespace shiftscope
