#pragma once

#include <string_view>

namespace shiftscope {

//! SQL of the migration that adds runs, their units of work, per-pair predictions and per-distribution metrics.
std::string_view runMigrationSql();
//! SQL of the migration that records which process executes a run (host, pid, start time).
std::string_view runOwnerMigrationSql();
//! SQL of the migration that lets runs write evaluations beside imported ones, with their provenance.
std::string_view runResultsMigrationSql();
//! SQL of the migration that records runs submitted to a Slurm cluster: their plan folder and jobs.
std::string_view runSubmissionMigrationSql();

} // namespace shiftscope
