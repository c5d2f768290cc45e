#include "runs/randomintervention.h"

namespace shiftscope {

std::vector<double> RandomIntervention::evaluate(const InterventionContext &, const std::vector<Example> &,
                                                 const std::vector<PairRef> &pairs)
{
    return std::vector<double>(pairs.size(), 0.5);
}

} // namespace shiftscope
