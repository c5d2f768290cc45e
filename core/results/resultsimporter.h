#pragma once

#include "util/progress.h"
#include "workspace/workspace.h"

#include <filesystem>
#include <string>
#include <vector>

namespace shiftscope {

//! What a results import found and checked.
struct ResultsImportSummary {
    std::filesystem::path resultsDir;
    int evaluationFiles = 0; //!< every evaluation JSON read
    int duplicateFiles = 0;  //!< copies of another file's evaluation (lat/, classify_lora/, old_evals/...)
    std::int64_t probabilities = 0;
    int metricsFiles = 0;
    int metricsRows = 0;
    int capabilityFiles = 0;
    int flaggedFiles = 0; //!< files with at least one check flag
    int hardFiles = 0;    //!< files whose probabilities are all 0 or 1
    int storedValueDisagreements = 0;
    int linkedFiles = 0;               //!< probabilities line up with the workspace's test pairs
    int lengthMismatches = 0;          //!< the distribution is here but its pair count differs (kept unlinked)
    std::vector<std::string> warnings; //!< files skipped and why
    // Rebuilt generalization tables compared with the published CSVs.
    int comparedCells = 0;
    int agreeingCells = 0;
    int rowsWithoutInputs = 0;
    std::vector<std::string> tableDifferences;
};

//! Imports a GENIES `results/` tree (reference section 2): every `evaluations/**.json`,
//! `generalization_metrics/**.csv` and `target_tuned_capability/**.json`, in one transaction. Each evaluation's
//! metrics are recomputed from its probabilities and disagreements are flagged, as are thresholded (hard 0/1)
//! probabilities. Re-importing a file replaces its earlier import; copies of one evaluation are marked duplicates.
class ResultsImporter {
public:
    static ResultsImportSummary importResults(Workspace &workspace, const std::filesystem::path &dir,
                                              const ProgressCallback &progress = {});
    //! `dir` itself when it holds the results folders, else `dir/results`; throws InputError otherwise.
    static std::filesystem::path locateResults(const std::filesystem::path &dir);
};

} // namespace shiftscope
