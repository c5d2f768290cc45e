#pragma once

#include "runs/runrecord.h"
#include "util/progress.h"

#include <filesystem>
#include <iosfwd>
#include <string>
#include <utility>
#include <vector>

namespace shiftscope {

//! The demo pipeline, shared by `shiftscope-cli demo` and the GUI's File > Open Demo Workspace: the demo suite
//! imported into `workspace`, the demo model (`modelDir`, or the cached one, built on first use), a finished run of
//! each of `interventions` over the demo shifts (finished runs of the same model, data, parameters and seed are
//! reused, unfinished ones resumed); each run's evaluations are results as it writes them.
//! `progress` follows the runs, `modelProgress` the demo model's training; `log`, when given, gets a line per step.
//! Returns the finished runs by intervention.
std::vector<std::pair<std::string, RunRecord>>
demoPipelineRuns(const std::filesystem::path &workspace, const ProgressCallback &progress,
                 const ProgressCallback &modelProgress, const std::vector<std::string> &interventions,
                 const std::filesystem::path &modelDir, std::ostream *log);

//! demoPipelineRuns() with one progress callback, returning a one-line summary. This header needs no libtorch, so
//! the GUI can call it.
std::string prepareDemo(const std::filesystem::path &workspace, const ProgressCallback &progress,
                        const std::vector<std::string> &interventions = {"zero_shot", "lora", "mms"},
                        const std::filesystem::path &model = {});

} // namespace shiftscope
