#pragma once

#include "results/generalizationtable.h"
#include "runs/runrecord.h"
#include "workspace/workspace.h"

#include <filesystem>
#include <string>
#include <vector>

namespace shiftscope {

//! What a user asks for when starting a run.
struct RunRequest {
    std::filesystem::path modelDir; //!< may be empty for interventions that need no model
    std::string intervention;
    std::string shifts = "genies";       //!< "genies", "all", a GENIES spec file, or "SOURCE:TARGET,..."
    std::vector<std::string> parameters; //!< "key=value"
    std::uint64_t seed = 0;
    std::string baselineIntervention = "zero_shot"; //!< skipped when not available
    std::filesystem::path adapterDir;               //!< a PEFT LoRA adapter folder applied to the model, or empty
};

//! Resolves a shifts argument to shift pairs; throws InputError for an unknown form or a malformed file.
std::vector<ShiftPair> resolveShifts(Workspace &workspace, const std::string &shifts);

//! Plans the units of a run: one per source (trained on it, evaluated on it and its targets), one per target
//! reference that is not a source (its target-tuned capability), and a baseline unit evaluating the base model
//! on every target. Interventions that do not train get a single unit over every distribution involved.
//! Throws InputError when a distribution is missing from the workspace, naming them all.
RunRecord planRun(Workspace &workspace, const RunRequest &request);

//! The run's GENIES generalization-metrics table (reference 2.5), one row per requested shift.
std::vector<GeneralizationRow> runReport(Workspace &workspace, const RunRecord &run,
                                         CapabilityRule rule = CapabilityRule::Automatic);

//! The request that runs `run` again with another seed: same model folder, intervention, shifts, parameters and
//! baseline.
RunRequest rerunRequest(const RunRecord &run, std::uint64_t seed);
//! One more than the highest seed of `run`'s configuration (model, intervention, parameters, shifts) among all
//! runs, so a re-run adds a seed rather than repeating one.
std::uint64_t nextSeed(Workspace &workspace, const RunRecord &run);
//! The finished runs of `run`'s configuration (model contents, data, intervention, parameters, shifts): its seeds,
//! `run` included when finished, by id.
std::vector<RunRecord> runsOfConfiguration(Workspace &workspace, const RunRecord &run);

} // namespace shiftscope
