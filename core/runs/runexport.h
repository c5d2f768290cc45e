#pragma once

#include "runs/runrecord.h"
#include "workspace/workspace.h"

#include <filesystem>
#include <string>

namespace shiftscope {

//! Writes a run's finished evaluations as a GENIES results tree, `root/evaluations/<intervention>/<model>[-<source>]/
//! <distribution>.json`, with the keys GENIES evaluation files carry (reference 2.2): model_dir, distribution_id,
//! timestamp, eval_accuracy, eval_brier_score, eval_average_probability, eval_score (= −brier), eval_probabilities,
//! and eval_rms_calibration_error on files evaluated away from their source. Such a tree imports into any workspace
//! with import-results, which is how runs reach the results views, and how a unit run elsewhere is merged back.
//! `modelName` must end in a size token ("-1m", "-7b") as GENIES model names do. Returns the files written.
int exportRunResults(Workspace &workspace, const RunRecord &run, const std::filesystem::path &root,
                     const std::string &modelName);

} // namespace shiftscope
