#pragma once

#include "util/progress.h"

#include <filesystem>
#include <string>
#include <vector>

namespace shiftscope {

//! Where ShiftScope keeps data of its own for a user: $XDG_DATA_HOME/shiftscope, else ~/.local/share/shiftscope.
std::filesystem::path userDataDir();
//! The demo workspace's default location inside userDataDir().
std::filesystem::path defaultDemoWorkspacePath();

//! Makes `workspacePath` a ready demo workspace: writes the demo suite into `<workspace folder>/demo-data/`
//! (deterministic), imports it and loads its shift catalogue as "Demo". Safe to call again: unchanged data is not
//! rewritten. Returns a one-paragraph summary.
std::string buildDemoWorkspace(const std::filesystem::path &workspacePath, const ProgressCallback &progress = {});

//! What the demo shows first: the spurious-cue shift where lora and mms fall below the zero-shot baseline.
struct DemoStory {
    std::string source = "capitals_length_cue";
    std::string target = "capitals_length_cue_flipped";
    std::vector<std::string> interventions{"lora", "mms"}; //!< the demo runs' interventions to show
};

} // namespace shiftscope
