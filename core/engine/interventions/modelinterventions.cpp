#include "engine/interventions/modelinterventions.h"

#include "engine/analysis/modelanalyses.h"
#include "engine/interventions/ccsintervention.h"
#include "engine/interventions/directionprobeintervention.h"
#include "engine/interventions/linearprobeintervention.h"
#include "engine/interventions/pairscoringinterventions.h"
#include "engine/interventions/rewardmodelintervention.h"

namespace shiftscope {

void registerModelInterventions()
{
    installModelAnalyses(); // the analyses of core/analysis/ that need the model
    auto &registry = InterventionRegistry::instance();
    registry.add("zero_shot", [] { return std::make_unique<ZeroShotIntervention>(); });
    registry.add("few_shot", [] { return std::make_unique<FewShotIntervention>(); });
    registry.add("reward_model", [] { return std::make_unique<RewardModelScoringIntervention>(); });
    registry.add("lora", [] { return std::make_unique<LoraIntervention>(); });
    registry.add("prompt_tuning", [] { return std::make_unique<PromptTuningIntervention>(); });
    using Probe = DirectionProbeIntervention;
    registry.add("mms", [] { return std::make_unique<Probe>(Probe::mms()); });
    registry.add("cra", [] { return std::make_unique<Probe>(Probe::cra()); });
    registry.add("lat_stim_1", [] { return std::make_unique<Probe>(Probe::latStim1()); });
    registry.add("lat_stim_2", [] { return std::make_unique<Probe>(Probe::latStim2()); });
    registry.add("ccs", [] { return std::make_unique<CcsIntervention>(); });
    registry.add("linear_probe", [] { return std::make_unique<LinearProbeIntervention>(); });
}

} // namespace shiftscope
