#pragma once

#include <iosfwd>

namespace shiftscope {

class Arguments;

//! `tokenize --tokenizer FILE_OR_MODEL_DIR --jsonl IN [--special]`: reads lines {"text": ...} from IN ("-" for
//! standard input) and writes one line {"ids": [...]} per input line, in order. Nothing is written when a line is
//! bad: every bad line is reported with its number and the exit code is 2.
int runTokenizeCommand(const Arguments &args, std::ostream &out, std::ostream &err);

} // namespace shiftscope
