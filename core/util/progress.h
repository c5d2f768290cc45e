#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace shiftscope {

//! Progress and cancel hook for long core operations. The callback receives the work done so far, the total
//! (0 when unknown) and a short stage label; returning false asks the operation to stop. Core code calls it
//! often; callers that cross to a GUI thread throttle it themselves.
using ProgressCallback = std::function<bool(std::int64_t done, std::int64_t total, const std::string &stage)>;

//! Calls the callback when set and throws Cancelled when it asks to stop.
void reportProgress(const ProgressCallback &progress, std::int64_t done, std::int64_t total, const std::string &stage);

} // namespace shiftscope
