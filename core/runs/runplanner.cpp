#include "runs/runplanner.h"

#include "data/modelidentity.h"
#include "genies/shiftcatalogue.h"
#include "metrics/geniesmetrics.h"
#include "results/resultanalysis.h"
#include "runs/intervention.h"
#include "runs/modelsummary.h"
#include "runs/runstore.h"
#include "util/errors.h"
#include "util/sha256.h"
#include "util/inputfile.h"

#include <algorithm>
#include <tuple>
#include <fstream>
#include <set>
#include <sstream>

namespace shiftscope {

namespace {

void addUnique(std::vector<std::string> &list, const std::string &value)
{
    if (std::find(list.begin(), list.end(), value) == list.end())
        list.push_back(value);
}

} // namespace

std::vector<ShiftPair> resolveShifts(Workspace &workspace, const std::string &shifts)
{
    if (shifts == "genies")
        return shiftsOf(workspace, ShiftSet::Genies);
    if (shifts == "all")
        return shiftsOf(workspace, ShiftSet::All);
    std::error_code ec;
    if (std::filesystem::is_regular_file(shifts, ec))
        return ShiftCatalogueReader::readFile(shifts).uniqueRows();
    if (shifts.find(':') == std::string::npos
        && (shifts.find('/') != std::string::npos || std::filesystem::path(shifts).extension() == ".json"))
        throw InputError(InputProblem{
            shifts, "--shifts", std::filesystem::exists(shifts, ec) ? "not a regular file" : "no such shifts file",
            "give a shift spec file that exists, genies, all, or SOURCE:TARGET pairs"});
    std::vector<ShiftPair> out;
    std::stringstream list(shifts);
    std::string item;
    while (std::getline(list, item, ',')) {
        const auto colon = item.find(':');
        if (colon == std::string::npos || colon == 0 || colon + 1 == item.size())
            throw InputError(
                InputProblem{{},
                             "--shifts " + shifts,
                             "'" + item + "' is not SOURCE:TARGET",
                             "use genies, all, a shift spec file, or SOURCE:TARGET pairs separated by commas"});
        ShiftPair pair;
        pair.source = item.substr(0, colon);
        pair.target = item.substr(colon + 1);
        // A pair a catalogue knows keeps its category and target reference: the built-in one's, else a loaded one's.
        bool found = false;
        for (const auto &known : ShiftCatalogueReader::builtin().uniqueRows())
            if (known.source == pair.source && known.target == pair.target) {
                pair = known;
                found = true;
            }
        for (const auto &catalogue : workspace.catalogues())
            if (!found && !catalogue.builtin)
                for (const auto &known : workspace.shifts(catalogue.id))
                    if (!found && known.source == pair.source && known.target == pair.target) {
                        pair = known;
                        found = true;
                    }
        out.push_back(pair);
    }
    if (out.empty())
        throw InputError(InputProblem{{}, "--shifts", "no shifts given", "use genies, all, a file or SOURCE:TARGET"});
    return out;
}

RunRecord planRun(Workspace &workspace, const RunRequest &request)
{
    const auto intervention = InterventionRegistry::instance().create(request.intervention);
    if (intervention->needsModel() && request.modelDir.empty())
        throw InputError(
            InputProblem{{},
                         request.intervention,
                         "this intervention needs a model",
                         "give a Hugging Face model folder (--model DIR, or the launcher's Model folder)"});
    // A reward model has no language-model head and a language model no reward head: refuse the mismatch now,
    // before a run is written, and leave out a baseline that cannot run on this model.
    if (!request.adapterDir.empty() && request.modelDir.empty())
        throw InputError(InputProblem{request.adapterDir.string(), "--adapter", "an adapter needs the model it adapts",
                                      "give the base model folder with --model DIR"});
    const bool classifier = !request.modelDir.empty()
                         && (summariseModelFolder(request.modelDir).classifies()
                             || (!request.adapterDir.empty() && adapterAddsScoreHead(request.adapterDir)));
    const auto headFits = [&](const Intervention &i) {
        return i.modelHead() == ModelHeadUse::Any || (i.modelHead() == ModelHeadUse::Classifier) == classifier;
    };
    if (intervention->needsModel() && !headFits(*intervention))
        throw InputError(InputProblem{
            request.modelDir.string(), request.intervention,
            classifier ? "this is a reward model (a sequence-classification head), which gives no log-probabilities"
                       : "this is a language model; reward_model needs a sequence-classification head (score.weight)",
            classifier ? "run reward_model on it, or a probe, lora or prompt_tuning (they read hidden states)"
                       : "give a *ForSequenceClassification model folder, or run zero_shot on this one"});
    RunRecord run;
    run.modelPath = request.modelDir.string();
    run.adapterPath = request.adapterDir.string();
    run.modelHash = request.modelDir.empty() ? std::string() : modelIdentity(request.modelDir, request.adapterDir);
    run.intervention = request.intervention;
    run.shifts = request.shifts;
    run.parameters = resolveParameters(*intervention, request.parameters);
    run.seed = request.seed;
    run.version = SHIFTSCOPE_VERSION;
    const auto shifts = resolveShifts(workspace, request.shifts);

    std::vector<std::string> sources, targets, references, all;
    for (const auto &s : shifts) {
        addUnique(sources, s.source);
        addUnique(targets, s.target);
        addUnique(references, s.effectiveReference());
        for (const std::string *id : {&s.source, &s.target, &s.effectiveReference()})
            addUnique(all, *id);
    }
    std::vector<InputProblem> missing;
    Sha256 dataHash;
    for (const auto &id : all) {
        const auto info = workspace.distribution(id);
        if (!info)
            missing.push_back({workspace.path().string(),
                               {},
                               "distribution " + id + " is not in the workspace",
                               "import it with import-data, or choose shifts whose data you have"});
        else
            dataHash.update(id + ":" + info->contentHash + ";");
    }
    if (!missing.empty())
        throw InputError(std::move(missing));
    run.dataHash = dataHash.hexDigest();

    auto addUnit = [&](const std::string &name, const std::string &train, std::vector<std::string> evaluations) {
        RunUnit unit;
        unit.position = int(run.units.size());
        unit.intervention = name;
        unit.trainDistribution = train;
        unit.evaluations = std::move(evaluations);
        run.units.push_back(std::move(unit));
    };
    if (!intervention->trains()) {
        addUnit(request.intervention, {}, all);
    } else {
        for (const auto &source : sources) {
            std::vector<std::string> evaluations;
            for (const auto &s : shifts)
                if (s.source == source)
                    addUnique(evaluations, s.target);
            addUnique(evaluations, source);
            addUnit(request.intervention, source, evaluations);
        }
        for (const auto &reference : references)
            if (std::find(sources.begin(), sources.end(), reference) == sources.end())
                addUnit(request.intervention, reference, {reference});
    }
    const auto names = InterventionRegistry::instance().names();
    // The baseline runs when it is registered and has what it needs (zero_shot needs the model).
    bool haveBaseline = std::find(names.begin(), names.end(), request.baselineIntervention) != names.end();
    if (haveBaseline) {
        const auto baseline = InterventionRegistry::instance().create(request.baselineIntervention);
        haveBaseline = !baseline->needsModel() || (!request.modelDir.empty() && headFits(*baseline));
    }
    if (haveBaseline && request.baselineIntervention != request.intervention)
        addUnit(request.baselineIntervention, {}, targets);
    return run;
}

std::vector<GeneralizationRow> runReport(Workspace &workspace, const RunRecord &run, CapabilityRule rule)
{
    // The run's evaluations are results like any other: one table function serves the CLI and every view.
    RunStore(workspace).publishPending();
    return rebuildGeneralizationTable(workspace, runModelName(run), runEvaluationLabel(run, run.intervention),
                                      resolveShifts(workspace, run.shifts), rule);
}

RunRequest rerunRequest(const RunRecord &run, std::uint64_t seed)
{
    RunRequest request;
    request.modelDir = run.modelPath;
    request.adapterDir = run.adapterPath;
    request.intervention = run.intervention;
    request.shifts = run.shifts;
    for (const auto &[key, value] : run.parameters)
        request.parameters.push_back(key + "=" + value);
    request.seed = seed;
    request.baselineIntervention.clear(); // none, unless the run had one
    for (const RunUnit &unit : run.units)
        if (unit.intervention != run.intervention)
            request.baselineIntervention = unit.intervention;
    return request;
}

std::uint64_t nextSeed(Workspace &workspace, const RunRecord &run)
{
    std::uint64_t seed = run.seed + 1;
    for (const RunRecord &other : RunStore(workspace).runs())
        if (other.modelHash == run.modelHash && other.intervention == run.intervention
            && other.parameters == run.parameters && other.shifts == run.shifts)
            seed = std::max(seed, other.seed + 1);
    return seed;
}

std::vector<RunRecord> runsOfConfiguration(Workspace &workspace, const RunRecord &run)
{
    std::vector<RunRecord> same;
    for (RunRecord &other : RunStore(workspace).runs())
        if (other.status == RunStatus::Done && other.modelHash == run.modelHash && other.dataHash == run.dataHash
            && other.intervention == run.intervention && other.parameters == run.parameters
            && other.shifts == run.shifts)
            same.push_back(std::move(other));
    return same;
}

} // namespace shiftscope
