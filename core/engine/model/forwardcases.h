#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace shiftscope {

//! One case of `shiftscope-cli forward --input CASES.json` (the format is in docs/CLI.md).
struct ForwardCase {
    nlohmann::json source; //!< the case as read; the output repeats it
    std::int64_t rows = 0;
    std::int64_t length = 0;
    std::vector<std::int64_t> ids;  //!< (rows, length), row-major
    std::vector<std::int64_t> mask; //!< (rows, length), row-major
    std::optional<std::int64_t> responseStart;
};

//! Reads and checks a forward input file: {"cases": [{"name", "input_ids", "attention_mask", "response_start"}]},
//! ids inside [0, vocab). Throws InputError naming the file and every bad case. Plain C++ (no torch), so that it
//! can be fuzzed.
std::vector<ForwardCase> readForwardCases(const std::string &file, int vocab);

} // namespace shiftscope
