#include "analysis/trust.h"

#include "analysis/cueanalysis.h"
#include "runs/runplanner.h"
#include "runs/runstore.h"
#include "workspace/workspace.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <map>
#include <set>

namespace shiftscope {

namespace {

//! Percentile ranks in [0, 1] of the defined values (ties share their mean rank); NaN stays NaN.
std::vector<double> percentileRanks(const std::vector<double> &values)
{
    std::vector<std::size_t> order;
    for (std::size_t i = 0; i < values.size(); ++i)
        if (!std::isnan(values[i]))
            order.push_back(i);
    std::sort(order.begin(), order.end(), [&](auto a, auto b) { return values[a] < values[b]; });
    std::vector<double> ranks(values.size(), NAN);
    const double span = order.size() > 1 ? double(order.size() - 1) : 1.0;
    for (std::size_t i = 0; i < order.size();) {
        std::size_t j = i;
        while (j + 1 < order.size() && values[order[j + 1]] == values[order[i]])
            ++j;
        const double mean = (double(i) + double(j)) / 2 / span;
        for (std::size_t k = i; k <= j; ++k)
            ranks[order[k]] = order.size() > 1 ? mean : 0.5;
        i = j + 1;
    }
    return ranks;
}

SignalQuality qualityOf(const std::string &name, const std::vector<double> &score, const std::vector<bool> &error)
{
    SignalQuality q;
    q.name = name;
    std::vector<double> s;
    std::vector<bool> e;
    for (std::size_t i = 0; i < score.size(); ++i)
        if (!std::isnan(score[i])) {
            s.push_back(score[i]);
            e.push_back(error[i]);
        }
    q.pairs = int(s.size());
    q.errors = int(std::count(e.begin(), e.end(), true));
    q.auroc = auroc(s, e);
    q.interval = aurocInterval(s, e);
    return q;
}

const std::set<std::string> &probeInterventions()
{
    static const std::set<std::string> probes = {"mms", "cra", "lat_stim_1", "lat_stim_2", "linear_probe", "ccs"};
    return probes;
}

} // namespace

std::optional<double> auroc(const std::vector<double> &score, const std::vector<bool> &positive)
{
    const std::vector<double> ranks = percentileRanks(score);
    const auto n = double(score.size());
    double positives = 0, rankSum = 0;
    for (std::size_t i = 0; i < score.size(); ++i)
        if (positive[i]) {
            ++positives;
            rankSum += ranks[i] * (n > 1 ? n - 1 : 0) + 1; // back to 1-based mid-ranks
        }
    const double negatives = n - positives;
    if (positives == 0 || negatives == 0)
        return std::nullopt;
    return (rankSum - positives * (positives + 1) / 2) / (positives * negatives); // Mann–Whitney U / (n+ n−)
}

std::optional<Interval> aurocInterval(const std::vector<double> &score, const std::vector<bool> &positive,
                                      int resamples, std::uint64_t seed)
{
    if (!auroc(score, positive))
        return std::nullopt;
    std::mt19937_64 rng(seed);
    std::uniform_int_distribution<std::size_t> pick(0, score.size() - 1);
    std::vector<double> values, s(score.size());
    std::vector<bool> p(score.size());
    for (int r = 0; r < resamples; ++r) {
        for (std::size_t i = 0; i < score.size(); ++i) {
            const std::size_t k = pick(rng);
            s[i] = score[k];
            p[i] = positive[k];
        }
        if (const auto a = auroc(s, p))
            values.push_back(*a);
    }
    if (values.empty())
        return std::nullopt;
    std::sort(values.begin(), values.end());
    auto at = [&](double q) { return values[std::min(values.size() - 1, std::size_t(q * double(values.size())))]; };
    return Interval{at(0.025), at(0.975)};
}

TrustAssessment assessTrust(const std::vector<double> &p, std::vector<TrustSignal> evidence)
{
    TrustAssessment a;
    std::vector<bool> error;
    for (const double v : p)
        error.push_back(v < 0.5);
    std::vector<std::vector<double>> ranks;
    for (const TrustSignal &s : evidence)
        ranks.push_back(percentileRanks(s.values));
    std::vector<double> distrust(p.size(), NAN);
    for (std::size_t k = 0; k < p.size(); ++k) {
        PairTrust pair;
        pair.pairIndex = int(k);
        pair.probability = p[k];
        pair.error = error[k];
        double sum = 0;
        int count = 0;
        for (std::size_t i = 0; i < evidence.size(); ++i) {
            pair.evidence.push_back(evidence[i].values[k]);
            if (!std::isnan(ranks[i][k])) {
                sum += ranks[i][k];
                ++count;
            }
        }
        distrust[k] = count ? sum / count : NAN;
        pair.distrust = distrust[k];
        pair.trust = count ? 1 - distrust[k] : NAN;
        a.pairs.push_back(std::move(pair));
    }
    for (const TrustSignal &s : evidence)
        a.quality.push_back(qualityOf(s.name, s.values, error));
    a.quality.push_back(qualityOf("combined", distrust, error));
    a.evidence = std::move(evidence);
    return a;
}

std::vector<TrustSignal> evaluationSignals(Workspace &workspace, const RunRecord &run, const RunUnit &audited,
                                           const std::string &source, const std::string &target,
                                           const std::vector<double> &auditedP)
{
    RunStore store(workspace);
    struct Method {
        std::string name;
        std::vector<double> p;
    };
    std::vector<Method> others;
    std::optional<Method> zeroShot, probe;
    if (probeInterventions().count(audited.intervention))
        probe = Method{audited.intervention + " (run " + std::to_string(run.id) + ")", auditedP};
    for (const RunRecord &other : store.runs()) {
        if (other.modelHash != run.modelHash)
            continue;
        for (const RunUnit &unit : other.units) {
            if (unit.id == audited.id
                || std::find(unit.evaluations.begin(), unit.evaluations.end(), target) == unit.evaluations.end()
                || !(unit.trainDistribution == source || unit.trainDistribution.empty()))
                continue;
            std::vector<double> p = store.predictions(unit.id, target);
            if (p.size() != auditedP.size())
                continue; // unfinished
            if (unit.intervention == audited.intervention && p == auditedP)
                continue; // the same configuration run again
            // The same method giving the same predictions (the zero-shot baselines of several runs) counts once.
            const std::string name = unit.intervention + " (run " + std::to_string(other.id) + ")";
            if (std::any_of(others.begin(), others.end(), [&](const Method &o) {
                    return o.p == p && o.name.rfind(unit.intervention + " (", 0) == 0;
                }))
                continue;
            Method m{name, std::move(p)};
            if (unit.intervention == "zero_shot" && !zeroShot)
                zeroShot = m;
            if (probeInterventions().count(unit.intervention) && !probe)
                probe = m;
            others.push_back(std::move(m));
        }
    }

    std::vector<TrustSignal> evidence;
    TrustSignal disagreement{"intervention_disagreement", std::vector<double>(auditedP.size(), NAN), {}};
    if (others.empty()) {
        disagreement.note = "no other evaluation of this model on the shift";
    } else {
        for (std::size_t k = 0; k < auditedP.size(); ++k) {
            double differ = 0;
            for (const Method &m : others)
                differ += (m.p[k] >= 0.5) != (auditedP[k] >= 0.5);
            disagreement.values[k] = differ / double(others.size());
        }
        for (const Method &m : others)
            disagreement.note += (disagreement.note.empty() ? "against " : ", ") + m.name;
    }
    evidence.push_back(std::move(disagreement));

    TrustSignal probeZeroShot{"probe_zero_shot_disagreement", std::vector<double>(auditedP.size(), NAN), {}};
    if (!probe || !zeroShot) {
        probeZeroShot.note = !zeroShot ? "no zero_shot evaluation of this model on the target"
                                       : "no probe evaluation of this model on the shift";
    } else {
        for (std::size_t k = 0; k < auditedP.size(); ++k)
            probeZeroShot.values[k] = std::fabs(probe->p[k] - zeroShot->p[k]);
        probeZeroShot.note = probe->name + " against " + zeroShot->name;
    }
    evidence.push_back(std::move(probeZeroShot));
    return evidence;
}

namespace {

ActivationDistanceProvider &distanceProvider()
{
    static ActivationDistanceProvider provider;
    return provider;
}

} // namespace

void setActivationDistanceProvider(ActivationDistanceProvider provider) { distanceProvider() = std::move(provider); }

RunTrust assessRunTrust(Workspace &workspace, const TrustRequest &request)
{
    const RunRecord run = RunStore(workspace).existingRun(request.runId);
    RunTrust result;
    result.intervention = request.intervention.empty() ? run.intervention : request.intervention;
    const RunUnit &unit = analysedUnit(workspace, run, result.intervention, request.source, request.target);
    result.unitPosition = unit.position;
    const auto targetTest = workspace.examples(request.target, Split::Test);
    result.pairs = pairsInOrder(targetTest);
    const std::vector<double> p = unitPredictions(workspace, run, unit, request.target, result.pairs.size());

    TrustSignal distance{"activation_distance", std::vector<double>(p.size(), NAN), {}};
    if (run.modelPath.empty())
        distance.note = "the run has no model";
    else if (!distanceProvider())
        distance.note = "no model engine in this program";
    else
        distance = distanceProvider()(workspace, run, unit, request, result.layer);
    std::vector<TrustSignal> evidence = {std::move(distance)};
    for (TrustSignal &s : evaluationSignals(workspace, run, unit, request.source, request.target, p))
        evidence.push_back(std::move(s));
    result.assessment = assessTrust(p, std::move(evidence));
    return result;
}

RunTrustSummary assessRunTrustByShift(Workspace &workspace, const TrustRequest &request)
{
    const RunRecord run = RunStore(workspace).existingRun(request.runId);
    const std::string intervention = request.intervention.empty() ? run.intervention : request.intervention;
    RunTrustSummary summary;
    for (const ShiftPair &shift : resolveShifts(workspace, run.shifts)) {
        const bool evaluated = std::any_of(run.units.begin(), run.units.end(), [&](const RunUnit &unit) {
            return unit.intervention == intervention && unit.trainDistribution == shift.source
                && std::find(unit.evaluations.begin(), unit.evaluations.end(), shift.target) != unit.evaluations.end();
        });
        if (!evaluated || shift.source == shift.target)
            continue;
        TrustRequest one = request;
        one.intervention = intervention;
        one.source = shift.source;
        one.target = shift.target;
        summary.shifts.push_back({shift.source, shift.target, shift.category, assessRunTrust(workspace, one)});
    }
    // Per category: every signal ranked within its shift, then pooled.
    std::map<std::string, std::vector<const RunTrustSummary::Shift *>> byCategory;
    for (const auto &s : summary.shifts)
        byCategory[s.category.empty() ? "uncategorised" : s.category].push_back(&s);
    for (const auto &[category, members] : byCategory) {
        RunTrustSummary::Category c{category, int(members.size()), {}};
        const auto &first = members.front()->trust.assessment;
        for (std::size_t i = 0; i <= first.evidence.size(); ++i) {
            const bool combined = i == first.evidence.size();
            std::vector<double> pooled;
            std::vector<bool> errors;
            for (const auto *m : members) {
                const TrustAssessment &a = m->trust.assessment;
                std::vector<double> values;
                for (const PairTrust &p : a.pairs)
                    values.push_back(combined ? p.distrust : p.evidence[i]);
                for (const double rank : percentileRanks(values))
                    pooled.push_back(rank);
                for (const PairTrust &p : a.pairs)
                    errors.push_back(p.error);
            }
            c.quality.push_back(qualityOf(combined ? "combined" : first.evidence[i].name, pooled, errors));
        }
        summary.categories.push_back(std::move(c));
    }
    return summary;
}

} // namespace shiftscope
