#pragma once

#include "util/progress.h"
#include "workspace/workspace.h"

#include <filesystem>
#include <string>
#include <vector>

namespace shiftscope {

//! What an import did. Distribution names are sorted.
struct ImportSummary {
    std::filesystem::path distributionsDir;
    std::vector<std::string> added;
    std::vector<std::string> updated;
    std::vector<std::string> unchanged;
    std::vector<std::string> warnings;
    std::int64_t examples = 0; //!< examples written (added + updated distributions)
    std::int64_t responses = 0;
    //! Distributions the built-in catalogue names that the workspace still lacks, and the shifts they leave incomplete.
    std::vector<std::string> missingDistributions;
    int completeShifts = 0;
    int incompleteShifts = 0;
};

//! Imports GENIES distributions (`distributions/<id>/{train,test}.json`) into a workspace in one transaction.
//! Every file is validated first-to-last and every problem reported at once; on any problem, or on cancel, the
//! workspace is left exactly as it was. Unchanged distributions (same file hashes) are not rewritten.
class DataImporter {
public:
    //! `dir` is a GENIES checkout (holding `distributions/`) or a bare `distributions/` folder.
    static ImportSummary importData(Workspace &workspace, const std::filesystem::path &dir,
                                    const ProgressCallback &progress = {});
    //! The folder whose subfolders are distributions; throws InputError when `dir` holds none.
    static std::filesystem::path locateDistributions(const std::filesystem::path &dir);
    //! Fills the missing/complete/incomplete fields from the workspace's built-in catalogue.
    static void summariseCoverage(Workspace &workspace, ImportSummary &summary);
};

} // namespace shiftscope
