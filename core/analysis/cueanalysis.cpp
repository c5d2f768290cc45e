#include "analysis/cueanalysis.h"

#include "metrics/comparisons.h"
#include "results/evaluationcomparison.h"
#include "runs/clusterplan.h"
#include "runs/runner.h"
#include "runs/runstore.h"
#include "util/errors.h"
#include "util/sha256.h"
#include "workspace/workspace.h"

#include <algorithm>
#include <cmath>
#include <random>

namespace shiftscope {

namespace {

bool evaluates(const RunUnit &unit, const std::string &distribution)
{
    return std::find(unit.evaluations.begin(), unit.evaluations.end(), distribution) != unit.evaluations.end();
}

} // namespace

const RunUnit &analysedUnit(const Workspace &workspace, const RunRecord &run, const std::string &intervention,
                            const std::string &source, const std::string &target)
{
    const RunUnit *found = nullptr;
    std::string units;
    for (const RunUnit &unit : run.units) {
        if (unit.intervention == intervention && evaluates(unit, target)
            && (unit.trainDistribution == source || (unit.trainDistribution.empty() && !found)))
            found = &unit;
        units += (units.empty() ? "" : "; ") + unit.intervention + " trained on "
               + (unit.trainDistribution.empty() ? "nothing" : unit.trainDistribution);
    }
    if (!found)
        throw InputError(InputProblem{workspace.path().string(), "run " + std::to_string(run.id),
                                      "no " + intervention + " unit of the run trained on " + source + " evaluates "
                                          + target + " (its units: " + units + ")",
                                      "name a shift and an intervention the run has (see the runs command)"});
    return *found;
}

const PairRef &targetPair(const Workspace &workspace, const std::vector<PairRef> &pairs, const std::string &target,
                          int pairIndex)
{
    if (pairIndex < 0 || pairIndex >= int(pairs.size()))
        throw InputError(InputProblem{workspace.path().string(), "--pair " + std::to_string(pairIndex),
                                      target + " has test pairs 0 to " + std::to_string(int(pairs.size()) - 1),
                                      "choose a pair in that range (the Disagreements view numbers them)"});
    return pairs[std::size_t(pairIndex)];
}

void requireModelEngine(bool installed)
{
    if (!installed)
        throw InputError(InputProblem{{}, {}, "this program has no model engine", "use shiftscope-cli or the GUI"});
}

std::vector<double> unitPredictions(Workspace &workspace, const RunRecord &run, const RunUnit &unit,
                                    const std::string &distribution, std::size_t pairs)
{
    std::vector<double> p = RunStore(workspace).predictions(unit.id, distribution);
    if (p.size() != pairs)
        throw InputError(InputProblem{workspace.path().string(),
                                      "run " + std::to_string(run.id) + ", unit " + std::to_string(unit.position + 1),
                                      "the unit has " + std::to_string(p.size()) + " of the " + std::to_string(pairs)
                                          + " predictions of " + distribution,
                                      "let the run finish (run --resume " + std::to_string(run.id) + ")"});
    return p;
}

namespace {

double accuracyOf(const std::vector<double> &p)
{
    double right = 0;
    for (double v : p)
        right += v >= 0.5;
    return p.empty() ? 0.0 : right / double(p.size());
}

//! Each pair's credit: 1 right, 0 wrong, ½ for a tie (a probe with nothing left to read scores every pair 0.5,
//! which is chance, not a right answer).
std::vector<double> creditsOf(const std::vector<double> &p)
{
    std::vector<double> credits;
    for (double v : p)
        credits.push_back(std::fabs(v - 0.5) <= 1e-9 ? 0.5 : v > 0.5 ? 1.0 : 0.0);
    return credits;
}

double meanOf(const std::vector<double> &values)
{
    double sum = 0;
    for (double v : values)
        sum += v;
    return values.empty() ? 0.0 : sum / double(values.size());
}

//! Percentile bootstrap 95% of the mean of a − b (b empty: of a) over pairs resampled together.
Interval bootstrapCredit(const std::vector<double> &a, const std::vector<double> &b = {})
{
    if (a.empty())
        return {0, 0};
    std::mt19937_64 generator(42);
    std::uniform_int_distribution<std::size_t> pick(0, a.size() - 1);
    std::vector<double> means;
    for (int r = 0; r < 2000; ++r) {
        double sum = 0;
        for (std::size_t k = 0; k < a.size(); ++k) {
            const std::size_t i = pick(generator);
            sum += a[i] - (b.empty() ? 0.0 : b[i]);
        }
        means.push_back(sum / double(a.size()));
    }
    std::sort(means.begin(), means.end());
    return {means[50], means[1949]};
}

CueErasureProvider &erasureProvider()
{
    static CueErasureProvider installed;
    return installed;
}

} // namespace

void setCueErasureProvider(CueErasureProvider provider) { erasureProvider() = std::move(provider); }

CueReport analyseCue(Workspace &workspace, const CueRequest &request, const Cue &cue)
{
    const RunRecord run = RunStore(workspace).existingRun(request.runId);
    CueReport report;
    report.intervention = request.intervention.empty() ? run.intervention : request.intervention;
    report.cue = cue.describe();
    const RunUnit &unit = analysedUnit(workspace, run, report.intervention, request.source, request.target);
    report.unitPosition = unit.position;

    if (evaluates(unit, request.source)) {
        const auto examples = workspace.examples(request.source, Split::Test);
        report.source = cueFigures(
            examples, unitPredictions(workspace, run, unit, request.source, pairsInOrder(examples).size()), cue);
    }
    const auto target = workspace.examples(request.target, Split::Test);
    const std::vector<double> p = unitPredictions(workspace, run, unit, request.target, pairsInOrder(target).size());
    report.target = cueFigures(target, p, cue);

    std::optional<std::pair<std::vector<double>, std::string>> erased;
    if (request.erase && erasureProvider()) {
        // The figures above need only the stored predictions: an erasure that cannot be computed (the model or the
        // unit's artifacts gone, a cue the source never varies) is reported, not fatal.
        try {
            erased = erasureProvider()(workspace, run, unit, request, cue);
        } catch (const InputError &e) {
            report.erasureSkipped = e.problems().empty() ? e.what() : e.problems().front().message;
        }
    }
    if (erased) {
        const std::vector<double> &q = erased->first;
        const std::vector<double> before = creditsOf(p), after = creditsOf(q);
        CueErasure e;
        e.method = erased->second;
        e.accuracyBefore = meanOf(before);
        e.accuracyAfter = meanOf(after);
        e.tiedPairs = int(std::count(after.begin(), after.end(), 0.5));
        e.intervalAfter = bootstrapCredit(after);
        e.change = e.accuracyAfter - e.accuracyBefore;
        e.changeInterval = bootstrapCredit(after, before);
        e.after = cueFigures(target, q, cue);
        report.erasure = e;
    }

    report.counterfactual = cue.movable() ? request.counterfactual : CounterfactualKind::None;
    if (report.counterfactual == CounterfactualKind::None)
        return report;
    const Counterfactual counterfactual = buildCounterfactual(target, cue, report.counterfactual);
    report.changedPairs = counterfactual.changedPairs;

    // The trained unit, loaded as the run left it, scores the counterfactual target; its activations go to a
    // scratch cache so the workspace's cache keeps only real data.
    cluster::ScratchFolder scratch{cluster::localScratch("cue")};
    RunOptions options;
    options.device = request.device;
    options.cacheDir = scratch.path;
    InterventionContext context = RunRunner::unitContext(workspace, run, unit, options);
    auto intervention = InterventionRegistry::instance().create(unit.intervention);
    if (intervention->trains()) {
        if (!RunRunner::trained(context.artifactDir))
            throw InputError(InputProblem{context.artifactDir.string(),
                                          {},
                                          "the unit's trained " + unit.intervention + " is not there",
                                          "run the unit again (run --resume " + std::to_string(run.id)
                                              + "), or test the cue without a counterfactual (--counterfactual none)"});
        intervention->load(context);
    }
    Sha256 hash;
    for (const Example &e : counterfactual.examples)
        hash.update(e.contentHash());
    context.evalDistribution = request.target + " (counterfactual: " + cue.describe() + ")";
    context.evalDataHash = hash.hexDigest();
    const auto pairs = pairsInOrder(counterfactual.examples);
    std::vector<double> q;
    constexpr std::size_t kBatch = 64;
    for (std::size_t begin = 0; begin < pairs.size(); begin += kBatch) {
        reportProgress(request.progress, std::int64_t(begin), std::int64_t(pairs.size()),
                       "scoring the counterfactual " + request.target + " with " + unit.intervention);
        const std::vector<PairRef> batch(pairs.begin() + std::ptrdiff_t(begin),
                                         pairs.begin() + std::ptrdiff_t(std::min(pairs.size(), begin + kBatch)));
        context.progress = request.progress;
        const auto scored = intervention->evaluate(context, counterfactual.examples, batch);
        q.insert(q.end(), scored.begin(), scored.end());
    }
    reportProgress(request.progress, std::int64_t(pairs.size()), std::int64_t(pairs.size()), "done");
    report.counterfactualAccuracy = accuracyOf(q);
    report.counterfactualInterval = bootstrapAccuracyInterval(q);
    report.change = accuracyOf(q) - accuracyOf(p);
    report.changeInterval = pairedDifferenceInterval(q, p);
    return report;
}

} // namespace shiftscope
