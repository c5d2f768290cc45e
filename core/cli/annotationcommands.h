#pragma once

#include <iosfwd>

namespace shiftscope {

class Arguments;

//! `annotations export --out FILE.csv|FILE.json`, `annotations import FILE [--keep-unmatched] [--json]` and
//! `annotations stats [--json]` (blind relabel agreement and Cohen's kappa).
int runAnnotationsCommand(const Arguments &args, std::ostream &out, std::ostream &err);

} // namespace shiftscope
