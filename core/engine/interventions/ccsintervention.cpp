#include "engine/interventions/ccsintervention.h"

#include "engine/model/causallm.h"
#include "engine/model/tensorfile.h"
#include "engine/interventions/adamw.h"
#include "engine/interventions/directionprobeintervention.h"
#include "engine/interventions/modelsession.h"
#include "engine/interventions/parameters.h"
#include "util/errors.h"

#include <ATen/ATen.h>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

namespace shiftscope {

namespace {

constexpr const char *kProbeFile = "ccs.safetensors";
const std::string kQuestion = "\n\n### Does the responder successfully follow the instruction?\n";

ReaderText yesReader() { return {"", kQuestion + "Yes", true}; }

ReaderText noReader() { return {"", kQuestion + "No", true}; }

//! The final-normed hidden state at the last token (the EOS) of each response: (responses, hidden).
at::Tensor finalHidden(const ResponseActivations &a) { return a.residual.select(1, a.residual.size(1) - 1); }

} // namespace

std::vector<ParameterSpec> CcsIntervention::parameters() const
{
    return {{"max_examples", "100", "source examples used, one pair each (GENIES: 100)"},
            {"restarts", "10", "probes trained from fresh random starts; the lowest final loss wins"},
            {"epochs", "1000", "full-batch AdamW steps per restart"},
            {"learning_rate", "1e-3", "AdamW learning rate"},
            {"weight_decay", "0.01", "AdamW weight decay"},
            {"max_length", "512", "tokens kept per text; longer texts lose their beginning"},
            precisionParameter("activations are kept and probes fit in float32")};
}

at::Tensor CcsIntervention::credibility(const at::Tensor &yes, const at::Tensor &no) const
{
    const at::Tensor p0 = at::sigmoid(at::mv(yes.to(at::kDouble) - m_yesMean, m_weights) + m_bias);
    const at::Tensor p1 = at::sigmoid(at::mv(no.to(at::kDouble) - m_noMean, m_weights) + m_bias);
    const at::Tensor c = 0.5 * (p0 + 1 - p1);
    return m_sign > 0 ? c : 1 - c;
}

void CcsIntervention::train(const InterventionContext &context, const std::vector<Example> &trainExamples)
{
    const std::vector<Example> examples = firstExamples(context, trainExamples);
    const int restarts = intParameter(context, "restarts", 1, 1000);
    const int epochs = intParameter(context, "epochs", 1, 1000000);
    const double learningRate = realParameter(context, "learning_rate", 0, 10);
    const double weightDecay = realParameter(context, "weight_decay", 0, 10);
    const std::vector<PairRef> pairs = onePairPerExample(examples, context.seed);
    if (pairs.size() < 2)
        throw InputError(
            InputProblem{context.trainDistribution,
                         {},
                         "too few training pairs for CCS",
                         "use a source with at least 2 examples that have a preferred and a dispreferred response"});
    if (!m_cache)
        m_cache = makeActivationCache(context);
    const auto indices = exampleIndicesOf(examples, pairs);
    const auto yes = m_cache->read(context.trainDistribution, "train", context.trainDataHash, examples, yesReader(),
                                   indices, context.progress);
    const auto no = m_cache->read(context.trainDistribution, "train", context.trainDataHash, examples, noReader(),
                                  indices, context.progress);
    std::vector<at::Tensor> yesRows, noRows;
    for (std::size_t k = 0; k < pairs.size(); ++k)
        for (int r : {pairs[k].preferredIndex, pairs[k].dispreferredIndex}) {
            yesRows.push_back(finalHidden(yes[k])[r]);
            noRows.push_back(finalHidden(no[k])[r]);
        }
    // Plain copies: activations come from inference mode and cannot take part in autograd.
    const at::Tensor x0 = at::stack(yesRows).to(at::kDouble).clone(), x1 = at::stack(noRows).to(at::kDouble).clone();
    m_yesMean = x0.mean(0);
    m_noMean = x1.mean(0);
    const at::Tensor c0 = x0 - m_yesMean, c1 = x1 - m_noMean;

    at::manual_seed(context.seed);
    const std::int64_t d = c0.size(1);
    double bestLoss = std::numeric_limits<double>::infinity();
    at::Tensor bestWeights;
    double bestBias = 0;
    for (int restart = 0; restart < restarts; ++restart) {
        const double bound = 1.0 / std::sqrt(double(d)); // torch.nn.Linear's default initialisation
        at::Tensor w = (at::rand({d}, at::kDouble) * 2 * bound - bound).requires_grad_(true);
        at::Tensor b = (at::rand({1}, at::kDouble) * 2 * bound - bound).requires_grad_(true);
        AdamW optimizer({{"w", w}, {"b", b}}, learningRate, weightDecay);
        double last = 0;
        for (int epoch = 0; epoch < epochs; ++epoch) {
            const at::Tensor p0 = at::sigmoid(at::mv(c0, w) + b), p1 = at::sigmoid(at::mv(c1, w) + b);
            const at::Tensor loss = at::minimum(p0, p1).pow(2).mean() + (p0 - (1 - p1)).pow(2).mean();
            optimizer.zeroGrad();
            loss.backward();
            optimizer.step();
            last = loss.item<double>();
            if (epoch % 100 == 0)
                reportProgress(context.progress, std::int64_t(restart) * epochs + epoch,
                               std::int64_t(restarts) * epochs,
                               "training ccs: restart " + std::to_string(restart + 1) + "/" + std::to_string(restarts));
        }
        if (last < bestLoss) {
            bestLoss = last;
            bestWeights = w.detach().clone();
            bestBias = b.detach().item<double>();
        }
    }
    m_weights = bestWeights;
    m_bias = bestBias;
    // Orientation: the one under which preferred responses are the more credible on the training pairs.
    m_sign = 1;
    at::NoGradGuard noGrad;
    const at::Tensor c = credibility(x0, x1);
    const double agreement =
        (c.slice(0, 0, c.size(0), 2) > c.slice(0, 1, c.size(0), 2)).to(at::kDouble).mean().item<double>();
    if (agreement < 0.5)
        m_sign = -1;
    saveTensors(context.artifactDir / kProbeFile, {{"weights", m_weights},
                                                   {"bias", at::tensor({m_bias})},
                                                   {"yes_mean", m_yesMean},
                                                   {"no_mean", m_noMean},
                                                   {"sign", at::tensor({m_sign})}});
    const nlohmann::ordered_json record = {{"intervention", name()},
                                           {"model_dir", context.modelDir.string()},
                                           {"source", context.trainDistribution},
                                           {"parameters", context.parameters},
                                           {"training_pairs", pairs.size()},
                                           {"final_loss", bestLoss},
                                           {"training_pair_accuracy", std::max(agreement, 1 - agreement)}};
    std::ofstream(context.artifactDir / "ccs.json") << record.dump(1) << "\n";
}

void CcsIntervention::load(const InterventionContext &context)
{
    const auto file = context.artifactDir / kProbeFile;
    const auto saved = loadTensors(file);
    m_weights = requireTensor(saved, "weights", file).to(at::kDouble);
    m_bias = requireTensor(saved, "bias", file)[0].item<double>();
    m_yesMean = requireTensor(saved, "yes_mean", file).to(at::kDouble);
    m_noMean = requireTensor(saved, "no_mean", file).to(at::kDouble);
    m_sign = requireTensor(saved, "sign", file)[0].item<double>();
}

std::vector<double> CcsIntervention::evaluate(const InterventionContext &context, const std::vector<Example> &examples,
                                              const std::vector<PairRef> &pairs)
{
    at::NoGradGuard noGrad;
    if (!m_cache)
        m_cache = makeActivationCache(context);
    const auto indices = exampleIndicesOf(examples, pairs);
    const auto yes = m_cache->read(context.evalDistribution, "test", context.evalDataHash, examples, yesReader(),
                                   indices, context.progress);
    const auto no = m_cache->read(context.evalDistribution, "test", context.evalDataHash, examples, noReader(), indices,
                                  context.progress);
    std::vector<double> out;
    for (std::size_t k = 0; k < pairs.size(); ++k) {
        const at::Tensor c = credibility(finalHidden(yes[k]), finalHidden(no[k]));
        out.push_back(0.5 * (1.0 + (c[pairs[k].preferredIndex] - c[pairs[k].dispreferredIndex]).item<double>()));
    }
    return out;
}

} // namespace shiftscope
