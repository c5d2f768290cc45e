#pragma once

#include "util/statistics.h"
#include "workspace/auditstore.h"

#include <optional>
#include <string>
#include <vector>

namespace shiftscope {

//! How often blind judgements agree with the dataset's label. Skips are counted but not judged.
struct Agreement {
    std::string group; //!< the distribution or annotator; empty for all judgements
    int judged = 0;    //!< judgements that picked a response
    int agreeing = 0;  //!< ... that picked the dataset's preferred response
    int skipped = 0;
    double rate = 0.0; //!< agreeing / judged (0 when nothing was judged)
    Interval interval; //!< Wilson 95% interval of the rate
};

//! Cohen's kappa of two annotators on the pairs both judged (skips left out).
struct Kappa {
    std::string first;
    std::string second;
    int shared = 0;
    double observed = 0.0;       //!< share of shared pairs where they chose the same response
    double expected = 0.0;       //!< agreement expected by chance from each one's choice rates
    std::optional<double> kappa; //!< undefined when chance agreement is 1 (both always chose one side)
};

struct RelabelSummary {
    Agreement overall;
    std::vector<Agreement> byDistribution; //!< sorted by name
    std::vector<Agreement> byAnnotator;    //!< sorted by name
    std::vector<Kappa> kappas;             //!< every pair of annotators that share a judged pair
};

//! Statistics of blind relabelling: agreement with the dataset label and agreement between annotators.
class RelabelStats {
public:
    static Agreement agreement(const std::vector<RelabelJudgement> &judgements, const std::string &group = {});
    static Kappa kappa(const std::vector<RelabelJudgement> &judgements, const std::string &first,
                       const std::string &second);
    static RelabelSummary summarise(const std::vector<RelabelJudgement> &judgements);
};

} // namespace shiftscope
