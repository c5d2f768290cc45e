#pragma once

#include <iosfwd>

namespace shiftscope {

class Arguments;

//! `audit DIST | --shift SOURCE:TARGET | --all [--catalogue NAME] [--severity LEVEL] [--json]`: the data-quality
//! audit of a distribution, of a shift (both distributions and the shift), or of everything in the workspace.
int runAuditCommand(const Arguments &args, std::ostream &out, std::ostream &err);

//! `review-finding KEY --status reviewed|dismissed|open [--note TEXT] [--author NAME]`: records a verdict on an
//! audit finding (or reopens it) under its stable key.
int runReviewCommand(const Arguments &args, std::ostream &out, std::ostream &err);

} // namespace shiftscope
