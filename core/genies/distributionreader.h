#pragma once

#include "data/types.h"
#include "util/errors.h"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace shiftscope {

//! A parsed split file with the hash of its bytes.
struct SplitFile {
    Split split = Split::Train;
    std::filesystem::path path;
    std::string fileHash; //!< SHA-256 of the file's bytes
    std::uint64_t bytes = 0;
    std::vector<Example> examples;
    int responsesPerExample = 0; //!< N of the first example (0 when the split is empty)
};

//! Reads GENIES distribution split files (`train.json`, `test.json`) and validates them by the GENIES rules
//! (reference 1.2). Every problem found is appended to `problems`, each naming the file, the example and a fix;
//! the returned examples are only meaningful when no problem was added.
class DistributionReader {
public:
    static SplitFile readSplit(const std::filesystem::path &path, Split split, std::vector<InputProblem> &problems);
    //! Reads a split file's bytes; a missing or unreadable file adds a problem and gives nullopt.
    static std::optional<std::string> readFile(const std::filesystem::path &path, std::vector<InputProblem> &problems);
    //! Parses and validates JSON text already in memory; `path` is only used in messages. `knownHash` saves
    //! hashing the text again when the caller already did.
    static SplitFile parseSplit(std::string_view text, const std::filesystem::path &path, Split split,
                                std::vector<InputProblem> &problems, std::string knownHash = {});
    //! Distribution id of a folder: its base name, ignoring trailing separators.
    static std::string distributionId(const std::filesystem::path &folder);
};

} // namespace shiftscope
