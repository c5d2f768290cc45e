#pragma once

#include "util/splitmix64.h"

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

//! The demo suite's randomness and text helpers: the same output bit for bit on every platform.
namespace shiftscope::demotext {

using Rng = SplitMix64;


//! FNV-1a, to turn (seed, id, split) into a stream seed without depending on std::hash.
std::uint64_t fnv1a(std::string_view text);

using Vars = std::initializer_list<std::pair<std::string_view, std::string_view>>;
//! Replaces every "{key}" in `pattern`.
std::string fill(std::string_view pattern, Vars vars);
std::string capitalised(std::string text);
std::string lowercased(std::string text);
//! "Mexico City" -> "M-E-X-I-C-O C-I-T-Y".
std::string spelled(std::string_view word);
bool contains(const std::vector<std::string> &items, std::string_view value);

} // namespace shiftscope::demotext
