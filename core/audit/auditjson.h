#pragma once

#include "audit/auditreport.h"
#include "workspace/auditstore.h"

#include <string>
#include <vector>

namespace shiftscope {

//! The reports as indented JSON: {"reports": [...], "summary": {...}}. A finding carries the review stored under
//! its key, if any, with "figure_changed" when its figure is no longer the one that was reviewed.
std::string auditReportsJson(const std::vector<AuditReport> &reports, const std::vector<FindingReview> &reviews);

} // namespace shiftscope
