#include "results/resultanalysis.h"

#include "genies/shiftcatalogue.h"
#include "runs/runplanner.h"
#include "runs/runstore.h"
#include "util/statistics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

namespace shiftscope {

namespace {

AccuracyEstimate estimate(std::optional<double> accuracy, int pairs)
{
    AccuracyEstimate e;
    e.value = accuracy;
    e.pairs = pairs;
    if (accuracy && pairs > 0) {
        const Interval interval = wilsonInterval(*accuracy, pairs);
        e.low = interval.low;
        e.high = interval.high;
    } else if (accuracy) {
        e.low = e.high = *accuracy;
    }
    return e;
}

//! Pairs behind an accuracy of the table: the evaluation trained on `train`, else (a method that trains nothing,
//! as a run keys it) the untrained one.
int pairCount(ResultStore &store, const std::string &model, const std::string &intervention, const std::string &train,
              const std::string &evaluated)
{
    auto e = store.find(model, intervention, train, evaluated);
    if (!e)
        e = store.find(model, intervention, "", evaluated);
    return e ? e->probabilityCount : 0;
}

std::string shiftLabel(const ShiftPair &shift) { return shift.source + " → " + shift.target; }

} // namespace

std::vector<ShiftPair> shiftsOf(Workspace &workspace, ShiftSet set)
{
    std::vector<ShiftPair> shifts = workspace.shifts(workspace.builtinCatalogueId());
    if (set == ShiftSet::Genies) {
        std::erase_if(shifts, [](const ShiftPair &p) { return !p.isGenies(); });
        std::stable_sort(shifts.begin(), shifts.end(),
                         [](const ShiftPair &a, const ShiftPair &b) { return a.geniesRank < b.geniesRank; });
        return shifts;
    }
    // Then the shifts of the loaded catalogues (such as the demo suite's) that the built-in one lacks.
    std::set<std::pair<std::string, std::string>> seen;
    for (const ShiftPair &p : shifts)
        seen.emplace(p.source, p.target);
    for (const auto &catalogue : workspace.catalogues())
        if (catalogue.id != workspace.builtinCatalogueId())
            for (const ShiftPair &p : workspace.shifts(catalogue.id))
                if (seen.emplace(p.source, p.target).second)
                    shifts.push_back(p);
    // Then the pairs runs were asked for by name (run --shifts S:T,...), so a run over shifts of one's own shows.
    for (const RunRecord &run : RunStore(workspace).runs()) {
        std::vector<ShiftPair> asked;
        try {
            asked = resolveShifts(workspace, run.shifts);
        } catch (const std::exception &) {
            continue; // a shift file that has moved since: its pairs are in the run's evaluations still
        }
        for (ShiftPair &p : asked)
            if (seen.emplace(p.source, p.target).second)
                shifts.push_back(std::move(p));
    }
    return shifts;
}

ShiftSet defaultShiftSet(Workspace &workspace, const std::string &model)
{
    std::set<std::string> distributions;
    for (const ShiftPair &p : shiftsOf(workspace, ShiftSet::Genies))
        distributions.insert({p.source, p.target});
    for (const auto &e : ResultStore(workspace).evaluations(model))
        if (distributions.count(e.evalDistribution))
            return ShiftSet::Genies;
    return ShiftSet::All;
}

std::map<std::string, std::vector<ShiftResult>> shiftResults(Workspace &workspace, const std::string &model,
                                                             const std::vector<std::string> &interventions,
                                                             ShiftSet set, CapabilityRule rule)
{
    ResultStore store(workspace);
    const auto shifts = shiftsOf(workspace, set);
    const auto all = store.evaluations(model);
    std::map<std::string, std::vector<ShiftResult>> out;
    for (const auto &intervention : interventions) {
        auto &results = out[intervention];
        const auto group = findSeedGroup(workspace, model, intervention);
        std::vector<SeedGroupRow> rows;
        if (group)
            rows = seedGroupTable(workspace, model, *group, shifts, rule);
        else
            for (auto &row : rebuildGeneralizationTable(workspace, model, intervention, shifts, rule)) {
                SeedGroupRow single;
                single.mean = std::move(row);
                rows.push_back(std::move(single));
            }
        // Pairs behind the numbers: a seed group's first run stands for them all (every seed evaluates the same).
        const std::string counted = group ? group->members.front().label : intervention;
        for (auto &groupRow : rows) {
            const GeneralizationRow &row = groupRow.mean;
            ShiftResult r;
            r.generalization =
                estimate(row.generalizationAccuracy, pairCount(store, model, counted, row.source, row.target));
            if (group && groupRow.minAccuracy) {
                r.generalization.low = *groupRow.minAccuracy;
                r.generalization.high = *groupRow.maxAccuracy;
                r.generalization.acrossSeeds = true;
            }
            r.baseline = estimate(row.baselineAccuracy,
                                  pairCount(store, model, row.baselineIntervention, row.source, row.target));
            int capabilityPairs = 0;
            if (group)
                capabilityPairs = pairCount(store, model, counted, row.targetReference, row.targetReference);
            else
                for (const auto &e : all)
                    if ((e.trainDistribution == row.targetReference
                         || e.intervention == row.targetTunedCapabilityIntervention)
                        && e.evalDistribution == row.targetReference
                        && e.reportedAccuracy() == row.targetTunedCapability)
                        capabilityPairs = e.probabilityCount;
            r.capability = estimate(row.targetTunedCapability, capabilityPairs);
            r.seeds = std::move(groupRow.seeds);
            r.sdAccuracy = groupRow.sdAccuracy;
            r.sdDifferentialElicitation = groupRow.sdDifferentialElicitation;
            r.row = row;
            results.push_back(std::move(r));
        }
    }
    return out;
}

ResultMatrix interventionShiftMatrix(Workspace &workspace, const std::string &model,
                                     const std::vector<std::string> &interventions, ShiftSet set, HeatmapMetric metric,
                                     CapabilityRule rule)
{
    ResultMatrix m;
    const auto shifts = shiftsOf(workspace, set);
    for (const auto &shift : shifts) {
        m.columnLabels.push_back(shiftLabel(shift));
        m.columnCategories.push_back(shift.category);
    }
    for (const auto &intervention : interventions) {
        m.rowLabels.push_back(intervention);
        std::vector<std::optional<double>> values;
        for (const auto &row : resultsTable(workspace, model, intervention, shifts, rule))
            values.push_back(metric == HeatmapMetric::DifferentialElicitation ? row.differentialElicitation
                                                                              : row.generalizationAccuracy);
        m.values.push_back(std::move(values));
    }
    return m;
}

ResultMatrix categoryBreakdown(Workspace &workspace, const std::string &model,
                               const std::vector<std::string> &interventions, ShiftSet set, CapabilityRule rule)
{
    const ResultMatrix perShift =
        interventionShiftMatrix(workspace, model, interventions, set, HeatmapMetric::DifferentialElicitation, rule);
    ResultMatrix m;
    m.rowLabels = perShift.rowLabels;
    std::vector<std::string> categories;
    for (const auto &c : geniesCategories())
        if (std::find(perShift.columnCategories.begin(), perShift.columnCategories.end(), c.id)
            != perShift.columnCategories.end())
            categories.push_back(c.id);
    for (const auto &c : categories) {
        m.columnLabels.push_back(categoryDisplayName(c));
        m.columnCategories.push_back(c);
    }
    // The shifts with a result for some intervention; a row's category mean is over all of them, or none: a mean
    // over some of them would not compare with the other rows'.
    std::vector<bool> evaluated(perShift.columnLabels.size(), false);
    for (const auto &values : perShift.values)
        for (std::size_t s = 0; s < values.size(); ++s)
            evaluated[s] = evaluated[s] || values[s].has_value();
    for (const auto &values : perShift.values) {
        std::vector<std::optional<double>> means;
        for (const auto &category : categories) {
            double sum = 0;
            int count = 0, shifts = 0;
            for (std::size_t s = 0; s < values.size(); ++s)
                if (perShift.columnCategories[s] == category && evaluated[s]) {
                    ++shifts;
                    if (values[s]) {
                        sum += *values[s];
                        ++count;
                    }
                }
            means.push_back(count == shifts && count > 0 ? std::optional<double>(sum / count) : std::nullopt);
        }
        m.values.push_back(std::move(means));
    }
    return m;
}

ResultMatrix transferMatrix(Workspace &workspace, const std::string &model, const std::string &intervention)
{
    if (const auto group = findSeedGroup(workspace, model, intervention)) {
        // Every seed trains on the same distributions and evaluates the same: the mean cell by cell.
        std::vector<ResultMatrix> seeds;
        for (const SeedMember &member : group->members)
            seeds.push_back(transferMatrix(workspace, model, member.label));
        ResultMatrix mean = seeds.front();
        for (std::size_t r = 0; r < mean.rowLabels.size(); ++r)
            for (std::size_t c = 0; c < mean.columnLabels.size(); ++c) {
                double sum = 0;
                int count = 0;
                for (const ResultMatrix &seed : seeds)
                    if (seed.rowLabels == mean.rowLabels && seed.columnLabels == mean.columnLabels
                        && seed.values[r][c]) {
                        sum += *seed.values[r][c];
                        ++count;
                    }
                mean.values[r][c] = count ? std::optional<double>(sum / count) : std::nullopt;
            }
        return mean;
    }
    ResultMatrix m;
    const auto evaluations = ResultStore(workspace).evaluations(model, intervention);
    std::set<std::string> trains, evaluated;
    for (const auto &e : evaluations) {
        if (e.trainDistribution.empty())
            continue;
        trains.insert(e.trainDistribution);
        evaluated.insert(e.evalDistribution);
    }
    m.rowLabels.assign(trains.begin(), trains.end());
    m.columnLabels.assign(evaluated.begin(), evaluated.end());
    m.columnCategories.assign(m.columnLabels.size(), {});
    m.values.assign(m.rowLabels.size(), std::vector<std::optional<double>>(m.columnLabels.size()));
    for (const auto &e : evaluations) {
        if (e.trainDistribution.empty())
            continue;
        const auto r =
            std::size_t(std::find(m.rowLabels.begin(), m.rowLabels.end(), e.trainDistribution) - m.rowLabels.begin());
        const auto c = std::size_t(std::find(m.columnLabels.begin(), m.columnLabels.end(), e.evalDistribution)
                                   - m.columnLabels.begin());
        m.values[r][c] = e.reportedAccuracy();
    }
    return m;
}

CalibrationData calibration(Workspace &workspace, const std::string &model, const std::string &intervention,
                            const ShiftPair &shift)
{
    if (const auto group = findSeedGroup(workspace, model, intervention)) {
        const SeedMember &first = group->members.front();
        CalibrationData data = calibration(workspace, model, first.label, shift);
        data.seedNote = "seed " + std::to_string(first.seed) + " (run " + std::to_string(first.runId)
                      + "), the first of " + std::to_string(group->members.size()) + " seeds";
        return data;
    }
    ResultStore store(workspace);
    CalibrationData data;
    data.source = store.find(model, intervention, shift.source, shift.source);
    data.target = store.find(model, intervention, shift.source, shift.target);
    // A run of a method that trains nothing keys its evaluations by no training distribution.
    if (!data.source && !data.target) {
        data.source = store.find(model, intervention, "", shift.source);
        data.target = store.find(model, intervention, "", shift.target);
    }
    auto fill =
        [&](const std::optional<EvaluationInfo> &e, std::vector<ReliabilityBin> &bins, std::vector<int> &histogram) {
        histogram.assign(10, 0);
        if (!e)
            return;
        const auto p = store.probabilities(e->id);
        bins = reliabilityDiagram(p, 10);
        for (double v : p)
            histogram[std::min<std::size_t>(9, std::size_t(std::clamp(v, 0.0, 1.0) * 10))] += 1;
    };
    fill(data.source, data.sourceBins, data.sourceHistogram);
    fill(data.target, data.targetBins, data.targetHistogram);
    return data;
}

DisagreementTable disagreements(Workspace &workspace, const std::vector<std::int64_t> &evaluationIds)
{
    ResultStore store(workspace);
    DisagreementTable table;
    std::vector<std::vector<double>> probabilities;
    std::size_t pairs = 0;
    for (auto id : evaluationIds) {
        auto e = store.evaluation(id);
        if (!e)
            continue;
        if (table.distribution.empty())
            table.distribution = e->evalDistribution;
        table.links.push_back(store.linkStatus(*e));
        probabilities.push_back(store.probabilities(id));
        pairs = std::max(pairs, probabilities.back().size());
        table.evaluations.push_back(std::move(*e));
    }
    // Pair k -> example and responses, when the data is here and every linked evaluation agrees on the count.
    std::vector<PairRef> refs;
    const bool anyLinked =
        std::any_of(table.links.begin(), table.links.end(), [](const LinkStatus &l) { return l.linked; });
    if (anyLinked)
        refs = pairsInOrder(workspace.examples(table.distribution, Split::Test));
    const double nan = std::numeric_limits<double>::quiet_NaN();
    table.rows.reserve(pairs);
    for (std::size_t k = 0; k < pairs; ++k) {
        DisagreementRow row;
        row.pairIndex = int(k);
        if (k < refs.size() && refs.size() == pairs) {
            row.examplePosition = refs[k].examplePosition;
            row.preferredIndex = refs[k].preferredIndex;
            row.dispreferredIndex = refs[k].dispreferredIndex;
        }
        bool allWrong = !probabilities.empty();
        for (const auto &p : probabilities) {
            const double v = k < p.size() ? p[k] : nan;
            row.probabilities.push_back(v);
            allWrong = allWrong && !std::isnan(v) && v < kConfidentlyWrong;
        }
        row.possibleLabelError = allWrong;
        table.rows.push_back(std::move(row));
    }
    return table;
}

std::array<std::array<int, 2>, 2> agreementMatrix(const DisagreementTable &table, std::size_t a, std::size_t b)
{
    std::array<std::array<int, 2>, 2> counts{};
    for (const auto &row : table.rows) {
        if (a >= row.probabilities.size() || b >= row.probabilities.size())
            continue;
        const double pa = row.probabilities[a], pb = row.probabilities[b];
        if (std::isnan(pa) || std::isnan(pb))
            continue;
        counts[pa >= 0.5 ? 1 : 0][pb >= 0.5 ? 1 : 0] += 1;
    }
    return counts;
}

} // namespace shiftscope
