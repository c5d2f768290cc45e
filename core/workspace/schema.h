#pragma once

#include <string_view>
#include <vector>

namespace shiftscope {

//! SQL that brings a workspace from version i to i+1 is element i. Later features (runs, predictions, metrics)
//! add migrations here; existing tables are never reshaped.
const std::vector<std::string_view> &workspaceMigrations();

} // namespace shiftscope
