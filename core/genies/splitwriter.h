#pragma once

#include "data/types.h"

#include <filesystem>
#include <string>
#include <vector>

namespace shiftscope {

//! Serialises examples in the GENIES split format (a JSON array of {"prompt", "responses"} objects, responses in
//! their order, labels as integers). Extra fields are written back after `responses`.
std::string splitToJson(const std::vector<Example> &examples);
//! Writes `splitToJson` to a file, replacing it atomically (write to a temporary file, then rename).
void writeSplitFile(const std::filesystem::path &path, const std::vector<Example> &examples);
//! Writes a whole distribution folder `<root>/<id>/{train,test}.json`.
void writeDistribution(const std::filesystem::path &root, const std::string &id, const std::vector<Example> &train,
                       const std::vector<Example> &test);

} // namespace shiftscope
