#pragma once

#include <string_view>

namespace shiftscope {

//! SQL of the migration that adds the `scores` table (per-pair probabilities written by `shiftscope-cli score`);
//! meant to be one element of workspaceMigrations(). Its statements are idempotent (IF NOT EXISTS).
std::string_view engineMigrationSql();

} // namespace shiftscope
