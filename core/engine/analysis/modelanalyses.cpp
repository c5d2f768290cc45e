#include "engine/analysis/modelanalyses.h"

#include "analysis/attribution.h"
#include "analysis/cueanalysis.h"
#include "analysis/labelbudget.h"
#include "analysis/tokenevidence.h"
#include "analysis/trust.h"
#include "engine/analysis/activationdistance.h"
#include "engine/interventions/directionprobeintervention.h"
#include "engine/interventions/linearprobeintervention.h"
#include "engine/interventions/modelsession.h"
#include "engine/interventions/pairscoringinterventions.h"
#include "engine/interventions/parameters.h"
#include "engine/model/causallm.h"
#include "engine/scoring/rewardscorer.h"
#include "tokenizer/tokenizer.h"
#include "engine/interventions/rewardmodelintervention.h"
#include "runs/intervention.h"
#include "runs/runner.h"
#include "runs/runstore.h"
#include "util/errors.h"
#include "workspace/workspace.h"

#include <ATen/ATen.h>
#include <cmath>
#include <cstdio>

namespace shiftscope {

namespace {

//! A run unit's context for analysing it on `target`: its model, parameters and artifacts, the device asked for.
InterventionContext analysisContext(Workspace &workspace, const RunRecord &run, const RunUnit &unit,
                                    const std::string &device, const ProgressCallback &progress,
                                    const std::string &target)
{
    RunOptions options;
    options.device = device;
    InterventionContext context = RunRunner::unitContext(workspace, run, unit, options);
    context.progress = progress;
    context.evalDistribution = target;
    if (const auto info = workspace.distribution(target))
        context.evalDataHash = info->contentHash;
    return context;
}

//! The unit's trained intervention, loaded from its artifacts; InputError when they are gone.
std::unique_ptr<Intervention> loadedUnit(const InterventionContext &context, const RunRecord &run, const RunUnit &unit)
{
    auto intervention = InterventionRegistry::instance().create(unit.intervention);
    if (!intervention->trains() || !RunRunner::trained(context.artifactDir))
        throw InputError(InputProblem{context.artifactDir.string(),
                                      {},
                                      "the unit's trained " + unit.intervention + " is not there",
                                      "run the unit again (run --resume " + std::to_string(run.id) + ")"});
    intervention->load(context);
    return intervention;
}

InputError notAnalysed(const Workspace &workspace, const RunRecord &run, const std::string &what,
                       const std::string &intervention, const std::string &which)
{
    return InputError(InputProblem{workspace.path().string(), "run " + std::to_string(run.id),
                                   what + " is computed for " + which + ", not " + intervention,
                                   "choose a unit of one of those (--intervention NAME, in a run of it)"});
}

const char *const kDirectionProbes = "mms, cra, lat_stim_1, lat_stim_2";

bool isDirectionProbe(const std::string &name)
{
    return name == "mms" || name == "cra" || name == "lat_stim_1" || name == "lat_stim_2";
}

PairAttribution attribute(Workspace &workspace, const RunRecord &run, const RunUnit &unit,
                          const AttributionRequest &request)
{
    const bool rewardModel = unit.intervention == "lora" || unit.intervention == "prompt_tuning";
    if (unit.intervention != "linear_probe" && !isDirectionProbe(unit.intervention) && !rewardModel)
        throw notAnalysed(workspace, run, "attribution to source pairs", unit.intervention,
                          std::string("linear_probe, ") + kDirectionProbes
                              + " (exact) and lora, prompt_tuning "
                                "(gradient similarity)");
    InterventionContext context =
        analysisContext(workspace, run, unit, request.device, request.progress, request.target);
    if (unit.intervention == "lora")
        context.parameters["dropout"] = "0"; // the same gradients on every call
    // One session for the whole analysis: the unit's steps would each load the model again.
    const auto session = ModelSession::open(context);
    const auto intervention = loadedUnit(context, run, unit);
    const auto train = workspace.examples(unit.trainDistribution, Split::Train);
    const auto target = workspace.examples(request.target, Split::Test);
    const PairRef pair = pairsInOrder(target)[std::size_t(request.pairIndex)];

    PairAttribution a;
    std::vector<double> byExample(train.size(), 0.0);
    if (auto *probe = dynamic_cast<LinearProbeIntervention *>(intervention.get())) {
        a.method = "exact: the L2-regularised probe's weights are C·Σ(y − p)·x over its training responses, so its "
                   "margin splits into one term per source response (summed per example)";
        for (const auto &c : probe->contributions(context, train, target, pair)) {
            byExample[c.example] += c.value;
            a.margin += c.value;
        }
        a.probability = 1 / (1 + std::exp(-a.margin));
    } else if (auto *directions = dynamic_cast<DirectionProbeIntervention *>(intervention.get())) {
        const auto d = directions->contributions(context, train, target, pair);
        a.method = "exact: each unit's direction is the mean of the training pairs' feature differences, so the "
                   "mean cosine, and the calibrated logit, split into one term per source pair (plus the "
                   "calibration's offset)";
        a.margin = d.logit;
        a.constant = d.constant;
        a.probability = d.probability;
        byExample = d.byExample;
    } else {
        auto &model = dynamic_cast<RewardModelIntervention &>(*intervention);
        const auto g = model.gradientSimilarities(context, train, target, pair);
        a.exact = false;
        a.method = "approximate: gradient similarity at the trained weights, (1 − σ(m_k))·∇m_k·∇m for source pair k "
                   "(the change of this pair's margin from one gradient step on k, per unit learning rate); the "
                   "shares rank the source pairs but do not add up to the margin";
        a.margin = g.margin;
        a.probability = 1 / (1 + std::exp(-a.margin));
        byExample = g.byExample;
    }
    for (std::size_t i = 0; i < train.size(); ++i)
        if (train[i].preferredIndex() >= 0)
            a.influences.push_back({train[i].position, byExample[i]});
    return a;
}

std::vector<std::string> tokenTexts(const ModelSession &session, const std::vector<int> &ids)
{
    std::vector<std::string> out;
    for (int id : ids)
        out.push_back(session.tokenizer().decode({id}));
    return out;
}

//! The model's log-probability of each response token given `prompt` and the tokens before it (GENIES' pair
//! tokenisation: the prompt, then the response with EOS); the total is their sum, or their mean with `mean`.
void readLogprobs(const ModelSession &session, const std::string &prompt, const Example &example, const PairRef &pair,
                  bool mean, const ProgressCallback &progress, TokenTrack &track)
{
    track.quantity = "log-probability";
    track.signedValues = false;
    c10::InferenceMode inference;
    for (int side = 0; side < 2; ++side) {
        reportProgress(progress, side, 2,
                       "reading the " + std::string(side == 0 ? "preferred" : "dispreferred")
                           + " response token by token");
        const int response = side == 0 ? pair.preferredIndex : pair.dispreferredIndex;
        const TokenizedExample t = session.pairTokens(prompt, {example.responses[std::size_t(response)].text});
        std::vector<int> ids = t.prompt;
        ids.insert(ids.end(), t.responses[0].begin(), t.responses[0].end());
        // A token needs one before it to be predicted: without a prompt the first response token has no value.
        const auto first = std::max<std::int64_t>(std::int64_t(t.prompt.size()), 1);
        const auto length = std::int64_t(ids.size());
        if (first >= length)
            continue;
        ForwardRequest forward;
        forward.inputIds = at::tensor(std::vector<std::int64_t>(ids.begin(), ids.end()), at::kLong).unsqueeze(0);
        forward.logitsFrom = first - 1;
        // Each predicted token's log-probability, gathered where the logits are: (length - first) values.
        const at::Tensor logprobs =
            at::log_softmax(session.model().forward(forward).logits.select(0, 0), 1).narrow(0, 0, length - first);
        const at::Tensor next = forward.inputIds.select(0, 0).narrow(0, first, length - first).to(logprobs.device());
        const at::Tensor values =
            logprobs.gather(1, next.unsqueeze(1)).squeeze(1).to(at::kCPU, at::kDouble).contiguous();
        for (std::int64_t i = first; i < length; ++i) {
            const double value = values[i - first].item<double>();
            track.tokens[std::size_t(side)].push_back(session.tokenizer().decode({ids[std::size_t(i)]}));
            track.values[std::size_t(side)].push_back(value);
            track.total[std::size_t(side)] += value;
        }
        if (mean)
            track.total[std::size_t(side)] /= double(length - first);
    }
}

//! The base model's log-probability of each response token given the prompt and the tokens before it; the total is
//! what zero_shot compares.
TokenTrack zeroShotTrack(const ModelSession &session, const RunRecord &run, const TokenEvidenceRequest &request,
                         const Example &example, const PairRef &pair)
{
    TokenTrack track;
    track.intervention = "zero_shot";
    if (session.model().config().classifies()) {
        track.note = "a sequence classifier has no next-token probabilities";
        return track;
    }
    // The run's own zero-shot settings where it is a zero-shot run; a baseline unit has the defaults.
    const auto scoring = run.intervention == "zero_shot" ? run.parameters.find("scoring") : run.parameters.end();
    const bool mean = scoring != run.parameters.end() && scoring->second == "mean";
    track.note = mean ? "the base model's log-probability of each response token given the prompt and the tokens "
                        "before it; the total is their mean, which zero-shot compares (scoring=mean)"
                      : "the base model's log-probability of each response token given the prompt and the tokens "
                        "before it; the total is their sum, which zero-shot compares";
    readLogprobs(session, example.prompt, example, pair, mean, request.progress, track);
    return track;
}

//! few_shot's reading: the same log-probabilities, given the unit's demonstrations before the prompt.
TokenTrack fewShotTrack(const ModelSession &session, const InterventionContext &context,
                        const FewShotIntervention &fewShot, const Example &example, const PairRef &pair)
{
    TokenTrack track;
    track.intervention = "few_shot";
    const bool mean = choiceParameter(context, "scoring", {"genies", "mean"}) == "mean";
    track.note = std::string("the base model's log-probability of each response token given the unit's "
                             "demonstrations, the prompt and the tokens before it; the total is their ")
               + (mean ? "mean (scoring=mean)" : "sum") + ", which few_shot compares";
    readLogprobs(session, fewShot.promptFor(context, example), example, pair, mean, context.progress, track);
    return track;
}

//! A probe's reading of each token from the response's first to the text's last (where the probe reads), in the
//! activation reader's tokenisation (the joined text, with the recipe's template around the response).
TokenTrack probeTrack(const InterventionContext &context, Intervention &intervention, const Example &example,
                      const PairRef &pair)
{
    const auto session = ModelSession::open(context);
    auto *linear = dynamic_cast<LinearProbeIntervention *>(&intervention);
    auto *directions = dynamic_cast<DirectionProbeIntervention *>(&intervention);
    ReaderText reader;
    if (directions)
        reader = directions->recipe().reader;
    const auto maxLength = std::size_t(intParameter(context, "max_length", 8, 1 << 20));
    TokenTrack track;
    track.intervention = intervention.name();
    track.quantity = linear ? "probe logit" : "mean cosine";
    track.note = linear ? "the probe's logit of each token's residual activation at its layer (its preference compares "
                          "the last tokens' logits)"
                        : "the mean cosine between each token's features on the probe's units and their directions; "
                          "the totals are ± the mean cosine of the last tokens' difference, which the pair score "
                          "(1 + it) / 2 calibrates";
    c10::InferenceMode inference;
    std::pair<at::Tensor, at::Tensor> last[2]; // the last token's hidden states and head outputs
    for (int side = 0; side < 2; ++side) {
        reportProgress(context.progress, side, 2,
                       "reading the " + std::string(side == 0 ? "preferred" : "dispreferred")
                           + " response token by token");
        const int response = side == 0 ? pair.preferredIndex : pair.dispreferredIndex;
        const std::vector<int> full = session->readerTokens(reader.text(example, response), reader.appendEos);
        std::vector<int> ids = keepLast(full, maxLength);
        const auto cut = std::int64_t(full.size() - ids.size());
        const auto before = std::int64_t(session->readerTokens(example.prompt + reader.prefix, false).size());
        const auto length = std::int64_t(ids.size());
        if (length == 0)
            continue; // nothing to read
        const std::int64_t first = std::clamp<std::int64_t>(before - cut, 0, length - 1);
        ForwardRequest forward;
        forward.inputIds = at::tensor(std::vector<std::int64_t>(ids.begin(), ids.end()), at::kLong).unsqueeze(0);
        forward.capturePositions = at::arange(first, length, at::kLong).unsqueeze(0);
        forward.hiddenStates = true;
        forward.headOutputs = directions != nullptr;
        forward.logitsFrom = length;
        const ForwardResult result = session->model().forward(forward);
        const std::vector<double> values =
            linear ? linear->tokenLogits(context, result.hiddenStates.select(0, 0))
                   : directions->tokenCosines(result.hiddenStates.select(0, 0), result.headOutputs.select(0, 0));
        track.tokens[std::size_t(side)] = tokenTexts(*session, std::vector<int>(ids.begin() + first, ids.end()));
        track.values[std::size_t(side)] = values;
        track.total[std::size_t(side)] = values.empty() ? 0.0 : values.back();
        last[side] = {result.hiddenStates.select(0, 0).narrow(0, length - first - 1, 1),
                      directions ? result.headOutputs.select(0, 0).narrow(0, length - first - 1, 1) : at::Tensor()};
    }
    if (directions) {
        // The pair's score: the mean cosine of the last tokens' difference with the directions, ± for each side.
        const double cosine =
            directions->tokenCosines(last[0].first - last[1].first, last[0].second - last[1].second).front();
        track.total = {cosine, -cosine};
    }
    return track;
}

//! A sequence-classification reward model's head read at every response token (the model's own head scores every
//! position; transformers reads it at the last), in the reward_model intervention's tokenisation.
TokenTrack classifierTrack(const InterventionContext &context, const Example &example, const PairRef &pair)
{
    const auto session = ModelSession::open(context);
    RewardScorerOptions options;
    options.label = int(intParameter(context, "label", 0, 65535));
    const RewardScorer scorer(session->model(), options); // refuses a model without the head or the label
    const auto label = std::int64_t(options.label);
    const bool appendEos = choiceParameter(context, "append_eos", {"true", "false"}) == "true";
    const bool specialTokens = choiceParameter(context, "special_tokens", {"true", "false"}) == "true";
    const auto maxLength = std::size_t(intParameter(context, "max_length", 8, 1 << 20));
    TokenTrack track;
    track.intervention = "reward_model";
    track.quantity = "reward";
    track.note = "the reward model's head read at every token of the response, as if the sequence ended there; the "
                 "total is the response's reward, read at its last token that is not padding";
    c10::InferenceMode inference;
    for (int side = 0; side < 2; ++side) {
        reportProgress(context.progress, side, 2,
                       "reading the " + std::string(side == 0 ? "preferred" : "dispreferred")
                           + " response token by token");
        const int response = side == 0 ? pair.preferredIndex : pair.dispreferredIndex;
        const TokenizedExample t = RewardScorer::tokenize(session->tokenizer(), session->eosId(), example.prompt,
                                                          {example.responses[std::size_t(response)].text}, appendEos,
                                                          maxLength, specialTokens);
        std::vector<int> ids = t.prompt;
        ids.insert(ids.end(), t.responses[0].begin(), t.responses[0].end());
        const auto length = std::int64_t(ids.size());
        if (length == 0)
            continue; // nothing to read
        ForwardRequest forward;
        forward.inputIds = at::tensor(std::vector<std::int64_t>(ids.begin(), ids.end()), at::kLong).unsqueeze(0);
        const at::Tensor logits = session->model().forward(forward).logits.select(0, 0).to(at::kCPU, at::kDouble);
        const auto first = std::int64_t(t.prompt.size());
        for (std::int64_t i = first; i < length; ++i) {
            track.tokens[std::size_t(side)].push_back(session->tokenizer().decode({ids[std::size_t(i)]}));
            track.values[std::size_t(side)].push_back(logits[i][label].item<double>());
        }
        // Where the scorer reads the response: its last token that is not padding (transformers' rule).
        const std::int64_t scored = std::max<std::int64_t>(0, first + scorer.scoredIndex(t.responses[0]));
        track.total[std::size_t(side)] = logits[std::min(scored, length - 1)][label].item<double>();
    }
    return track;
}

TokenTrack readTokens(Workspace &workspace, const RunRecord &run, const RunUnit *unit,
                      const TokenEvidenceRequest &request, std::vector<std::shared_ptr<ModelSession>> &held)
{
    const auto examples = workspace.examples(request.target, Split::Test);
    const PairRef pair = pairsInOrder(examples)[std::size_t(request.pairIndex)];
    const Example &example = examples[exampleIndexByPosition(examples).at(std::size_t(pair.examplePosition))];
    if (!unit) {
        held.push_back(ModelSession::open(run.modelPath, request.device, run.adapterPath));
        return zeroShotTrack(*held.back(), run, request, example, pair);
    }
    if (unit->intervention == "reward_model") {
        const InterventionContext context =
            analysisContext(workspace, run, *unit, request.device, request.progress, request.target);
        held.push_back(ModelSession::open(context));
        return classifierTrack(context, example, pair);
    }
    const bool rewardModel = unit->intervention == "lora" || unit->intervention == "prompt_tuning";
    const bool probe = unit->intervention == "linear_probe" || unit->intervention == "mms"
                    || unit->intervention == "lat_stim_1" || unit->intervention == "lat_stim_2";
    if (!rewardModel && !probe && unit->intervention != "few_shot") {
        TokenTrack none;
        none.intervention = unit->intervention;
        none.note = unit->intervention == "cra" || unit->intervention == "ccs"
                      ? "it reads the difference between the text followed by a question answered Yes and the same "
                        "text answered No; every response token comes before the answer and reads the same in both, "
                        "so only the last token carries its reading"
                      : "it has no per-token reading";
        return none;
    }
    const InterventionContext context =
        analysisContext(workspace, run, *unit, request.device, request.progress, request.target);
    // One session for the whole analysis: the unit's steps would each load the model again.
    const auto session = ModelSession::open(context);
    held.push_back(session);
    const auto intervention = loadedUnit(context, run, *unit);
    if (auto *fewShot = dynamic_cast<FewShotIntervention *>(intervention.get()))
        return fewShotTrack(*session, context, *fewShot, example, pair);
    if (probe)
        return probeTrack(context, *intervention, example, pair);
    auto &model = dynamic_cast<RewardModelIntervention &>(*intervention);
    TokenTrack track;
    track.intervention = unit->intervention;
    track.quantity = "reward";
    track.note = "the reward head read at every token of the response, as if the sequence ended there; the last "
                 "value (at EOS) is the response's reward";
    for (int side = 0; side < 2; ++side) {
        reportProgress(context.progress, side, 2,
                       "reading the " + std::string(side == 0 ? "preferred" : "dispreferred")
                           + " response token by token");
        const auto r = model.tokenRewards(context, example, side == 0 ? pair.preferredIndex : pair.dispreferredIndex);
        track.tokens[std::size_t(side)] = tokenTexts(*session, r.ids);
        track.values[std::size_t(side)] = r.rewards;
        track.total[std::size_t(side)] = r.rewards.empty() ? 0.0 : r.rewards.back();
    }
    return track;
}

//! Every track of a token view, the sessions kept open until the last: the zero-shot track and a unit on the same
//! model and precision read one loaded model.
std::vector<TokenTrack> readTracks(Workspace &workspace, const RunRecord &run,
                                   const std::vector<const RunUnit *> &units, const TokenEvidenceRequest &request)
{
    std::vector<std::shared_ptr<ModelSession>> held;
    std::vector<TokenTrack> tracks;
    for (const RunUnit *unit : units) {
        reportProgress(request.progress, 0, 0,
                       "reading the pair with " + std::string(unit ? unit->intervention : "zero_shot"));
        tracks.push_back(readTokens(workspace, run, unit, request, held));
    }
    return tracks;
}

} // namespace

void installModelAnalyses()
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
    setAttributionProvider(attribute);
    setTokenEvidenceProvider(readTracks);
    setLabelBudgetProvider([](Workspace &workspace, const RunRecord &run, const RunUnit &unit,
                              const LabelBudgetRequest &request, const std::vector<LabelDraw> &draws) {
        if (!labelBudgetApplies(unit.intervention))
            throw notAnalysed(workspace, run, "a label budget", unit.intervention,
                              std::string("linear_probe, ") + kDirectionProbes);
        const InterventionContext context =
            analysisContext(workspace, run, unit, request.device, request.progress, request.target);
        const auto train = workspace.examples(unit.trainDistribution, Split::Train);
        const auto target = workspace.examples(request.target, Split::Test);
        // One session for the whole analysis: the unit's steps would each load the model again.
        const auto session = ModelSession::open(context);
        const auto intervention = loadedUnit(context, run, unit);
        if (auto *probe = dynamic_cast<LinearProbeIntervention *>(intervention.get()))
            return probe->labelBudget(context, train, target, draws);
        return dynamic_cast<DirectionProbeIntervention &>(*intervention).labelBudget(context, train, target, draws);
    });
    setCueErasureProvider([](Workspace &workspace, const RunRecord &run, const RunUnit &unit, const CueRequest &request,
                             const Cue &cue) -> std::optional<std::pair<std::vector<double>, std::string>> {
        if (unit.intervention != "linear_probe" && !isDirectionProbe(unit.intervention))
            return std::nullopt;
        const InterventionContext context =
            analysisContext(workspace, run, unit, request.device, request.progress, request.target);
        // One session for the whole analysis: the unit's steps would each load the model again.
        const auto session = ModelSession::open(context);
        const auto intervention = loadedUnit(context, run, unit);
        const auto train = workspace.examples(unit.trainDistribution, Split::Train);
        const auto target = workspace.examples(request.target, Split::Test);
        const auto pairs = pairsInOrder(target);
        const auto strength = [&cue](const std::string &text) { return cue.strength(text); };
        std::string method = "least-squares concept erasure (LEACE) of the cue's "
                           + std::string(cue.movable() ? "count" : "length") + " per response, fitted on "
                           + unit.trainDistribution + "'s training responses";
        if (auto *probe = dynamic_cast<LinearProbeIntervention *>(intervention.get()))
            return std::pair{probe->erasedPredictions(context, train, target, pairs, strength),
                             method + " at the probe's layer; the probe refitted on the erased responses"};
        auto &directions = dynamic_cast<DirectionProbeIntervention &>(*intervention);
        return std::pair{directions.erasedPredictions(context, train, target, pairs, strength),
                         method + " in each selected unit; the directions taken again from the erased pairs"};
    });
}

} // namespace shiftscope
