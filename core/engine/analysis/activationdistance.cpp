#include "engine/analysis/activationdistance.h"

#include "analysis/attribution.h"
#include "analysis/labelbudget.h"
#include "analysis/trust.h"
#include "engine/interventions/activationcache.h"
#include "engine/interventions/linearprobeintervention.h"
#include "engine/interventions/modelsession.h"
#include "runs/intervention.h"
#include "runs/runner.h"
#include "workspace/workspace.h"
#include "util/errors.h"

#include <ATen/ATen.h>
#include <cmath>
#include <cstdio>

namespace shiftscope {

ActivationDistances activationDistances(const InterventionContext &context, const std::string &source,
                                        const std::string &sourceHash, const std::vector<Example> &sourceTrain,
                                        const std::string &target, const std::string &targetHash,
                                        const std::vector<Example> &targetTest, int layer,
                                        const ProgressCallback &progress)
{
    at::NoGradGuard noGrad;
    const int layers = ModelSession::open(context)->model().config().layers;
    if (layer > layers)
        throw InputError(InputProblem{context.modelDir.string(), "--layer " + std::to_string(layer),
                                      "the model has hidden states 0 to " + std::to_string(layers),
                                      "choose a layer in that range, or leave --layer out for the middle block"});
    ActivationDistances out;
    out.layer = layer < 0 ? layers / 2 : layer;
    auto cache = makeActivationCache(context);

    // The source's training responses: their mean and Ledoit–Wolf shrunk covariance.
    std::vector<std::size_t> all(sourceTrain.size());
    for (std::size_t i = 0; i < all.size(); ++i)
        all[i] = i;
    const auto trained = cache->read(source, "train", sourceHash, sourceTrain, {}, all, progress);
    std::vector<at::Tensor> rows;
    for (const ResponseActivations &a : trained)
        rows.push_back(a.residual.select(1, out.layer).to(at::kDouble)); // (responses, hidden)
    const at::Tensor x = at::cat(rows);                                  // (n, hidden)
    const std::int64_t n = x.size(0), d = x.size(1);
    if (n < 2)
        throw InputError(InputProblem{
            source, {}, "the train split has fewer than 2 responses", "a distance needs a source with training data"});
    out.sourceResponses = int(n);
    const at::Tensor mean = x.mean(0);
    const at::Tensor centred = x - mean;
    const at::Tensor sample = centred.t().mm(centred) / double(n); // (d, d)
    const double mu = sample.trace().item<double>() / double(d);
    const at::Tensor identity = at::eye(d, at::TensorOptions().dtype(at::kDouble));
    const double delta = (sample - identity * mu).pow(2).sum().item<double>() / double(d);
    const double fourth = centred.pow(2).sum(1).pow(2).sum().item<double>(); // sum of |x_k|^4
    const double beta = std::min(delta, (fourth - double(n) * sample.pow(2).sum().item<double>())
                                            / (double(n) * double(n) * double(d)));
    out.shrinkage = delta > 0 ? std::max(0.0, beta) / delta : 1.0;
    const at::Tensor covariance = sample * (1 - out.shrinkage) + identity * (out.shrinkage * std::max(mu, 1e-12));
    const at::Tensor lower = at::linalg_cholesky(covariance);

    // Each target pair: the mean of its two responses.
    const std::vector<PairRef> pairs = pairsInOrder(targetTest);
    std::vector<std::size_t> positions;
    std::vector<std::size_t> indexOf;
    for (std::size_t i = 0; i < targetTest.size(); ++i) {
        const auto position = std::size_t(targetTest[i].position);
        if (indexOf.size() <= position)
            indexOf.resize(position + 1, 0);
        indexOf[position] = i;
    }
    for (const PairRef &p : pairs)
        positions.push_back(indexOf[std::size_t(p.examplePosition)]);
    const auto tested = cache->read(target, "test", targetHash, targetTest, {}, positions, progress);
    std::vector<at::Tensor> points;
    for (std::size_t k = 0; k < pairs.size(); ++k) {
        const at::Tensor r = tested[k].residual.select(1, out.layer).to(at::kDouble); // (responses, hidden)
        points.push_back((r[pairs[k].preferredIndex] + r[pairs[k].dispreferredIndex]) / 2);
    }
    if (points.empty())
        return out;
    const at::Tensor differences = (at::stack(points) - mean).t();                         // (d, pairs)
    const at::Tensor z = at::linalg_solve_triangular(lower, differences, /*upper=*/false); // (d, pairs)
    const at::Tensor distances = z.pow(2).sum(0).sqrt();                                   // (pairs)
    for (std::int64_t k = 0; k < distances.size(0); ++k)
        out.values.push_back(distances[k].item<double>());
    return out;
}

void installActivationDistance()
{
    setActivationDistanceProvider([](Workspace &workspace, const RunRecord &run, const RunUnit &unit,
                                     const TrustRequest &request, std::optional<int> &layer) {
        RunOptions options;
        options.device = request.device;
        InterventionContext context = RunRunner::unitContext(workspace, run, unit, options);
        // The probes' reading of the texts, so the activation cache's entries are shared with them.
        context.parameters = {{"max_length", "512"}, {"precision", "float32"}};
        if (unit.intervention == run.intervention)
            for (const char *key : {"max_length", "precision"})
                if (const auto it = run.parameters.find(key); it != run.parameters.end())
                    context.parameters[key] = it->second;
        const auto source = workspace.distribution(request.source), target = workspace.distribution(request.target);
        const ActivationDistances d = activationDistances(
            context, request.source, source ? source->contentHash : "",
            workspace.examples(request.source, Split::Train), request.target, target ? target->contentHash : "",
            workspace.examples(request.target, Split::Test), request.layer, request.progress);
        layer = d.layer;
        char note[200];
        std::snprintf(note, sizeof note,
                      "Mahalanobis distance at hidden state %d from %d source training responses (Ledoit-Wolf "
                      "shrinkage %.3f)",
                      d.layer, d.sourceResponses, d.shrinkage);
        return TrustSignal{"activation_distance", d.values, note};
    });
    setAttributionProvider(
        [](Workspace &workspace, const RunRecord &run, const RunUnit &unit, const AttributionRequest &request) {
        if (unit.intervention != "linear_probe")
            throw InputError(
                InputProblem{workspace.path().string(), "run " + std::to_string(run.id),
                             "attribution to source pairs is computed for linear_probe, not " + unit.intervention,
                             "attribute a linear_probe unit (--intervention linear_probe, in a run of it)"});
        RunOptions options;
        options.device = request.device;
        InterventionContext context = RunRunner::unitContext(workspace, run, unit, options);
        context.progress = request.progress;
        context.evalDistribution = request.target;
        if (const auto info = workspace.distribution(request.target))
            context.evalDataHash = info->contentHash;
        if (!RunRunner::trained(context.artifactDir))
            throw InputError(InputProblem{context.artifactDir.string(),
                                          {},
                                          "the unit's trained probe is not there",
                                          "run the unit again (run --resume " + std::to_string(run.id) + ")"});
        LinearProbeIntervention probe;
        probe.load(context);
        const auto train = workspace.examples(unit.trainDistribution, Split::Train);
        const auto target = workspace.examples(request.target, Split::Test);
        const PairRef pair = pairsInOrder(target)[std::size_t(request.pairIndex)];
        PairAttribution a;
        a.method = "exact: the L2-regularised probe's weights are C·Σ(y − p)·x over its training responses, so its "
                   "margin splits into one term per source response (summed per example)";
        std::vector<double> byExample(train.size(), 0.0);
        for (const auto &c : probe.contributions(context, train, target, pair)) {
            byExample[c.example] += c.value;
            a.margin += c.value;
        }
        for (std::size_t i = 0; i < train.size(); ++i)
            if (train[i].preferredIndex() >= 0)
                a.influences.push_back({train[i].position, byExample[i]});
        return a;
    });
    setLabelBudgetProvider(
        [](Workspace &workspace, const RunRecord &run, const RunUnit &unit, const LabelBudgetRequest &request) {
        if (unit.intervention != "linear_probe")
            throw InputError(InputProblem{workspace.path().string(), "run " + std::to_string(run.id),
                                          "a label budget is computed for linear_probe, not " + unit.intervention,
                                          "use a linear_probe unit (--intervention linear_probe, in a run of it)"});
        RunOptions options;
        options.device = request.device;
        InterventionContext context = RunRunner::unitContext(workspace, run, unit, options);
        context.progress = request.progress;
        context.evalDistribution = request.target;
        if (const auto info = workspace.distribution(request.target))
            context.evalDataHash = info->contentHash;
        LinearProbeIntervention probe;
        return probe.labelBudget(context, workspace.examples(unit.trainDistribution, Split::Train),
                                 workspace.examples(request.target, Split::Test), request.ks, request.repeats,
                                 run.seed);
    });
}

} // namespace shiftscope
