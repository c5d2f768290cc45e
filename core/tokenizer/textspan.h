#pragma once

#include <cstdint>
#include <string_view>

namespace shiftscope {

//! A word as a byte range of the buffer it was cut from; spans stay valid while the buffer grows.
struct TextSpan {
    std::uint32_t offset = 0;
    std::uint32_t length = 0;

    std::string_view in(std::string_view buffer) const { return buffer.substr(offset, length); }
};

} // namespace shiftscope
