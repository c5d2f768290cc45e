#pragma once

#include "data/types.h"
#include "workspace/workspace.h"

#include <optional>
#include <string>
#include <vector>

namespace shiftscope {

//! One row of GENIES' generalization-metrics table (reference 2.5), in the published CSV's columns.
struct GeneralizationRow {
    std::string source;
    std::string target;
    std::string targetReference;
    std::optional<double> generalizationAccuracy;
    std::optional<double> baselineAccuracy;
    std::string baselineIntervention = "zero_shot";
    std::optional<double> targetTunedCapability;
    std::string targetTunedCapabilityIntervention;
    std::optional<double> sourceIdAccuracy;
    std::optional<double> rmsCalibrationError;
    std::optional<double> differentialElicitation;
    std::string capabilitySource; //!< not a CSV column: where the capability comes from, in words
    std::string category;         //!< not a CSV column; for views
    bool genies = false;          //!< not a CSV column; for views
};

//! The published CSV header, in order.
const std::vector<std::string> &generalizationCsvColumns();

//! Which accuracy a differential elicitation is divided by: the target-tuned capability.
enum class CapabilityRule {
    Automatic,        //!< a run's evaluations: SameIntervention; imported results: PublishedBest
    SameIntervention, //!< the GENIES code's: the intervention itself trained (when it trains) and evaluated on the
                      //!< target reference
    PublishedBest,    //!< the published tables': the imported target_tuned_capability file, else the best
                      //!< in-distribution accuracy on the target reference over the model's interventions
};
//! "automatic", "same-intervention", "published-best"; nullopt for another name.
std::optional<CapabilityRule> capabilityRuleFromName(const std::string &name);

//! Rebuilds the table for a model and an intervention from the workspace's evaluations: the one function behind
//! every view, `metrics`, `report` and the exports. For imported results it does what the published CSVs did:
//! generalization and source accuracy from `<intervention>/<model>-<source>/`, the baseline from zero_shot's
//! evaluation of the target under the same source. For a run's evaluations the baseline is the run's own zero-shot
//! unit (or the run itself when its method trains nothing). The capability follows `rule` (Automatic: as the
//! source of the evaluations calls for; PublishedBest over imported evaluations only, so published tables rebuild
//! cell for cell whatever runs share the model's name); each row says where its capability came from.
//! DE = (generalization - baseline) / capability. Cells whose inputs are missing stay empty.
std::vector<GeneralizationRow> rebuildGeneralizationTable(Workspace &workspace, const std::string &model,
                                                          const std::string &intervention,
                                                          const std::vector<ShiftPair> &shifts,
                                                          CapabilityRule rule = CapabilityRule::Automatic);

//! The rows as the published CSV writes them (pandas: header, floats in Python repr, empty cells for missing).
std::string generalizationCsv(const std::vector<GeneralizationRow> &rows);
//! Python's repr of a float: shortest round-trip digits, "1.0" for integers, exponent form below 1e-4 or from 1e16.
std::string pythonFloatRepr(double value);

//! A rebuilt table compared cell by cell with a published CSV.
struct TableComparison {
    std::string model;
    std::string intervention;
    std::string file;
    int rows = 0;
    int comparedCells = 0;
    int agreeingCells = 0;
    int rowsWithoutInputs = 0;            //!< rows whose inputs are not all in the workspace
    std::vector<std::string> differences; //!< "GENIES.csv row 3 (a -> b) baseline_accuracy: published 0.5, rebuilt 0.6"
};

//! Compares every imported published table with its rebuilt counterpart (numbers to 1e-9, names exactly).
std::vector<TableComparison> compareAllWithPublished(Workspace &workspace);

} // namespace shiftscope
