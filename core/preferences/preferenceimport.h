#pragma once

#include "genies/distributionstore.h"
#include "util/progress.h"

#include <filesystem>
#include <string>
#include <vector>

namespace shiftscope {

class Workspace;

struct PreferenceImportOptions {
    std::string name;          //!< the distribution's name; with bySubset the prefix of each subset's name
    double testFraction = 0.2; //!< share of each distribution's pairs drawn into its test split
    std::uint64_t seed = 0;    //!< seeds the draw, so an import is repeatable
    bool bySubset = false;     //!< one distribution per value of "subset", named NAME_SUBSET
    bool replace = false;      //!< allow replacing a distribution that did not come from a preference import
    //! A model or tokenizer folder whose chat template renders conversations (empty: the documented template).
    std::filesystem::path chatTemplateDir;
};

//! One distribution an import wrote.
struct ImportedPreferences {
    std::string name;
    std::string subset;
    std::int64_t trainPairs = 0;
    std::int64_t testPairs = 0;
    DistributionStore::Outcome outcome = DistributionStore::Outcome::Added;
};

struct PreferenceImportSummary {
    std::int64_t records = 0;
    std::string formats; //!< the layouts found, e.g. "transcripts"
    std::vector<ImportedPreferences> distributions;
};

//! The name a subset's distribution gets: NAME_SUBSET, the subset's characters outside [A-Za-z0-9_.-] as '_'.
std::string subsetDistributionName(const std::string &name, const std::string &subset);

//! Imports a preference file (docs/FORMATS.md, "Preference data") as one distribution, or one per subset: each
//! record a GENIES example with the chosen response preferred, split into train and test by a seeded draw, and the
//! import recorded (file, hash, format, fraction, seed). Everything is read and checked before the workspace is
//! written, in one transaction; any problem (every bad record, with its line) writes nothing.
PreferenceImportSummary importPreferences(Workspace &workspace, const std::filesystem::path &file,
                                          const PreferenceImportOptions &options,
                                          const ProgressCallback &progress = {});

} // namespace shiftscope
