#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace shiftscope {

class CommandTable;
struct GeneralizationRow;

//! The commands shiftscope_core owns, each added by the file that implements it. CommandTable adds them all
//! when it is first used.
void addDataCommands(
    CommandTable &
        table); // import-data, load-shifts, shifts, catalogues, distributions, examples, make-demo-data, make-benchmark-tree
void addResultsCommands(CommandTable &table);    // import-results, result-checks, metrics
void addRunCommands(CommandTable &table);        // run, report, interventions
void addAuditCommands(CommandTable &table);      // audit, review-finding
void addAnnotationCommands(CommandTable &table); // annotations
void addTokenizeCommand(CommandTable &table);    // tokenize
void addAnalysisCommands(CommandTable &table);   // cue, trust, attribute, label-budget

//! A generalization-metrics table as metrics, run, report and demo print it: one row per shift with generalization
//! accuracy, baseline, target-tuned capability, source in-distribution accuracy and differential elicitation.
void printGeneralizationTable(std::ostream &out, const std::vector<GeneralizationRow> &rows);

//! "a, b, c": names in messages (the choices a fix offers).
std::string joinedList(const std::vector<std::string> &items);

} // namespace shiftscope
