#include "analysis/attribution.h"

#include "analysis/cueanalysis.h"
#include "runs/runstore.h"
#include "util/errors.h"
#include "workspace/workspace.h"

namespace shiftscope {

namespace {

AttributionProvider &provider()
{
    static AttributionProvider installed;
    return installed;
}

} // namespace

void setAttributionProvider(AttributionProvider attribution) { provider() = std::move(attribution); }

PairAttribution attributePair(Workspace &workspace, const AttributionRequest &request)
{
    const RunRecord run = RunStore(workspace).existingRun(request.runId);
    const std::string intervention = request.intervention.empty() ? run.intervention : request.intervention;
    const RunUnit &unit = analysedUnit(workspace, run, intervention, request.source, request.target);
    const auto pairs = pairsInOrder(workspace.examples(request.target, Split::Test));
    if (request.pairIndex < 0 || request.pairIndex >= int(pairs.size()))
        throw InputError(InputProblem{workspace.path().string(), "--pair " + std::to_string(request.pairIndex),
                                      request.target + " has test pairs 0 to " + std::to_string(int(pairs.size()) - 1),
                                      "choose a pair in that range (the Disagreements view numbers them)"});
    if (!provider())
        throw InputError(InputProblem{{}, {}, "this program has no model engine", "use shiftscope-cli or the GUI"});
    PairAttribution a = provider()(workspace, run, unit, request);
    a.intervention = unit.intervention;
    a.unitPosition = unit.position;
    a.pair = pairs[std::size_t(request.pairIndex)];
    return a;
}

} // namespace shiftscope
