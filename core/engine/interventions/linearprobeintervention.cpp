#include "engine/interventions/linearprobeintervention.h"

#include "engine/analysis/concepterasure.h"
#include "engine/model/causallm.h"
#include "engine/model/tensorfile.h"
#include "engine/interventions/directionprobeintervention.h"
#include "engine/interventions/logisticregression.h"
#include "engine/interventions/modelsession.h"
#include "engine/interventions/parameters.h"
#include "util/errors.h"

#include <ATen/ATen.h>
#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

namespace shiftscope {

namespace {

constexpr const char *kProbeFile = "linear_probe.safetensors";

} // namespace

std::vector<ParameterSpec> LinearProbeIntervention::parameters() const
{
    return {{"layer", "-1",
             "hidden state read: 0 the embeddings, k the output of block k, up to the final-normed output (the "
             "number of layers); -1 the middle block"},
            {"C", "1", "inverse L2 regularisation strength, as scikit-learn's LogisticRegression"},
            {"max_examples", "0", "source examples used (0: all)"},
            {"max_length", "512", "tokens kept per text; longer texts lose their beginning"},
            precisionParameter("activations are kept and probes fit in float32")};
}

std::int64_t LinearProbeIntervention::layer(const InterventionContext &context) const
{
    const int layers = ModelSession::open(context)->model().config().layers;
    const int chosen = intParameter(context, "layer", -1, layers);
    return chosen < 0 ? layers / 2 : chosen;
}

void LinearProbeIntervention::train(const InterventionContext &context, const std::vector<Example> &trainExamples)
{
    at::NoGradGuard noGrad;
    const std::vector<Example> examples = firstExamples(context, trainExamples);
    const double c = realParameter(context, "C", 1e-9, 1e9);
    if (!m_cache)
        m_cache = makeActivationCache(context);
    const std::vector<std::size_t> indices = labelledIndices(examples);
    const auto activations = m_cache->read(context.trainDistribution, "train", context.trainDataHash, examples, {},
                                           indices, context.progress);
    std::vector<at::Tensor> rows;
    std::vector<double> labels;
    const std::int64_t l = layer(context);
    for (std::size_t k = 0; k < indices.size(); ++k) {
        rows.push_back(activations[k].residual.select(1, l));
        for (int r = 0; r < int(examples[indices[k]].responses.size()); ++r)
            labels.push_back(r == examples[indices[k]].preferredIndex() ? 1.0 : 0.0);
    }
    if (labels.size() < 4)
        throw InputError(InputProblem{context.trainDistribution,
                                      {},
                                      "too few training responses to fit a probe",
                                      "use a source with at least 2 examples that have a preferred response"});
    const at::Tensor x = at::cat(rows).to(at::kDouble);
    m_mean = x.mean(0);
    m_scale = x.std(0).clamp_min(1e-6);
    reportProgress(context.progress, 0, 1, "fitting linear_probe on layer " + std::to_string(l));
    const LogisticModel probe = fitLogistic((x - m_mean) / m_scale, at::tensor(labels, at::kDouble), 1.0 / c);
    m_weights = probe.weights;
    const at::Tensor predicted = (probe.probabilities((x - m_mean) / m_scale) > 0.5).to(at::kDouble);
    const double accuracy = (predicted == at::tensor(labels, at::kDouble)).to(at::kDouble).mean().item<double>();
    saveTensors(context.artifactDir / kProbeFile, {{"weights", m_weights}, {"mean", m_mean}, {"scale", m_scale}});
    const nlohmann::ordered_json record = {{"intervention", name()},
                                           {"model_dir", context.modelDir.string()},
                                           {"source", context.trainDistribution},
                                           {"layer", l},
                                           {"parameters", context.parameters},
                                           {"training_responses", labels.size()},
                                           {"training_accuracy", accuracy}};
    std::ofstream(context.artifactDir / "linear_probe.json") << record.dump(1) << "\n";
}

void LinearProbeIntervention::load(const InterventionContext &context)
{
    const auto file = context.artifactDir / kProbeFile;
    const auto saved = loadTensors(file);
    m_weights = requireTensor(saved, "weights", file).to(at::kDouble);
    m_mean = requireTensor(saved, "mean", file).to(at::kDouble);
    m_scale = requireTensor(saved, "scale", file).to(at::kDouble);
}

std::vector<double> LinearProbeIntervention::evaluate(const InterventionContext &context,
                                                      const std::vector<Example> &examples,
                                                      const std::vector<PairRef> &pairs)
{
    at::NoGradGuard noGrad;
    if (!m_cache)
        m_cache = makeActivationCache(context);
    const auto indices = exampleIndicesOf(examples, pairs);
    const auto activations =
        m_cache->read(context.evalDistribution, "test", context.evalDataHash, examples, {}, indices, context.progress);
    const std::int64_t l = layer(context);
    std::vector<double> out;
    for (std::size_t k = 0; k < pairs.size(); ++k) {
        const at::Tensor x =
            (activations[k].residual.select(1, l).to(at::kDouble) - m_mean) / m_scale; // (responses, hidden)
        const at::Tensor z = at::mv(x, m_weights);
        const double margin = (z[pairs[k].preferredIndex] - z[pairs[k].dispreferredIndex]).item<double>();
        out.push_back(1.0 / (1.0 + std::exp(-margin)));
    }
    return out;
}

std::vector<LinearProbeIntervention::TrainingContribution>
LinearProbeIntervention::contributions(const InterventionContext &context, const std::vector<Example> &trainExamples,
                                       const std::vector<Example> &examples, const PairRef &pair)
{
    at::NoGradGuard noGrad;
    if (!m_cache)
        m_cache = makeActivationCache(context);
    // The training responses exactly as train() read them.
    const std::vector<Example> train = firstExamples(context, trainExamples);
    const std::vector<std::size_t> indices = labelledIndices(train);
    const auto trained =
        m_cache->read(context.trainDistribution, "train", context.trainDataHash, train, {}, indices, context.progress);
    const std::int64_t l = layer(context);
    std::vector<at::Tensor> rows;
    std::vector<double> labels;
    std::vector<TrainingContribution> out;
    for (std::size_t k = 0; k < indices.size(); ++k) {
        rows.push_back(trained[k].residual.select(1, l).to(at::kDouble));
        for (int r = 0; r < int(train[indices[k]].responses.size()); ++r) {
            labels.push_back(r == train[indices[k]].preferredIndex() ? 1.0 : 0.0);
            out.push_back({indices[k], r, 0.0});
        }
    }
    const at::Tensor x = (at::cat(rows) - m_mean) / m_scale; // (responses, hidden)
    const at::Tensor z = at::mv(x, m_weights);
    const at::Tensor y = at::tensor(labels, at::kDouble);
    // The bias solves Σ σ(z_i + b) = Σ y_i (its gradient at the optimum); the sum grows with b.
    double low = -1e3, high = 1e3;
    const double target = y.sum().item<double>();
    for (int i = 0; i < 200; ++i) {
        const double middle = (low + high) / 2;
        (at::sigmoid(z + middle).sum().item<double>() < target ? low : high) = middle;
    }
    const at::Tensor alpha = y - at::sigmoid(z + (low + high) / 2);

    const auto indexOf = exampleIndexByPosition(examples);
    const auto evaluated = m_cache->read(context.evalDistribution, "test", context.evalDataHash, examples, {},
                                         {indexOf.at(std::size_t(pair.examplePosition))}, context.progress);
    const at::Tensor r = evaluated.front().residual.select(1, l).to(at::kDouble); // (responses, hidden)
    const at::Tensor delta = (r[pair.preferredIndex] - r[pair.dispreferredIndex]) / m_scale;
    const double c = realParameter(context, "C", 1e-9, 1e9);
    const at::Tensor values = alpha * at::mv(x, delta) * c;
    for (std::size_t i = 0; i < out.size(); ++i)
        out[i].value = values[std::int64_t(i)].item<double>();
    return out;
}

std::vector<double> LinearProbeIntervention::labelBudget(const InterventionContext &context,
                                                         const std::vector<Example> &trainExamples,
                                                         const std::vector<Example> &examples,
                                                         const std::vector<std::vector<std::pair<int, int>>> &draws)
{
    at::NoGradGuard noGrad;
    if (!m_cache)
        m_cache = makeActivationCache(context);
    const std::int64_t l = layer(context);
    const double c = realParameter(context, "C", 1e-9, 1e9);
    // Each example's responses (rows), from the cache; the source as train() read it.
    auto responsesOf = [&](const std::string &distribution, const std::string &split, const std::string &hash,
                           const std::vector<Example> &split_examples) {
        const std::vector<std::size_t> indices = labelledIndices(split_examples);
        const auto read = m_cache->read(distribution, split, hash, split_examples, {}, indices, context.progress);
        std::map<int, std::pair<std::size_t, at::Tensor>> out; // by position: (index, rows)
        for (std::size_t k = 0; k < indices.size(); ++k)
            out.emplace(split_examples[indices[k]].position,
                        std::pair{indices[k], read[k].residual.select(1, l).to(at::kDouble)});
        return out;
    };
    const std::vector<Example> train = firstExamples(context, trainExamples);
    const auto source = responsesOf(context.trainDistribution, "train", context.trainDataHash, train);
    const auto target = responsesOf(context.evalDistribution, "test", context.evalDataHash, examples);
    std::vector<at::Tensor> sourceRows;
    std::vector<double> sourceLabels;
    for (const auto &[position, entry] : source) {
        sourceRows.push_back(entry.second);
        for (int r = 0; r < entry.second.size(0); ++r)
            sourceLabels.push_back(r == train[entry.first].preferredIndex() ? 1.0 : 0.0);
    }

    std::vector<double> accuracies;
    for (const auto &draw : draws) {
        reportProgress(context.progress, std::int64_t(accuracies.size()), std::int64_t(draws.size()),
                       "refitting linear_probe with " + std::to_string(draw.size()) + " labelled target examples");
        std::vector<at::Tensor> rows = sourceRows;
        std::vector<double> labels = sourceLabels;
        std::set<int> added;
        for (const auto &[position, preferred] : draw) {
            const at::Tensor &x = target.at(position).second;
            rows.push_back(x);
            for (int r = 0; r < x.size(0); ++r)
                labels.push_back(r == preferred ? 1.0 : 0.0);
            added.insert(position);
        }
        LogisticModel probe{m_weights, 0.0};
        at::Tensor mean = m_mean, scale = m_scale;
        if (!draw.empty()) {
            const at::Tensor xs = at::cat(rows);
            mean = xs.mean(0);
            scale = xs.std(0).clamp_min(1e-6);
            probe = fitLogistic((xs - mean) / scale, at::tensor(labels, at::kDouble), 1.0 / c);
        }
        double right = 0, pairs = 0;
        for (const auto &[position, entry] : target) {
            if (added.count(position))
                continue;
            const at::Tensor z = at::mv((entry.second - mean) / scale, probe.weights); // (responses)
            const int preferred = examples[entry.first].preferredIndex();
            for (int r = 0; r < entry.second.size(0); ++r)
                if (r != preferred) {
                    right += z[preferred].item<double>() >= z[r].item<double>();
                    ++pairs;
                }
        }
        accuracies.push_back(pairs > 0 ? right / pairs : NAN);
    }
    return accuracies;
}

std::vector<double> LinearProbeIntervention::erasedPredictions(
    const InterventionContext &context, const std::vector<Example> &trainExamples, const std::vector<Example> &examples,
    const std::vector<PairRef> &pairs, const std::function<double(const std::string &)> &conceptOf)
{
    at::NoGradGuard noGrad;
    if (!m_cache)
        m_cache = makeActivationCache(context);
    const std::int64_t l = layer(context);
    const double c = realParameter(context, "C", 1e-9, 1e9);
    const std::vector<Example> train = firstExamples(context, trainExamples);
    const std::vector<std::size_t> indices = labelledIndices(train);
    const auto read =
        m_cache->read(context.trainDistribution, "train", context.trainDataHash, train, {}, indices, context.progress);
    std::vector<at::Tensor> rows;
    std::vector<double> labels, values;
    for (std::size_t k = 0; k < indices.size(); ++k) {
        const Example &e = train[indices[k]];
        rows.push_back(read[k].residual.select(1, l).to(at::kDouble));
        for (int r = 0; r < int(e.responses.size()); ++r) {
            labels.push_back(r == e.preferredIndex() ? 1.0 : 0.0);
            values.push_back(conceptOf(e.responses[std::size_t(r)].text));
        }
    }
    const at::Tensor x = at::cat(rows);
    const ConceptEraser eraser = ConceptEraser::fit(x, at::tensor(values, at::kDouble));
    if (!eraser.valid())
        throw InputError(InputProblem{context.trainDistribution,
                                      {},
                                      "the cue does not vary across the training responses, so there is no "
                                      "direction to erase",
                                      "test a cue that some of the source's responses have and others lack"});
    const at::Tensor erased = eraser.apply(x);
    const at::Tensor mean = erased.mean(0), scale = erased.std(0).clamp_min(1e-6);
    reportProgress(context.progress, 0, 1, "fitting linear_probe on the erased layer " + std::to_string(l));
    const LogisticModel probe = fitLogistic((erased - mean) / scale, at::tensor(labels, at::kDouble), 1.0 / c);

    const auto evaluated = m_cache->read(context.evalDistribution, "test", context.evalDataHash, examples, {},
                                         exampleIndicesOf(examples, pairs), context.progress);
    std::vector<double> out;
    for (std::size_t k = 0; k < pairs.size(); ++k) {
        const at::Tensor z =
            at::mv((eraser.apply(evaluated[k].residual.select(1, l)) - mean) / scale, probe.weights); // (responses)
        const double margin = (z[pairs[k].preferredIndex] - z[pairs[k].dispreferredIndex]).item<double>();
        out.push_back(1.0 / (1.0 + std::exp(-margin)));
    }
    return out;
}

std::vector<double> LinearProbeIntervention::tokenLogits(const InterventionContext &context,
                                                         const at::Tensor &hiddenStates) const
{
    const at::Tensor x = (hiddenStates.select(1, layer(context)).to(at::kCPU, at::kDouble) - m_mean) / m_scale;
    const at::Tensor z = at::mv(x, m_weights);
    return {z.data_ptr<double>(), z.data_ptr<double>() + z.size(0)};
}

} // namespace shiftscope
