#include "results/seedgroups.h"

#include "results/resultstore.h"
#include "runs/runstore.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>

namespace shiftscope {

namespace {

//! Mean and sample standard deviation of the values present.
struct Summary {
    std::optional<double> mean;
    std::optional<double> sd;
    std::optional<double> min;
    std::optional<double> max;
};

Summary summarise(const std::vector<std::optional<double>> &values)
{
    std::vector<double> present;
    for (const auto &v : values)
        if (v)
            present.push_back(*v);
    Summary s;
    if (present.empty())
        return s;
    double sum = 0;
    for (double v : present)
        sum += v;
    const double mean = sum / double(present.size());
    s.mean = mean;
    s.min = *std::min_element(present.begin(), present.end());
    s.max = *std::max_element(present.begin(), present.end());
    if (present.size() > 1) {
        double squares = 0;
        for (double v : present)
            squares += (v - mean) * (v - mean);
        s.sd = std::sqrt(squares / double(present.size() - 1));
    }
    return s;
}

} // namespace

std::vector<SeedGroup> seedGroups(Workspace &workspace, const std::string &model)
{
    using Configuration =
        std::tuple<std::string, std::string, std::string, std::map<std::string, std::string>, std::string>;
    std::map<Configuration, std::vector<RunRecord>> byConfiguration;
    for (RunRecord &run : RunStore(workspace).runs())
        if (run.status == RunStatus::Done && runModelName(run) == model)
            byConfiguration[{run.modelHash, run.dataHash, run.intervention, run.parameters, run.shifts}].push_back(
                std::move(run));
    std::vector<SeedGroup> groups;
    for (auto &[configuration, runs] : byConfiguration) {
        if (runs.size() < 2)
            continue;
        std::sort(runs.begin(), runs.end(), [](const RunRecord &a, const RunRecord &b) { return a.id < b.id; });
        SeedGroup group;
        group.intervention = runs.front().intervention;
        for (const RunRecord &run : runs)
            group.members.push_back({run.id, run.seed, runEvaluationLabel(run, run.intervention)});
        groups.push_back(std::move(group));
    }
    std::sort(groups.begin(), groups.end(),
              [](const SeedGroup &a, const SeedGroup &b) { return a.members.front().runId < b.members.front().runId; });
    // Names: "lora · 3 seeds", told apart by their first run when two would share one or a result has it already.
    const auto listed = ResultStore(workspace).interventions(model);
    std::map<std::string, int> uses;
    for (SeedGroup &group : groups)
        ++uses[group.intervention + " · " + std::to_string(group.members.size()) + " seeds"];
    for (SeedGroup &group : groups) {
        group.name = group.intervention + " · " + std::to_string(group.members.size()) + " seeds";
        if (uses[group.name] > 1 || std::find(listed.begin(), listed.end(), group.name) != listed.end())
            group.name += " from run " + std::to_string(group.members.front().runId);
    }
    return groups;
}

std::optional<SeedGroup> findSeedGroup(Workspace &workspace, const std::string &model, const std::string &name)
{
    for (SeedGroup &group : seedGroups(workspace, model))
        if (group.name == name)
            return std::move(group);
    return std::nullopt;
}

std::vector<SeedGroupRow> seedGroupTable(Workspace &workspace, const std::string &model, const SeedGroup &group,
                                         const std::vector<ShiftPair> &shifts, CapabilityRule rule)
{
    std::vector<std::vector<GeneralizationRow>> tables;
    for (const SeedMember &member : group.members)
        tables.push_back(rebuildGeneralizationTable(workspace, model, member.label, shifts, rule));
    std::vector<SeedGroupRow> rows;
    for (std::size_t r = 0; r < shifts.size(); ++r) {
        SeedGroupRow row;
        row.mean = tables.front()[r];
        auto column = [&](std::optional<double> GeneralizationRow::*field) {
            std::vector<std::optional<double>> values;
            for (const auto &table : tables)
                values.push_back(table[r].*field);
            return summarise(values);
        };
        const Summary accuracy = column(&GeneralizationRow::generalizationAccuracy);
        const Summary de = column(&GeneralizationRow::differentialElicitation);
        row.mean.generalizationAccuracy = accuracy.mean;
        row.mean.differentialElicitation = de.mean;
        row.mean.baselineAccuracy = column(&GeneralizationRow::baselineAccuracy).mean;
        row.mean.targetTunedCapability = column(&GeneralizationRow::targetTunedCapability).mean;
        row.mean.sourceIdAccuracy = column(&GeneralizationRow::sourceIdAccuracy).mean;
        row.mean.rmsCalibrationError = column(&GeneralizationRow::rmsCalibrationError).mean;
        // The first seed's baseline and capability evaluations name those of every seed (same units, other seed).
        // "lora · run 4 trained and evaluated on X" becomes "each seed's lora trained and evaluated on X".
        std::string source = tables.front()[r].capabilitySource;
        const std::string &first = group.members.front().label;
        if (source.rfind(first, 0) == 0)
            source = "each seed's " + group.intervention + source.substr(first.size());
        row.mean.capabilitySource = "mean over " + std::to_string(group.members.size()) + " seeds; " + source;
        row.sdAccuracy = accuracy.sd;
        row.sdDifferentialElicitation = de.sd;
        row.minAccuracy = accuracy.min;
        row.maxAccuracy = accuracy.max;
        for (std::size_t m = 0; m < group.members.size(); ++m)
            row.seeds.push_back({group.members[m].runId, group.members[m].seed, tables[m][r].generalizationAccuracy,
                                 tables[m][r].differentialElicitation});
        rows.push_back(std::move(row));
    }
    return rows;
}

std::vector<GeneralizationRow> resultsTable(Workspace &workspace, const std::string &model,
                                            const std::string &intervention, const std::vector<ShiftPair> &shifts,
                                            CapabilityRule rule)
{
    if (const auto group = findSeedGroup(workspace, model, intervention)) {
        std::vector<GeneralizationRow> rows;
        for (SeedGroupRow &row : seedGroupTable(workspace, model, *group, shifts, rule))
            rows.push_back(std::move(row.mean));
        return rows;
    }
    return rebuildGeneralizationTable(workspace, model, intervention, shifts, rule);
}

} // namespace shiftscope
