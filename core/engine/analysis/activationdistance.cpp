#include "engine/analysis/activationdistance.h"

#include "engine/analysis/concepterasure.h"
#include "engine/interventions/activationcache.h"
#include "runs/intervention.h"
#include "engine/interventions/modelsession.h"
#include "util/errors.h"

#include <ATen/ATen.h>
#include <cmath>

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
    const std::int64_t n = x.size(0);
    if (n < 2)
        throw InputError(InputProblem{
            source, {}, "the train split has fewer than 2 responses", "a distance needs a source with training data"});
    out.sourceResponses = int(n);
    const ShrunkCovariance shrunk = ledoitWolfCovariance(x);
    out.shrinkage = shrunk.shrinkage;
    const at::Tensor &mean = shrunk.mean;
    const at::Tensor lower = at::linalg_cholesky(shrunk.covariance);

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

} // namespace shiftscope
