#pragma once

#include "cli/arguments.h"

#include <iosfwd>

namespace shiftscope {

//! `forward --model DIR --input CASES.json --out OUT.json [--dtype float32|bfloat16] [--device cpu|cuda]`: runs
//! the model on each case's batch and writes logits, the hidden states at each row's last position and each
//! row's mean response log-probability (docs/CLI.md has the formats).
int runForwardCommand(const Arguments &args, std::ostream &out, std::ostream &err);

//! `--workspace W score --model DIR --distribution D [--split test] [--scoring genies|mean] [--limit N]
//! [--dtype ...] [--device ...]`: scores every pair of a split with the GENIES zero-shot semantics (or the mean
//! log-probability) and stores P(preferred) per pair in the workspace's scores table.
int runScoreCommand(const Arguments &args, std::ostream &out, std::ostream &err);

//! Registers forward and score with runCli(). Part of shiftscope_engine (they need libtorch); shiftscope-cli
//! calls it before runCli(), so shiftscope_core itself never links torch.
void registerEngineCommands();

} // namespace shiftscope
