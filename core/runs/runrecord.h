#pragma once

#include "runs/runowner.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace shiftscope {

enum class RunStatus { Queued, Running, Done, Failed, Cancelled, Interrupted };
std::string runStatusName(RunStatus status);
RunStatus runStatusFromName(const std::string &name);

//! A unit of work: one training on one distribution (or none, for methods that do not train) and the evaluations
//! that depend on it. Units are independent, so one can run in another process and be merged back.
struct RunUnit {
    std::int64_t id = 0;
    int position = 0;
    std::string intervention;
    std::string trainDistribution;        //!< empty: the base model, nothing trained
    std::vector<std::string> evaluations; //!< evaluated distributions (test splits)
    RunStatus status = RunStatus::Queued;
    std::string artifact;
    std::string log;
    std::string startedAt;
    std::string endedAt;
};

//! A run: model x intervention x set of shifts x parameters, with everything needed to reproduce it.
struct RunRecord {
    std::int64_t id = 0;
    std::string modelPath;
    std::string adapterPath; //!< a PEFT LoRA adapter applied to the model, or empty
    std::string modelHash;   //!< the identity of the model's contents, with the adapter's when there is one
    std::string intervention;
    std::string shifts; //!< as requested: "genies", "all", a file, or "S:T,S:T"
    std::map<std::string, std::string> parameters;
    std::uint64_t seed = 0;
    std::string dataHash;
    std::string version;
    RunStatus status = RunStatus::Queued;
    std::string error;
    std::string createdAt;
    std::string startedAt;
    std::string endedAt;
    RunOwner owner;    //!< the process that last set the run running
    std::string label; //!< the name its evaluations are listed under; empty: "<intervention> · run <id>"
    std::vector<RunUnit> units;
};

//! Metrics of one evaluated distribution within a unit.
struct RunMetrics {
    std::string distribution;
    int pairs = 0;
    std::optional<double> accuracy;
    std::optional<double> brier;
    std::optional<double> averageProbability;
    std::optional<double> rms;
    std::optional<double> correctedCalibration;
};

} // namespace shiftscope
