#pragma once

#include "metrics/geniesmetrics.h"
#include "results/evaluationfile.h"
#include "results/evaluationpath.h"
#include "results/resultstore.h"
#include "workspace/workspace.h"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace shiftscope {

//! An evaluation file read and checked, as the store keeps it.
struct EvaluationRecord {
    std::string path; //!< below the results root, e.g. "evaluations/mms/llama-7b-alpaca_easy/alpaca_hard.json"
    EvaluationPath where;
    EvaluationFile content;
    GeniesMetrics recomputed;                               //!< from the probabilities (used when the file has them)
    double corrected = 0;                                   //!< the corrected calibration error
    bool hard = false;                                      //!< every probability is 0 or 1
    std::vector<std::pair<std::string, std::string>> flags; //!< kind, message
};

//! An evaluation whose probabilities may not line up with its distribution's pairs.
struct LinkCheck {
    std::int64_t evaluationId = 0;
    int probabilities = 0;
    int testPairs = 0;
    std::string distribution;
};

//! The write side of the results part of a workspace, for one import of a results tree: the import's record,
//! evaluations with their flags, the rows of published tables and target-tuned capabilities. The caller holds the
//! transaction; constructing the store records the import.
class ResultImportStore {
public:
    ResultImportStore(Workspace &workspace, const std::filesystem::path &root);

    std::int64_t importId() const { return m_importId; }

    //! Stores an evaluation (replacing one of the same path) with its flags; returns its id.
    std::int64_t addEvaluation(const EvaluationRecord &record);
    void addFlag(std::int64_t evaluationId, const std::string &kind, const std::string &message);
    //! Marks copies: of evaluations of the same model, intervention and distributions, the one outside variant
    //! folders (else the first by path) is canonical and the others point to it. Returns how many are copies.
    int markDuplicates();
    //! This import's evaluations with probabilities, beside the test pair count of their distribution here.
    std::vector<LinkCheck> linkChecks();

    //! One row of a published generalization-metrics table (row numbers count from 0 in file order).
    void addPublishedRow(const PublishedTable &table, int row, const GeneralizationRow &values);
    void addTargetCapability(const std::string &model, const std::string &target, const std::string &reference,
                             const std::string &bestIntervention, std::optional<double> accuracy);

private:
    Workspace &m_ws;
    std::int64_t m_importId = 0;
};

} // namespace shiftscope
