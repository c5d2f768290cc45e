#pragma once

namespace shiftscope {

//! Registers `make-demo-model` and the full `demo` command (demo workspace, demo model, and finished runs of the
//! demo interventions, imported as results).
void registerDemoCommands();

} // namespace shiftscope
