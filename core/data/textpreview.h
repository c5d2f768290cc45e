#pragma once

#include <string>
#include <string_view>

namespace shiftscope {

//! A one-line preview of a prompt for tables: the instruction (and input) of an Alpaca-style prompt, or the user
//! turn of a chat-style one, without the template boilerplate; whitespace runs folded; cut to `maxChars` code points.
std::string promptPreview(std::string_view prompt, std::size_t maxChars = 200);
//! Whitespace runs folded to single spaces and the text cut to `maxChars` code points with an ellipsis.
std::string oneLine(std::string_view text, std::size_t maxChars = 200);

} // namespace shiftscope
