#pragma once

namespace shiftscope {

//! Adds the interventions that need a model (zero_shot, few_shot, lora, prompt_tuning, mms, cra, lat_stim_1,
//! lat_stim_2, ccs, linear_probe) to the intervention registry. Safe to call more than once. This header needs no
//! libtorch, so the applications can call it without compiling against it.
void registerModelInterventions();

} // namespace shiftscope
