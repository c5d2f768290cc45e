#pragma once

#include <string>
#include <string_view>

namespace shiftscope {

//! True when `text` (valid UTF-8) holds no code point that NFC could change, so it is already normalized.
//! Cheap: ASCII and most Latin, CJK and other text pass without a table look-up.
bool isNfcStable(std::string_view text);

//! Unicode canonical composition (NFC) of valid UTF-8: decompose, order marks by combining class, recompose.
std::string toNfc(std::string_view text);

} // namespace shiftscope
