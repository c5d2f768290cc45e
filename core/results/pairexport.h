#pragma once

#include "results/resultstore.h"
#include "workspace/workspace.h"

#include <filesystem>
#include <string>
#include <vector>

namespace shiftscope {

//! What exportPairs() wrote.
struct PairExportSummary {
    int evaluations = 0;              //!< evaluations written, pair by pair
    std::int64_t pairs = 0;           //!< rows written
    std::vector<std::string> skipped; //!< evaluations left out, with why (not linked to this workspace's pairs)
};

//! Writes one row per pair of each evaluation, for notebooks: the evaluation (its name, model, intervention,
//! training and evaluated distribution, and run when a run made it), the pair (split, example content hash and
//! position, preferred and dispreferred response positions, pair index in GENIES order), P(preferred) at full
//! precision and whether it counts as correct (P >= 0.5, GENIES' rule). `.csv` writes a header and RFC 4180
//! rows; `.jsonl` one JSON object per line. Evaluations whose probabilities do not line up with the evaluated
//! distribution's test pairs in this workspace are skipped and listed. The file is written atomically.
PairExportSummary exportPairs(Workspace &workspace, const std::vector<EvaluationInfo> &evaluations,
                              const std::filesystem::path &out);

} // namespace shiftscope
