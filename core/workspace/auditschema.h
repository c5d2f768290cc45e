#pragma once

#include <string_view>

namespace shiftscope {

//! SQL of the migration that adds finding reviews and blind relabel judgements; it is one element of
//! workspaceMigrations(). Its statements are idempotent (IF NOT EXISTS).
std::string_view auditMigrationSql();

} // namespace shiftscope
