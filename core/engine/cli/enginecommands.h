#pragma once

namespace shiftscope {

class CommandTable;

//! Adds the engine's commands to the command table: `forward` and `score` (models), `make-demo-model` and the full
//! `demo`. shiftscope_core never links libtorch, so shiftscope-cli calls this before runCli(); it also registers
//! the model interventions the `run` command offers.
void registerEngineCommands();

void addModelCommands(CommandTable &table); // forward, score
void addDemoCommands(CommandTable &table);  // make-demo-model, demo

} // namespace shiftscope
