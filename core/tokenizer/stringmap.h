#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace shiftscope {

//! Lets hash maps keyed by std::string be searched with a string_view, without building a string per look-up.
struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const noexcept { return std::hash<std::string_view>{}(text); }
};

template <typename Value>
using StringMap = std::unordered_map<std::string, Value, StringHash, std::equal_to<>>;

} // namespace shiftscope
