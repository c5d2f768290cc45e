#pragma once

namespace shiftscope {

//! Installs the analyses of core/analysis/ that need the model engine: the trust assessment's activation distance,
//! the attribution of a target pair to source pairs, the label budget and the cue's concept erasure. Called by
//! registerModelInterventions().
void installModelAnalyses();

} // namespace shiftscope
