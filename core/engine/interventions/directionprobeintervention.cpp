#include "engine/interventions/directionprobeintervention.h"

#include "engine/analysis/concepterasure.h"
#include "engine/model/causallm.h"
#include "engine/model/tensorfile.h"
#include "engine/interventions/logisticregression.h"
#include "engine/interventions/modelsession.h"
#include "engine/interventions/parameters.h"
#include "util/errors.h"
#include "util/sha256.h"
#include "util/inputfile.h"

#include <ATen/ATen.h>
#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <map>
#include <random>
#include <set>

namespace shiftscope {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

namespace {

constexpr const char *kDirectionsFile = "directions.safetensors";
constexpr const char *kProbeFile = "probe.json";

const char *const kFollowQuestion = "\n\n### Does the responder successfully follow the instruction?\n";

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

//! Puts a probe's directions back when it leaves its scope, after a refit that replaced them for a while.
struct DirectionsKept {
    at::Tensor &slot;
    at::Tensor kept = slot;
    ~DirectionsKept() { slot = kept; }
};

} // namespace

DirectionProbeIntervention::Recipe DirectionProbeIntervention::mms() { return {"mms", Units::Heads, {}, std::nullopt}; }

DirectionProbeIntervention::Recipe DirectionProbeIntervention::cra()
{
    return {"cra",
            Units::Heads,
            {"", std::string(kFollowQuestion) + "Yes", false},
            ReaderText{"", std::string(kFollowQuestion) + "No", false}};
}

DirectionProbeIntervention::Recipe DirectionProbeIntervention::latStim1()
{
    return {"lat_stim_1", Units::Layers, {}, std::nullopt};
}

DirectionProbeIntervention::Recipe DirectionProbeIntervention::latStim2()
{
    return {"lat_stim_2",
            Units::Layers,
            {"Consider the extent to which the responder follows the instruction below.\n",
             "\n\nThe probability that the responder followed the instruction", false},
            std::nullopt};
}

DirectionProbeIntervention::DirectionProbeIntervention(Recipe recipe) : m_recipe(std::move(recipe)) {}

DirectionProbeIntervention::~DirectionProbeIntervention() = default;

std::vector<ParameterSpec> DirectionProbeIntervention::parameters() const
{
    const bool heads = m_recipe.units == Units::Heads;
    std::vector<ParameterSpec> specs = {
        {"num_units", "16",
         heads ? "attention heads kept, by held-out probe accuracy (GENIES' num_intervention_heads)"
               : "residual-stream layers kept, by held-out probe accuracy (all when the model has fewer)"},
        {"val_ratio", "0.3", "share of the source pairs held out to rank units and fit the calibration"},
        {"do_calibration", "true", "Platt-scale the cosine score on the held-out pairs"},
        {"max_examples", "0", "source examples used (0: all), one pair each"},
        {"max_length", "512", "tokens kept per text; longer texts lose their beginning"},
        precisionParameter("activations are kept and probes fit in float32"),
    };
    if (m_recipe.contrast)
        specs.push_back(
            {"alpha", "1", "feature = activation with the Yes suffix − alpha · activation with the No suffix"});
    return specs;
}

std::vector<at::Tensor> DirectionProbeIntervention::features(const InterventionContext &context,
                                                             const std::string &distribution, const std::string &split,
                                                             const std::string &dataHash,
                                                             const std::vector<Example> &examples,
                                                             const std::vector<std::size_t> &indices)
{
    if (!m_cache)
        m_cache = makeActivationCache(context);
    auto unitsOf = [&](const ResponseActivations &a) {
        if (m_recipe.units == Units::Heads)
            return a.heads.reshape(
                {a.heads.size(0), a.heads.size(1) * a.heads.size(2), a.heads.size(3)}); // (R, layers·heads, d)
        return a.residual.narrow(1, 0,
                                 a.residual.size(1) - 1); // (R, layers, hidden): the final-normed state is not a unit
    };
    const auto primary =
        m_cache->read(distribution, split, dataHash, examples, m_recipe.reader, indices, context.progress);
    std::vector<at::Tensor> out;
    for (const auto &a : primary)
        out.push_back(unitsOf(a));
    if (m_recipe.contrast) {
        const double alpha = realParameter(context, "alpha", -1e6, 1e6);
        const auto contrast =
            m_cache->read(distribution, split, dataHash, examples, *m_recipe.contrast, indices, context.progress);
        for (std::size_t i = 0; i < out.size(); ++i)
            out[i] = out[i] - alpha * unitsOf(contrast[i]);
    }
    return out;
}

double DirectionProbeIntervention::score(const at::Tensor &difference) const
{
    // difference (selected units, dim) -> (1 + mean cosine with the directions) / 2
    const at::Tensor cosines =
        at::cosine_similarity(difference.to(at::kDouble), m_directions.to(at::kDouble), 1, 1e-12);
    return 0.5 * (1.0 + cosines.mean().item<double>());
}

void DirectionProbeIntervention::train(const InterventionContext &context, const std::vector<Example> &trainExamples)
{
    at::NoGradGuard noGrad;
    const int keep = intParameter(context, "num_units", 1, 1 << 20);
    const double valRatio = realParameter(context, "val_ratio", 0.05, 0.95);
    m_calibrated = boolParameter(context, "do_calibration");
    const std::vector<Example> examples = firstExamples(context, trainExamples);

    const std::vector<PairRef> pairs = onePairPerExample(examples, context.seed);
    const std::size_t n = pairs.size();
    const auto trainCount = std::size_t(std::floor((1.0 - valRatio) * double(n)));
    if (n < 4 || trainCount < 2 || trainCount >= n)
        throw InputError(
            InputProblem{context.trainDistribution,
                         {},
                         "too few training pairs (" + std::to_string(n) + ") to fit and rank probes",
                         "use a source with at least 4 examples that have a preferred and a dispreferred response"});
    const auto indices = exampleIndicesOf(examples, pairs);
    const auto feats = features(context, context.trainDistribution, "train", context.trainDataHash, examples, indices);

    // Texts in pair order: preferred (label 1), then dispreferred (label 0).
    std::vector<at::Tensor> rows;
    for (std::size_t k = 0; k < n; ++k) {
        rows.push_back(feats[k][pairs[k].preferredIndex]);
        rows.push_back(feats[k][pairs[k].dispreferredIndex]);
    }
    const at::Tensor x = at::stack(rows).to(at::kDouble); // (2n, units, dim)
    at::Tensor y = at::zeros({std::int64_t(2 * n)}, at::kDouble);
    y.slice(0, 0, std::int64_t(2 * n), 2).fill_(1.0);

    std::vector<std::int64_t> order(n);
    for (std::size_t i = 0; i < n; ++i)
        order[i] = std::int64_t(i);
    std::mt19937_64 rng(context.seed);
    std::shuffle(order.begin(), order.end(), rng);
    std::vector<std::int64_t> trainPairs(order.begin(), order.begin() + std::ptrdiff_t(trainCount));
    std::vector<std::int64_t> valPairs(order.begin() + std::ptrdiff_t(trainCount), order.end());
    std::sort(valPairs.begin(), valPairs.end());
    auto textsOf = [](const std::vector<std::int64_t> &pairIndices) {
        std::vector<std::int64_t> texts;
        for (auto k : pairIndices) {
            texts.push_back(2 * k);
            texts.push_back(2 * k + 1);
        }
        return at::tensor(texts, at::kLong);
    };
    const at::Tensor trainTexts = textsOf(trainPairs), valTexts = textsOf(valPairs);

    // Per unit: class-mean direction over all pairs, logistic probe on the train pairs, accuracy on the held-out ones.
    const std::int64_t units = x.size(1);
    const at::Tensor preferredMean = x.slice(0, 0, x.size(0), 2).mean(0),
                     dispreferredMean = x.slice(0, 1, x.size(0), 2).mean(0);
    const at::Tensor directions = preferredMean - dispreferredMean; // (units, dim)
    std::vector<double> accuracy(static_cast<std::size_t>(units));
    for (std::int64_t u = 0; u < units; ++u) {
        reportProgress(context.progress, u, units, "fitting " + name() + " probes");
        const at::Tensor xu = x.select(1, u);
        const LogisticModel probe = fitLogistic(xu.index_select(0, trainTexts), y.index_select(0, trainTexts), 1.0);
        const at::Tensor predicted = probe.probabilities(xu.index_select(0, valTexts)) > 0.5;
        accuracy[std::size_t(u)] =
            (predicted.to(at::kDouble) == y.index_select(0, valTexts)).to(at::kDouble).mean().item<double>();
    }
    std::vector<std::int64_t> ranked(static_cast<std::size_t>(units));
    for (std::int64_t u = 0; u < units; ++u)
        ranked[std::size_t(u)] = u;
    std::stable_sort(ranked.begin(), ranked.end(),
                     [&](auto a, auto b) { return accuracy[std::size_t(a)] > accuracy[std::size_t(b)]; });
    ranked.resize(std::size_t(std::min<std::int64_t>(keep, units)));
    m_units = ranked;
    const at::Tensor selected = at::tensor(m_units, at::kLong);
    m_directions = directions.index_select(0, selected).to(at::kFloat);

    // Platt scaling on the held-out pairs, each seen in both orders.
    std::vector<double> scores, labels;
    for (auto k : valPairs) {
        const double s = score((x[2 * k] - x[2 * k + 1]).index_select(0, selected));
        scores.insert(scores.end(), {s, 1.0 - s});
        labels.insert(labels.end(), {1.0, 0.0});
    }
    const LogisticModel calibrator =
        fitLogistic(at::tensor(scores, at::kDouble).unsqueeze(1), at::tensor(labels, at::kDouble), 0.0);
    m_calibrationWeight = calibrator.weights[0].item<double>();
    m_calibrationBias = calibrator.bias;

    saveTensors(context.artifactDir / kDirectionsFile, {{"directions", m_directions}});
    Json unitList = Json::array(), accuracies = Json::array();
    const std::int64_t heads = m_recipe.units == Units::Heads ? ModelSession::open(context)->model().config().heads : 0;
    for (auto u : m_units) {
        unitList.push_back(heads ? Json::array({u / heads, u % heads}) : Json(u));
        accuracies.push_back(accuracy[std::size_t(u)]);
    }
    const Json record = {{"intervention", name()},
                         {"model_dir", context.modelDir.string()},
                         {"source", context.trainDistribution},
                         {"seed", context.seed},
                         {"parameters", context.parameters},
                         {"units", m_recipe.units == Units::Heads ? "heads [layer, head]" : "layers"},
                         {"selected", unitList},
                         {"selected_unit_indices", m_units},
                         {"held_out_accuracy", accuracies},
                         {"training_pairs", trainCount},
                         {"held_out_pairs", valPairs.size()},
                         {"calibrator", {{"weight", m_calibrationWeight}, {"bias", m_calibrationBias}}}};
    std::ofstream(context.artifactDir / kProbeFile) << record.dump(1) << "\n";
}

void DirectionProbeIntervention::load(const InterventionContext &context)
{
    const fs::path file = context.artifactDir / kProbeFile;
    Json record;
    try {
        const std::string text =
            readInputFile(file, std::uint64_t(64) << 20, "delete the run's unit folder and run again");
        checkJsonDepth(text, file);
        record = Json::parse(text);
        m_units = record.at("selected_unit_indices").get<std::vector<std::int64_t>>();
        m_calibrationWeight = record.at("calibrator").at("weight").get<double>();
        m_calibrationBias = record.at("calibrator").at("bias").get<double>();
    } catch (const InputError &) {
        throw;
    } catch (const std::exception &e) {
        throw InputError(InputProblem{
            file.string(), {}, std::string("unreadable: ") + e.what(), "delete the run's unit folder and run again"});
    }
    m_calibrated = boolParameter(context, "do_calibration");
    m_directions = requireTensor(loadTensors(context.artifactDir / kDirectionsFile), "directions",
                                 context.artifactDir / kDirectionsFile);
}

std::vector<double> DirectionProbeIntervention::evaluate(const InterventionContext &context,
                                                         const std::vector<Example> &examples,
                                                         const std::vector<PairRef> &pairs)
{
    at::NoGradGuard noGrad;
    const auto indices = exampleIndicesOf(examples, pairs);
    const auto feats = features(context, context.evalDistribution, "test", context.evalDataHash, examples, indices);
    const at::Tensor selected = at::tensor(m_units, at::kLong);
    std::vector<double> out;
    for (std::size_t k = 0; k < pairs.size(); ++k) {
        const at::Tensor difference =
            (feats[k][pairs[k].preferredIndex] - feats[k][pairs[k].dispreferredIndex]).index_select(0, selected);
        const double s = score(difference);
        out.push_back(m_calibrated ? sigmoid(m_calibrationWeight * s + m_calibrationBias) : s);
    }
    return out;
}

DirectionProbeIntervention::TrainingFeatures
DirectionProbeIntervention::trainingFeatures(const InterventionContext &context,
                                             const std::vector<Example> &trainExamples)
{
    TrainingFeatures out;
    out.examples = firstExamples(context, trainExamples);
    out.pairs = onePairPerExample(out.examples, context.seed);
    out.indices = exampleIndicesOf(out.examples, out.pairs);
    out.perExample =
        features(context, context.trainDistribution, "train", context.trainDataHash, out.examples, out.indices);
    return out;
}

DirectionProbeIntervention::Decomposition
DirectionProbeIntervention::contributions(const InterventionContext &context, const std::vector<Example> &trainExamples,
                                          const std::vector<Example> &examples, const PairRef &pair)
{
    at::NoGradGuard noGrad;
    const TrainingFeatures trained = trainingFeatures(context, trainExamples);
    const auto &pairs = trained.pairs;
    const auto &indices = trained.indices;
    const auto &feats = trained.perExample;
    const at::Tensor selected = at::tensor(m_units, at::kLong);
    std::vector<at::Tensor> rows;
    for (std::size_t k = 0; k < pairs.size(); ++k)
        rows.push_back((feats[k][pairs[k].preferredIndex] - feats[k][pairs[k].dispreferredIndex])
                           .index_select(0, selected)
                           .to(at::kDouble));
    const at::Tensor c = at::stack(rows); // (n, units, dim)
    const double n = double(c.size(0));
    const at::Tensor v = c.mean(0); // (units, dim)
    const at::Tensor stored = m_directions.to(at::kDouble);
    if (!at::allclose(v, stored, 1e-3, 1e-5 * stored.abs().max().item<double>()))
        throw InputError(InputProblem{context.artifactDir.string(),
                                      {},
                                      "the probe's directions are not the class means of " + context.trainDistribution
                                          + "'s training pairs as they are now",
                                      "the source or the model changed since the run: run the unit again"});

    const auto indexOf = exampleIndexByPosition(examples);
    const auto evaluated = features(context, context.evalDistribution, "test", context.evalDataHash, examples,
                                    {indexOf.at(std::size_t(pair.examplePosition))});
    const at::Tensor d = (evaluated.front()[pair.preferredIndex] - evaluated.front()[pair.dispreferredIndex])
                             .index_select(0, selected)
                             .to(at::kDouble); // (units, dim)
    const at::Tensor scale =
        1.0 / (d.norm(2, 1).clamp_min(1e-12) * v.norm(2, 1).clamp_min(1e-12) * n * double(m_units.size())); // (units)
    const at::Tensor terms = (c * (d * scale.unsqueeze(1)).unsqueeze(0)).sum({1, 2}); // (n): shares of mean cos

    Decomposition out;
    const double w = m_calibrated ? m_calibrationWeight : 1.0, b = m_calibrated ? m_calibrationBias : -0.5;
    out.constant = b + w / 2;
    out.logit = out.constant;
    out.byExample.assign(trainExamples.size(), 0.0);
    for (std::size_t k = 0; k < pairs.size(); ++k) {
        const double share = w / 2 * terms[std::int64_t(k)].item<double>();
        out.byExample[indices[k]] += share;
        out.logit += share;
    }
    out.probability = m_calibrated ? sigmoid(out.logit) : 0.5 + out.logit;
    return out;
}

std::vector<double> DirectionProbeIntervention::erasedPredictions(
    const InterventionContext &context, const std::vector<Example> &trainExamples, const std::vector<Example> &examples,
    const std::vector<PairRef> &pairs, const std::function<double(const std::string &)> &conceptOf)
{
    at::NoGradGuard noGrad;
    const TrainingFeatures trained = trainingFeatures(context, trainExamples);
    const auto &train = trained.examples;
    const auto &trainPairs = trained.pairs;
    const auto &indices = trained.indices;
    const auto &feats = trained.perExample;
    const at::Tensor selected = at::tensor(m_units, at::kLong);
    std::vector<at::Tensor> rows;
    std::vector<double> values;
    for (std::size_t k = 0; k < trainPairs.size(); ++k) {
        const Example &e = train[indices[k]];
        for (int r : {trainPairs[k].preferredIndex, trainPairs[k].dispreferredIndex}) {
            rows.push_back(feats[k][r].index_select(0, selected).to(at::kDouble));
            values.push_back(conceptOf(e.responses[std::size_t(r)].text));
        }
    }
    const at::Tensor x = at::stack(rows); // (2n: preferred, dispreferred, ..., units, dim)
    const at::Tensor z = at::tensor(values, at::kDouble);
    std::vector<ConceptEraser> erasers;
    std::vector<at::Tensor> directions;
    for (std::int64_t u = 0; u < x.size(1); ++u) {
        reportProgress(context.progress, u, x.size(1), "erasing the cue from " + name() + "'s units");
        erasers.push_back(ConceptEraser::fit(x.select(1, u), z));
        const at::Tensor erased = erasers.back().apply(x.select(1, u));
        directions.push_back(erased.slice(0, 0, erased.size(0), 2).mean(0)
                             - erased.slice(0, 1, erased.size(0), 2).mean(0));
    }
    if (std::none_of(erasers.begin(), erasers.end(), [](const ConceptEraser &e) { return e.valid(); }))
        throw InputError(InputProblem{context.trainDistribution,
                                      {},
                                      "the cue does not vary across the training responses, so there is no "
                                      "direction to erase",
                                      "test a cue that some of the source's responses have and others lack"});
    const DirectionsKept kept{m_directions}; // put back however this ends
    m_directions = at::stack(directions).to(at::kFloat);

    const auto evaluated = features(context, context.evalDistribution, "test", context.evalDataHash, examples,
                                    exampleIndicesOf(examples, pairs));
    std::vector<double> out;
    for (std::size_t k = 0; k < pairs.size(); ++k) {
        std::vector<at::Tensor> difference;
        for (std::size_t u = 0; u < erasers.size(); ++u) {
            const at::Tensor f = evaluated[k].select(1, m_units[u]);
            difference.push_back(erasers[u].apply(f[pairs[k].preferredIndex])
                                 - erasers[u].apply(f[pairs[k].dispreferredIndex]));
        }
        const double s = score(at::stack(difference));
        out.push_back(m_calibrated ? sigmoid(m_calibrationWeight * s + m_calibrationBias) : s);
    }
    return out;
}

std::vector<double> DirectionProbeIntervention::labelBudget(const InterventionContext &context,
                                                            const std::vector<Example> &trainExamples,
                                                            const std::vector<Example> &examples,
                                                            const std::vector<std::vector<std::pair<int, int>>> &draws)
{
    at::NoGradGuard noGrad;
    const double trained = double(onePairPerExample(firstExamples(context, trainExamples), context.seed).size());
    const at::Tensor selected = at::tensor(m_units, at::kLong);
    const DirectionsKept kept{m_directions}; // put back however this ends
    const at::Tensor stored = m_directions.to(at::kDouble);

    // Each labelled target example's features on the selected units, (responses, units, dim), by position.
    const std::vector<std::size_t> labelled = labelledIndices(examples);
    const auto feats = features(context, context.evalDistribution, "test", context.evalDataHash, examples, labelled);
    std::map<int, std::pair<std::size_t, at::Tensor>> target;
    for (std::size_t k = 0; k < labelled.size(); ++k)
        target.emplace(examples[labelled[k]].position,
                       std::pair{labelled[k], feats[k].index_select(1, selected).to(at::kDouble)});
    // The differences of an example's pairs when `preferred` is its preferred response, (pairs, units, dim).
    auto differences = [](const at::Tensor &f, int preferred) {
        std::vector<at::Tensor> rows;
        for (std::int64_t r = 0; r < f.size(0); ++r)
            if (r != preferred)
                rows.push_back(f[preferred] - f[r]);
        return at::stack(rows);
    };

    std::vector<double> accuracies;
    for (const auto &draw : draws) {
        reportProgress(context.progress, std::int64_t(accuracies.size()), std::int64_t(draws.size()),
                       "refitting " + name() + " with " + std::to_string(draw.size()) + " labelled target examples");
        at::Tensor sum = stored * trained;
        double count = trained;
        std::set<int> added;
        for (const auto &[position, preferred] : draw) {
            const at::Tensor d = differences(target.at(position).second, preferred);
            sum = sum + d.sum(0);
            count += double(d.size(0));
            added.insert(position);
        }
        m_directions = draw.empty() ? stored.to(at::kFloat) : (sum / count).to(at::kFloat);
        double right = 0, pairs = 0;
        for (const auto &[position, entry] : target) {
            if (added.count(position))
                continue;
            const at::Tensor d = differences(entry.second, examples[entry.first].preferredIndex());
            for (std::int64_t p = 0; p < d.size(0); ++p) {
                const double s = score(d[p]);
                right += (m_calibrated ? sigmoid(m_calibrationWeight * s + m_calibrationBias) : s) >= 0.5;
                ++pairs;
            }
        }
        accuracies.push_back(pairs > 0 ? right / pairs : NAN);
    }
    return accuracies;
}

std::vector<double> DirectionProbeIntervention::tokenCosines(const at::Tensor &hiddenStates,
                                                             const at::Tensor &headOutputs) const
{
    const at::Tensor units =
        m_recipe.units == Units::Heads
            ? headOutputs.reshape({headOutputs.size(0), headOutputs.size(1) * headOutputs.size(2), headOutputs.size(3)})
            : hiddenStates.narrow(1, 0, hiddenStates.size(1) - 1); // (positions, units, dim)
    const at::Tensor selected = units.index_select(1, at::tensor(m_units, at::kLong).to(units.device()));
    const at::Tensor cosines =
        at::cosine_similarity(selected.to(at::kCPU, at::kDouble), m_directions.to(at::kDouble).unsqueeze(0), 2, 1e-12)
            .mean(1); // (positions)
    return {cosines.data_ptr<double>(), cosines.data_ptr<double>() + cosines.size(0)};
}

} // namespace shiftscope
