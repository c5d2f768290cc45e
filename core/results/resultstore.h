#pragma once

#include "results/generalizationtable.h"
#include "workspace/workspace.h"

#include <optional>
#include <string>
#include <vector>

namespace shiftscope {

//! One stored evaluation (a results file): what was trained on what, evaluated on what, and its metrics as
//! stored in the file and as recomputed from its probabilities.
struct EvaluationInfo {
    std::int64_t id = 0;
    std::string path; //!< relative to the results folder
    std::string intervention;
    std::string variant;
    std::string model;
    std::string trainDistribution; //!< empty for a base-model evaluation
    std::string evalDistribution;
    std::optional<std::int64_t> duplicateOf;
    std::string timestamp;
    bool shortForm = false;
    std::optional<double> storedAccuracy;
    std::optional<double> storedBrier;
    std::optional<double> storedAverage;
    std::optional<double> storedRms;
    bool hasRmsKey = false;
    int probabilityCount = 0;
    std::optional<double> accuracy; //!< recomputed: mean(p >= 0.5)
    std::optional<double> brier;
    std::optional<double> averageProbability;
    std::optional<double> rms; //!< GENIES recipe
    std::optional<double> correctedCalibration;
    bool hardProbabilities = false;
    int flagCount = 0;
    std::optional<std::int64_t> runId;  //!< the run that produced it; none for an imported results file
    std::optional<std::int64_t> unitId; //!< the run's unit that produced it
    std::string role;                   //!< "baseline" for a run's zero-shot baseline unit
    int expectedPairs = 0;              //!< for a run's evaluation: the pairs it holds when finished

    //! A run's evaluation that holds fewer pairs than it will.
    bool inProgress() const { return runId && probabilityCount < expectedPairs; }

    //! The accuracy GENIES tables use: the stored value, else the recomputed one.
    std::optional<double> reportedAccuracy() const { return storedAccuracy ? storedAccuracy : accuracy; }
    std::string label() const;
};

struct EvaluationFlag {
    std::int64_t evaluationId = 0;
    std::string path;
    std::string kind; //!< e.g. "accuracy_differs", "hard_probabilities", "length_mismatch"
    std::string message;
};

//! Whether an evaluation's probabilities line up with the evaluated distribution's test pairs in the workspace.
struct LinkStatus {
    bool linked = false;
    std::string message; //!< why not, e.g. "750 probabilities but alpaca_hard has 12 test pairs here"
};

//! A published generalization-metrics table imported from a results tree.
struct PublishedTable {
    std::string model;
    std::string intervention;
    std::string file; //!< the CSV's name without ".csv"
};

//! A target-tuned capability: the best accuracy any intervention reached when trained on the target itself.
struct TargetCapability {
    double accuracy = 0;
    std::string intervention;
};

//! Read access to the results part of a workspace.
class ResultStore {
public:
    explicit ResultStore(Workspace &workspace) : m_ws(workspace) {}

    std::vector<std::string> models();
    //! The models with imported (published) evaluations or tables; the others only runs evaluated.
    std::vector<std::string> publishedModels();
    std::vector<std::string> interventions(const std::string &model = {});
    //! Canonical (non-duplicate) evaluations, optionally filtered; empty strings match everything.
    std::vector<EvaluationInfo> evaluations(const std::string &model = {}, const std::string &intervention = {},
                                            bool includeDuplicates = false);
    std::optional<EvaluationInfo> evaluation(std::int64_t id);
    std::optional<EvaluationInfo> find(const std::string &model, const std::string &intervention,
                                       const std::string &train, const std::string &evaluated);
    std::vector<double> probabilities(std::int64_t evaluationId);
    std::vector<EvaluationFlag> flags(std::int64_t evaluationId = 0);
    LinkStatus linkStatus(const EvaluationInfo &evaluation);
    int evaluationCount(bool includeDuplicates = false);

    //! The imported target-tuned capability of `model` on `target`, if a capability file gave one.
    std::optional<TargetCapability> targetCapability(const std::string &model, const std::string &target);
    //! Every imported published table, by model, intervention and file.
    std::vector<PublishedTable> publishedTables();
    //! A published table's rows in file order, as its CSV gave them.
    std::vector<GeneralizationRow> publishedRows(const PublishedTable &table);

private:
    Workspace &m_ws;
};

} // namespace shiftscope
