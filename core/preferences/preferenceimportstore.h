#pragma once

#include "workspace/workspace.h"

#include <optional>
#include <string>

namespace shiftscope {

//! What the workspace records of one preference-data import (the preference_imports table).
struct PreferenceImportRecord {
    std::string distribution;
    std::string sourcePath;
    std::string sourceSha256;
    std::string format;
    std::string subset; //!< the subset this distribution holds, empty for the whole file
    double testFraction = 0;
    std::uint64_t seed = 0;
    std::int64_t trainPairs = 0;
    std::int64_t testPairs = 0;
    std::string importedAt;
};

//! The preference_imports table. Callers hold the transaction.
class PreferenceImportStore {
public:
    explicit PreferenceImportStore(Workspace &workspace) : m_ws(workspace) {}
    //! Records an import of `record.distribution`, replacing an earlier record of it.
    void record(const PreferenceImportRecord &record);
    std::optional<PreferenceImportRecord> find(const std::string &distribution);

private:
    Workspace &m_ws;
};

} // namespace shiftscope
