#include "results/generalizationtable.h"

#include "genies/shiftcatalogue.h"
#include "metrics/geniesmetrics.h"
#include "results/resultstore.h"

#include <charconv>
#include <cmath>
#include <map>
#include <tuple>

namespace shiftscope {

namespace {

using Key = std::tuple<std::string, std::string, std::string>; // intervention, train, evaluated

//! Canonical accuracies of one model's evaluations, keyed for the lookups a table needs.
std::map<Key, EvaluationInfo> evaluationIndex(Workspace &workspace, const std::string &model)
{
    std::map<Key, EvaluationInfo> index;
    for (auto &e : ResultStore(workspace).evaluations(model))
        index.emplace(Key{e.intervention, e.trainDistribution, e.evalDistribution}, std::move(e));
    return index;
}

struct Capability {
    std::optional<double> accuracy;
    std::string intervention;
};

Capability capabilityFor(Workspace &workspace, const std::map<Key, EvaluationInfo> &index, const std::string &model,
                         const std::string &target, const std::string &reference, bool includeRuns, std::string &source)
{
    if (const auto imported = ResultStore(workspace).targetCapability(model, target)) {
        source = "the imported target_tuned_capability file of " + model + " on " + target;
        return {imported->accuracy, imported->intervention};
    }
    source = "the best in-distribution accuracy on " + reference + " over " + model
           + (includeRuns ? "'s evaluations" : "'s imported evaluations");
    // Best of the in-distribution evaluations on the reference.
    Capability best;
    for (const auto &[key, e] : index) {
        const auto &[intervention, train, evaluated] = key;
        if (train != reference || evaluated != reference || (e.runId && !includeRuns))
            continue;
        const auto accuracy = e.reportedAccuracy();
        if (accuracy && (!best.accuracy || *accuracy > *best.accuracy))
            best = {accuracy, intervention};
    }
    return best;
}

std::optional<double> accuracyOf(const std::map<Key, EvaluationInfo> &index, const std::string &intervention,
                                 const std::string &train, const std::string &evaluated)
{
    auto it = index.find(Key{intervention, train, evaluated});
    return it == index.end() ? std::nullopt : it->second.reportedAccuracy();
}

} // namespace

std::optional<CapabilityRule> capabilityRuleFromName(const std::string &name)
{
    if (name == "automatic")
        return CapabilityRule::Automatic;
    if (name == "same-intervention")
        return CapabilityRule::SameIntervention;
    if (name == "published-best")
        return CapabilityRule::PublishedBest;
    return std::nullopt;
}

const std::vector<std::string> &generalizationCsvColumns()
{
    static const std::vector<std::string> columns = {"source",
                                                     "target",
                                                     "target_reference",
                                                     "generalization_accuracy",
                                                     "baseline_accuracy",
                                                     "baseline_intervention",
                                                     "target_tuned_capability",
                                                     "target_tuned_capability_intervention",
                                                     "source_ID_accuracy",
                                                     "RMS_calibration_error",
                                                     "differential_elicitation"};
    return columns;
}

std::vector<GeneralizationRow> rebuildGeneralizationTable(Workspace &workspace, const std::string &model,
                                                          const std::string &intervention,
                                                          const std::vector<ShiftPair> &shifts, CapabilityRule rule)
{
    const auto index = evaluationIndex(workspace, model);
    // A run's evaluations follow the GENIES code: the baseline is the run's own zero-shot unit (or the run itself
    // when its intervention trains nothing), evaluations of a method that trains nothing are keyed by no training
    // distribution, and the target-tuned capability is the same intervention trained and evaluated on the target
    // reference. Published evaluations follow the published tables (see capabilityFor).
    std::optional<std::int64_t> run;
    bool trains = false;
    for (const auto &[key, e] : index)
        if (std::get<0>(key) == intervention) {
            if (e.runId)
                run = e.runId;
            trains = trains || !std::get<1>(key).empty();
        }
    std::string baseline = "zero_shot";
    if (run) {
        baseline.clear();
        for (const auto &[key, e] : index)
            if (e.runId == run && e.role == "baseline")
                baseline = std::get<0>(key);
        if (baseline.empty() && !trains)
            baseline = intervention;
    }
    std::vector<GeneralizationRow> rows;
    for (const auto &shift : shifts) {
        GeneralizationRow row;
        row.source = shift.source;
        row.target = shift.target;
        row.targetReference = shift.effectiveReference();
        row.category = shift.category;
        row.genies = shift.isGenies();
        const std::string trainedOn = run && !trains ? std::string() : shift.source;
        row.generalizationAccuracy = accuracyOf(index, intervention, trainedOn, shift.target);
        row.baselineIntervention = baseline;
        if (!run)
            row.baselineAccuracy = accuracyOf(index, baseline, shift.source, shift.target);
        if (!row.baselineAccuracy && !baseline.empty())
            row.baselineAccuracy = accuracyOf(index, baseline, "", shift.target);
        const bool same = rule == CapabilityRule::SameIntervention || (rule == CapabilityRule::Automatic && run);
        if (same) {
            const std::string capabilityTrain = trains ? row.targetReference : std::string();
            row.targetTunedCapability = accuracyOf(index, intervention, capabilityTrain, row.targetReference);
            row.targetTunedCapabilityIntervention = intervention;
            row.capabilitySource = intervention
                                 + (trains ? " trained and evaluated on " : " (trains nothing) evaluated on ")
                                 + row.targetReference;
        } else {
            const Capability capability = capabilityFor(workspace, index, model, shift.target, row.targetReference,
                                                        rule == CapabilityRule::PublishedBest && run,
                                                        row.capabilitySource);
            row.targetTunedCapability = capability.accuracy;
            row.targetTunedCapabilityIntervention = capability.intervention;
        }
        row.sourceIdAccuracy = accuracyOf(index, intervention, trainedOn, shift.source);
        if (auto it = index.find(Key{intervention, trainedOn, shift.target}); it != index.end())
            row.rmsCalibrationError = it->second.storedRms ? it->second.storedRms
                                    : it->second.hasRmsKey ? it->second.rms
                                                           : std::nullopt;
        row.differentialElicitation =
            differentialElicitation(row.generalizationAccuracy, row.baselineAccuracy, row.targetTunedCapability);
        rows.push_back(std::move(row));
    }
    return rows;
}

std::string pythonFloatRepr(double value)
{
    if (std::isnan(value))
        return "nan";
    if (std::isinf(value))
        return value > 0 ? "inf" : "-inf";
    // Shortest round-trip digits and exponent, then laid out the way Python's repr does.
    char buffer[64];
    auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific);
    std::string sci(buffer, end);
    const auto e = sci.find('e');
    std::string mantissa = sci.substr(0, e);
    const int exponent = std::stoi(sci.substr(e + 1));
    const bool negative = mantissa[0] == '-';
    if (negative)
        mantissa.erase(0, 1);
    std::string digits;
    for (char c : mantissa)
        if (c != '.')
            digits += c;
    std::string out;
    if (exponent < -4 || exponent >= 16) {
        out = digits.substr(0, 1);
        if (digits.size() > 1)
            out += "." + digits.substr(1);
        char exp[16];
        std::snprintf(exp, sizeof exp, "e%c%02d", exponent < 0 ? '-' : '+', std::abs(exponent));
        out += exp;
    } else if (exponent < 0) {
        out = "0." + std::string(std::size_t(-exponent - 1), '0') + digits;
    } else if (std::size_t(exponent) + 1 >= digits.size()) {
        out = digits + std::string(std::size_t(exponent) + 1 - digits.size(), '0') + ".0";
    } else {
        out = digits.substr(0, std::size_t(exponent) + 1) + "." + digits.substr(std::size_t(exponent) + 1);
    }
    return negative ? "-" + out : out;
}

std::string generalizationCsv(const std::vector<GeneralizationRow> &rows)
{
    std::string csv;
    for (const auto &c : generalizationCsvColumns())
        csv += (csv.empty() ? "" : ",") + c;
    csv += "\n";
    auto number = [](const std::optional<double> &v) { return v ? pythonFloatRepr(*v) : std::string(); };
    for (const auto &r : rows) {
        csv += r.source + "," + r.target + "," + r.targetReference + "," + number(r.generalizationAccuracy) + ","
             + number(r.baselineAccuracy) + "," + r.baselineIntervention + "," + number(r.targetTunedCapability) + ","
             + r.targetTunedCapabilityIntervention + "," + number(r.sourceIdAccuracy) + ","
             + number(r.rmsCalibrationError) + "," + number(r.differentialElicitation) + "\n";
    }
    return csv;
}

std::vector<TableComparison> compareAllWithPublished(Workspace &workspace)
{
    std::vector<TableComparison> out;
    ResultStore store(workspace);
    for (const PublishedTable &table : store.publishedTables()) {
        TableComparison cmp{table.model, table.intervention, table.file, 0, 0, 0, 0, {}};
        const std::vector<GeneralizationRow> published = store.publishedRows(table);
        std::vector<ShiftPair> shifts;
        for (const auto &p : published) {
            ShiftPair shift;
            shift.source = p.source;
            shift.target = p.target;
            shift.targetReference = p.targetReference;
            shifts.push_back(shift);
        }
        const auto rebuilt = rebuildGeneralizationTable(workspace, cmp.model, cmp.intervention, shifts);
        for (std::size_t i = 0; i < published.size(); ++i) {
            const auto &p = published[i];
            const auto &r = rebuilt[i];
            ++cmp.rows;
            const bool complete = r.generalizationAccuracy && r.baselineAccuracy && r.targetTunedCapability
                               && r.sourceIdAccuracy;
            if (!complete) {
                ++cmp.rowsWithoutInputs;
                continue;
            }
            const std::string where =
                cmp.file + ".csv row " + std::to_string(i + 1) + " (" + p.source + " -> " + p.target + ") ";
            auto number = [&](const char *column, const std::optional<double> &a, const std::optional<double> &b) {
                ++cmp.comparedCells;
                const bool same = (!a && !b) || (a && b && std::fabs(*a - *b) <= 1e-9);
                if (same)
                    ++cmp.agreeingCells;
                else
                    cmp.differences.push_back(where + column + ": published " + (a ? pythonFloatRepr(*a) : "empty")
                                              + ", rebuilt " + (b ? pythonFloatRepr(*b) : "empty"));
            };
            auto text = [&](const char *column, const std::string &a, const std::string &b) {
                ++cmp.comparedCells;
                if (a == b)
                    ++cmp.agreeingCells;
                else
                    cmp.differences.push_back(where + column + ": published " + a + ", rebuilt " + b);
            };
            number("generalization_accuracy", p.generalizationAccuracy, r.generalizationAccuracy);
            number("baseline_accuracy", p.baselineAccuracy, r.baselineAccuracy);
            text("baseline_intervention", p.baselineIntervention, r.baselineIntervention);
            number("target_tuned_capability", p.targetTunedCapability, r.targetTunedCapability);
            text("target_tuned_capability_intervention", p.targetTunedCapabilityIntervention,
                 r.targetTunedCapabilityIntervention);
            number("source_ID_accuracy", p.sourceIdAccuracy, r.sourceIdAccuracy);
            number("RMS_calibration_error", p.rmsCalibrationError, r.rmsCalibrationError);
            number("differential_elicitation", p.differentialElicitation, r.differentialElicitation);
        }
        out.push_back(std::move(cmp));
    }
    return out;
}

} // namespace shiftscope
