#pragma once

#include <string_view>

namespace shiftscope {

//! SQL of the migration that adds the `scores` table (per-pair probabilities written by `shiftscope-cli score`);
//! meant to be one element of workspaceMigrations(). Its statements are idempotent (IF NOT EXISTS).
std::string_view engineMigrationSql();
//! 7 -> 8: reward-model scores (scoring 'reward'), the adapter a run applies to its model, and the record of each
//! preference-data import (file, format, test fraction and seed of its split).
std::string_view rewardMigrationSql();

} // namespace shiftscope
