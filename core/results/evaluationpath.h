#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace shiftscope {

//! Where an evaluation file sits in a GENIES `results/evaluations/` tree, decoded (reference 2.1):
//! `<intervention>/[<variant>/]<model>[-<training distribution>]/<evaluated distribution>.json`.
struct EvaluationPath {
    std::string intervention;          //!< the results folder name, e.g. "lora_fine_tuning", "mms"
    std::string variant;               //!< extra folders such as "lat", "classify_lora", "old_evals" (copies)
    std::string model;                 //!< e.g. "llama-7b"; "models-pythia-410m" becomes "pythia-410m"
    std::string trainDistribution;     //!< empty for a base-model evaluation
    std::string evaluatedDistribution; //!< the file's stem
};

//! Decodes `relative` (a path below `evaluations/`); nullopt when it does not have the shape of an evaluation.
std::optional<EvaluationPath> parseEvaluationPath(const std::filesystem::path &relative);
//! Splits a folder name like "llama-7b-alpaca_mmlu-truthful_qa-5%" into model and training distribution.
std::pair<std::string, std::string> splitModelFolder(const std::string &folder);

} // namespace shiftscope
