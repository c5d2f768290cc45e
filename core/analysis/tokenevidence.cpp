#include "analysis/tokenevidence.h"

#include "analysis/cueanalysis.h"
#include "runs/runstore.h"
#include "util/errors.h"
#include "workspace/workspace.h"

namespace shiftscope {

namespace {

TokenEvidenceProvider &provider()
{
    static TokenEvidenceProvider installed;
    return installed;
}

} // namespace

void setTokenEvidenceProvider(TokenEvidenceProvider evidence) { provider() = std::move(evidence); }

TokenEvidence tokenEvidence(Workspace &workspace, const TokenEvidenceRequest &request)
{
    const RunRecord run = RunStore(workspace).existingRun(request.runId);
    const RunUnit &unit = analysedUnit(workspace, run,
                                       request.intervention.empty() ? run.intervention : request.intervention,
                                       request.source, request.target);
    const auto examples = workspace.examples(request.target, Split::Test);
    const auto pairs = pairsInOrder(examples);
    const PairRef &pair = targetPair(workspace, pairs, request.target, request.pairIndex);
    requireModelEngine(bool(provider()));
    TokenEvidence evidence;
    evidence.pair = pair;
    for (const Example &e : examples)
        if (e.position == evidence.pair.examplePosition) {
            evidence.prompt = e.prompt;
            evidence.responses = {e.responses[std::size_t(evidence.pair.preferredIndex)].text,
                                  e.responses[std::size_t(evidence.pair.dispreferredIndex)].text};
        }
    // The base model's own preference, then the unit asked for (a zero-shot unit is the first track already).
    std::vector<const RunUnit *> units{nullptr};
    if (unit.intervention != "zero_shot")
        units.push_back(&unit);
    reportProgress(request.progress, 0, 0, "reading the pair token by token");
    for (TokenTrack &track : provider()(workspace, run, units, request)) {
        if (track.quantity.empty())
            evidence.unread.emplace_back(track.intervention, track.note);
        else
            evidence.tracks.push_back(std::move(track));
    }
    return evidence;
}

} // namespace shiftscope
