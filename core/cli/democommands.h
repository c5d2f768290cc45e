#pragma once

#include "util/progress.h"

#include <filesystem>
#include <string>
#include <vector>

namespace shiftscope {

//! Makes `workspace` the complete demo: the demo suite imported, the demo model (`model`, or the cached one, built
//! on first use), a finished run of each of `interventions` over the demo shifts (finished runs of the same model,
//! data, parameters and seed are reused), and those runs imported as results under the model name
//! "shiftscope-demo-1m". Returns a one-line summary. This header needs no libtorch, so the GUI can call it.
std::string prepareDemo(const std::filesystem::path &workspace, const ProgressCallback &progress,
                        const std::vector<std::string> &interventions = {"zero_shot", "lora", "mms"},
                        const std::filesystem::path &model = {});

//! Registers `make-demo-model` and the full `demo` command (demo workspace, demo model, and finished runs of the
//! demo interventions, imported as results), which replaces core's data-only `demo`.
void registerDemoCommands();

} // namespace shiftscope
