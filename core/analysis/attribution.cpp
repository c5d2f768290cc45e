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
    const PairRef pair = targetPair(workspace, pairs, request.target, request.pairIndex);
    requireModelEngine(bool(provider()));
    PairAttribution a = provider()(workspace, run, unit, request);
    a.intervention = unit.intervention;
    a.unitPosition = unit.position;
    a.pair = pair;
    return a;
}

} // namespace shiftscope
