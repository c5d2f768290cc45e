#pragma once

#include "util/errors.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace shiftscope {

//! The contents of one GENIES evaluation JSON, whatever its producer (reference 2.2): HF-Trainer and
//! representation files with `eval_` keys, the short post-processed form, ccs's `distribution_dir`, human_eval's
//! unprefixed keys. Bare `NaN` tokens are read as missing values.
struct EvaluationFile {
    std::string modelDir;     //!< `model_dir` or `model_name`
    std::string distribution; //!< `distribution_id`, or the base name of `distribution_dir`; empty if absent
    std::string timestamp;
    std::optional<double> accuracy;
    std::optional<double> brierScore;
    std::optional<double> averageProbability;
    std::optional<double> rmsCalibrationError;
    std::optional<double> loss;
    std::optional<double> score;
    std::vector<double> probabilities;
    bool hasProbabilities = false;
    bool hasRmsKey = false;           //!< generalization files carry the key, even when its value is NaN
    bool shortForm = false;           //!< the post-processed form without metadata
    std::vector<std::string> nanKeys; //!< keys whose value was a bare NaN
};

//! Parses an evaluation file's text; throws InputError naming `file` and the place on malformed content.
EvaluationFile parseEvaluationFile(std::string_view text, const std::string &file);

//! Replaces bare NaN/Infinity/-Infinity tokens outside strings with null (Python's json writes them).
std::string replaceNonFiniteTokens(std::string_view text);

} // namespace shiftscope
