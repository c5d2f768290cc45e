#pragma once

#include <string_view>

namespace shiftscope {

//! Text of `shifts/genies/catalogue.json`, compiled into the library so the catalogue is always available.
std::string_view builtinCatalogueJson();

} // namespace shiftscope
